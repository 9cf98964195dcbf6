#include "engine/indicators.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

namespace sequent {
namespace {

// Batch reference written straight from TA-Lib's definitions (TA_INT_EMA seeded with the SMA of
// the `period` values ending at the start index; MACD runs both EMAs from index slow-1).
std::vector<double> ema_from(const std::vector<double>& x, std::size_t start, int period) {
  const double k = 2.0 / (period + 1);
  double sum = 0;
  for (std::size_t i = start + 1 - static_cast<std::size_t>(period); i <= start; ++i) sum += x[i];
  double prev = sum / period;
  std::vector<double> out(x.size(), 0.0);
  out[start] = prev;
  for (std::size_t i = start + 1; i < x.size(); ++i) {
    prev = ((x[i] - prev) * k) + prev;
    out[i] = prev;
  }
  return out;
}

std::vector<double> series() {
  std::vector<double> x;
  double p = 100;
  std::uint64_t s = 7;
  for (int i = 0; i < 300; ++i) {
    s ^= s << 13; s ^= s >> 7; s ^= s << 17;
    p += static_cast<double>(static_cast<int>(s % 2001) - 1000) / 1000.0;
    x.push_back(p);
  }
  return x;
}

TEST(Ema, SeedsWithTheSimpleAverageThenSmooths) {
  Ema ema(3);
  EXPECT_FALSE(ema.update(1));
  EXPECT_FALSE(ema.update(2));
  EXPECT_TRUE(ema.update(6));
  EXPECT_DOUBLE_EQ(ema.value(), 3.0);
  EXPECT_TRUE(ema.update(7));
  EXPECT_DOUBLE_EQ(ema.value(), 5.0);  // ((7 - 3) * 0.5) + 3
}

TEST(Macd, MatchesTaLibSeedingBitForBit) {
  const auto x = series();
  const int fast = 12, slow = 26, signal = 9;
  const auto slow_ema = ema_from(x, slow - 1, slow);
  const auto fast_ema = ema_from(x, slow - 1, fast);  // TA-Lib: fast EMA also starts at slow-1
  std::vector<double> macd;
  for (std::size_t i = slow - 1; i < x.size(); ++i) macd.push_back(fast_ema[i] - slow_ema[i]);
  const auto sig = ema_from(macd, signal - 1, signal);

  Macd m(fast, slow, signal);
  EXPECT_EQ(m.lookback(), 33);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const bool ready = m.update(x[i]);
    ASSERT_EQ(ready, i >= 33u) << "index " << i;
    if (!ready) continue;
    const std::size_t j = i - (slow - 1);
    ASSERT_EQ(m.macd(), macd[j]) << "index " << i;
    ASSERT_EQ(m.signal(), sig[j]) << "index " << i;
    ASSERT_EQ(m.hist(), macd[j] - sig[j]);
  }
}

TEST(Macd, SwapsFastAndSlowLikeTaLib) {
  Macd a(26, 12, 9), b(12, 26, 9);
  for (double v : series()) {
    a.update(v);
    b.update(v);
  }
  EXPECT_EQ(a.macd(), b.macd());
}

// ---- batch references, written from TA-Lib's C definitions (whole arrays, as TA-Lib runs) ----

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

std::size_t u(int v) { return static_cast<std::size_t>(v); }

bool is_zero(double v) { return -0.00000001 < v && v < 0.00000001; }

std::vector<double> ref_sma(const std::vector<double>& x, int p) {
  std::vector<double> out(x.size(), kNan);
  double total = 0;
  std::size_t trailing = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    total += x[i];
    if (i + 1 < static_cast<std::size_t>(p)) continue;
    out[i] = total / p;
    total -= x[trailing++];
  }
  return out;
}

