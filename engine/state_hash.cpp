#include "engine/state_hash.hpp"

namespace sequent {

void format_hash_hex(std::uint64_t h, char out[16]) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {
    out[i] = kHex[h & 0xF];
    h >>= 4;
  }
}

}  // namespace sequent
