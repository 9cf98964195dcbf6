// Console users and their tokens: a token is never stored, only its SHA-256; a presented token is
// hashed (OpenSSL EVP) and compared with every user's hash in constant time, so neither the time
// taken nor any log reveals which bytes matched. Cold path.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.hpp"
#include "gateways/console/console_request.hpp"

namespace sequent::console {

struct ConsoleUser {
  std::string name;
  Role role = Role::kViewer;
  std::string token_sha256;  // 64 hex digits
};

using Sha256Digest = std::array<std::uint8_t, 32>;

// SHA-256 of text; nullopt only if OpenSSL fails.
std::optional<Sha256Digest> sha256(std::string_view text) noexcept;
// Lower-case hex of SHA-256(text) (what `sequent token` prints as token_sha256).
std::string sha256_hex(std::string_view text);

// The configured users with their digests decoded once at start-up.
class TokenTable {
 public:
  // Fails naming the user whose token_sha256 is not 64 hex digits, or a duplicate name.
  static Result<TokenTable> make(const std::vector<ConsoleUser>& users);

  // Index of the user whose hash matches SHA-256(token), or nullopt. Compares against every user
  // with CRYPTO_memcmp, whatever matches, so the time does not depend on the token.
  std::optional<std::size_t> find(std::string_view token) const noexcept;
  std::size_t size() const noexcept { return digests_.size(); }

 private:
  std::vector<Sha256Digest> digests_;
};

}  // namespace sequent::console
