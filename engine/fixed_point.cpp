// Decimal parsing and printing for the fixed-point types (cold path: gateways, config, export).
#include "engine/fixed_point.hpp"

#include <limits>

namespace sequent {

std::string_view to_string(ParseStatus s) noexcept {
  switch (s) {
    case ParseStatus::kOk: return "ok";
    case ParseStatus::kEmpty: return "no digits";
    case ParseStatus::kBadCharacter: return "not a decimal number";
    case ParseStatus::kTooPrecise: return "more than 8 decimal places";
    case ParseStatus::kOutOfRange: return "out of range for 8-decimal fixed point";
  }
  return "unknown";
}

ParseStatus parse_fixed_raw(std::string_view text, std::int64_t& raw_out, Rounding rounding) noexcept {
  std::size_t i = 0;
  const std::size_t n = text.size();
  bool negative = false;
  if (i < n && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  // Significant digits, without leading zeros; `point` counts digits before the decimal point.
  // Only the first 40 significant digits matter: anything beyond is below 1e-8 of any value
  // that fits, and counts only as "sticky" for rounding.
  constexpr std::size_t kMaxDigits = 40;
  unsigned char digits[kMaxDigits];
  std::size_t count = 0;
  bool sticky = false;  // a non-zero digit beyond kMaxDigits
  long point = 0;
  bool seen_digit = false, seen_point = false;
  for (; i < n; ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      seen_digit = true;
      if (count == 0 && c == '0') {
        if (seen_point) --point;  // leading zero after the point shifts the scale
        continue;
      }
      if (count < kMaxDigits) {
        digits[count++] = static_cast<unsigned char>(c - '0');
      } else if (c != '0') {
        sticky = true;
      }
      if (!seen_point) ++point;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!seen_digit) return i < n ? ParseStatus::kBadCharacter : ParseStatus::kEmpty;
  if (i < n) {
    if (text[i] != 'e' && text[i] != 'E') return ParseStatus::kBadCharacter;
    ++i;
    bool exp_negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) {
      exp_negative = text[i] == '-';
      ++i;
    }
    if (i >= n) return ParseStatus::kBadCharacter;
    long exponent = 0;
    for (; i < n; ++i) {
      char c = text[i];
      if (c < '0' || c > '9') return ParseStatus::kBadCharacter;
      if (exponent < 100000) exponent = exponent * 10 + (c - '0');
    }
    point += exp_negative ? -exponent : exponent;
  }
  // Value = 0.d0 d1 d2 ... × 10^point. Raw = value × 10^8: keep digits with index < point + 8.
  const long keep = point + kFixedDecimals;
  if (count == 0) {
    raw_out = 0;
    return ParseStatus::kOk;
  }
  if (keep > 19 + 1) return ParseStatus::kOutOfRange;
  UInt128 acc = 0;
  for (long k = 0; k < keep; ++k) {
    unsigned d = (static_cast<std::size_t>(k) < count && k >= 0) ? digits[k] : 0;
    acc = acc * 10 + d;
    if (acc > static_cast<UInt128>(std::numeric_limits<std::int64_t>::max()) + 1) {
      return ParseStatus::kOutOfRange;
    }
  }
  // Rounding: first dropped digit and whether anything non-zero follows it.
  int first_dropped = 0;
  bool rest_nonzero = sticky;
  for (std::size_t k = 0; k < count; ++k) {
    long pos = static_cast<long>(k);
    if (pos < keep) continue;
    if (pos == keep) {
      first_dropped = digits[k];
    } else if (digits[k] != 0) {
      rest_nonzero = true;
    }
  }
  if (keep < 0) {
    // every digit lies further right than the first dropped position, which is an implicit 0
    first_dropped = 0;
    rest_nonzero = true;
  }
  const bool inexact = first_dropped != 0 || rest_nonzero;
  if (inexact) {
    if (rounding == Rounding::kExact) return ParseStatus::kTooPrecise;
    bool round_up = first_dropped > 5 || (first_dropped == 5 && (rest_nonzero || (acc % 2 == 1)));
    if (round_up) acc += 1;
  }
  const UInt128 max_pos = static_cast<UInt128>(std::numeric_limits<std::int64_t>::max());
  if (negative) {
    if (acc > max_pos + 1) return ParseStatus::kOutOfRange;
    raw_out = acc == max_pos + 1 ? std::numeric_limits<std::int64_t>::min()
                                 : -static_cast<std::int64_t>(acc);
  } else {
    if (acc > max_pos) return ParseStatus::kOutOfRange;
    raw_out = static_cast<std::int64_t>(acc);
  }
  return ParseStatus::kOk;
}

std::size_t format_fixed_raw(std::int64_t raw, char* buf) noexcept {
  std::uint64_t mag = raw < 0 ? (~static_cast<std::uint64_t>(raw) + 1) : static_cast<std::uint64_t>(raw);
  std::uint64_t units = mag / static_cast<std::uint64_t>(kFixedScale);
  std::uint64_t frac = mag % static_cast<std::uint64_t>(kFixedScale);
  char tmp[24];
  std::size_t len = 0;
  if (raw < 0) buf[len++] = '-';
  std::size_t t = 0;
  do {
    tmp[t++] = static_cast<char>('0' + units % 10);
    units /= 10;
  } while (units != 0);
  while (t > 0) buf[len++] = tmp[--t];
  if (frac != 0) {
    buf[len++] = '.';
    char fdigits[kFixedDecimals];
    for (int k = kFixedDecimals - 1; k >= 0; --k) {
      fdigits[k] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    int last = kFixedDecimals - 1;
    while (fdigits[last] == '0') --last;
    for (int k = 0; k <= last; ++k) buf[len++] = fdigits[k];
  }
  return len;
}

}  // namespace sequent
