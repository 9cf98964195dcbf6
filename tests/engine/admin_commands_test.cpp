// Operator commands as the core applies them: set_risk_limit (risk), set_strategy_param and
// scoped strategy start/stop (strategy), scoped cancel_all / flatten (router), and the console
// feed the router thread publishes (ConsolePublisher).
#include <gtest/gtest.h>

#include <vector>

#include "engine/console_publisher.hpp"
#include "engine/risk_stage.hpp"
#include "engine/router_stage.hpp"
#include "engine/strategy_stage.hpp"

namespace sequent {
namespace {

Price px(std::string_view s) { Price p; EXPECT_EQ(parse_decimal(s, p), ParseStatus::kOk); return p; }
Qty q(std::string_view s) { Qty v; EXPECT_EQ(parse_decimal(s, v), ParseStatus::kOk); return v; }
Money m(std::string_view s) { Money v; EXPECT_EQ(parse_decimal(s, v), ParseStatus::kOk); return v; }

struct Fixture {
  InstrumentRegistry registry;
  Seq seq = 1;
  Fixture() {
    (void)registry.add("BTCUSDT", "test", px("0.01"), q("0.00001"), m("5"));
    (void)registry.add("ETHUSDT", "test", px("0.01"), q("0.0001"), m("5"));
  }
  Event trade(InstrumentId id, std::string_view price, TimeNs t = 0) {
    Event e = make_event(EventType::kTrade, Source::kSimMarket, id, t);
    e.header.seq = seq++;
    e.payload.trade.price = px(price);
    e.payload.trade.qty = q("1");
    return e;
  }
  Event intent(InstrumentId id, Side side, std::string_view qty, TimeNs t = 0) {
    Event e = make_event(EventType::kOrderIntent, Source::kStrategy, id, t);
    e.header.flags = kFlagDerived;
    e.header.seq = seq++;
    e.payload.order.client_order_id = make_client_order_id(e.header.seq, 0);
    e.payload.order.side = side;
    e.payload.order.qty = q(qty);
    e.payload.order.order_type = OrderType::kMarket;
    return e;
  }
  Event admin(AdminCommand c, InstrumentId id = kNoInstrument, std::uint8_t code = 0, std::int64_t value = 0) {
    Event e = make_event(EventType::kAdmin, Source::kConsole, id, 0);
    e.header.seq = seq++;
    e.payload.admin.command = c;
    e.payload.admin.user_id = 3;
    e.payload.admin.request_id = 41;
    e.payload.admin.arg_code = code;
    e.payload.admin.arg_value = value;
    return e;
  }
  Event set_limit(RiskLimitId l, InstrumentId id, std::int64_t v) {
    return admin(AdminCommand::kSetRiskLimit, id, static_cast<std::uint8_t>(l), v);
  }
};

RejectReason submit(RiskStage& risk, const Event& intent) {
  RejectReason reason = RejectReason::kNone;
  risk.on_event(intent, [&](const Event& out) {
    if (out.type() == EventType::kOrderDenied) reason = out.payload.order.reason;
  });
  return reason;
}
void feed(RiskStage& risk, const Event& e) { risk.on_event(e, [](const Event&) {}); }

TEST(SetRiskLimit, InstrumentLimitAppliesToThatInstrumentOnly) {
  Fixture f;
  RiskStage risk(f.registry, RiskConfig{});
  feed(risk, f.trade(0, "100"));
  feed(risk, f.trade(1, "100"));
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "2")), RejectReason::kNone);
  feed(risk, f.set_limit(RiskLimitId::kMaxOrderQty, 0, q("1").raw()));
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "2")), RejectReason::kRiskMaxOrderQty);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "1")), RejectReason::kNone);
  EXPECT_EQ(submit(risk, f.intent(1, Side::kBuy, "2")), RejectReason::kNone);  // ETH keeps the defaults
  EXPECT_EQ(risk.limits(0).max_order_qty, q("1"));
}

