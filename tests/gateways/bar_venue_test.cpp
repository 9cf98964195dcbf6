// BarVenue: next-open and close fills, limits and bracket exits against bar ranges, fees,
// slippage, lot and tick rounding, and the ids it reports.
#include "gateways/bar_venue.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sequent {
namespace {

constexpr TimeNs kMinute = 60'000'000'000;
constexpr TimeNs kT0 = 1'747'699'200'000'000'000;  // 2025-05-20T00:00:00Z

Price px(const char* s) {
  Price p;
  EXPECT_EQ(parse_decimal(s, p), ParseStatus::kOk) << s;
  return p;
}
Qty qty(const char* s) {
  Qty q;
  EXPECT_EQ(parse_decimal(s, q), ParseStatus::kOk) << s;
  return q;
}
Money money(const char* s) {
  Money m;
  EXPECT_EQ(parse_decimal(s, m), ParseStatus::kOk) << s;
  return m;
}

Event bar(int index, const char* o, const char* h, const char* l, const char* c) {
  Event e = make_event(EventType::kBar, Source::kFile, 0, kT0 + index * kMinute);
  e.payload.bar = BarPayload{px(o), px(h), px(l), px(c), qty("1"), kMinute};
  return e;
}

Event order(ClientOrderId id, Side side, const char* q, OrderType type = OrderType::kMarket, const char* price = "0",
            std::int32_t tp_bps = 0, std::int32_t sl_bps = 0) {
  Event e = make_event(EventType::kOrderNew, Source::kRisk, 0, kT0);
  e.header.flags = kFlagDerived;
  OrderPayload& o = e.payload.order;
  o.client_order_id = id;
  o.side = side;
  o.qty = qty(q);
  o.order_type = type;
  o.price = px(price);
  o.tif = type == OrderType::kMarket ? TimeInForce::kIoc : TimeInForce::kGtc;
  o.take_profit_bps = tp_bps;
  o.stop_loss_bps = sl_bps;
  return e;
}

class BarVenueTest : public ::testing::Test {
 protected:
  explicit BarVenueTest(const char* tick = "0.01", const char* lot = "0.001") {
    (void)registry_.add("BTCUSDT", "backtest", px(tick), qty(lot), Money{});
  }
  BarVenue make(BarVenueConfig c = {}) { return BarVenue(registry_, c); }
  static std::vector<Event> fills_of(const std::vector<Event>& reports) {
    std::vector<Event> f;
    for (const Event& e : reports)
      if (e.payload.exec.exec_type == ExecType::kFill) f.push_back(e);
    return f;
  }
  InstrumentRegistry registry_;
};

TEST_F(BarVenueTest, NextOpenFillsMarketOrderAtNextBarsOpenWithExactFee) {
  BarVenue v = make();
  v.submit(order(0x100, Side::kBuy, "2"));
  std::vector<Event> r;
  v.on_bar(bar(1, "100.50", "101", "99", "100"), r);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].payload.exec.exec_type, ExecType::kNew);
  EXPECT_EQ(r[0].payload.exec.client_order_id, 0x100u);
  EXPECT_EQ(r[0].payload.exec.venue_order_id, 1u);
  const ExecReportPayload& f = r[1].payload.exec;
  EXPECT_EQ(f.exec_type, ExecType::kFill);
  EXPECT_EQ(r[1].header.source, Source::kSimVenue);
  EXPECT_EQ(r[1].header.event_ns, kT0 + kMinute);
  EXPECT_EQ(f.last_price, px("100.50"));
  EXPECT_EQ(f.last_qty, qty("2"));
  EXPECT_EQ(f.cum_qty, qty("2"));
  EXPECT_EQ(f.leaves_qty, Qty{});
  EXPECT_EQ(f.trade_id, 1u);
  EXPECT_EQ(f.liquidity, Liquidity::kTaker);
  EXPECT_EQ(f.fee, money("0.201"));  // 201 × 10 bps
  EXPECT_EQ(v.working_orders(), 0u);
}

TEST_F(BarVenueTest, CloseModeFillsAtTheDecidingBarsClose) {
  BarVenue v = make(BarVenueConfig{10, 0, FillMode::kClose});
  std::vector<Event> r;
  const Event b = bar(0, "100", "105", "95", "103.25");
  v.fill_at_close(order(0x100, Side::kBuy, "1"), b, r);
  const std::vector<Event> f = fills_of(r);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].payload.exec.last_price, px("103.25"));
  EXPECT_EQ(f[0].header.event_ns, kT0 + kMinute);
  EXPECT_EQ(f[0].payload.exec.fee, money("0.10325"));
}

