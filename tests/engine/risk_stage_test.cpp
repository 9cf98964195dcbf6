#include "engine/risk_stage.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

namespace sequent {
namespace {

constexpr TimeNs kSec = 1'000'000'000;

Price px(std::string_view s) { Price p; EXPECT_EQ(parse_decimal(s, p), ParseStatus::kOk); return p; }
Qty q(std::string_view s) { Qty v; EXPECT_EQ(parse_decimal(s, v), ParseStatus::kOk); return v; }
Money m(std::string_view s) { Money v; EXPECT_EQ(parse_decimal(s, v), ParseStatus::kOk); return v; }

struct RiskFixture {
  InstrumentRegistry registry;
  RiskFixture() {
    (void)registry.add("BTCUSDT", "test", px("0.01"), q("0.00001"), m("5"));
    (void)registry.add("ETHUSDT", "test", px("0.01"), q("0.0001"), m("5"));
  }
  static Event trade(InstrumentId id, std::string_view price, TimeNs t = 0) {
    Event e = make_event(EventType::kTrade, Source::kSimMarket, id, t);
    e.payload.trade.price = px(price);
    e.payload.trade.qty = q("1");
    return e;
  }
  static Event intent(InstrumentId id, Side side, std::string_view qty, std::string_view limit = "", TimeNs t = 0) {
    static Seq seq = 1;
    Event e = make_event(EventType::kOrderIntent, Source::kStrategy, id, t);
    e.header.flags = kFlagDerived;
    e.header.seq = seq++;
    e.payload.order.client_order_id = make_client_order_id(e.header.seq, 0);
    e.payload.order.side = side;
    e.payload.order.qty = q(qty);
    e.payload.order.order_type = limit.empty() ? OrderType::kMarket : OrderType::kLimit;
    if (!limit.empty()) e.payload.order.price = px(limit);
    return e;
  }
  static Event fill(const Event& order, std::string_view price, std::uint64_t trade_id) {
    Event e = make_event(EventType::kExecReport, Source::kSimVenue, order.instrument(), order.header.event_ns);
    e.payload.exec.client_order_id = order.payload.order.client_order_id;
    e.payload.exec.exec_type = ExecType::kFill;
    e.payload.exec.side = order.payload.order.side;
    e.payload.exec.last_price = px(price);
    e.payload.exec.last_qty = order.payload.order.qty;
    e.payload.exec.trade_id = trade_id;
    return e;
  }
};

// Runs an intent through the stage; returns the reason (kNone when approved).
RejectReason submit(RiskStage& risk, const Event& intent) {
  RejectReason reason = RejectReason::kNone;
  risk.on_event(intent, [&](const Event& out) {
    if (out.type() == EventType::kOrderDenied) reason = out.payload.order.reason;
  });
  return reason;
}
void feed(RiskStage& risk, const Event& e) {
  risk.on_event(e, [](const Event&) {});
}

TEST(RiskStage, NeedsAReferencePriceForMarketOrders) {
  RiskFixture f;
  RiskStage risk(f.registry, RiskConfig{});
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01")), RejectReason::kRiskNoReferencePrice);
  feed(risk, f.trade(0, "100000"));
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01")), RejectReason::kNone);
}

TEST(RiskStage, RefusesInstrumentsOffTheWhitelist) {
  RiskFixture f;
  RiskConfig c;
  c.per_instrument = {InstrumentRiskLimits::order_limits(q("10"), m("1000000")), InstrumentRiskLimits{}};
  c.per_instrument[1].allowed = false;
  RiskStage risk(f.registry, c);
  feed(risk, f.trade(1, "3500"));
  EXPECT_EQ(submit(risk, f.intent(1, Side::kBuy, "1")), RejectReason::kRiskNotWhitelisted);
  EXPECT_EQ(risk.denied_for(RejectReason::kRiskNotWhitelisted), 1u);
}

TEST(RiskStage, ChecksLotTickAndMinNotional) {
  RiskFixture f;
  RiskStage risk(f.registry, RiskConfig{});
  feed(risk, f.trade(0, "100000"));
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.000015")), RejectReason::kRiskLotSize);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01", "100000.005")), RejectReason::kRiskTickSize);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.00001")), RejectReason::kRiskMinNotional);  // 1 < 5
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.00005")), RejectReason::kNone);             // exactly 5
}

