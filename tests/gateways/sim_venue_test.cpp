// SimVenue: validation, acks, taker and maker fills, fees, expiry, cancels and the report FIFO.
#include "gateways/sim_venue.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "sim_test_util.hpp"

namespace sequent {
namespace {

using test::kBtc;
using test::kEth;
using test::make_cancel;
using test::make_order;
using test::make_quote;
using test::px;
using test::qty;

constexpr TimeNs kQuoteNs = 1'000'000;

class SimVenueTest : public ::testing::Test {
 protected:
  SimVenueTest() : registry_(test::make_registry()), venue_(registry_, SimVenueConfig{}) {}

  std::vector<Event> drain_all() {
    std::vector<Event> out(venue_.pending_reports());
    EXPECT_EQ(venue_.drain(out), out.size());
    return out;
  }
  void quote(Price bid, Price ask, TimeNs t = kQuoteNs) {
    venue_.on_market(make_quote(kBtc, t, bid, ask));
  }
  std::vector<Event> send(const Event& order) {
    venue_.on_order(order);
    return drain_all();
  }

  static void expect_ack(const Event& e, ClientOrderId id, std::uint64_t venue_order_id,
                         Qty leaves) {
    ASSERT_EQ(e.type(), EventType::kExecReport);
    EXPECT_EQ(e.header.source, Source::kSimVenue);
    EXPECT_EQ(e.payload.exec.exec_type, ExecType::kNew);
    EXPECT_EQ(e.payload.exec.client_order_id, id);
    EXPECT_EQ(e.payload.exec.venue_order_id, venue_order_id);
    EXPECT_EQ(e.payload.exec.leaves_qty, leaves);
    EXPECT_EQ(e.payload.exec.cum_qty, Qty{});
    EXPECT_EQ(e.payload.exec.reason, RejectReason::kNone);
  }
  static void expect_reject(const std::vector<Event>& reports, RejectReason reason) {
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].payload.exec.exec_type, ExecType::kRejected);
    EXPECT_EQ(reports[0].payload.exec.reason, reason);
    EXPECT_EQ(reports[0].payload.exec.venue_order_id, 0u);
  }

  InstrumentRegistry registry_;
  SimVenue venue_;
};

TEST_F(SimVenueTest, MarketBuyFillsAtAskWithExactTakerFee) {
  quote(px("99999.50"), px("100000.25"));
  const Qty q = qty("0.12345");
  const auto reports =
      send(make_order(kBtc, 7, Side::kBuy, OrderType::kMarket, TimeInForce::kIoc, Price{}, q));
  ASSERT_EQ(reports.size(), 2u);
  expect_ack(reports[0], 7, 1, q);
  const Event& fill = reports[1];
  EXPECT_EQ(fill.header.event_ns, kQuoteNs);
  EXPECT_EQ(fill.instrument(), kBtc);
  const ExecReportPayload& exec = fill.payload.exec;
  EXPECT_EQ(exec.exec_type, ExecType::kFill);
  EXPECT_EQ(exec.client_order_id, 7u);
  EXPECT_EQ(exec.venue_order_id, 1u);
  EXPECT_EQ(exec.trade_id, 1u);
  EXPECT_EQ(exec.side, Side::kBuy);
  EXPECT_EQ(exec.liquidity, Liquidity::kTaker);
  EXPECT_EQ(exec.last_price, px("100000.25"));
  EXPECT_EQ(exec.last_qty, q);
  EXPECT_EQ(exec.cum_qty, q);
  EXPECT_EQ(exec.leaves_qty, Qty{});
  EXPECT_EQ(exec.fee, apply_bps(notional(px("100000.25"), q), 10));
  EXPECT_EQ(exec.fee.raw(), 1'234'503'086);  // 12345.0308625 × 10 bps = 12.34503086 (half-even)
}

TEST_F(SimVenueTest, MarketSellFillsAtBid) {
  quote(px("99999.50"), px("100000.25"));
  const auto reports = send(
      make_order(kBtc, 8, Side::kSell, OrderType::kMarket, TimeInForce::kIoc, Price{}, qty("1")));
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[1].payload.exec.exec_type, ExecType::kFill);
  EXPECT_EQ(reports[1].payload.exec.side, Side::kSell);
  EXPECT_EQ(reports[1].payload.exec.last_price, px("99999.50"));
  EXPECT_EQ(reports[1].payload.exec.fee, apply_bps(notional(px("99999.50"), qty("1")), 10));
}

