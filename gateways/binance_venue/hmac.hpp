// HMAC-SHA256 as Binance signs SIGNED requests: lower-case hex of HMAC-SHA256(secret, payload).
// Cold path (one call per signed request): a string-returning front of the gateway's signer
// (gateways/binance/signing.hpp), plus the venue's constant-time comparison.
#pragma once

#include <string>
#include <string_view>

namespace sequent::binance_venue {

// 64 lower-case hex digits.
[[nodiscard]] std::string hmac_sha256_hex(std::string_view secret, std::string_view payload);

// Constant-time comparison of two signatures (hex case-insensitive, as Binance accepts either).
[[nodiscard]] bool signature_equal(std::string_view expected_hex, std::string_view given) noexcept;

}  // namespace sequent::binance_venue