TEST(RiskStage, ChecksOrderQuantityAndNotional) {
  RiskFixture f;
  RiskConfig c;
  c.default_limits = InstrumentRiskLimits::order_limits(q("1"), m("50000"));
  RiskStage risk(f.registry, c);
  feed(risk, f.trade(0, "100000"));
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "1.00001")), RejectReason::kRiskMaxOrderQty);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.50001")), RejectReason::kRiskMaxOrderNotional);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.5")), RejectReason::kNone);
}

TEST(RiskStage, RefusesLimitPricesOutsideTheBand) {
  RiskFixture f;
  RiskConfig c;
  c.default_limits.price_band_bps = 500;  // 5 %
  RiskStage risk(f.registry, c);
  feed(risk, f.trade(0, "100000"));
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01", "105000")), RejectReason::kNone);  // exactly 5 %
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01", "105000.01")), RejectReason::kRiskPriceBand);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kSell, "0.01", "94999.99")), RejectReason::kRiskPriceBand);
}

TEST(RiskStage, KillSwitchStopsEveryOrderUntilResume) {
  RiskFixture f;
  RiskStage risk(f.registry, RiskConfig{});
  feed(risk, f.trade(0, "100000"));
  const Event buy = f.intent(0, Side::kBuy, "0.02");
  ASSERT_EQ(submit(risk, buy), RejectReason::kNone);
  feed(risk, f.fill(buy, "100000", 1));
  Event kill = make_event(EventType::kAdmin, Source::kConsole, kNoInstrument, 0);
  kill.payload.admin.command = AdminCommand::kKillSwitch;
  feed(risk, kill);
  EXPECT_TRUE(risk.halted());
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01")), RejectReason::kRiskHalted);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kSell, "0.03")), RejectReason::kRiskHalted) << "would cross zero";
  EXPECT_EQ(submit(risk, f.intent(0, Side::kSell, "0.02")), RejectReason::kRiskHalted)
      << "even a reducing order: the operator flattens with the flatten command";
  Event resume = kill;
  resume.payload.admin.command = AdminCommand::kResume;
  feed(risk, resume);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01")), RejectReason::kNone);
}

TEST(RiskStage, CapsOpenOrdersAndFreesThemOnTerminalReports) {
  RiskFixture f;
  RiskConfig c;
  c.max_open_orders = 2;
  RiskStage risk(f.registry, c);
  feed(risk, f.trade(0, "100000"));
  const Event a = f.intent(0, Side::kBuy, "0.01", "99000");
  ASSERT_EQ(submit(risk, a), RejectReason::kNone);
  ASSERT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01", "99000")), RejectReason::kNone);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01", "99000")), RejectReason::kRiskMaxOpenOrders);
  feed(risk, f.fill(a, "99000", 1));
  EXPECT_EQ(risk.open_orders(), 1u);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01", "99000")), RejectReason::kNone);
}

// Reconciliation repeats fills the core already has (after a restart, after a lost report
// stream): risk's own position must count each venue trade once, as the router's does.
TEST(RiskStage, AFillRepeatedWithTheSameTradeIdMovesThePositionOnce) {
  RiskFixture f;
  RiskConfig c;
  c.default_limits.max_position_qty = q("0.03");
  RiskStage risk(f.registry, c);
  feed(risk, f.trade(0, "100000"));
  const Event a = f.intent(0, Side::kBuy, "0.02");
  ASSERT_EQ(submit(risk, a), RejectReason::kNone);
  feed(risk, f.fill(a, "100000", 41));
  Event again = f.fill(a, "100000", 41);
  again.header.source = Source::kReconcile;
  feed(risk, again);
  EXPECT_EQ(risk.position(0).qty(), q("0.02"));
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01")), RejectReason::kNone) << "0.03 is at the limit, not 0.05";
}