TEST(SetRiskLimit, DefaultLimitAppliesToInstrumentsWithoutTheirOwn) {
  Fixture f;
  RiskStage risk(f.registry, RiskConfig{});
  feed(risk, f.trade(0, "100"));
  feed(risk, f.trade(1, "100"));
  feed(risk, f.set_limit(RiskLimitId::kMaxOrderQty, 0, q("5").raw()));  // BTC has its own now
  feed(risk, f.set_limit(RiskLimitId::kMaxOrderNotional, kNoInstrument, m("150").raw()));
  EXPECT_EQ(submit(risk, f.intent(1, Side::kBuy, "2")), RejectReason::kRiskMaxOrderNotional);
  // BTC's own limits were copied from the defaults before the change: notional stays 1 000 000.
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "2")), RejectReason::kNone);
}

TEST(SetRiskLimit, GlobalLimitsAndBreakersChangeAtRunTime) {
  Fixture f;
  RiskStage risk(f.registry, RiskConfig{});
  feed(risk, f.trade(0, "100"));
  feed(risk, f.set_limit(RiskLimitId::kMaxOrdersPerDay, kNoInstrument, 2));
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.1")), RejectReason::kNone);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.1")), RejectReason::kNone);
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.1")), RejectReason::kRiskRatePerDay);
  feed(risk, f.set_limit(RiskLimitId::kMaxOrdersPerDay, kNoInstrument, 0));  // 0 = off
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.1")), RejectReason::kNone);
  // The per-second window counts the orders approved before the limit was set.
  feed(risk, f.set_limit(RiskLimitId::kMaxOrdersPerSecond, kNoInstrument, 3));
  EXPECT_EQ(submit(risk, f.intent(0, Side::kBuy, "0.1")), RejectReason::kRiskRatePerSecond);
  EXPECT_EQ(risk.config().max_orders_per_second, 3u);
}

TEST(SetRiskLimit, RefusesWhatItCannotApplyAndChangesNothing) {
  Fixture f;
  RiskStage risk(f.registry, RiskConfig{});
  const std::uint64_t before = risk.state_hash();
  EXPECT_FALSE(risk.set_limit(RiskLimitId::kMaxOpenOrders, 0, 5));           // global limit, scoped
  EXPECT_FALSE(risk.set_limit(RiskLimitId::kMaxOrderQty, 9, 5));             // unknown instrument
  EXPECT_FALSE(risk.set_limit(RiskLimitId::kMaxOrderQty, kNoInstrument, -1));  // negative
  EXPECT_FALSE(risk.set_limit(static_cast<RiskLimitId>(99), kNoInstrument, 1));
  EXPECT_FALSE(risk.set_limit(RiskLimitId::kMaxOrdersPerSecond, kNoInstrument,
                              static_cast<std::int64_t>(RiskStage::kRateWindowCapacity) + 1));
  EXPECT_EQ(risk.state_hash(), before);
}

TEST(SetRiskLimit, ChangedLimitsAreStateAndSurviveASnapshot) {
  Fixture f;
  RiskStage risk(f.registry, RiskConfig{});
  const std::uint64_t before = risk.state_hash();
  feed(risk, f.trade(0, "100"));
  feed(risk, f.set_limit(RiskLimitId::kMaxOrderQty, 0, q("1").raw()));
  feed(risk, f.set_limit(RiskLimitId::kDailyLossLimit, kNoInstrument, m("10").raw()));
  EXPECT_NE(risk.state_hash(), before);
  StateArchive w = StateArchive::writer();
  risk.archive(w);
  RiskStage restored(f.registry, RiskConfig{});
  StateArchive r = StateArchive::reader(w.bytes());
  restored.archive(r);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(restored.state_hash(), risk.state_hash());
  EXPECT_EQ(submit(restored, f.intent(0, Side::kBuy, "2")), RejectReason::kRiskMaxOrderQty);
  EXPECT_EQ(restored.config().daily_loss_limit, m("10"));
}

