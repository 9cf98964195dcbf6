// Binance decimal strings ("60650.01000000", "0.0024", "10", "-100.00") straight into fixed point.
//
// The fast path handles what Binance sends: an optional '-', integer digits, an optional '.' and
// fraction digits, with eight fraction digits converted in one SWAR step. More than 8 fraction
// digits are accepted only when the extra ones are zeros (otherwise kTooPrecise), and a value
// beyond int64 at 8 decimals is kOutOfRange. Anything else (exponent, '+', spaces) falls back
// to engine/fixed_point's parse_fixed_raw in exact mode, so the result never depends on which
// path ran. Never allocates or throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "engine/fixed_point.hpp"

namespace sequent::binance {

namespace detail {

// Eight ASCII digits at p (little-endian load) → their value, or false if any is not a digit.
inline bool parse_eight_digits(const char* p, std::uint64_t& out) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  // All bytes in '0'..'9': high nibble 3, and adding 6 does not carry into the high nibble.
  if ((v & 0xF0F0F0F0F0F0F0F0ull) != 0x3030303030303030ull ||
      ((v + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) != 0x3030303030303030ull)
    return false;
  v -= 0x3030303030303030ull;
  v = (v * 10) + (v >> 8);
  v = (((v & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
       (((v >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >> 32;
  out = v;
  return true;
}

inline constexpr std::uint64_t kPow10[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

}  // namespace detail

inline ParseStatus parse_binance_decimal_raw(std::string_view text, std::int64_t& out) noexcept {
  const char* p = text.data();
  const char* end = p + text.size();
  bool negative = false;
  if (p != end && *p == '-') {
    negative = true;
    ++p;
  }
  // Integer part: at most 11 digits fit (int64 max is 92233720368.54775807 at 8 decimals).
  std::uint64_t whole = 0;
  const char* int_begin = p;
  while (p != end && static_cast<unsigned char>(*p - '0') <= 9) {
    whole = whole * 10 + static_cast<std::uint64_t>(*p - '0');
    ++p;
    if (p - int_begin > 11) return parse_fixed_raw(text, out, Rounding::kExact);  // range check there
  }
  const bool has_int = p != int_begin;
  std::uint64_t frac = 0;
  bool has_frac = false;
  if (p != end && *p == '.') {
    ++p;
    const std::size_t n = static_cast<std::size_t>(end - p);
    if (n >= 8) {
      if (!detail::parse_eight_digits(p, frac)) return parse_fixed_raw(text, out, Rounding::kExact);
      for (const char* q = p + 8; q != end; ++q)  // beyond 8 decimals: zeros only
        if (*q != '0') return parse_fixed_raw(text, out, Rounding::kExact);  // kTooPrecise or bad

      has_frac = true;
    } else {
      for (std::size_t k = 0; k < n; ++k) {
        const unsigned d = static_cast<unsigned char>(p[k] - '0');
        if (d > 9) return parse_fixed_raw(text, out, Rounding::kExact);
        frac = frac * 10 + d;
      }
      frac *= detail::kPow10[8 - n];
      has_frac = n != 0;
    }
    p = end;
  }
  if (p != end || (!has_int && !has_frac)) return parse_fixed_raw(text, out, Rounding::kExact);
  // whole <= 99'999'999'999 here, so whole * 1e8 + frac fits in uint64; check int64.
  const std::uint64_t mag = whole * 100'000'000ull + frac;
  const std::uint64_t limit = negative ? (std::uint64_t{1} << 63) : (std::uint64_t{1} << 63) - 1;
  if (mag > limit) return ParseStatus::kOutOfRange;
  out = negative ? static_cast<std::int64_t>(0 - mag) : static_cast<std::int64_t>(mag);
  return ParseStatus::kOk;
}

template <class Tag>
inline ParseStatus parse_binance_decimal(std::string_view text, Fixed<Tag>& out) noexcept {
  std::int64_t raw = 0;
  const ParseStatus s = parse_binance_decimal_raw(text, raw);
  if (s == ParseStatus::kOk) out = Fixed<Tag>::from_raw(raw);
  return s;
}

}  // namespace sequent::binance
