// Fixed-point decimal types: Price, Qty and Money are int64 counts of 1e-8 units.
//
// Header-only because every stage does arithmetic on them per event. Parsing and printing of
// decimal strings are cold (gateways, config, export) and live in fixed_point.cpp.
//
//   Price p = Price::from_units(100) ;          // 100.00000000
//   Qty q;  parse_decimal("0.015", q)          // == kOk, q.raw() == 1'500'000
//   Money n = notional(p, q);                  // 1.5, rounded half to even at 8 decimals
//
// Money is never accumulated in floating point. Products that need more than 64 bits go through
// Int128 (see notional()); to_double() exists only for indicators and reports.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sequent {

// 128-bit intermediates for products of two fixed-point values (GCC/Clang extension).
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

inline constexpr int kFixedDecimals = 8;
inline constexpr std::int64_t kFixedScale = 100'000'000;

template <class Tag>
class Fixed {
 public:
  constexpr Fixed() noexcept = default;
  static constexpr Fixed from_raw(std::int64_t raw) noexcept { return Fixed(raw); }
  // Whole units: from_units(3) == 3.00000000. The caller keeps |units| < 9.2e10.
  static constexpr Fixed from_units(std::int64_t units) noexcept { return Fixed(units * kFixedScale); }

  constexpr std::int64_t raw() const noexcept { return raw_; }
  constexpr bool is_zero() const noexcept { return raw_ == 0; }
  constexpr bool is_positive() const noexcept { return raw_ > 0; }
  constexpr bool is_negative() const noexcept { return raw_ < 0; }
  // For indicators and reports only: never feed the result back into money.
  constexpr double to_double() const noexcept {
    return static_cast<double>(raw_) / static_cast<double>(kFixedScale);
  }

  friend constexpr auto operator<=>(Fixed, Fixed) noexcept = default;
  friend constexpr Fixed operator+(Fixed a, Fixed b) noexcept { return Fixed(a.raw_ + b.raw_); }
  friend constexpr Fixed operator-(Fixed a, Fixed b) noexcept { return Fixed(a.raw_ - b.raw_); }
  friend constexpr Fixed operator-(Fixed a) noexcept { return Fixed(-a.raw_); }
  constexpr Fixed& operator+=(Fixed b) noexcept { raw_ += b.raw_; return *this; }
  constexpr Fixed& operator-=(Fixed b) noexcept { raw_ -= b.raw_; return *this; }

 private:
  constexpr explicit Fixed(std::int64_t raw) noexcept : raw_(raw) {}
  std::int64_t raw_ = 0;
};

struct PriceTag {};
struct QtyTag {};
struct MoneyTag {};
using Price = Fixed<PriceTag>;
using Qty = Fixed<QtyTag>;
using Money = Fixed<MoneyTag>;

// Divides a 128-bit numerator by a positive denominator, rounding half to even.
constexpr Int128 div_round_half_even(Int128 num, Int128 den) noexcept {
  Int128 q = num / den;
  Int128 r = num % den;
  if (r == 0) return q;
  Int128 twice = (r < 0 ? -r : r) * 2;
  bool negative = (num < 0);
  if (twice > den || (twice == den && (q % 2 != 0))) q += negative ? -1 : 1;
  return q;
}

// price × qty in money units, rounded half to even at 8 decimals. Returns the 128-bit value so
// callers can check range before narrowing (risk compares against limits in 128 bits).
constexpr Int128 notional128(Price p, Qty q) noexcept {
  return div_round_half_even(static_cast<Int128>(p.raw()) * q.raw(), kFixedScale);
}
// Narrowing form for everyday amounts (|notional| < 9.2e10 units of the quote currency).
constexpr Money notional(Price p, Qty q) noexcept {
  return Money::from_raw(static_cast<std::int64_t>(notional128(p, q)));
}
// money × basis points / 10'000, rounded half to even (fees).
constexpr Money apply_bps(Money m, std::int64_t bps) noexcept {
  return Money::from_raw(static_cast<std::int64_t>(div_round_half_even(static_cast<Int128>(m.raw()) * bps, 10'000)));
}

enum class ParseStatus : std::uint8_t {
  kOk = 0,
  kEmpty,          // no digits at all
  kBadCharacter,   // something other than [+-]digits[.digits][e[+-]digits]
  kTooPrecise,     // strict mode: a non-zero digit beyond 8 decimals
  kOutOfRange,     // does not fit in int64 at 8 decimals
};

// Names the status for error messages ("more than 8 decimal places").
std::string_view to_string(ParseStatus s) noexcept;

enum class Rounding : std::uint8_t {
  kExact,          // refuse values with non-zero digits beyond 8 decimals (kTooPrecise)
  kHalfEven,       // round to 8 decimals, ties to even (for float-printed sources such as "1e-05")
};

// Parses a decimal string into raw 1e-8 units. Accepts an optional sign, digits with an optional
// '.', and an optional exponent ("1.5", "-0.001", ".5", "7.", "1e-05"). Never allocates or throws.
ParseStatus parse_fixed_raw(std::string_view text, std::int64_t& raw_out,
                            Rounding rounding = Rounding::kExact) noexcept;

template <class Tag>
ParseStatus parse_decimal(std::string_view text, Fixed<Tag>& out,
                          Rounding rounding = Rounding::kExact) noexcept {
  std::int64_t raw = 0;
  ParseStatus s = parse_fixed_raw(text, raw, rounding);
  if (s == ParseStatus::kOk) out = Fixed<Tag>::from_raw(raw);
  return s;
}

// Longest output of format_fixed_raw: "-92233720368.54775808".
inline constexpr std::size_t kMaxFixedChars = 21;

// Writes the canonical decimal form (no exponent, no trailing zeros after the point, no
// trailing '.'; "0" for zero) into buf, which must hold kMaxFixedChars. Returns the length.
std::size_t format_fixed_raw(std::int64_t raw, char* buf) noexcept;

template <class Tag>
std::string to_string(Fixed<Tag> v) {
  char buf[kMaxFixedChars];
  return std::string(buf, format_fixed_raw(v.raw(), buf));
}

}  // namespace sequent
