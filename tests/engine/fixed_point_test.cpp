#include "engine/fixed_point.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace sequent {
namespace {

std::int64_t parse_ok(std::string_view s, Rounding r = Rounding::kExact) {
  std::int64_t raw = -777;
  EXPECT_EQ(parse_fixed_raw(s, raw, r), ParseStatus::kOk) << s;
  return raw;
}

TEST(FixedPoint, ParsesPlainDecimals) {
  EXPECT_EQ(parse_ok("0"), 0);
  EXPECT_EQ(parse_ok("1"), 100'000'000);
  EXPECT_EQ(parse_ok("-1"), -100'000'000);
  EXPECT_EQ(parse_ok("+2.5"), 250'000'000);
  EXPECT_EQ(parse_ok("0.00000001"), 1);
  EXPECT_EQ(parse_ok("-0.00000001"), -1);
  EXPECT_EQ(parse_ok("105573.73"), 10'557'373'000'000);
  EXPECT_EQ(parse_ok(".5"), 50'000'000);
  EXPECT_EQ(parse_ok("7."), 700'000'000);
  EXPECT_EQ(parse_ok("000123.45000000"), 12'345'000'000);
  EXPECT_EQ(parse_ok("0.00100000"), 100'000);
}

TEST(FixedPoint, TrailingZerosBeyondEightDecimalsAreExact) {
  EXPECT_EQ(parse_ok("1.1234567800000"), 112'345'678);
}

TEST(FixedPoint, StrictModeRefusesPrecisionLoss) {
  std::int64_t raw = 0;
  EXPECT_EQ(parse_fixed_raw("0.000000001", raw), ParseStatus::kTooPrecise);
  EXPECT_EQ(parse_fixed_raw("1.123456789", raw), ParseStatus::kTooPrecise);
}

TEST(FixedPoint, RoundsHalfToEvenWhenAsked) {
  EXPECT_EQ(parse_ok("0.000000015", Rounding::kHalfEven), 2);   // tie → even (2)
  EXPECT_EQ(parse_ok("0.000000025", Rounding::kHalfEven), 2);   // tie → even (2)
  EXPECT_EQ(parse_ok("0.0000000251", Rounding::kHalfEven), 3);  // above tie
  EXPECT_EQ(parse_ok("-0.000000015", Rounding::kHalfEven), -2);
  EXPECT_EQ(parse_ok("0.30000000000000004", Rounding::kHalfEven), 30'000'000);
  EXPECT_EQ(parse_ok("0.000000004", Rounding::kHalfEven), 0);
  EXPECT_EQ(parse_ok("0.000000005", Rounding::kHalfEven), 0);   // tie → even (0)
  EXPECT_EQ(parse_ok("0.0000000050001", Rounding::kHalfEven), 1);
}

TEST(FixedPoint, ParsesExponents) {
  EXPECT_EQ(parse_ok("1e-05", Rounding::kHalfEven), 1000);
  EXPECT_EQ(parse_ok("1.5E3"), 150'000'000'000);
  EXPECT_EQ(parse_ok("25e-1"), 250'000'000);
  EXPECT_EQ(parse_ok("1e-9", Rounding::kHalfEven), 0);
}

TEST(FixedPoint, RejectsMalformedInput) {
  std::int64_t raw = 0;
  EXPECT_EQ(parse_fixed_raw("", raw), ParseStatus::kEmpty);
  EXPECT_EQ(parse_fixed_raw("-", raw), ParseStatus::kEmpty);
  EXPECT_EQ(parse_fixed_raw("abc", raw), ParseStatus::kBadCharacter);
  EXPECT_EQ(parse_fixed_raw("1.2.3", raw), ParseStatus::kBadCharacter);
  EXPECT_EQ(parse_fixed_raw("1,5", raw), ParseStatus::kBadCharacter);
  EXPECT_EQ(parse_fixed_raw("1e", raw), ParseStatus::kBadCharacter);
  EXPECT_EQ(parse_fixed_raw(" 1", raw), ParseStatus::kBadCharacter);
  EXPECT_EQ(parse_fixed_raw("1 ", raw), ParseStatus::kBadCharacter);
  EXPECT_EQ(parse_fixed_raw("nan", raw), ParseStatus::kBadCharacter);
}

TEST(FixedPoint, DetectsOverflowAtTheInt64Edge) {
  std::int64_t raw = 0;
  EXPECT_EQ(parse_ok("92233720368.54775807"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(parse_fixed_raw("92233720368.54775808", raw), ParseStatus::kOutOfRange);
  EXPECT_EQ(parse_ok("-92233720368.54775808"), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(parse_fixed_raw("-92233720368.54775809", raw), ParseStatus::kOutOfRange);
  EXPECT_EQ(parse_fixed_raw("1e30", raw), ParseStatus::kOutOfRange);
  EXPECT_EQ(parse_fixed_raw("100000000000", raw), ParseStatus::kOutOfRange);
}

std::string fmt(std::int64_t raw) {
  char buf[kMaxFixedChars];
  return std::string(buf, format_fixed_raw(raw, buf));
}

TEST(FixedPoint, PrintsCanonicalForm) {
  EXPECT_EQ(fmt(0), "0");
  EXPECT_EQ(fmt(100'000'000), "1");
  EXPECT_EQ(fmt(-150'000'000), "-1.5");
  EXPECT_EQ(fmt(1), "0.00000001");
  EXPECT_EQ(fmt(-1), "-0.00000001");
  EXPECT_EQ(fmt(10'557'373'000'000), "105573.73");
  EXPECT_EQ(fmt(std::numeric_limits<std::int64_t>::max()), "92233720368.54775807");
  EXPECT_EQ(fmt(std::numeric_limits<std::int64_t>::min()), "-92233720368.54775808");
}

TEST(FixedPoint, PrintThenParseRoundTrips) {
  std::uint64_t x = 0x9E3779B97F4A7C15ULL;  // fixed-seed xorshift walk over the whole range
  for (int i = 0; i < 100000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const auto raw = static_cast<std::int64_t>(x);
    EXPECT_EQ(parse_ok(fmt(raw)), raw);
  }
}

TEST(FixedPoint, NotionalRoundsHalfToEven) {
  // 0.00000001 × 0.5 = 0.000000005 → 0 (tie to even); × 1.5 → 0.000000015 → 0.00000002
  EXPECT_EQ(notional(Price::from_raw(1), Qty::from_raw(50'000'000)).raw(), 0);
  EXPECT_EQ(notional(Price::from_raw(1), Qty::from_raw(150'000'000)).raw(), 2);
  EXPECT_EQ(notional(Price::from_units(100'000), Qty::from_raw(1'000'000)).raw(), Money::from_units(1'000).raw());
  EXPECT_EQ(notional(Price::from_raw(-1), Qty::from_raw(150'000'000)).raw(), -2);
  // Large: 100000 × 1000 = 1e8 needs 128-bit intermediates.
  EXPECT_EQ(notional(Price::from_units(100'000), Qty::from_units(1'000)).raw(), Money::from_units(100'000'000).raw());
}

TEST(FixedPoint, AppliesBasisPoints) {
  EXPECT_EQ(apply_bps(Money::from_units(1'000), 10).raw(), Money::from_units(1).raw());  // 10 bps of 1000 = 1
  EXPECT_EQ(apply_bps(Money::from_raw(5), 10'000).raw(), 5);
  EXPECT_EQ(apply_bps(Money::from_raw(5), 1'000).raw(), 0);   // 0.5 → 0 (even)
  EXPECT_EQ(apply_bps(Money::from_raw(15), 1'000).raw(), 2);  // 1.5 → 2 (even)
}

}  // namespace
}  // namespace sequent
