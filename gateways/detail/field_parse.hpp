// Field parsers for market-data CSVs: integers, fixed-point decimals, ISO dates and times.
//
// Per-field hot on the reader's thread; header-only so they inline into the row loop. Never
// allocate or throw. parse_fixed takes a fast path for the common "digits[.up to 8 digits]" form
// and hands everything else (exponents, more than 8 decimals, huge values) to the engine's
// parse_fixed_raw with Rounding::kHalfEven, so both paths give the same value for every input.
//
// The fast paths read digits eight at a time (SWAR, as simdjson's parse_eight_digits_unrolled):
// they load 8 bytes from where a run of digits starts, so the text must be followed by at least
// kFieldPadding readable bytes. LineReader's buffer guarantees it for every line it returns.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>

#include "engine/fixed_point.hpp"
#include "engine/types.hpp"

namespace sequent::detail {

inline constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
inline constexpr std::int64_t kNanosPerDay = 86'400 * kNanosPerSecond;

// Bytes that must be readable after the end of any text given to parse_uint or parse_fixed.
inline constexpr std::size_t kFieldPadding = 16;

namespace field_parse_internal {

// The leading ASCII digits among the 8 bytes at p, at most `limit` of them: count and value.
inline std::uint64_t leading_digits(const char* p, std::ptrdiff_t limit, int& count) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);  // little-endian: p[0] in the low byte
  // A byte is a digit iff its high nibble is 3 and adding 6 keeps it 3 (0x30..0x39). A carry
  // from a byte >= 0xFA can only disturb later bytes, after a non-digit already found.
  const std::uint64_t high = 0xF0F0F0F0F0F0F0F0ull, threes = 0x3030303030303030ull;
  const std::uint64_t bad = ((v & high) ^ threes) | (((v + 0x0606060606060606ull) & high) ^ threes);
  count = bad == 0 ? 8 : std::countr_zero(bad) / 8;
  if (count > limit) count = static_cast<int>(limit);
  if (count <= 0) {
    count = 0;
    return 0;
  }
  v -= threes;
  v <<= 8 * (8 - count);  // the digits move to the top; the bytes below become leading zeros
  v = (v * 10) + (v >> 8);
  v = (((v & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
       (((v >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >>
      32;
  return v;
}

// The digits at [p, end): appends them to `value`; returns how many (at most 24).
inline int digit_run(const char* p, const char* end, std::uint64_t& value) noexcept {
  static constexpr std::uint64_t kPow10[9] = {1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000};
  int total = 0;
  for (int round = 0; round < 3; ++round) {
    int n = 0;
    const std::uint64_t chunk = leading_digits(p, end - p, n);  // never past the text's end
    value = value * kPow10[n] + chunk;
    total += n;
    p += n;
    if (n < 8) break;
  }
  return total;
}

}  // namespace field_parse_internal

// Non-negative decimal integer up to INT64_MAX (no sign, no spaces; 19 digits for ns epochs).
inline bool parse_uint(std::string_view s, std::int64_t& out) noexcept {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t v = 0;
  if (field_parse_internal::digit_run(s.data(), s.data() + s.size(), v) != static_cast<int>(s.size())) return false;
  if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
  out = static_cast<std::int64_t>(v);
  return true;
}

inline ParseStatus parse_fixed(std::string_view s, std::int64_t& raw) noexcept {
  static constexpr std::int64_t kPow10[9] = {1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000};
  const char* p = s.data();
  const char* const e = p + s.size();
  bool negative = false;
  if (p != e && *p == '-') {
    negative = true;
    ++p;
  }
  std::uint64_t units = 0, frac = 0;
  const int int_digits = field_parse_internal::digit_run(p, e, units);
  p += int_digits;
  int frac_digits = 0;
  if (p != e && *p == '.') {
    ++p;
    frac_digits = field_parse_internal::digit_run(p, e, frac);
    p += frac_digits;
  }
  if (p != e || int_digits > 10 || frac_digits > kFixedDecimals || int_digits + frac_digits == 0) [[unlikely]] {
    return parse_fixed_raw(s, raw, Rounding::kHalfEven);
  }
  const std::int64_t v = static_cast<std::int64_t>(units) * kFixedScale +
                         static_cast<std::int64_t>(frac) * kPow10[kFixedDecimals - frac_digits];
  raw = negative ? -v : v;
  return ParseStatus::kOk;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

namespace field_parse_internal {
inline bool digits(const char* p, int n, unsigned& out) noexcept {
  unsigned v = 0;
  for (int i = 0; i < n; ++i) {
    const unsigned d = static_cast<unsigned>(p[i] - '0');
    if (d > 9) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}
}  // namespace field_parse_internal

// "HH:MM" or "HH:MM:SS" with an optional fraction of up to 9 digits: nanoseconds since midnight.
inline bool parse_time_of_day(std::string_view s, TimeNs& out) noexcept {
  using field_parse_internal::digits;
  unsigned h = 0, mi = 0, sec = 0;
  if (s.size() < 5 || s[2] != ':' || !digits(s.data(), 2, h) || !digits(s.data() + 3, 2, mi)) return false;
  std::size_t i = 5;
  TimeNs frac_ns = 0;
  if (i < s.size() && s[i] == ':') {
    if (s.size() < 8 || !digits(s.data() + 6, 2, sec)) return false;
    i = 8;
    if (i < s.size() && s[i] == '.') {
      ++i;
      TimeNs scale = 100'000'000;
      const std::size_t start = i;
      for (; i < s.size() && static_cast<unsigned>(s[i] - '0') <= 9; ++i) {
        frac_ns += scale * (s[i] - '0');
        scale /= 10;
      }
      if (i == start || i - start > 9) return false;
    }
  }
  if (i != s.size() || h > 23 || mi > 59 || sec > 60) return false;
  out = (static_cast<TimeNs>(h) * 3600 + mi * 60 + sec) * kNanosPerSecond + frac_ns;
  return true;
}

// "YYYY-MM-DD", optionally followed by 'T' or ' ' and a time of day, and an optional 'Z'.
// Read as UTC: nanoseconds since the Unix epoch.
inline bool parse_iso_datetime(std::string_view s, TimeNs& out) noexcept {
  using field_parse_internal::digits;
  unsigned y = 0, m = 0, d = 0;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-' || !digits(s.data(), 4, y) || !digits(s.data() + 5, 2, m) ||
      !digits(s.data() + 8, 2, d) || m < 1 || m > 12 || d < 1 || d > 31) {
    return false;
  }
  TimeNs day_ns = 0;
  std::string_view rest = s.substr(10);
  if (!rest.empty() && rest.back() == 'Z') rest.remove_suffix(1);
  if (!rest.empty()) {
    if (rest[0] != 'T' && rest[0] != ' ') return false;
    if (!parse_time_of_day(rest.substr(1), day_ns)) return false;
  }
  out = days_from_civil(y, m, d) * kNanosPerDay + day_ns;
  return true;
}

}  // namespace sequent::detail
