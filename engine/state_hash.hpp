// StateHasher: the documented, unseeded hash of canonical core state.
//
// FNV-1a 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over a byte stream in
// which every integer is fed little-endian at its declared width and every double as its IEEE-754
// bit pattern. Stages feed their state in a fixed, documented order (sorted by id), never by
// iterating unordered containers. Values are identical on every run, process and machine with
// the same build; see docs/architecture.md ("State hash").
#pragma once

#include <bit>
#include <cstdint>
#include <string_view>

#include "engine/fixed_point.hpp"

namespace sequent {

class StateHasher {
 public:
  static constexpr std::uint64_t kOffsetBasis = 0xcbf29ce484222325ULL;
  static constexpr std::uint64_t kPrime = 0x100000001b3ULL;

  constexpr void add_byte(std::uint8_t b) noexcept {
    h_ ^= b;
    h_ *= kPrime;
  }
  constexpr void add_u64(std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) add_byte(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  constexpr void add_i64(std::int64_t v) noexcept { add_u64(static_cast<std::uint64_t>(v)); }
  constexpr void add_u32(std::uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i) add_byte(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  constexpr void add_u16(std::uint16_t v) noexcept {
    add_byte(static_cast<std::uint8_t>(v));
    add_byte(static_cast<std::uint8_t>(v >> 8));
  }
  constexpr void add_bool(bool v) noexcept { add_byte(v ? 1 : 0); }
  constexpr void add_double(double v) noexcept { add_u64(std::bit_cast<std::uint64_t>(v)); }
  template <class Tag>
  constexpr void add(Fixed<Tag> v) noexcept { add_i64(v.raw()); }
  constexpr void add_string(std::string_view s) noexcept {
    add_u64(s.size());
    for (char c : s) add_byte(static_cast<std::uint8_t>(c));
  }

  constexpr std::uint64_t value() const noexcept { return h_; }

 private:
  std::uint64_t h_ = kOffsetBasis;
};

// The core's state hash: FNV-1a over the strategy, risk and router stage hashes, in that order,
// each fed as 8 little-endian bytes.
constexpr std::uint64_t combine_stage_hashes(std::uint64_t strategy, std::uint64_t risk, std::uint64_t router) noexcept {
  StateHasher h;
  h.add_u64(strategy);
  h.add_u64(risk);
  h.add_u64(router);
  return h.value();
}

// "0123456789abcdef"-style 16-digit lower-case hex, as printed in `final ... state_hash=`.
void format_hash_hex(std::uint64_t h, char out[16]) noexcept;

}  // namespace sequent