TEST_F(BarVenueTest, BuyLimitFillsAtTheLimitWhenTradedThroughAndAtTheOpenOnAGap) {
  BarVenue v = make();
  v.submit(order(0x100, Side::kBuy, "1", OrderType::kLimit, "99"));
  std::vector<Event> r;
  v.on_bar(bar(1, "100", "101", "99.50", "100"), r);  // does not reach 99
  EXPECT_TRUE(r.empty());
  v.on_bar(bar(2, "100", "101", "98", "100"), r);  // trades through 99
  ASSERT_EQ(fills_of(r).size(), 1u);
  EXPECT_EQ(fills_of(r)[0].payload.exec.last_price, px("99"));
  EXPECT_EQ(fills_of(r)[0].payload.exec.liquidity, Liquidity::kMaker);

  r.clear();
  v.submit(order(0x200, Side::kBuy, "1", OrderType::kLimit, "99"));
  v.on_bar(bar(3, "97", "98", "96", "97"), r);  // opens below the limit
  ASSERT_EQ(fills_of(r).size(), 1u);
  EXPECT_EQ(fills_of(r)[0].payload.exec.last_price, px("97"));
}

TEST_F(BarVenueTest, CancelRemovesAWorkingLimitAndRefusesAnUnknownOrder) {
  BarVenue v = make();
  v.submit(order(0x100, Side::kBuy, "1", OrderType::kLimit, "99"));
  v.submit(order(0x200, Side::kBuy, "1", OrderType::kLimitMaker, "98"));
  Event cancel = order(0x100, Side::kBuy, "1", OrderType::kLimit, "99");
  cancel.header.type = EventType::kOrderCancel;
  cancel.header.event_ns = kT0 + 5 * kMinute;
  std::vector<Event> r;
  v.cancel(cancel, r);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].payload.exec.exec_type, ExecType::kCanceled);
  EXPECT_EQ(r[0].payload.exec.client_order_id, 0x100u);
  EXPECT_EQ(r[0].payload.exec.side, Side::kBuy);
  EXPECT_EQ(r[0].header.event_ns, kT0 + 5 * kMinute);
  EXPECT_EQ(v.working_orders(), 1u);
  // The cancelled order no longer fills; the limit-maker one rests like a limit.
  r.clear();
  v.on_bar(bar(6, "100", "101", "97", "100"), r);
  ASSERT_EQ(fills_of(r).size(), 1u);
  EXPECT_EQ(fills_of(r)[0].payload.exec.client_order_id, 0x200u);
  r.clear();
  v.cancel(cancel, r);  // gone: refused
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].payload.exec.exec_type, ExecType::kCancelRejected);
  EXPECT_EQ(r[0].payload.exec.reason, RejectReason::kVenueUnknownOrder);
}

TEST_F(BarVenueTest, SellLimitFillsAtTheLimitOrAtAGapOpen) {
  BarVenue v = make();
  v.submit(order(0x100, Side::kSell, "1", OrderType::kLimit, "101"));
  std::vector<Event> r;
  v.on_bar(bar(1, "100", "102", "99", "100"), r);
  ASSERT_EQ(fills_of(r).size(), 1u);
  EXPECT_EQ(fills_of(r)[0].payload.exec.last_price, px("101"));
  r.clear();
  v.submit(order(0x200, Side::kSell, "1", OrderType::kLimit, "101"));
  v.on_bar(bar(2, "103", "104", "102", "103"), r);
  ASSERT_EQ(fills_of(r).size(), 1u);
  EXPECT_EQ(fills_of(r)[0].payload.exec.last_price, px("103"));
}

TEST_F(BarVenueTest, StopLossFillsAtTheStopWhenTradedThroughAndAtTheOpenOnAGap) {
  BarVenue v = make(BarVenueConfig{0, 0, FillMode::kClose});
  std::vector<Event> r;
  // Long 1 at 100 with a 2 % stop (98) and no take-profit.
  v.fill_at_close(order(0x100, Side::kBuy, "1", OrderType::kMarket, "0", 0, 200), bar(0, "100", "100", "100", "100"), r);
  r.clear();
  v.on_bar(bar(1, "99", "99.5", "98.5", "99"), r);
  EXPECT_TRUE(r.empty());
  v.on_bar(bar(2, "99", "99.5", "97", "98"), r);
  ASSERT_EQ(r.size(), 1u);  // a bracket exit reports its fill only
  EXPECT_EQ(r[0].payload.exec.client_order_id, 0x100u | kBracketExitBit);
  EXPECT_EQ(r[0].payload.exec.side, Side::kSell);
  EXPECT_EQ(r[0].payload.exec.last_price, px("98"));
  EXPECT_EQ(r[0].payload.exec.liquidity, Liquidity::kTaker);
  EXPECT_EQ(v.working_orders(), 0u);

  r.clear();
  v.fill_at_close(order(0x200, Side::kBuy, "1", OrderType::kMarket, "0", 0, 200), bar(3, "100", "100", "100", "100"), r);
  r.clear();
  v.on_bar(bar(4, "95", "96", "94", "95"), r);  // gaps below 98
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].payload.exec.last_price, px("95"));
}