std::vector<double> ref_rsi(const std::vector<double>& x, int p) {
  std::vector<double> out(x.size(), kNan);
  if (x.size() <= static_cast<std::size_t>(p)) return out;
  double gain = 0, loss = 0, prev = x[0];
  std::size_t today = 1;
  for (int k = 0; k < p; ++k, ++today) {
    const double d = x[today] - prev;
    prev = x[today];
    if (d < 0) loss -= d; else gain += d;
  }
  loss /= p;
  gain /= p;
  out[u(p)] = is_zero(gain + loss) ? 0.0 : 100.0 * (gain / (gain + loss));
  for (; today < x.size(); ++today) {
    const double d = x[today] - prev;
    prev = x[today];
    loss *= (p - 1);
    gain *= (p - 1);
    if (d < 0) loss -= d; else gain += d;
    loss /= p;
    gain /= p;
    out[today] = is_zero(gain + loss) ? 0.0 : 100.0 * (gain / (gain + loss));
  }
  return out;
}

std::vector<double> ref_kama(const std::vector<double>& x, int p) {
  const double cmax = 2.0 / (30.0 + 1.0), cdiff = 2.0 / (2.0 + 1.0) - cmax;
  std::vector<double> out(x.size(), kNan);
  if (x.size() <= static_cast<std::size_t>(p)) return out;
  double sum = 0;
  for (std::size_t t = 0; t < u(p); ++t) sum += std::fabs(x[t] - x[t + 1]);
  double kama = x[u(p) - 1];
  double trailing_value = x[0];
  auto step = [&](std::size_t today, double roc) {
    double er = (sum <= roc || is_zero(sum)) ? 1.0 : std::fabs(roc / sum);
    double sc = (er * cdiff) + cmax;
    sc *= sc;
    kama = ((x[today] - kama) * sc) + kama;
    out[today] = kama;
  };
  step(u(p), x[u(p)] - x[0]);
  for (std::size_t today = u(p) + 1; today < x.size(); ++today) {
    const double old = x[today - u(p)];
    sum -= std::fabs(trailing_value - old);
    sum += std::fabs(x[today] - x[today - 1]);
    trailing_value = old;
    step(today, x[today] - old);
  }
  return out;
}

std::vector<double> ref_atr(const std::vector<double>& h, const std::vector<double>& l, const std::vector<double>& c, int p) {
  std::vector<double> tr(h.size(), kNan), out(h.size(), kNan);
  for (std::size_t i = 1; i < h.size(); ++i) {
    double g = h[i] - l[i];
    g = std::max(g, std::fabs(c[i - 1] - h[i]));
    g = std::max(g, std::fabs(c[i - 1] - l[i]));
    tr[i] = g;
  }
  if (h.size() <= static_cast<std::size_t>(p)) return out;
  double total = 0;
  for (std::size_t i = 1; i <= u(p); ++i) total += tr[i];
  double atr = total / p;
  out[u(p)] = atr;
  for (std::size_t i = u(p) + 1; i < h.size(); ++i) {
    atr *= p - 1;
    atr += tr[i];
    atr /= p;
    out[i] = atr;
  }
  return out;
}

struct Bands { std::vector<double> upper, middle, lower; };
Bands ref_bbands(const std::vector<double>& x, int p, double up, double down) {
  Bands b{std::vector<double>(x.size(), kNan), ref_sma(x, p), std::vector<double>(x.size(), kNan)};
  double total2 = 0;
  for (std::size_t i = 0; i + 1 < u(p); ++i) total2 += x[i] * x[i];
  for (std::size_t end = u(p) - 1, start = 0; end < x.size(); ++end, ++start) {
    total2 += x[end] * x[end];
    double mean2 = total2 / p;
    total2 -= x[start] * x[start];
    mean2 -= b.middle[end] * b.middle[end];
    const double sd = mean2 < 0.00000001 ? 0.0 : std::sqrt(mean2);
    b.upper[end] = b.middle[end] + sd * up;
    b.lower[end] = b.middle[end] - sd * down;
  }
  return b;
}

