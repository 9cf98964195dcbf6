// Field parsers for market-data CSVs: integers, fixed-point decimals, ISO dates and times.
//
// Per-field hot on the reader's thread; header-only so they inline into the row loop. Never
// allocate or throw. parse_fixed takes a fast path for the common "digits[.up to 8 digits]" form
// and hands everything else (exponents, more than 8 decimals, huge values) to the engine's
// parse_fixed_raw with Rounding::kHalfEven, so both paths give the same value for every input.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/fixed_point.hpp"
#include "engine/types.hpp"

namespace sequent::detail {

inline constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
inline constexpr std::int64_t kNanosPerDay = 86'400 * kNanosPerSecond;

// Non-negative decimal integer of at most 18 digits (no sign, no spaces).
inline bool parse_uint(std::string_view s, std::int64_t& out) noexcept {
  if (s.empty() || s.size() > 18) return false;
  std::int64_t v = 0;
  for (char c : s) {
    const unsigned d = static_cast<unsigned>(c - '0');
    if (d > 9) return false;
    v = v * 10 + static_cast<std::int64_t>(d);
  }
  out = v;
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
  const char* const int_begin = p;
  std::int64_t units = 0;
  while (p != e && static_cast<unsigned>(*p - '0') <= 9) units = units * 10 + (*p++ - '0');
  const std::ptrdiff_t int_digits = p - int_begin;
  std::int64_t frac = 0;
  std::ptrdiff_t frac_digits = 0;
  if (p != e && *p == '.') {
    const char* const frac_begin = ++p;
    while (p != e && static_cast<unsigned>(*p - '0') <= 9) frac = frac * 10 + (*p++ - '0');
    frac_digits = p - frac_begin;
  }
  if (p != e || int_digits > 10 || frac_digits > kFixedDecimals || int_digits + frac_digits == 0) [[unlikely]] {
    return parse_fixed_raw(s, raw, Rounding::kHalfEven);
  }
  const std::int64_t v = units * kFixedScale + frac * kPow10[kFixedDecimals - frac_digits];
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
