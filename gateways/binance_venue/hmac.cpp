#include "gateways/binance_venue/hmac.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace sequent::binance_venue {

std::string hmac_sha256_hex(std::string_view secret, std::string_view payload) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0x0F]);
  }
  return out;
}

bool signature_equal(std::string_view expected_hex, std::string_view given) noexcept {
  if (expected_hex.size() != given.size()) return false;
  unsigned diff = 0;
  for (std::size_t i = 0; i < given.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(given[i]);
    if (c >= 'A' && c <= 'F') c = static_cast<unsigned char>(c - 'A' + 'a');
    diff |= static_cast<unsigned>(c ^ static_cast<unsigned char>(expected_hex[i]));
  }
  return diff == 0;
}

}  // namespace sequent::binance_venue