TEST_F(BarVenueTest, TakeProfitAndStopLossOnTheSameBarResolveStopFirst) {
  BarVenue v = make(BarVenueConfig{0, 0, FillMode::kClose});
  std::vector<Event> r;
  v.fill_at_close(order(0x100, Side::kBuy, "1", OrderType::kMarket, "0", 300, 200), bar(0, "100", "100", "100", "100"), r);
  r.clear();
  v.on_bar(bar(1, "100", "104", "97", "100"), r);  // reaches 103 and 98
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].payload.exec.last_price, px("98"));
  r.clear();
  v.on_bar(bar(2, "100", "104", "97", "100"), r);  // one-cancels-other: nothing left
  EXPECT_TRUE(r.empty());
}

TEST_F(BarVenueTest, TakeProfitFillsAsAMakerAtItsPrice) {
  BarVenue v = make(BarVenueConfig{0, 50, FillMode::kNextOpen});
  v.submit(order(0x100, Side::kBuy, "1", OrderType::kMarket, "0", 300, 200));
  std::vector<Event> r;
  // Entry at the open 100 (+50 bps slippage: 100.50); the TP (103.515 → 103.51, toward the entry)
  // is reached later in the same bar.
  v.on_bar(bar(1, "100", "104", "99.9", "103"), r);
  const std::vector<Event> f = fills_of(r);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].payload.exec.last_price, px("100.50"));
  EXPECT_EQ(f[1].payload.exec.last_price, px("103.51"));
  EXPECT_EQ(f[1].payload.exec.liquidity, Liquidity::kMaker);
  EXPECT_EQ(f[1].payload.exec.trade_id, 2u);
}

TEST_F(BarVenueTest, SlippageMovesThePriceAgainstTheTakerRoundedToTheTick) {
  BarVenue v = make(BarVenueConfig{0, 3, FillMode::kClose});
  std::vector<Event> r;
  const Event b = bar(0, "100", "101", "99", "100.01");
  v.fill_at_close(order(0x100, Side::kBuy, "1"), b, r);
  v.fill_at_close(order(0x200, Side::kSell, "1"), b, r);
  const std::vector<Event> f = fills_of(r);
  ASSERT_EQ(f.size(), 2u);
  // 100.01 × 1.0003 = 100.040003 → up to 100.05; × 0.9997 = 99.979997 → down to 99.97.
  EXPECT_EQ(f[0].payload.exec.last_price, px("100.05"));
  EXPECT_EQ(f[1].payload.exec.last_price, px("99.97"));
}

TEST_F(BarVenueTest, QuantityRoundsDownToTheLotAndLessThanALotIsRejected) {
  BarVenue v = make(BarVenueConfig{0, 0, FillMode::kClose});
  std::vector<Event> r;
  const Event b = bar(0, "100", "101", "99", "100");
  v.fill_at_close(order(0x100, Side::kBuy, "1.23456"), b, r);
  ASSERT_EQ(fills_of(r).size(), 1u);
  EXPECT_EQ(fills_of(r)[0].payload.exec.last_qty, qty("1.234"));
  r.clear();
  v.fill_at_close(order(0x200, Side::kBuy, "0.0005"), b, r);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].payload.exec.exec_type, ExecType::kRejected);
  EXPECT_EQ(r[0].payload.exec.reason, RejectReason::kVenueInvalidQuantity);
}

TEST_F(BarVenueTest, LimitPriceOffTheTickIsRejected) {
  BarVenue v = make();
  v.submit(order(0x100, Side::kBuy, "1", OrderType::kLimit, "99.005"));
  std::vector<Event> r;
  v.on_bar(bar(1, "100", "101", "98", "100"), r);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].payload.exec.reason, RejectReason::kVenueInvalidPrice);
}

TEST_F(BarVenueTest, BracketPricesRoundTowardTheEntry) {
  BarVenue v = make(BarVenueConfig{0, 0, FillMode::kClose});
  std::vector<Event> r;
  // Entry 100.01: TP 1 % = 101.0101 → 101.01; SL 1 % = 99.0099 → 99.01.
  v.fill_at_close(order(0x100, Side::kBuy, "1", OrderType::kMarket, "0", 100, 100), bar(0, "100", "101", "99", "100.01"), r);
  r.clear();
  v.on_bar(bar(1, "100", "101.01", "99.02", "100"), r);  // touches the TP exactly
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].payload.exec.last_price, px("101.01"));
  EXPECT_EQ(floor_to_tick(px("99.0099"), px("0.01")), px("99"));
  EXPECT_EQ(ceil_to_tick(px("99.0099"), px("0.01")), px("99.01"));
}

TEST_F(BarVenueTest, BracketIsDroppedWhenTheStrategyFlattensItself) {
  BarVenue v = make(BarVenueConfig{0, 0, FillMode::kClose});
  std::vector<Event> r;
  v.fill_at_close(order(0x100, Side::kBuy, "1", OrderType::kMarket, "0", 0, 200), bar(0, "100", "100", "100", "100"), r);
  v.fill_at_close(order(0x200, Side::kSell, "1"), bar(1, "100", "100", "100", "100"), r);
  EXPECT_EQ(v.working_orders(), 0u);
  r.clear();
  v.on_bar(bar(2, "90", "90", "90", "90"), r);
  EXPECT_TRUE(r.empty());
}

}  // namespace
}  // namespace sequent