TEST_F(SimVenueTest, MarketOrderWithoutQuoteIsRejectedNoLiquidity) {
  const auto reports = send(
      make_order(kBtc, 1, Side::kBuy, OrderType::kMarket, TimeInForce::kIoc, Price{}, qty("1")));
  expect_reject(reports, RejectReason::kVenueNoLiquidity);
  EXPECT_EQ(reports[0].header.event_ns, 0);
}

TEST_F(SimVenueTest, MarketableLimitFillsAtTouchAsTaker) {
  quote(px("100"), px("101"));
  const auto reports = send(
      make_order(kBtc, 3, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, px("105"), qty("2")));
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[1].payload.exec.last_price, px("101"));
  EXPECT_EQ(reports[1].payload.exec.liquidity, Liquidity::kTaker);
  EXPECT_EQ(venue_.open_orders(), 0u);
}

TEST_F(SimVenueTest, RestingLimitBuyFillsAsMakerAtLimitWhenAskDropsToIt) {
  quote(px("100"), px("101"));
  const Qty q = qty("0.5");
  auto reports =
      send(make_order(kBtc, 11, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, px("99.50"), q));
  ASSERT_EQ(reports.size(), 1u);
  expect_ack(reports[0], 11, 1, q);
  EXPECT_EQ(venue_.open_orders(), 1u);

  quote(px("99"), px("99.60"), kQuoteNs + 1);  // not yet
  EXPECT_EQ(venue_.pending_reports(), 0u);
  quote(px("99"), px("99.50"), kQuoteNs + 2);  // ask reaches the limit
  reports = drain_all();
  ASSERT_EQ(reports.size(), 1u);
  const ExecReportPayload& exec = reports[0].payload.exec;
  EXPECT_EQ(reports[0].header.event_ns, kQuoteNs + 2);
  EXPECT_EQ(exec.exec_type, ExecType::kFill);
  EXPECT_EQ(exec.liquidity, Liquidity::kMaker);
  EXPECT_EQ(exec.last_price, px("99.50"));
  EXPECT_EQ(exec.last_qty, q);
  EXPECT_EQ(exec.cum_qty, q);
  EXPECT_EQ(exec.leaves_qty, Qty{});
  EXPECT_EQ(exec.venue_order_id, 1u);
  EXPECT_EQ(exec.trade_id, 1u);
  EXPECT_EQ(exec.fee, apply_bps(notional(px("99.50"), q), 10));
  EXPECT_EQ(venue_.open_orders(), 0u);
}

TEST_F(SimVenueTest, RestingSellFillsWhenBidRisesToIt) {
  quote(px("100"), px("101"));
  (void)send(
      make_order(kBtc, 1, Side::kSell, OrderType::kLimit, TimeInForce::kGtc, px("102"), qty("1")));
  quote(px("102.50"), px("103"), kQuoteNs + 1);  // gaps through: still fills at the limit
  const auto reports = drain_all();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].payload.exec.last_price, px("102"));
  EXPECT_EQ(reports[0].payload.exec.liquidity, Liquidity::kMaker);
}