std::vector<double> ref_roc(const std::vector<double>& x, int p) {
  std::vector<double> out(x.size(), kNan);
  for (std::size_t i = u(p); i < x.size(); ++i) {
    const double base = x[i - u(p)];
    out[i] = base != 0.0 ? ((x[i] / base) - 1.0) * 100.0 : 0.0;
  }
  return out;
}

// Checks a streaming indicator against a batch reference: valid exactly from `lookback` on,
// bit-identical values.
template <class Update, class Value>
void expect_matches(const std::vector<double>& ref, int lookback, Update update, Value value) {
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const bool valid = update(i);
    ASSERT_EQ(valid, i >= static_cast<std::size_t>(lookback)) << "index " << i;
    if (valid) {
      ASSERT_EQ(value(), ref[i]) << "index " << i;
    }
  }
}

TEST(Sma, MatchesTaLibBitForBit) {
  const auto x = series();
  for (int p : {1, 2, 20, 50}) {
    Sma sma(p);
    EXPECT_EQ(sma.lookback(), p - 1);
    expect_matches(ref_sma(x, p), p - 1, [&](std::size_t i) { return sma.update(x[i]); }, [&] { return sma.value(); });
  }
}

TEST(Sma, AveragesTheLastPeriodInputs) {
  Sma sma(3);
  EXPECT_FALSE(sma.update(1));
  EXPECT_FALSE(sma.update(2));
  EXPECT_TRUE(sma.update(6));
  EXPECT_DOUBLE_EQ(sma.value(), 3.0);
  EXPECT_TRUE(sma.update(10));
  EXPECT_DOUBLE_EQ(sma.value(), 6.0);
}

TEST(Ema, LookbackIsPeriodMinusOne) { EXPECT_EQ(Ema(20).lookback(), 19); }

TEST(Rsi, MatchesTaLibBitForBit) {
  const auto x = series();
  for (int p : {2, 14, 30}) {
    Rsi rsi(p);
    EXPECT_EQ(rsi.lookback(), p);
    expect_matches(ref_rsi(x, p), p, [&](std::size_t i) { return rsi.update(x[i]); }, [&] { return rsi.value(); });
  }
}

TEST(Rsi, HandComputedShortSeries) {
  // Changes +1, -1, +2, then +1 and -2. Period 3: gain 3/3 = 1, loss 1/3 → 100 * 1 / (4/3) = 75.
  Rsi rsi(3);
  EXPECT_FALSE(rsi.update(10));
  EXPECT_FALSE(rsi.update(11));
  EXPECT_FALSE(rsi.update(10));
  ASSERT_TRUE(rsi.update(12));
  EXPECT_DOUBLE_EQ(rsi.value(), 75.0);
  // Wilder: gain = (1 * 2 + 1) / 3 = 1, loss = (1/3 * 2) / 3 = 2/9 → 100 * 1 / (11/9).
  ASSERT_TRUE(rsi.update(13));
  EXPECT_DOUBLE_EQ(rsi.value(), 100.0 * 9.0 / 11.0);
  // gain = 2/3, loss = (2/9 * 2 + 2) / 3 = 22/27 → 100 * (18/27) / (40/27) = 45.
  ASSERT_TRUE(rsi.update(11));
  EXPECT_DOUBLE_EQ(rsi.value(), 45.0);
}

TEST(Rsi, FlatSeriesGivesZeroAsTaLib) {
  Rsi rsi(2);
  for (int i = 0; i < 5; ++i) rsi.update(7.0);
  EXPECT_EQ(rsi.value(), 0.0);
}

TEST(Kama, MatchesTaLibBitForBit) {
  const auto x = series();
  for (int p : {2, 10, 30}) {
    Kama kama(p);
    EXPECT_EQ(kama.lookback(), p);
    expect_matches(ref_kama(x, p), p, [&](std::size_t i) { return kama.update(x[i]); }, [&] { return kama.value(); });
  }
}

