#include "tools/token_command.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>

namespace sequent::tools {

namespace {

std::string hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xF];
  }
  return out;
}

}  // namespace

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr) != 1) return {};
  return hex(digest, len);
}

int run_token_command(const std::string& name, const std::string& role) {
  if (role != "viewer" && role != "trader" && role != "manager" && role != "admin") {
    std::fprintf(stderr, "sequent token: --role: expected viewer, trader, manager or admin, was '%s'\n", role.c_str());
    return 2;
  }
  unsigned char random[32];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    std::fprintf(stderr, "sequent token: the system's random source failed\n");
    return 1;
  }
  const std::string token = hex(random, sizeof(random));
  std::printf("token=%s\n", token.c_str());
  std::fprintf(stderr,
               "Give the token to %s; it is shown once and stored nowhere. Put this in the configuration:\n\n"
               "[[users]]\nname = \"%s\"\nrole = \"%s\"\ntoken_sha256 = \"%s\"\n",
               name.c_str(), name.c_str(), role.c_str(), sha256_hex(token).c_str());
  return 0;
}

}  // namespace sequent::tools