TEST_F(SimVenueTest, MakerAndTakerFeesAreConfiguredSeparately) {
  SimVenueConfig config;
  config.maker_fee_bps = 2;
  config.taker_fee_bps = 7;
  SimVenue venue(registry_, config);
  venue.on_market(make_quote(kBtc, 1, px("100"), px("101")));
  venue.on_order(
      make_order(kBtc, 1, Side::kBuy, OrderType::kMarket, TimeInForce::kIoc, Price{}, qty("3")));
  venue.on_order(
      make_order(kBtc, 2, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, px("99"), qty("3")));
  venue.on_market(make_quote(kBtc, 2, px("98"), px("99")));
  std::array<Event, 8> out{};
  ASSERT_EQ(venue.drain(out), 4u);
  EXPECT_EQ(out[1].payload.exec.fee, apply_bps(notional(px("101"), qty("3")), 7));
  EXPECT_EQ(out[3].payload.exec.fee, apply_bps(notional(px("99"), qty("3")), 2));
  EXPECT_EQ(out[3].payload.exec.trade_id, 2u);
}

TEST_F(SimVenueTest, RestingOrdersFillInArrivalOrder) {
  quote(px("100"), px("101"));
  (void)send(
      make_order(kBtc, 30, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, px("99"), qty("1")));
  (void)send(
      make_order(kBtc, 10, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, px("100"), qty("1")));
  (void)send(
      make_order(kEth, 20, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, px("100"), qty("1")));
  (void)send(
      make_order(kBtc, 40, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, px("98"), qty("1")));
  quote(px("97"), px("98.50"), kQuoteNs + 1);
  const auto reports = drain_all();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].payload.exec.client_order_id, 30u);
  EXPECT_EQ(reports[1].payload.exec.client_order_id, 10u);
  EXPECT_EQ(reports[0].payload.exec.trade_id, 1u);
  EXPECT_EQ(reports[1].payload.exec.trade_id, 2u);
  EXPECT_EQ(venue_.open_orders(), 2u);  // the ETH order and the BTC order at 98
}

TEST_F(SimVenueTest, TradesDoNotFillRestingOrdersButAdvanceVenueTime) {
  quote(px("100"), px("101"));
  (void)send(
      make_order(kBtc, 1, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, px("99"), qty("1")));
  Event trade = make_event(EventType::kTrade, Source::kSimMarket, kBtc, kQuoteNs + 5);
  trade.payload.trade.price = px("98");
  trade.payload.trade.qty = qty("1");
  venue_.on_market(trade);
  EXPECT_EQ(venue_.pending_reports(), 0u);
  EXPECT_EQ(venue_.venue_ns(), kQuoteNs + 5);
  const auto reports = send(make_cancel(kBtc, 1));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].header.event_ns, kQuoteNs + 5);
}

TEST_F(SimVenueTest, IocThatIsNotMarketableExpiresAfterAck) {
  quote(px("100"), px("101"));
  const auto reports = send(make_order(kBtc, 5, Side::kBuy, OrderType::kLimit, TimeInForce::kIoc,
                                       px("100.50"), qty("1")));
  ASSERT_EQ(reports.size(), 2u);
  expect_ack(reports[0], 5, 1, qty("1"));
  EXPECT_EQ(reports[1].payload.exec.exec_type, ExecType::kExpired);
  EXPECT_EQ(reports[1].payload.exec.leaves_qty, Qty{});
  EXPECT_EQ(venue_.open_orders(), 0u);
}

TEST_F(SimVenueTest, FokThatIsNotMarketableExpires) {
  quote(px("100"), px("101"));
  const auto reports = send(make_order(kBtc, 5, Side::kSell, OrderType::kLimit, TimeInForce::kFok,
                                       px("100.01"), qty("1")));
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[1].payload.exec.exec_type, ExecType::kExpired);
}

TEST_F(SimVenueTest, LimitMakerThatWouldCrossIsRejected) {
  quote(px("100"), px("101"));
  expect_reject(send(make_order(kBtc, 6, Side::kBuy, OrderType::kLimitMaker, TimeInForce::kGtc,
                                px("101"), qty("1"))),
                RejectReason::kVenueWouldTake);
  expect_reject(send(make_order(kBtc, 7, Side::kSell, OrderType::kLimitMaker, TimeInForce::kGtc,
                                px("99"), qty("1"))),
                RejectReason::kVenueWouldTake);
  // One that does not cross rests.
  const auto reports = send(make_order(kBtc, 8, Side::kBuy, OrderType::kLimitMaker,
                                       TimeInForce::kGtc, px("100"), qty("1")));
  ASSERT_EQ(reports.size(), 1u);
  expect_ack(reports[0], 8, 1, qty("1"));
  EXPECT_EQ(venue_.open_orders(), 1u);
}