TEST(Kama, TrendingSeriesMovesWithTheFastConstant) {
  // A straight line has efficiency ratio 1: sc = (2/3)^2, seeded with the previous input.
  Kama kama(3);
  for (double v : {1.0, 2.0, 3.0}) EXPECT_FALSE(kama.update(v));
  ASSERT_TRUE(kama.update(4.0));
  const double sc = (2.0 / 3.0) * (2.0 / 3.0);
  EXPECT_DOUBLE_EQ(kama.value(), 3.0 + (4.0 - 3.0) * sc);
}

TEST(Atr, MatchesTaLibBitForBit) {
  const auto c = series();
  std::vector<double> h, l;
  for (std::size_t i = 0; i < c.size(); ++i) {
    h.push_back(c[i] + 0.3 + static_cast<double>(i % 7) * 0.11);
    l.push_back(c[i] - 0.2 - static_cast<double>(i % 5) * 0.13);
  }
  for (int p : {1, 2, 14}) {
    Atr atr(p);
    EXPECT_EQ(atr.lookback(), p);
    expect_matches(ref_atr(h, l, c, p), p, [&](std::size_t i) { return atr.update(h[i], l[i], c[i]); },
                   [&] { return atr.value(); });
  }
}

TEST(Atr, UsesThePreviousCloseForGaps) {
  // Bar 1 gaps up: TR = high - previous close = 15 - 10 = 5, not high - low = 1.
  Atr atr(1);
  EXPECT_FALSE(atr.update(11, 9, 10));
  ASSERT_TRUE(atr.update(15, 14, 14.5));
  EXPECT_DOUBLE_EQ(atr.value(), 5.0);
}

TEST(Bbands, MatchesTaLibBitForBit) {
  const auto x = series();
  for (auto [p, up, down] : {std::tuple{20, 2.0, 2.0}, std::tuple{5, 1.0, 1.0}, std::tuple{10, 1.5, 2.5}}) {
    const Bands ref = ref_bbands(x, p, up, down);
    Bbands bb(p, up, down);
    EXPECT_EQ(bb.lookback(), p - 1);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const bool valid = bb.update(x[i]);
      ASSERT_EQ(valid, i + 1 >= static_cast<std::size_t>(p)) << "index " << i;
      if (!valid) continue;
      ASSERT_EQ(bb.upper(), ref.upper[i]) << "index " << i;
      ASSERT_EQ(bb.middle(), ref.middle[i]) << "index " << i;
      ASSERT_EQ(bb.lower(), ref.lower[i]) << "index " << i;
    }
  }
}

TEST(Bbands, UsesThePopulationDeviation) {
  // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population deviation 2.
  Bbands bb(8, 2.0, 2.0);
  for (double v : {2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0}) bb.update(v);
  EXPECT_DOUBLE_EQ(bb.middle(), 5.0);
  EXPECT_DOUBLE_EQ(bb.upper(), 9.0);
  EXPECT_DOUBLE_EQ(bb.lower(), 1.0);
}

TEST(Roc, MatchesTaLibBitForBit) {
  const auto x = series();
  for (int p : {1, 10}) {
    Roc roc(p);
    EXPECT_EQ(roc.lookback(), p);
    expect_matches(ref_roc(x, p), p, [&](std::size_t i) { return roc.update(x[i]); }, [&] { return roc.value(); });
  }
}

TEST(Roc, IsPercentChangeOverThePeriod) {
  Roc roc(2);
  EXPECT_FALSE(roc.update(100));
  EXPECT_FALSE(roc.update(50));
  ASSERT_TRUE(roc.update(110));
  EXPECT_NEAR(roc.value(), 10.0, 1e-12);  // (110 / 100 - 1) * 100 is 10.000000000000009 in double
  ASSERT_TRUE(roc.update(0));
  EXPECT_DOUBLE_EQ(roc.value(), -100.0);
}

}  // namespace
}  // namespace sequent
