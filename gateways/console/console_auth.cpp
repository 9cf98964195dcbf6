#include "gateways/console/console_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace sequent::console {

namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<Sha256Digest> sha256(std::string_view text) noexcept {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr) != 1 || len != 32) {
    return std::nullopt;
  }
  Sha256Digest out;
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = digest[i];
  return out;
}

std::string sha256_hex(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto d = sha256(text);
  if (!d) return {};
  std::string out;
  out.reserve(64);
  for (const std::uint8_t b : *d) {
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

Result<TokenTable> TokenTable::make(const std::vector<ConsoleUser>& users) {
  TokenTable t;
  for (std::size_t u = 0; u < users.size(); ++u) {
    const ConsoleUser& user = users[u];
    if (user.name.empty()) {
      return Error{ErrorCode::kInvalidArgument, "console users[" + std::to_string(u) + "]: empty name"};
    }
    for (std::size_t v = 0; v < u; ++v) {
      if (users[v].name == user.name) {
        return Error{ErrorCode::kInvalidArgument, "console user '" + user.name + "' is listed twice"};
      }
    }
    Sha256Digest d{};
    bool ok = user.token_sha256.size() == 64;
    for (std::size_t i = 0; ok && i < 32; ++i) {
      const int hi = hex_value(user.token_sha256[2 * i]);
      const int lo = hex_value(user.token_sha256[2 * i + 1]);
      ok = hi >= 0 && lo >= 0;
      if (ok) d[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    if (!ok) {
      return Error{ErrorCode::kInvalidArgument,
                   "console user '" + user.name + "': token_sha256 must be 64 hex digits (`sequent token` prints it)"};
    }
    t.digests_.push_back(d);
  }
  return t;
}

std::optional<std::size_t> TokenTable::find(std::string_view token) const noexcept {
  const auto d = sha256(token);
  if (!d) return std::nullopt;
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < digests_.size(); ++i) {
    // Every user is compared; the first match wins (names are unique, hashes should be too).
    if (CRYPTO_memcmp(d->data(), digests_[i].data(), d->size()) == 0 && !found) found = i;
  }
  return found;
}

}  // namespace sequent::console