TEST_F(SimVenueTest, CancelOfRestingOrderIsCanceled) {
  quote(px("100"), px("101"));
  (void)send(
      make_order(kBtc, 9, Side::kSell, OrderType::kLimit, TimeInForce::kGtc, px("105"), qty("1")));
  const auto reports = send(make_cancel(kBtc, 9));
  ASSERT_EQ(reports.size(), 1u);
  const ExecReportPayload& exec = reports[0].payload.exec;
  EXPECT_EQ(exec.exec_type, ExecType::kCanceled);
  EXPECT_EQ(exec.client_order_id, 9u);
  EXPECT_EQ(exec.venue_order_id, 1u);
  EXPECT_EQ(exec.side, Side::kSell);
  EXPECT_EQ(exec.leaves_qty, Qty{});
  EXPECT_EQ(venue_.open_orders(), 0u);
  quote(px("106"), px("107"), kQuoteNs + 1);  // would have filled it
  EXPECT_EQ(venue_.pending_reports(), 0u);
}

TEST_F(SimVenueTest, CancelOfUnknownOrFinishedOrderIsCancelRejected) {
  auto reports = send(make_cancel(kBtc, 1234));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].payload.exec.exec_type, ExecType::kCancelRejected);
  EXPECT_EQ(reports[0].payload.exec.reason, RejectReason::kVenueUnknownOrder);
  EXPECT_EQ(reports[0].payload.exec.client_order_id, 1234u);

  quote(px("100"), px("101"));
  (void)send(
      make_order(kBtc, 2, Side::kBuy, OrderType::kMarket, TimeInForce::kIoc, Price{}, qty("1")));
  reports = send(make_cancel(kBtc, 2));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].payload.exec.exec_type, ExecType::kCancelRejected);
  EXPECT_EQ(reports[0].payload.exec.reason, RejectReason::kVenueUnknownOrder);
}

TEST_F(SimVenueTest, InvalidOrdersAreRejectedWithTheRightReason) {
  quote(px("100"), px("101"));
  expect_reject(
      send(make_order(kBtc, 1, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, px("99"), Qty{})),
      RejectReason::kVenueInvalidQuantity);
  expect_reject(send(make_order(kBtc, 2, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, px("99"),
                                qty("-1"))),
                RejectReason::kVenueInvalidQuantity);
  expect_reject(send(make_order(kBtc, 3, Side::kBuy, OrderType::kMarket, TimeInForce::kIoc, Price{},
                                qty("0.000001"))),
                RejectReason::kVenueInvalidQuantity);  // below the 0.00001 lot
  expect_reject(send(make_order(kBtc, 4, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc,
                                px("99.005"), qty("1"))),
                RejectReason::kVenueInvalidPrice);  // off the 0.01 tick
  expect_reject(send(make_order(kBtc, 5, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, Price{},
                                qty("1"))),
                RejectReason::kVenueInvalidPrice);
  expect_reject(send(make_order(kBtc, 6, Side::kSell, OrderType::kLimitMaker, TimeInForce::kGtc,
                                px("-5"), qty("1"))),
                RejectReason::kVenueInvalidPrice);
  expect_reject(send(make_order(InstrumentId{77}, 7, Side::kBuy, OrderType::kMarket,
                                TimeInForce::kIoc, Price{}, qty("1"))),
                RejectReason::kVenueUnknownInstrument);
  expect_reject(send(make_order(kBtc, 8, Side::kNone, OrderType::kMarket, TimeInForce::kIoc,
                                Price{}, qty("1"))),
                kSimVenueRejectInvalidOrder);
  // Nothing was accepted: the first accepted order still gets venue order id 1.
  const auto reports = send(
      make_order(kBtc, 9, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, px("99"), qty("1")));
  ASSERT_EQ(reports.size(), 1u);
  expect_ack(reports[0], 9, 1, qty("1"));
}

