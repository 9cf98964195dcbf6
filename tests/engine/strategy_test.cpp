#include <gtest/gtest.h>

#include <vector>

#include "engine/macd_strategy.hpp"
#include "engine/strategy_stage.hpp"
#include "engine/trend_strategies.hpp"

namespace sequent {
namespace {

Bar bar_at(double close) {
  Bar b{};
  b.close = Price::from_raw(static_cast<std::int64_t>(close * 1e8));
  return b;
}

// Feeds closes; returns the signals emitted at each bar (side or kNone).
std::vector<Side> run(Strategy& s, const std::vector<double>& closes, Qty& position) {
  std::vector<Side> out;
  for (double c : closes) {
    SignalBuffer buf;
    s.on_bar(bar_at(c), StrategyView{position, false}, buf);
    Side side = Side::kNone;
    if (buf.size() > 0) {
      side = buf[0].side;
      position += buf[0].side == Side::kBuy ? buf[0].qty : -buf[0].qty;  // as if filled at once
    }
    out.push_back(side);
  }
  return out;
}

TEST(SmaCross, BuysOnABullishCrossAndSellsOnABearishOne) {
  SmaCrossStrategy s(2, 3, Qty::from_units(1));
  Qty pos;
  //            bar:  0    1    2    3    4    5    6
  const auto sig = run(s, {10, 10, 9, 12, 13, 9, 8}, pos);
  // SMA2/SMA3 from bar 2: (9.5 vs 9.67: -), bar 3: (10.5 vs 10.33: + cross up), bar 4: (12.5 vs 11.33),
  // bar 5: (11 vs 11.33: - cross down), bar 6: (8.5 vs 10: -).
  EXPECT_EQ(sig, (std::vector<Side>{Side::kNone, Side::kNone, Side::kNone, Side::kBuy, Side::kNone, Side::kSell, Side::kNone}));
  EXPECT_TRUE(pos.is_zero());
}

TEST(SmaCross, NoSignalBeforeBothAveragesExistOrOnTheFirstSign) {
  SmaCrossStrategy s(2, 3, Qty::from_units(1));
  Qty pos;
  // The first defined difference (bar 2, +) only sets the reference: it is not a cross.
  const auto sig = run(s, {1, 2, 3, 4}, pos);
  EXPECT_EQ(sig, (std::vector<Side>{Side::kNone, Side::kNone, Side::kNone, Side::kNone}));
}

TEST(SmaCross, ATieNeitherStartsNorEndsACross) {
  SmaCrossStrategy s(1, 2, Qty::from_units(1));
  Qty pos;
  // diff(SMA1 - SMA2): bar1 +0.5 (reference), bar2 0 (tie: ignored), bar3 +0.5 (same sign as the last
  // non-zero: no cross), bar4 -1 (cross down, but flat: nothing), bar5 0, bar6 +1 (cross up: buy).
  const auto sig = run(s, {1, 2, 2, 3, 1, 1, 3}, pos);
  EXPECT_EQ(sig, (std::vector<Side>{Side::kNone, Side::kNone, Side::kNone, Side::kNone, Side::kNone, Side::kNone, Side::kBuy}));
}

TEST(KamaTsmom, LongOnlyWhileAboveKamaWithPositiveMomentum) {
  KamaTsmomStrategy s(3, 2, 30, 2, 0.0, Qty::from_units(1));
  Qty pos;
  std::vector<double> up;
  for (int i = 0; i < 10; ++i) up.push_back(100 + i);   // steady rise: above KAMA, momentum > 0
  std::vector<double> down;
  for (int i = 0; i < 6; ++i) down.push_back(108 - 3 * i);  // fall: below KAMA
  auto sig = run(s, up, pos);
  int buys = 0;
  for (Side x : sig) buys += x == Side::kBuy;
  EXPECT_EQ(buys, 1) << "one entry, held while the trend lasts";
  EXPECT_TRUE(pos.is_positive());
  sig = run(s, down, pos);
  int sells = 0;
  for (Side x : sig) sells += x == Side::kSell;
  EXPECT_EQ(sells, 1);
  EXPECT_TRUE(pos.is_zero());
}

TEST(KamaTsmom, ThresholdGatesTheEntry) {
  KamaTsmomStrategy s(3, 2, 30, 2, 0.5, Qty::from_units(1));  // needs a 50 % return over 2 bars
  Qty pos;
  std::vector<double> up;
  for (int i = 0; i < 10; ++i) up.push_back(100 + i);
  const auto sig = run(s, up, pos);
  for (Side x : sig) EXPECT_EQ(x, Side::kNone);
}

TEST(MacdStrategy, EntriesCarryTakeProfitAndStopLoss) {
  MacdParams p{3, 6, 2, 250, 100};
  MacdCrossStrategy s(p, Qty::from_units(1));
  Qty pos;
  bool saw_entry = false;
  double x = 100;
  for (int i = 0; i < 200 && !saw_entry; ++i) {
    x += (i % 10 < 5) ? 1.0 : -1.0;
    SignalBuffer buf;
    s.on_bar(bar_at(x), StrategyView{pos, false}, buf);
    if (buf.size() > 0 && buf[0].side == Side::kBuy) {
      EXPECT_EQ(buf[0].take_profit_bps, 250);
      EXPECT_EQ(buf[0].stop_loss_bps, 100);
      saw_entry = true;
    }
  }
  EXPECT_TRUE(saw_entry);
}

TEST(MakeStrategy, RefusesUnknownStrategiesAndParametersListingTheValidOnes) {
  StrategyStageConfig c;
  StrategySlotConfig slot{0, Qty::from_units(1)};
  c.name = "moonshot";
  auto r = make_strategy(c, slot);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("sma_cross(fast=10, slow=30)"), std::string::npos) << r.error().message;
  c.name = "sma_cross";
  c.params = {{"fats", "5"}};
  r = make_strategy(c, slot);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown parameter 'fats' (valid: fast, slow)"), std::string::npos) << r.error().message;
  c.params = {{"fast", "abc"}};
  r = make_strategy(c, slot);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("fast=abc"), std::string::npos);
  c.params = {{"fast", "30"}, {"slow", "10"}};
  EXPECT_FALSE(make_strategy(c, slot).ok());
  c.params = {{"fast", "5"}, {"slow", "20"}};
  EXPECT_TRUE(make_strategy(c, slot).ok());
  c.name = "macd";
  c.params = {{"take_profit_pct", "2.5"}, {"stop_loss_pct", "1"}};
  EXPECT_TRUE(make_strategy(c, slot).ok());
  c.name = "kama_tsmom";
  c.params = {{"er_period", "10"}, {"lookback", "20"}, {"threshold", "0.01"}};
  EXPECT_TRUE(make_strategy(c, slot).ok());
}

}  // namespace
}  // namespace sequent