class Recorder final : public OutputSink {
 public:
  void on_output(const Event& e) noexcept override { outputs.push_back(e); }
  std::vector<Event> outputs;
};

Event order_new(InstrumentId id, Seq origin, Side side = Side::kBuy) {
  Event e = make_event(EventType::kOrderNew, Source::kRisk, id, 0);
  e.header.seq = origin;
  e.header.flags = kFlagDerived;
  e.payload.order.client_order_id = make_client_order_id(origin, 0);
  e.payload.order.side = side;
  e.payload.order.order_type = OrderType::kLimit;
  e.payload.order.price = px("90");
  e.payload.order.qty = q("1");
  return e;
}
Event report(const Event& order, ExecType type, Seq seq, std::string_view last_qty = "0", std::uint64_t trade_id = 0) {
  Event e = make_event(EventType::kExecReport, Source::kSimVenue, order.instrument(), 0);
  e.header.seq = seq;
  ExecReportPayload& x = e.payload.exec;
  x.client_order_id = order.payload.order.client_order_id;
  x.exec_type = type;
  x.side = order.payload.order.side;
  x.last_price = px("90");
  x.last_qty = q(last_qty);
  x.cum_qty = q(last_qty);
  x.leaves_qty = order.payload.order.qty - x.cum_qty;
  x.fee = m("0.01");
  x.trade_id = trade_id;
  x.liquidity = Liquidity::kMaker;
  return e;
}

TEST(ScopedAdmin, CancelAllAndFlattenWithAnInstrumentTouchOnlyThatInstrument) {
  Fixture f;
  RouterStage router(f.registry, RouterConfig{});
  Recorder out;
  const Event btc = order_new(0, 10), eth = order_new(1, 20);
  router.on_event(btc, out);
  router.on_event(eth, out);
  router.on_event(report(btc, ExecType::kPartialFill, 11, "0.5", 1), out);
  router.on_event(report(eth, ExecType::kPartialFill, 21, "0.5", 2), out);
  out.outputs.clear();
  router.on_event(f.admin(AdminCommand::kCancelAll, 1), out);
  ASSERT_EQ(out.outputs.size(), 1u);
  EXPECT_EQ(out.outputs[0].type(), EventType::kOrderCancel);
  EXPECT_EQ(out.outputs[0].payload.order.client_order_id, eth.payload.order.client_order_id);
  out.outputs.clear();
  router.on_event(f.admin(AdminCommand::kFlatten, 0), out);
  std::size_t flatten_orders = 0;
  for (const Event& e : out.outputs) {
    if (e.type() != EventType::kOrderNew) continue;
    ++flatten_orders;
    EXPECT_EQ(e.instrument(), 0);
    EXPECT_EQ(e.payload.order.side, Side::kSell);
    EXPECT_EQ(e.payload.order.qty, q("0.5"));
  }
  EXPECT_EQ(flatten_orders, 1u);
}

StrategyStageConfig sma_config(const InstrumentRegistry&) {
  StrategyStageConfig c;
  c.name = "sma_cross";
  c.params = {{"fast", "2"}, {"slow", "3"}};
  c.bar_interval_ns = 1'000;
  c.slots = {{0, q("0.1")}, {1, q("0.1")}};
  return c;
}

// Drives rising then falling prices on both instruments; returns the intents per instrument.
std::vector<Event> run_prices(StrategyStage& stage, Fixture& f, const std::vector<Event>& admin_first) {
  std::vector<Event> intents;
  auto sink = [&](const Event& out) {
    if (out.type() == EventType::kOrderIntent) intents.push_back(out);
  };
  for (const Event& a : admin_first) stage.on_event(a, sink);
  const char* prices[] = {"100", "99", "98", "97", "98", "100", "103", "107", "112", "118", "125"};
  TimeNs t = 0;
  for (const char* p : prices) {
    for (InstrumentId id : {InstrumentId{0}, InstrumentId{1}}) stage.on_event(f.trade(id, p, t), sink);
    t += 1'000;
  }
  return intents;
}