// A reconciliation window ends with risk holding exactly the orders the venue reported open:
// one it approved and the venue still holds stays counted, one that ended unheard is dropped,
// and one it never approved (origin lost in a crash) is adopted at the venue's price.
TEST(RiskStage, ReconciliationKeepsWhatTheVenueHoldsOpenAndOnlyThat) {
  RiskFixture f;
  RiskConfig c;
  c.max_open_orders = 3;
  c.default_limits.max_position_qty = q("0.05");
  RiskStage risk(f.registry, c);
  feed(risk, f.trade(0, "100000"));
  const Event still_open = f.intent(0, Side::kBuy, "0.01", "99000");
  const Event ended = f.intent(0, Side::kBuy, "0.02", "99000");
  ASSERT_EQ(submit(risk, still_open), RejectReason::kNone);
  ASSERT_EQ(submit(risk, ended), RejectReason::kNone);
  ASSERT_EQ(risk.open_orders(), 2u);
  auto window = [](ReconcilePhase phase) {
    Event e = make_event(EventType::kReconcile, Source::kReconcile, kNoInstrument, 0);
    e.payload.reconcile.phase = phase;
    return e;
  };
  auto venue_open = [](ClientOrderId id, std::string_view price, std::string_view leaves) {
    Event e = make_event(EventType::kExecReport, Source::kReconcile, 0, 0);
    e.header.flags = kFlagVenueState;
    e.payload.exec.client_order_id = id;
    e.payload.exec.exec_type = ExecType::kNew;
    e.payload.exec.side = Side::kBuy;
    e.payload.exec.last_price = px(price);
    e.payload.exec.leaves_qty = q(leaves);
    return e;
  };
  feed(risk, window(ReconcilePhase::kBegin));
  feed(risk, venue_open(still_open.payload.order.client_order_id, "99000", "0.01"));
  feed(risk, venue_open(make_client_order_id(999, 0), "98000", "0.02"));  // unknown here: adopted
  feed(risk, window(ReconcilePhase::kEnd));
  EXPECT_EQ(risk.open_orders(), 2u) << "the order that ended unheard is forgotten";
  // Working buys now 0.01 + 0.02 = 0.03: 0.02 more reaches the 0.05 limit, 0.03 more passes it.
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.03", "99000")), RejectReason::kRiskMaxPositionQty);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.02", "99000")), RejectReason::kNone);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.001", "99000")), RejectReason::kRiskMaxOpenOrders);
  // The adopted order's fill frees its slot like any other.
  Event adopted_fill = make_event(EventType::kExecReport, Source::kVenue, 0, 0);
  adopted_fill.payload.exec.client_order_id = make_client_order_id(999, 0);
  adopted_fill.payload.exec.exec_type = ExecType::kFill;
  adopted_fill.payload.exec.side = Side::kBuy;
  adopted_fill.payload.exec.last_price = px("98000");
  adopted_fill.payload.exec.last_qty = q("0.02");
  adopted_fill.payload.exec.trade_id = 7;
  feed(risk, adopted_fill);
  EXPECT_EQ(risk.open_orders(), 2u);
}

TEST(RiskStage, LimitsOrdersPerSecondOnEventTime) {
  RiskFixture f;
  RiskConfig c;
  c.max_orders_per_second = 3;
  RiskStage risk(f.registry, c);
  feed(risk, f.trade(0, "100000"));
  for (int i = 0; i < 3; ++i) ASSERT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01", "", 10 * kSec + i)), RejectReason::kNone);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01", "", 10 * kSec + 999'999'999)), RejectReason::kRiskRatePerSecond);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01", "", 11 * kSec)), RejectReason::kNone) << "the first has left the window";
}

TEST(RiskStage, LimitsOrdersPerTradingDay) {
  RiskFixture f;
  RiskConfig c;
  c.max_orders_per_day = 2;
  c.day_start_offset_ns = 8 * 3600 * kSec;  // the day turns at 08:00 UTC
  RiskStage risk(f.registry, c);
  feed(risk, f.trade(0, "100000"));
  const TimeNs day = 86'400 * kSec;
  ASSERT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01", "", 20 * day + 9 * 3600 * kSec)), RejectReason::kNone);
  ASSERT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01", "", 20 * day + 10 * 3600 * kSec)), RejectReason::kNone);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01", "", 21 * day + 7 * 3600 * kSec)), RejectReason::kRiskRatePerDay)
      << "07:00 next calendar day is still the same trading day";
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01", "", 21 * day + 8 * 3600 * kSec)), RejectReason::kNone);
}

TEST(RiskStage, CountsOpenOrdersTowardThePositionLimit) {
  RiskFixture f;
  RiskConfig c;
  c.default_limits.max_position_qty = q("0.05");
  RiskStage risk(f.registry, c);
  feed(risk, f.trade(0, "100000"));
  const Event filled = f.intent(0, Side::kBuy, "0.02");
  ASSERT_EQ(submit(risk, filled), RejectReason::kNone);
  feed(risk, f.fill(filled, "100000", 1));
  ASSERT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.02", "99000")), RejectReason::kNone);  // open: 0.04 total
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.02", "99000")), RejectReason::kRiskMaxPositionQty);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01", "99000")), RejectReason::kNone);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kSell, "0.08")), RejectReason::kRiskMaxPositionQty) << "short 0.06 is past 0.05";
  EXPECT_EQ(submit(risk, f.intent(0, Side::kSell, "0.07")), RejectReason::kNone) << "short 0.05 is at the limit";
}

