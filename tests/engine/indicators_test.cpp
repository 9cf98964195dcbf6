#include "engine/indicators.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sequent
