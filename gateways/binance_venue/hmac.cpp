#include "gateways/binance_venue/hmac.hpp"

#include "gateways/binance/signing.hpp"

namespace sequent::binance_venue {

std::string hmac_sha256_hex(std::string_view secret, std::string_view payload) {
  // The gateway's signer: the venue checks signatures exactly as the gateway makes them.
  return std::string(binance::hmac_sha256_hex(binance::Secret::from_string(secret), payload).view());
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