TEST(RiskStage, CapsPositionNotional) {
  RiskFixture f;
  RiskConfig c;
  c.default_limits.max_position_notional = m("3000");
  RiskStage risk(f.registry, c);
  feed(risk, f.trade(0, "100000"));
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.03")), RejectReason::kNone);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.0001")), RejectReason::kRiskMaxPositionNotional) << "3010 > 3000";
}

TEST(RiskStage, CapsGrossExposureAsAFractionOfEquity) {
  RiskFixture f;
  RiskConfig c;
  c.initial_equity = m("10000");
  c.max_gross_exposure_bps = 20'000;  // 2× equity = 20000
  RiskStage risk(f.registry, c);
  feed(risk, f.trade(0, "100000"));
  feed(risk, f.trade(1, "2000"));
  const Event btc = f.intent(0, Side::kBuy, "0.15");  // 15000
  ASSERT_EQ(submit(risk, btc), RejectReason::kNone);
  feed(risk, f.fill(btc, "100000", 1));
  EXPECT_EQ(submit(risk, f.intent(1, Side::kSell, "3")), RejectReason::kRiskMaxGrossExposure) << "15000 + 6000 > 20000";
  EXPECT_EQ(submit(risk, f.intent(1, Side::kSell, "2.5")), RejectReason::kNone) << "15000 + 5000 = 20000";
}

// Collects what risk emits for one input.
std::vector<Event> emitted(RiskStage& risk, const Event& e) {
  std::vector<Event> out;
  risk.on_event(e, [&](const Event& x) { out.push_back(x); });
  return out;
}

TEST(RiskBreaker, DailyLossTripsOnceAllowsOnlyReducingOrdersAndResumeReArms) {
  RiskFixture f;
  RiskConfig c;
  c.initial_equity = m("100000");
  c.daily_loss_limit = m("500");
  RiskStage risk(f.registry, c);
  const TimeNs day = 86'400 * kSec;
  feed(risk, f.trade(0, "100000", 10 * day));
  const Event buy = f.intent(0, Side::kBuy, "0.1", "", 10 * day);
  ASSERT_EQ(submit(risk, buy), RejectReason::kNone);
  feed(risk, f.fill(buy, "100000", 1));
  // Price falls 4 900: loss 490, no trip yet.
  EXPECT_EQ(emitted(risk, f.trade(0, "95100", 10 * day + kSec)).size(), 1u);
  EXPECT_EQ(risk.breaker(), 0);
  // Falls to 95 000: loss 500 → trips, and announces it once as a derived kill switch (cause 1).
  const auto out = emitted(risk, f.trade(0, "95000", 10 * day + 2 * kSec));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].type(), EventType::kAdmin);
  EXPECT_TRUE(out[1].derived());
  EXPECT_EQ(out[1].payload.admin.command, AdminCommand::kKillSwitch);
  EXPECT_EQ(out[1].payload.admin.arg_code, 1);
  EXPECT_EQ(risk.breaker(), 1);
  EXPECT_EQ(emitted(risk, f.trade(0, "94000", 10 * day + 3 * kSec)).size(), 1u) << "announced once";
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01", "", 10 * day + 4 * kSec)), RejectReason::kRiskBreakerTripped);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kSell, "0.1", "", 10 * day + 5 * kSec)), RejectReason::kNone) << "flattening passes";
  Event resume = make_event(EventType::kAdmin, Source::kConsole, kNoInstrument, 10 * day + 6 * kSec);
  resume.payload.admin.command = AdminCommand::kResume;
  feed(risk, resume);
  EXPECT_EQ(risk.breaker(), 0);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.01", "", 10 * day + 7 * kSec)), RejectReason::kNone);
}