TEST(ScopedAdmin, StrategyStopForOneInstrumentKeepsTheOtherTrading) {
  Fixture f;
  auto stage = StrategyStage::create(f.registry, sma_config(f.registry));
  ASSERT_TRUE(stage) << stage.error().message;
  auto intents = run_prices(**stage, f, {f.admin(AdminCommand::kStrategyStop, 0)});
  ASSERT_FALSE(intents.empty());
  for (const Event& e : intents) EXPECT_EQ(e.instrument(), 1) << "a stopped instrument placed an order";
}

TEST(ScopedAdmin, SetStrategyParamOrderQtyChangesTheNextEntrySize) {
  Fixture f;
  auto stage = StrategyStage::create(f.registry, sma_config(f.registry));
  ASSERT_TRUE(stage);
  const Event set = f.admin(AdminCommand::kSetStrategyParam, 1, static_cast<std::uint8_t>(StrategyParamId::kOrderQty),
                            q("0.25").raw());
  auto intents = run_prices(**stage, f, {set});
  bool saw_btc = false, saw_eth = false;
  for (const Event& e : intents) {
    if (e.payload.order.side != Side::kBuy) continue;
    if (e.instrument() == 0) { saw_btc = true; EXPECT_EQ(e.payload.order.qty, q("0.1")); }
    if (e.instrument() == 1) { saw_eth = true; EXPECT_EQ(e.payload.order.qty, q("0.25")); }
  }
  EXPECT_TRUE(saw_btc && saw_eth);
}

TEST(ScopedAdmin, StrategyAndInstrumentScopesCombine) {
  Fixture f;
  StrategyStageConfig c = sma_config(f.registry);
  StrategyInstanceConfig one;
  one.name = "one";
  one.kind = "sma_cross";
  one.params = c.params;
  one.slots = c.slots;
  StrategyInstanceConfig two = one;
  two.name = "two";
  c.strategies = {one, two};
  auto stage = StrategyStage::create(f.registry, c);
  ASSERT_TRUE(stage) << stage.error().message;
  Event stop = f.admin(AdminCommand::kStrategyStop, 0);
  stop.payload.admin.strategy_id = 2;  // strategy "two" on BTCUSDT only
  auto intents = run_prices(**stage, f, {stop});
  std::size_t seen[3][2] = {};
  for (const Event& e : intents) ++seen[e.payload.order.strategy_id][e.instrument()];
  EXPECT_GT(seen[1][0], 0u);
  EXPECT_GT(seen[1][1], 0u);
  EXPECT_EQ(seen[2][0], 0u) << "stopped: strategy two on BTCUSDT";
  EXPECT_GT(seen[2][1], 0u);
  EXPECT_TRUE((*stage)->enabled());
  EXPECT_TRUE((*stage)->strategy_enabled(2)) << "an instrument-scoped stop leaves the strategy itself on";
}

std::vector<ConsoleUpdate> drain(SpscRing<ConsoleUpdate>& ring) {
  std::vector<ConsoleUpdate> out;
  ConsoleUpdate u;
  while (ring.try_pop(u)) out.push_back(u);
  return out;
}