TEST_F(SimVenueTest, DuplicateClientOrderIdOfOpenOrderIsRejected) {
  quote(px("100"), px("101"));
  (void)send(
      make_order(kBtc, 42, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, px("99"), qty("1")));
  expect_reject(send(make_order(kBtc, 42, Side::kSell, OrderType::kLimit, TimeInForce::kGtc,
                                px("110"), qty("1"))),
                RejectReason::kVenueDuplicateOrder);
  EXPECT_EQ(venue_.open_orders(), 1u);
}

TEST_F(SimVenueTest, LimitOrderBeforeAnyQuoteRests) {
  const auto reports = send(
      make_order(kBtc, 1, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, px("99"), qty("1")));
  ASSERT_EQ(reports.size(), 1u);
  expect_ack(reports[0], 1, 1, qty("1"));
  EXPECT_EQ(venue_.open_orders(), 1u);
}

TEST(SimVenue, FullOrderBookRejectsFurtherRestingOrders) {
  const InstrumentRegistry registry = test::make_registry();
  SimVenueConfig config;
  config.max_open_orders = 2;
  SimVenue venue(registry, config);
  venue.on_market(make_quote(kBtc, 1, px("100"), px("101")));
  for (ClientOrderId id = 1; id <= 3; ++id)
    venue.on_order(
        make_order(kBtc, id, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, px("90"), qty("1")));
  // A marketable order still trades: it never needs a slot.
  venue.on_order(
      make_order(kBtc, 4, Side::kBuy, OrderType::kMarket, TimeInForce::kIoc, Price{}, qty("1")));
  std::array<Event, 16> out{};
  ASSERT_EQ(venue.drain(out), 5u);
  EXPECT_EQ(out[2].payload.exec.exec_type, ExecType::kRejected);
  EXPECT_EQ(out[2].payload.exec.reason, kSimVenueRejectTooManyOrders);
  EXPECT_EQ(out[4].payload.exec.exec_type, ExecType::kFill);
  EXPECT_EQ(venue.open_orders(), 2u);
}

TEST(SimVenue, ReportFifoCountsOverflowInsteadOfAllocating) {
  const InstrumentRegistry registry = test::make_registry();
  SimVenueConfig config;
  config.max_open_orders = 1;
  config.report_capacity = 4;
  SimVenue venue(registry, config);
  EXPECT_EQ(venue.report_capacity(), 4u);
  for (ClientOrderId id = 1; id <= 6; ++id)
    venue.on_order(make_cancel(kBtc, id));
  EXPECT_EQ(venue.pending_reports(), 4u);
  EXPECT_EQ(venue.dropped_reports(), 2u);
  std::array<Event, 3> out{};
  ASSERT_EQ(venue.drain(out), 3u);
  EXPECT_EQ(out[0].payload.exec.client_order_id, 1u);
  EXPECT_EQ(out[2].payload.exec.client_order_id, 3u);
  venue.on_order(make_cancel(kBtc, 7));  // wraps round the ring
  ASSERT_EQ(venue.drain(out), 2u);
  EXPECT_EQ(out[0].payload.exec.client_order_id, 4u);
  EXPECT_EQ(out[1].payload.exec.client_order_id, 7u);
}

TEST(SimVenue, DefaultReportCapacityIsFourTimesMaxOpenOrders) {
  const InstrumentRegistry registry = test::make_registry();
  const SimVenue venue(registry, SimVenueConfig{});
  EXPECT_EQ(venue.max_open_orders(), 1024u);
  EXPECT_EQ(venue.report_capacity(), 4096u);
}

}  // namespace
}  // namespace sequent