TEST(RiskBreaker, DrawdownFromTheDaysPeakTrips) {
  RiskFixture f;
  RiskConfig c;
  c.initial_equity = m("10000");
  c.max_drawdown_bps = 500;  // 5 %
  RiskStage risk(f.registry, c);
  const TimeNs day = 86'400 * kSec;
  feed(risk, f.trade(0, "100000", 3 * day));
  const Event buy = f.intent(0, Side::kBuy, "0.1", "", 3 * day);
  ASSERT_EQ(submit(risk, buy), RejectReason::kNone);
  feed(risk, f.fill(buy, "100000", 1));
  feed(risk, f.trade(0, "110000", 3 * day + kSec));  // equity 11 000: the peak
  feed(risk, f.trade(0, "104600", 3 * day + 2 * kSec));  // 10 460: 4.9 % below the peak
  EXPECT_EQ(risk.breaker(), 0);
  const auto out = emitted(risk, f.trade(0, "104500", 3 * day + 3 * kSec));  // 10 450: 5 %
  EXPECT_EQ(risk.breaker(), 2);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].payload.admin.arg_code, 2);
}

TEST(RiskBreaker, ANewTradingDayStartsFromTheEquityItOpensWith) {
  RiskFixture f;
  RiskConfig c;
  c.initial_equity = m("100000");
  c.daily_loss_limit = m("500");
  RiskStage risk(f.registry, c);
  const TimeNs day = 86'400 * kSec;
  feed(risk, f.trade(0, "100000", 1 * day));
  const Event buy = f.intent(0, Side::kBuy, "0.1", "", 1 * day);
  ASSERT_EQ(submit(risk, buy), RejectReason::kNone);
  feed(risk, f.fill(buy, "100000", 1));
  feed(risk, f.trade(0, "95500", 1 * day + kSec));  // day 1: -450
  feed(risk, f.trade(0, "95500", 2 * day));         // day 2 opens at -450 overall
  feed(risk, f.trade(0, "91500", 2 * day + kSec));  // day 2: -400 more, still within the day's 500
  EXPECT_EQ(risk.breaker(), 0);
  feed(risk, f.trade(0, "90500", 2 * day + 2 * kSec));  // day 2: -500
  EXPECT_EQ(risk.breaker(), 1);
}

// Property: over seeded random sequences of intents, fills and trades, no approved order ever takes
// the projected position or open-order count past its limit, and the stage's hash is a function of
// the sequence (two stages fed the same events agree).
TEST(RiskStageProperty, ApprovedOrdersNeverBreakTheLimits) {
  std::uint64_t seed = 99;
  if (const char* s = std::getenv("SEQUENT_TEST_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::uint64_t x = seed * 2654435761u + 1;
  auto next = [&x] { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x; };
  RiskFixture f;
  RiskConfig c;
  c.default_limits.max_position_qty = q("0.1");
  c.max_open_orders = 5;
  RiskStage a(f.registry, c), b(f.registry, c);
  std::vector<Event> open;
  std::int64_t position = 0;
  std::uint64_t trade_id = 0;
  for (int i = 0; i < 20000; ++i) {
    const TimeNs t = static_cast<TimeNs>(i) * 1'000'000;
    const auto action = next() % 4;
    if (action == 0) {
      const Event tr = f.trade(0, std::to_string(90000 + next() % 20000), t);
      feed(a, tr);
      feed(b, tr);
    } else if (action == 1 && !open.empty()) {
      const std::size_t k = next() % open.size();
      const Event fl = f.fill(open[k], "100000", ++trade_id);
      position += open[k].payload.order.side == Side::kBuy ? open[k].payload.order.qty.raw() : -open[k].payload.order.qty.raw();
      open.erase(open.begin() + static_cast<std::ptrdiff_t>(k));
      feed(a, fl);
      feed(b, fl);
    } else {
      const Side side = (next() & 1) ? Side::kBuy : Side::kSell;
      const std::string qty = "0.0" + std::to_string(1 + next() % 5);
      const Event in = f.intent(0, side, qty, "100000", t);
      const RejectReason ra = submit(a, in);
      ASSERT_EQ(ra, submit(b, in)) << "seed " << seed;
      if (ra != RejectReason::kNone) continue;
      open.push_back(in);
      std::int64_t buys = 0, sells = 0;
      for (const Event& o : open) (o.payload.order.side == Side::kBuy ? buys : sells) += o.payload.order.qty.raw();
      ASSERT_LE(position + buys, q("0.1").raw()) << "seed " << seed << " step " << i;
      ASSERT_GE(position - sells, -q("0.1").raw()) << "seed " << seed << " step " << i;
      ASSERT_LE(open.size(), 5u) << "seed " << seed;
    }
    ASSERT_EQ(a.position(0).qty().raw(), position);
  }
  EXPECT_EQ(a.state_hash(), b.state_hash());
}

}  // namespace
}  // namespace sequent