TEST(ConsolePublisher, PublishesOrdersFillsPositionsAndAdminSeqs) {
  Fixture f;
  RouterStage router(f.registry, RouterConfig{});
  SpscRing<ConsoleUpdate> ring(1024);
  ConsolePublisher pub(ring, f.registry.size());
  router.set_observer(&pub);
  Recorder out;
  const Event o = order_new(0, 10);
  router.on_event(o, out);
  router.on_event(report(o, ExecType::kFill, 11, "1", 5), out);
  Event kill = f.admin(AdminCommand::kKillSwitch);
  kill.header.seq = 12;
  router.on_event(kill, out);
  auto updates = drain(ring);
  std::vector<ConsoleUpdateKind> kinds;
  for (const ConsoleUpdate& u : updates) kinds.push_back(u.kind);
  ASSERT_GE(updates.size(), 6u);
  EXPECT_EQ(updates[0].kind, ConsoleUpdateKind::kOrder);
  EXPECT_EQ(updates[0].body.order.order.status, OrderStatus::kPendingNew);
  EXPECT_EQ(updates[1].kind, ConsoleUpdateKind::kOrder);  // filled: erased from the table, rebuilt from the report
  EXPECT_EQ(updates[1].body.order.order.status, OrderStatus::kFilled);
  EXPECT_EQ(updates[1].body.order.order.cum_qty, q("1"));
  EXPECT_EQ(updates[2].kind, ConsoleUpdateKind::kFill);
  EXPECT_EQ(updates[2].body.fill.trade_id, 5u);
  EXPECT_EQ(updates[2].body.fill.qty_raw, q("1").raw());
  EXPECT_EQ(updates[3].kind, ConsoleUpdateKind::kPosition);
  EXPECT_EQ(updates[3].body.position.qty_raw, q("1").raw());
  EXPECT_EQ(updates[3].body.position.fees_raw, m("0.01").raw());
  bool applied = false, halted_status = false;
  for (const ConsoleUpdate& u : updates) {
    if (u.kind == ConsoleUpdateKind::kAdminApplied) {
      applied = true;
      EXPECT_EQ(u.body.admin.seq, 12u);
      EXPECT_EQ(u.body.admin.request_id, 41u);
      EXPECT_EQ(u.body.admin.user_id, 3u);
      EXPECT_EQ(u.body.admin.command, AdminCommand::kKillSwitch);
    }
    if (u.kind == ConsoleUpdateKind::kStatus && u.body.status.seq == 12) halted_status = u.body.status.halted == 1;
  }
  EXPECT_TRUE(applied);
  EXPECT_TRUE(halted_status);
  EXPECT_TRUE(pub.halted());
  EXPECT_EQ(pub.dropped(), 0u);
}

TEST(ConsolePublisher, NeverWaitsOnAFullRingAndCountsWhatItDropped) {
  Fixture f;
  RouterStage router(f.registry, RouterConfig{});
  SpscRing<ConsoleUpdate> ring(4);
  ConsolePublisher pub(ring, f.registry.size(), /*status*/ 1, /*mark*/ 1);
  router.set_observer(&pub);
  Recorder out;
  for (int i = 0; i < 100; ++i) router.on_event(f.trade(0, "100", i * 10), out);
  EXPECT_EQ(pub.published(), 4u);
  EXPECT_EQ(pub.published() + pub.dropped(), 200u);  // a mark and a status per trade
  // The consumer catches up and the next updates flow again.
  (void)drain(ring);
  router.on_event(f.trade(0, "101", 5'000), out);
  EXPECT_EQ(drain(ring).size(), 2u);
}

TEST(ConsolePublisher, RiskDenialsBecomeRejectedOrdersAndRiskUpdates) {
  Fixture f;
  RouterStage router(f.registry, RouterConfig{});
  SpscRing<ConsoleUpdate> ring(64);
  ConsolePublisher pub(ring, f.registry.size());
  router.set_observer(&pub);
  Recorder out;
  Event denied = order_new(1, 30);
  denied.header.type = EventType::kOrderDenied;
  denied.payload.order.reason = RejectReason::kRiskMaxOrderQty;
  router.on_event(denied, out);
  auto updates = drain(ring);
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_EQ(updates[0].kind, ConsoleUpdateKind::kOrder);
  EXPECT_EQ(updates[0].body.order.order.status, OrderStatus::kRejected);
  EXPECT_EQ(updates[0].body.order.reason, RejectReason::kRiskMaxOrderQty);
  EXPECT_EQ(updates[1].kind, ConsoleUpdateKind::kRisk);
  EXPECT_EQ(updates[1].body.risk.rejects_total, 1u);
  EXPECT_EQ(updates[1].body.risk.last_reason, RejectReason::kRiskMaxOrderQty);
}

}  // namespace
}  // namespace sequent
