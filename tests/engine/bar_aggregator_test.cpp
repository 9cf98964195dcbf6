#include "engine/bar_aggregator.hpp"

#include <gtest/gtest.h>

namespace sequent {
namespace {

constexpr TimeNs kSec = 1'000'000'000;

Price px(std::int64_t units) { return Price::from_units(units); }
Qty q(std::int64_t units) { return Qty::from_units(units); }

TEST(BarAggregator, BuildsOhlcvWithinOneInterval) {
  BarAggregator agg(kSec);
  Bar done;
  EXPECT_FALSE(agg.on_trade(10 * kSec + 1, px(100), q(1), done));
  EXPECT_FALSE(agg.on_trade(10 * kSec + 2, px(105), q(2), done));
  EXPECT_FALSE(agg.on_trade(10 * kSec + 3, px(95), q(3), done));
  EXPECT_FALSE(agg.on_trade(11 * kSec - 1, px(101), q(4), done));
  const Bar& b = agg.current();
  EXPECT_EQ(b.open_ns, 10 * kSec);
  EXPECT_EQ(b.open, px(100));
  EXPECT_EQ(b.high, px(105));
  EXPECT_EQ(b.low, px(95));
  EXPECT_EQ(b.close, px(101));
  EXPECT_EQ(b.volume, q(10));
  EXPECT_EQ(b.trades, 4u);
}

TEST(BarAggregator, TradeExactlyOnTheBoundaryOpensTheNextBar) {
  BarAggregator agg(kSec);
  Bar done;
  EXPECT_FALSE(agg.on_trade(10 * kSec, px(100), q(1), done));
  EXPECT_FALSE(agg.on_trade(11 * kSec - 1, px(102), q(1), done));
  ASSERT_TRUE(agg.on_trade(11 * kSec, px(107), q(5), done));
  EXPECT_EQ(done.open_ns, 10 * kSec);
  EXPECT_EQ(done.close, px(102));
  EXPECT_EQ(done.volume, q(2));
  EXPECT_EQ(agg.current().open_ns, 11 * kSec);
  EXPECT_EQ(agg.current().open, px(107));
}

TEST(BarAggregator, SkipsEmptyIntervals) {
  BarAggregator agg(kSec);
  Bar done;
  EXPECT_FALSE(agg.on_trade(10 * kSec + 5, px(100), q(1), done));
  ASSERT_TRUE(agg.on_trade(15 * kSec + 5, px(110), q(1), done));
  EXPECT_EQ(done.open_ns, 10 * kSec);
  EXPECT_EQ(agg.current().open_ns, 15 * kSec);
}

TEST(BarAggregator, LateTradeFoldsIntoTheOpenBar) {
  BarAggregator agg(kSec);
  Bar done;
  EXPECT_FALSE(agg.on_trade(10 * kSec + 5, px(100), q(1), done));
  EXPECT_FALSE(agg.on_trade(9 * kSec, px(90), q(1), done));  // out of order: no reopening
  EXPECT_EQ(agg.current().low, px(90));
  EXPECT_EQ(agg.current().open_ns, 10 * kSec);
}

TEST(BarAggregator, TimerClosesTheBarOnlyAtOrAfterItsEnd) {
  BarAggregator agg(kSec);
  Bar done;
  EXPECT_FALSE(agg.on_time(5 * kSec, done));  // nothing open
  EXPECT_FALSE(agg.on_trade(10 * kSec + 5, px(100), q(1), done));
  EXPECT_FALSE(agg.on_time(11 * kSec - 1, done));
  ASSERT_TRUE(agg.on_time(11 * kSec, done));
  EXPECT_EQ(done.open_ns, 10 * kSec);
  EXPECT_FALSE(agg.has_open_bar());
  EXPECT_FALSE(agg.on_trade(12 * kSec, px(101), q(1), done)) << "a new bar starts without emitting";
}

}  // namespace
}  // namespace sequent
