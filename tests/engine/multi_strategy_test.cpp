// Several strategies in one engine: the strategy stage's instances, per-strategy positions in the
// router and in risk, per-strategy risk limits (one scenario per reason code), the per-strategy
// breaker, and a seeded property test over two strategies.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <vector>

#include "engine/core.hpp"
#include "engine/risk_stage.hpp"
#include "engine/router_stage.hpp"
#include "engine/strategy_stage.hpp"

namespace sequent {
namespace {

constexpr TimeNs kSec = 1'000'000'000;

Price px(std::string_view s) { Price p; EXPECT_EQ(parse_decimal(s, p), ParseStatus::kOk); return p; }
Qty q(std::string_view s) { Qty v; EXPECT_EQ(parse_decimal(s, v), ParseStatus::kOk); return v; }
Money m(std::string_view s) { Money v; EXPECT_EQ(parse_decimal(s, v), ParseStatus::kOk); return v; }

struct Fx {
  InstrumentRegistry registry;
  Seq seq = 1;
  Fx() {
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
  // An intent of `strategy`, id numbered as the strategy stage numbers its orders.
  Event intent(StrategyId strategy, InstrumentId id, Side side, std::string_view qty, std::string_view limit = "",
               TimeNs t = 0) {
    Event e = make_event(EventType::kOrderIntent, Source::kStrategy, id, t);
    e.header.flags = kFlagDerived;
    e.header.seq = seq++;
    e.payload.order.client_order_id = make_client_order_id(e.header.seq, strategy_order_index(strategy, 0));
    e.payload.order.strategy_id = strategy;
    e.payload.order.side = side;
    e.payload.order.qty = q(qty);
    e.payload.order.order_type = limit.empty() ? OrderType::kMarket : OrderType::kLimit;
    if (!limit.empty()) e.payload.order.price = px(limit);
    return e;
  }
  Event fill(const Event& order, std::string_view price, std::uint64_t trade_id, TimeNs t = 0) {
    Event e = make_event(EventType::kExecReport, Source::kSimVenue, order.instrument(), t);
    e.header.seq = seq++;
    e.payload.exec.client_order_id = order.payload.order.client_order_id;
    e.payload.exec.exec_type = ExecType::kFill;
    e.payload.exec.side = order.payload.order.side;
    e.payload.exec.last_price = px(price);
    e.payload.exec.last_qty = order.payload.order.qty;
    e.payload.exec.cum_qty = order.payload.order.qty;
    e.payload.exec.trade_id = trade_id;
    return e;
  }
  Event admin(AdminCommand c, StrategyId strategy = 0, InstrumentId id = kNoInstrument) {
    Event e = make_event(EventType::kAdmin, Source::kConsole, id, 0);
    e.header.seq = seq++;
    e.payload.admin.user_id = 1;
    e.payload.admin.command = c;
    e.payload.admin.strategy_id = strategy;
    return e;
  }
};

struct Outcome {
  RejectReason reason = RejectReason::kNone;
  std::vector<Event> extra;  // derived admin events (breaker trips)
};

RejectReason submit(RiskStage& risk, const Event& intent) {
  RejectReason reason = RejectReason::kNone;
  risk.on_event(intent, [&](const Event& out) {
    if (out.type() == EventType::kOrderDenied) reason = out.payload.order.reason;
  });
  return reason;
}
std::vector<Event> feed(RiskStage& risk, const Event& e) {
  std::vector<Event> trips;
  risk.on_event(e, [&](const Event& out) {
    if (out.type() == EventType::kAdmin && out.derived()) trips.push_back(out);
  });
  return trips;
}

// --- client order ids ----------------------------------------------------------------------------

TEST(StrategyOrderIds, NameTheStrategyAndKeepTheSingleStrategyNumbering) {
  EXPECT_EQ(strategy_order_index(1, 0), 0u);
  EXPECT_EQ(strategy_order_index(1, 3), 3u) << "strategy 1 numbers its orders 0, 1, 2, ... as before";
  EXPECT_EQ(strategy_order_index(1, 0, true), 128u) << "the router's flatten for strategy 1: index 128 as before";
  for (StrategyId s = 1; s <= kMaxStrategies; ++s) {
    for (unsigned k : {0u, 15u}) {
      const ClientOrderId id = make_client_order_id(12345, strategy_order_index(s, k));
      EXPECT_EQ(strategy_of_order(id), s);
      EXPECT_EQ(strategy_of_order(id | 0x80), s) << "a bracket exit (entry | 0x80) stays with its strategy";
      EXPECT_EQ(origin_seq_of(id), 12345u);
    }
  }
  EXPECT_EQ(strategy_of_order(make_client_order_id(9, strategy_order_index(kSystemStrategy, 2, true))), kSystemStrategy);
}

// --- strategy stage ------------------------------------------------------------------------------

StrategyStageConfig two_sma_config() {
  StrategyStageConfig c;
  c.bar_interval_ns = kSec;
  c.book_levels_per_side = 0;
  StrategyInstanceConfig a;
  a.name = "alpha";
  a.kind = "sma_cross";
  a.params = {{"fast", "1"}, {"slow", "2"}};
  a.slots = {{0, q("0.01")}, {1, q("0.1")}};
  StrategyInstanceConfig b = a;
  b.name = "beta";
  b.slots = {{0, q("0.02")}};
  c.strategies = {a, b};
  return c;
}

std::vector<Event> run_stage(StrategyStage& stage, const Event& e) {
  std::vector<Event> out;
  stage.on_event(e, [&](const Event& x) {
    if (x.type() == EventType::kOrderIntent) out.push_back(x);
  });
  return out;
}

// Rising bar closes: an sma(1) over sma(2) cross signals a buy on the third bar.
std::vector<Event> drive_bars(Fx& f, StrategyStage& stage, InstrumentId id, std::initializer_list<const char*> closes) {
  std::vector<Event> intents;
  TimeNs t = 0;
  for (const char* c : closes) {
    Event bar = make_event(EventType::kBar, Source::kFile, id, t);
    bar.header.seq = f.seq++;
    bar.payload.bar.open = bar.payload.bar.high = bar.payload.bar.low = bar.payload.bar.close = px(c);
    bar.payload.bar.volume = q("1");
    bar.payload.bar.interval_ns = kSec;
    for (const Event& e : run_stage(stage, bar)) intents.push_back(e);
    t += kSec;
  }
  return intents;
}

TEST(MultiStrategyStage, EveryStrategyTradingTheInstrumentSeesItAndTagsItsOrders) {
  Fx f;
  auto stage = StrategyStage::create(f.registry, two_sma_config());
  ASSERT_TRUE(stage.ok()) << stage.error().message;
  ASSERT_EQ((*stage)->strategy_count(), 2u);
  EXPECT_EQ((*stage)->strategy_name(1), "alpha");
  EXPECT_EQ((*stage)->strategy_name(2), "beta");
  const auto btc = drive_bars(f, **stage, 0, {"100", "90", "95", "120"});
  ASSERT_GE(btc.size(), 2u) << "both strategies trade BTCUSDT";
  std::map<StrategyId, Qty> qty;
  for (const Event& e : btc) {
    EXPECT_EQ(strategy_of_order(e.payload.order.client_order_id), e.payload.order.strategy_id);
    qty[e.payload.order.strategy_id] = e.payload.order.qty;
  }
  EXPECT_EQ(qty[1], q("0.01"));
  EXPECT_EQ(qty[2], q("0.02"));
  // Ids from the same input are distinct.
  for (std::size_t i = 0; i < btc.size(); ++i)
    for (std::size_t j = i + 1; j < btc.size(); ++j) EXPECT_NE(btc[i].payload.order.client_order_id, btc[j].payload.order.client_order_id);
  const auto eth = drive_bars(f, **stage, 1, {"100", "90", "95", "120"});
  ASSERT_FALSE(eth.empty());
  for (const Event& e : eth) EXPECT_EQ(e.payload.order.strategy_id, 1u) << "only alpha trades ETHUSDT";
}

TEST(MultiStrategyStage, FillsMoveOnlyTheirOwnStrategysPosition) {
  Fx f;
  auto stage = StrategyStage::create(f.registry, two_sma_config());
  ASSERT_TRUE(stage.ok());
  const auto intents = drive_bars(f, **stage, 0, {"100", "90", "95", "120"});
  for (const Event& e : intents) (void)run_stage(**stage, f.fill(e, "120", e.payload.order.strategy_id));
  EXPECT_EQ((*stage)->strategy_position(1, 0), q("0.01"));
  EXPECT_EQ((*stage)->strategy_position(2, 0), q("0.02"));
  // A venue's bracket exit of beta's entry (entry id | 0x80) is beta's.
  Event exit = f.fill(intents.back(), "130", 10);
  exit.payload.exec.client_order_id |= 0x80;
  exit.payload.exec.side = Side::kSell;
  (void)run_stage(**stage, exit);
  EXPECT_EQ((*stage)->strategy_position(intents.back().payload.order.strategy_id, 0), Qty{});
}

TEST(MultiStrategyStage, StartAndStopCanBeScopedToOneStrategy) {
  Fx f;
  auto stage = StrategyStage::create(f.registry, two_sma_config());
  ASSERT_TRUE(stage.ok());
  (void)run_stage(**stage, f.admin(AdminCommand::kStrategyStop, 2));
  EXPECT_FALSE((*stage)->strategy_enabled(2));
  EXPECT_TRUE((*stage)->strategy_enabled(1));
  EXPECT_TRUE((*stage)->enabled());
  auto intents = drive_bars(f, **stage, 0, {"100", "90", "95", "120"});
  ASSERT_FALSE(intents.empty());
  for (const Event& e : intents) EXPECT_EQ(e.payload.order.strategy_id, 1u) << "beta is stopped";
  for (const Event& e : intents) {  // alpha's order ends unfilled: it may signal again
    Event done = f.fill(e, "120", 0);
    done.payload.exec.exec_type = ExecType::kCanceled;
    done.payload.exec.last_qty = Qty{};
    (void)run_stage(**stage, done);
  }
  (void)run_stage(**stage, f.admin(AdminCommand::kStrategyStart, 2));
  EXPECT_TRUE((*stage)->strategy_enabled(2));
  // Set the order size of alpha only.
  Event set = f.admin(AdminCommand::kSetStrategyParam, 1);
  set.payload.admin.arg_code = static_cast<std::uint8_t>(StrategyParamId::kOrderQty);
  set.payload.admin.arg_value = q("0.05").raw();
  (void)run_stage(**stage, set);
  intents = drive_bars(f, **stage, 0, {"200", "150", "100", "90", "95", "130"});
  ASSERT_EQ(intents.size(), 2u) << "both signal again";
  for (const Event& e : intents) EXPECT_EQ(e.payload.order.qty, e.payload.order.strategy_id == 1 ? q("0.05") : q("0.02"));
}

TEST(MultiStrategyStage, RefusesBadConfigurations) {
  Fx f;
  StrategyStageConfig c = two_sma_config();
  c.strategies[1].name = "alpha";
  auto dup = StrategyStage::create(f.registry, c);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("used twice"), std::string::npos) << dup.error().message;
  c = two_sma_config();
  while (c.strategies.size() <= kMaxStrategies) {
    c.strategies.push_back(c.strategies[0]);
    c.strategies.back().name = "s" + std::to_string(c.strategies.size());
  }
  auto many = StrategyStage::create(f.registry, c);
  ASSERT_FALSE(many.ok());
  EXPECT_NE(many.error().message.find("at most"), std::string::npos);
  c = two_sma_config();
  c.strategies[0].params = {{"fats", "1"}};
  auto bad = StrategyStage::create(f.registry, c);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("fats"), std::string::npos);
}

// --- risk: one scenario per per-strategy check ----------------------------------------------------

RiskConfig loose() {
  RiskConfig c;
  c.default_limits = InstrumentRiskLimits::order_limits(q("100"), m("100000000"));
  return c;
}

TEST(StrategyRisk, MaxOrderQtyAndNotionalApplyOnlyToTheirStrategy) {
  Fx f;
  RiskConfig c = loose();
  c.per_strategy[1].max_order_qty = q("0.5");
  c.per_strategy[2].max_order_notional = m("1000");
  RiskStage risk(f.registry, c);
  feed(risk, f.trade(0, "10000"));
  EXPECT_EQ(submit(risk, f.intent(1, 0, Side::kBuy, "0.6")), RejectReason::kRiskStrategyMaxOrderQty);
  EXPECT_EQ(submit(risk, f.intent(1, 0, Side::kBuy, "0.5")), RejectReason::kNone);
  EXPECT_EQ(submit(risk, f.intent(2, 0, Side::kBuy, "0.2")), RejectReason::kRiskStrategyMaxOrderNotional);
  EXPECT_EQ(submit(risk, f.intent(2, 0, Side::kBuy, "0.1")), RejectReason::kNone);
  EXPECT_EQ(submit(risk, f.intent(3, 0, Side::kBuy, "5")), RejectReason::kNone) << "strategy 3 has no limits";
  EXPECT_EQ(risk.denied_for(RejectReason::kRiskStrategyMaxOrderQty), 1u);
  EXPECT_EQ(risk.denied_for(RejectReason::kRiskStrategyMaxOrderNotional), 1u);
}

TEST(StrategyRisk, MaxPositionCountsTheStrategysOwnPositionAndOpenOrders) {
  Fx f;
  RiskConfig c = loose();
  c.per_strategy[1].max_position_qty = q("1");
  c.per_strategy[2].max_position_notional = m("15000");
  RiskStage risk(f.registry, c);
  feed(risk, f.trade(0, "10000"));
  const Event a = f.intent(1, 0, Side::kBuy, "0.6");
  ASSERT_EQ(submit(risk, a), RejectReason::kNone);
  EXPECT_EQ(submit(risk, f.intent(1, 0, Side::kBuy, "0.5")), RejectReason::kRiskStrategyMaxPositionQty)
      << "0.6 open + 0.5 > 1";
  feed(risk, f.fill(a, "10000", 1));
  EXPECT_EQ(risk.strategy_positions().at(1, 0).qty(), q("0.6"));
  EXPECT_EQ(submit(risk, f.intent(1, 0, Side::kBuy, "0.5")), RejectReason::kRiskStrategyMaxPositionQty);
  EXPECT_EQ(submit(risk, f.intent(1, 0, Side::kSell, "1.6")), RejectReason::kNone) << "to -1: allowed";
  // Strategy 2 is flat: its notional limit sees only its own book, not strategy 1's 0.6.
  EXPECT_EQ(submit(risk, f.intent(2, 0, Side::kBuy, "1.4")), RejectReason::kNone);
  EXPECT_EQ(submit(risk, f.intent(2, 0, Side::kBuy, "0.2")), RejectReason::kRiskStrategyMaxPositionNotional);
  EXPECT_EQ(risk.denied_for(RejectReason::kRiskStrategyMaxPositionQty), 2u);
  EXPECT_EQ(risk.denied_for(RejectReason::kRiskStrategyMaxPositionNotional), 1u);
}

TEST(StrategyRisk, MaxOpenOrdersPerStrategy) {
  Fx f;
  RiskConfig c = loose();
  c.per_strategy[2].max_open_orders = 2;
  RiskStage risk(f.registry, c);
  feed(risk, f.trade(0, "10000"));
  const Event a = f.intent(2, 0, Side::kBuy, "0.1", "9000");
  ASSERT_EQ(submit(risk, a), RejectReason::kNone);
  ASSERT_EQ(submit(risk, f.intent(2, 0, Side::kBuy, "0.1", "9000")), RejectReason::kNone);
  EXPECT_EQ(submit(risk, f.intent(2, 0, Side::kBuy, "0.1", "9000")), RejectReason::kRiskStrategyMaxOpenOrders);
  EXPECT_EQ(submit(risk, f.intent(1, 0, Side::kBuy, "0.1", "9000")), RejectReason::kNone) << "strategy 1 is not capped";
  EXPECT_EQ(risk.strategy_open_orders(2), 2u);
  feed(risk, f.fill(a, "9000", 1));
  EXPECT_EQ(risk.strategy_open_orders(2), 1u);
  EXPECT_EQ(submit(risk, f.intent(2, 0, Side::kBuy, "0.1", "9000")), RejectReason::kNone) << "a slot freed by the fill";
}

TEST(StrategyBreaker, DailyLossHaltsOnlyThatStrategyUntilResume) {
  Fx f;
  RiskConfig c = loose();
  c.per_strategy[1].daily_loss_limit = m("100");
  RiskStage risk(f.registry, c);
  const TimeNs t0 = 1'700'000'000 * kSec;
  feed(risk, f.trade(0, "10000", t0));
  const Event a = f.intent(1, 0, Side::kBuy, "1", "", t0);
  const Event b = f.intent(2, 0, Side::kBuy, "1", "", t0);
  ASSERT_EQ(submit(risk, a), RejectReason::kNone);
  ASSERT_EQ(submit(risk, b), RejectReason::kNone);
  EXPECT_TRUE(feed(risk, f.fill(a, "10000", 1, t0)).empty());
  EXPECT_TRUE(feed(risk, f.fill(b, "10000", 2, t0)).empty());
  EXPECT_TRUE(feed(risk, f.trade(0, "9950", t0 + kSec)).empty()) << "a 50 loss: under the limit";
  const std::vector<Event> trips = feed(risk, f.trade(0, "9900", t0 + 2 * kSec));
  ASSERT_EQ(trips.size(), 1u) << "both strategies lost 100; only strategy 1 has a limit";
  EXPECT_EQ(trips[0].payload.admin.command, AdminCommand::kStrategyHalt);
  EXPECT_EQ(trips[0].payload.admin.strategy_id, 1u);
  EXPECT_EQ(trips[0].payload.admin.arg_code, 1u) << "cause: daily loss";
  EXPECT_TRUE(risk.strategy_halted(1));
  EXPECT_FALSE(risk.strategy_halted(2));
  EXPECT_FALSE(risk.halted());
  EXPECT_EQ(risk.breaker(), 0u) << "the account breaker is not involved";
  EXPECT_TRUE(feed(risk, f.trade(0, "9800", t0 + 3 * kSec)).empty()) << "announced once";
  EXPECT_EQ(submit(risk, f.intent(1, 0, Side::kBuy, "0.1", "", t0 + 3 * kSec)), RejectReason::kRiskStrategyHalted);
  EXPECT_EQ(submit(risk, f.intent(1, 0, Side::kSell, "2", "", t0 + 3 * kSec)), RejectReason::kRiskStrategyHalted)
      << "reducing through zero is not reducing";
  EXPECT_EQ(submit(risk, f.intent(1, 0, Side::kSell, "0.5", "", t0 + 3 * kSec)), RejectReason::kNone) << "reduce-only";
  EXPECT_EQ(submit(risk, f.intent(2, 0, Side::kBuy, "0.1", "", t0 + 3 * kSec)), RejectReason::kNone) << "strategy 2 trades on";
  // The fed-back trip (as the journal holds it) changes nothing more; a resume for strategy 2
  // does not re-arm strategy 1; a resume for strategy 1 does.
  Event fed = trips[0];
  fed.header.flags = 0;
  fed.header.source = Source::kInternal;
  feed(risk, fed);
  EXPECT_TRUE(risk.strategy_halted(1));
  feed(risk, f.admin(AdminCommand::kResume, 2));
  EXPECT_TRUE(risk.strategy_halted(1));
  feed(risk, f.admin(AdminCommand::kResume, 1));
  EXPECT_FALSE(risk.strategy_halted(1));
  EXPECT_EQ(submit(risk, f.intent(1, 0, Side::kBuy, "0.1", "", t0 + 4 * kSec)), RejectReason::kNone);
  EXPECT_EQ(risk.denied_for(RejectReason::kRiskStrategyHalted), 2u);
}

TEST(StrategyBreaker, SnapshotCarriesTheHaltAndTheBooks) {
  Fx f;
  RiskConfig c = loose();
  c.per_strategy[1].daily_loss_limit = m("10");
  RiskStage risk(f.registry, c);
  feed(risk, f.trade(0, "10000", kSec));
  const Event a = f.intent(1, 0, Side::kBuy, "1", "", kSec);
  ASSERT_EQ(submit(risk, a), RejectReason::kNone);
  feed(risk, f.fill(a, "10000", 1, kSec));
  ASSERT_EQ(feed(risk, f.trade(0, "9980", 2 * kSec)).size(), 1u);
  StateArchive w = StateArchive::writer();
  risk.archive(w);
  RiskStage other(f.registry, c);
  StateArchive r = StateArchive::reader(w.bytes());
  other.archive(r);
  ASSERT_TRUE(r.ok() && r.at_end());
  EXPECT_EQ(other.state_hash(), risk.state_hash());
  EXPECT_TRUE(other.strategy_halted(1));
  EXPECT_EQ(submit(other, f.intent(1, 0, Side::kBuy, "0.1", "", 3 * kSec)), RejectReason::kRiskStrategyHalted);
}

// --- router: books, flatten per book, a strategy halt cancels only that strategy -------------------

class Recorder final : public OutputSink {
 public:
  void on_output(const Event& e) noexcept override { outputs.push_back(e); }
  std::vector<Event> outputs;
};

Event as_order(Event intent) {
  intent.header.type = EventType::kOrderNew;
  intent.header.source = Source::kRisk;
  return intent;
}

TEST(StrategyBooks, RouterAttributesFillsAndFlattensEachBook) {
  Fx f;
  RouterConfig rc;
  RouterStage router(f.registry, rc);
  Recorder out;
  const Event a = as_order(f.intent(1, 0, Side::kBuy, "0.3", "10000"));
  const Event b = as_order(f.intent(2, 0, Side::kSell, "0.1", "10000"));
  router.on_event(a, out);
  router.on_event(b, out);
  router.on_event(f.fill(a, "10000", 1), out);
  Event fb = f.fill(b, "10010", 2);
  fb.payload.exec.fee = m("0.5");
  router.on_event(fb, out);
  router.on_event(f.trade(0, "10100"), out);
  EXPECT_EQ(router.position(1, 0).qty(), q("0.3"));
  EXPECT_EQ(router.position(2, 0).qty(), q("-0.1"));
  EXPECT_EQ(router.position(0).qty(), q("0.2"));
  EXPECT_EQ(router.strategy_positions().unrealised(1), m("30"));
  EXPECT_EQ(router.strategy_positions().unrealised(2), m("-9"));
  EXPECT_EQ(router.strategy_positions().fees(2), m("0.5"));
  EXPECT_EQ(router.strategy_positions().net_pnl(1) + router.strategy_positions().net_pnl(2), router.total_net_pnl());
  out.outputs.clear();
  router.on_event(f.admin(AdminCommand::kFlatten), out);
  ASSERT_EQ(out.outputs.size(), 2u) << "one market order per (instrument, strategy) book";
  for (const Event& o : out.outputs) {
    EXPECT_EQ(strategy_of_order(o.payload.order.client_order_id), o.payload.order.strategy_id);
    EXPECT_EQ(o.payload.order.side, o.payload.order.strategy_id == 1 ? Side::kSell : Side::kBuy);
    EXPECT_EQ(o.payload.order.qty, o.payload.order.strategy_id == 1 ? q("0.3") : q("0.1"));
    Event done = f.fill(o, "10100", o.payload.order.strategy_id == 1 ? 3 : 4);
    router.on_event(done, out);
  }
  EXPECT_EQ(router.position(1, 0).qty(), Qty{});
  EXPECT_EQ(router.position(2, 0).qty(), Qty{});
  EXPECT_EQ(router.position(0).qty(), Qty{});
}

TEST(StrategyBooks, AStrategyHaltCancelsOnlyThatStrategysOrders) {
  Fx f;
  RouterStage router(f.registry, RouterConfig{});
  Recorder out;
  router.on_event(as_order(f.intent(1, 0, Side::kBuy, "0.3", "9000")), out);
  router.on_event(as_order(f.intent(2, 0, Side::kBuy, "0.3", "9000")), out);
  router.on_event(as_order(f.intent(2, 1, Side::kBuy, "0.3", "900")), out);
  out.outputs.clear();
  Event halt = f.admin(AdminCommand::kStrategyHalt, 2);
  halt.header.source = Source::kInternal;
  halt.payload.admin.arg_code = 1;
  router.on_event(halt, out);
  ASSERT_EQ(out.outputs.size(), 2u);
  for (const Event& o : out.outputs) {
    EXPECT_EQ(o.type(), EventType::kOrderCancel);
    EXPECT_EQ(o.payload.order.strategy_id, 2u);
  }
}

// An order the venue reports open at reconciliation that the core never knew (its origin lost in
// a crash) is adopted in its strategy's book: its later fill moves that strategy's position, not
// the system book's.
TEST(StrategyBooks, AnOrderAdoptedAtReconciliationFillsIntoItsStrategysBook) {
  Fx f;
  RouterStage router(f.registry, RouterConfig{});
  Recorder out;
  const Event lost = as_order(f.intent(2, 0, Side::kBuy, "0.4", "9000"));  // never seen by the router
  auto window = [&](ReconcilePhase phase) {
    Event e = make_event(EventType::kReconcile, Source::kReconcile, kNoInstrument, 0);
    e.header.seq = f.seq++;
    e.payload.reconcile.phase = phase;
    return e;
  };
  Event ack = make_event(EventType::kExecReport, Source::kReconcile, 0, 0);
  ack.header.seq = f.seq++;
  ack.header.flags = kFlagVenueState;
  ack.payload.exec.client_order_id = lost.payload.order.client_order_id;
  ack.payload.exec.exec_type = ExecType::kNew;
  ack.payload.exec.side = Side::kBuy;
  ack.payload.exec.last_price = px("9000");
  ack.payload.exec.leaves_qty = q("0.4");
  router.on_event(window(ReconcilePhase::kBegin), out);
  router.on_event(ack, out);
  router.on_event(window(ReconcilePhase::kEnd), out);
  ASSERT_EQ(router.orders().size(), 1u);
  router.on_event(f.fill(lost, "9000", 5), out);
  EXPECT_EQ(router.position(2, 0).qty(), q("0.4"));
  EXPECT_EQ(router.position(StrategyId{0}, 0).qty(), Qty{}) << "not the system book";
  EXPECT_EQ(router.orders().size(), 0u);
}

// The console's `strategy` scope: an operator's cancel_all and flatten act on that strategy's
// orders and book only; the kill switch is never scoped.
TEST(StrategyBooks, AnOperatorsCancelAllAndFlattenCanBeScopedToOneStrategy) {
  Fx f;
  RouterStage router(f.registry, RouterConfig{});
  Recorder out;
  const Event a = as_order(f.intent(1, 0, Side::kBuy, "0.3", "10000"));
  const Event b = as_order(f.intent(2, 0, Side::kBuy, "0.2", "10000"));
  router.on_event(a, out);
  router.on_event(b, out);
  router.on_event(f.fill(a, "10000", 1), out);
  router.on_event(f.fill(b, "10000", 2), out);
  router.on_event(as_order(f.intent(1, 0, Side::kBuy, "0.1", "9000")), out);
  router.on_event(as_order(f.intent(2, 0, Side::kBuy, "0.1", "9000")), out);
  router.on_event(as_order(f.intent(2, 1, Side::kBuy, "0.1", "900")), out);
  out.outputs.clear();
  router.on_event(f.admin(AdminCommand::kCancelAll, 2), out);
  ASSERT_EQ(out.outputs.size(), 2u);
  for (const Event& o : out.outputs) {
    EXPECT_EQ(o.type(), EventType::kOrderCancel);
    EXPECT_EQ(o.payload.order.strategy_id, 2u);
  }
  out.outputs.clear();
  router.on_event(f.admin(AdminCommand::kFlatten, 1), out);
  ASSERT_EQ(out.outputs.size(), 2u) << "strategy 1's cancel, then its one closing order";
  EXPECT_EQ(out.outputs[0].type(), EventType::kOrderCancel);
  EXPECT_EQ(out.outputs[0].payload.order.strategy_id, 1u);
  EXPECT_EQ(out.outputs[1].type(), EventType::kOrderNew);
  EXPECT_EQ(out.outputs[1].payload.order.strategy_id, 1u);
  EXPECT_EQ(out.outputs[1].payload.order.side, Side::kSell);
  EXPECT_EQ(out.outputs[1].payload.order.qty, q("0.3"));
  out.outputs.clear();
  // A kill switch is never scoped: with strategy 2 named, it still cancels strategy 1's working
  // closing order (the only order without a cancel on its way).
  router.on_event(f.admin(AdminCommand::kKillSwitch, 2), out);
  ASSERT_EQ(out.outputs.size(), 1u);
  EXPECT_EQ(out.outputs[0].type(), EventType::kOrderCancel);
  EXPECT_EQ(out.outputs[0].payload.order.strategy_id, 1u);
}

// --- property: two strategies, random orders, fills, cancels -------------------------------------

// Over seeded random sequences: per-strategy positions (risk and router) sum to the instrument's,
// each equals the sum of its own fills, no approved order breaks a per-strategy limit, and the
// same sequence replayed gives the same state hashes.
TEST(StrategyProperty, BooksAddUpAndNoApprovedOrderBreaksAStrategyLimit) {
  std::uint64_t seed = 2026;
  if (const char* s = std::getenv("SEQUENT_TEST_SEED")) seed = std::strtoull(s, nullptr, 10);
  Fx f;
  RiskConfig c = loose();
  c.per_strategy[1].max_order_qty = q("2");
  c.per_strategy[1].max_position_qty = q("3");
  c.per_strategy[1].max_open_orders = 4;
  c.per_strategy[2].max_order_notional = m("3000");
  c.per_strategy[2].max_position_notional = m("8000");
  c.per_strategy[2].max_open_orders = 3;
  c.per_strategy[2].daily_loss_limit = m("40");

  struct Run {
    std::vector<std::uint64_t> hashes;
  };
  auto run = [&](std::uint64_t s, Run& result) {
    Fx g;
    RiskStage risk(g.registry, c);
    RouterStage router(g.registry, RouterConfig{});
    Recorder out;
    std::uint64_t x = s * 2654435761u + 1;
    auto next = [&x] { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x; };
    std::int64_t price[2] = {px("10000").raw(), px("2000").raw()};
    struct Open {
      Event order;
      Qty left;
    };
    std::vector<Open> open;
    std::int64_t own_fills[3][2] = {};  // by strategy, instrument: signed quantity filled (raw)
    std::uint64_t trade_id = 1;
    TimeNs t = 1'700'000'000 * kSec;
    for (int i = 0; i < 4000; ++i) {
      t += kSec / 10;
      const auto inst = static_cast<InstrumentId>(next() % 2);
      const unsigned action = static_cast<unsigned>(next() % 10);
      if (action < 3) {
        price[inst] += (static_cast<std::int64_t>(next() % 5) - 2) * (inst == 0 ? px("5").raw() : px("1").raw());
        Event tr = g.trade(inst, "1", t);
        tr.payload.trade.price = Price::from_raw(price[inst]);
        risk.on_event(tr, [&](const Event& e) { router.on_event(e, out); });
      } else if (action < 7) {
        const auto sid = static_cast<StrategyId>(1 + next() % 2);
        const Side side = (next() & 1) ? Side::kBuy : Side::kSell;
        Event in = g.intent(sid, inst, side, "0.01", "", t);
        in.payload.order.qty = Qty::from_raw(static_cast<std::int64_t>(1 + next() % 8) * (inst == 0 ? 1'000'000 : 50'000'000));
        in.payload.order.order_type = OrderType::kLimit;
        in.payload.order.price = Price::from_raw(price[inst]);
        // Expected per-strategy exposure before the decision.
        const StrategyRiskLimits& lim = risk.strategy_limits(sid);
        const std::int64_t pos = risk.strategy_positions().at(sid, inst).qty().raw();
        std::int64_t same_side = 0;
        for (const Open& o : open)
          if (o.order.payload.order.strategy_id == sid && o.order.instrument() == inst && o.order.payload.order.side == side)
            same_side += o.left.raw();
        std::size_t open_count = 0;
        for (const Open& o : open) open_count += o.order.payload.order.strategy_id == sid ? 1 : 0;
        bool approved = false;
        risk.on_event(in, [&](const Event& e) {
          if (e.type() == EventType::kOrderNew) approved = true;
          router.on_event(e, out);
        });
        if (approved) {
          const std::int64_t sq = side == Side::kBuy ? in.payload.order.qty.raw() : -in.payload.order.qty.raw();
          const std::int64_t projected = side == Side::kBuy ? pos + same_side + sq : pos - same_side + sq;
          const std::int64_t abs_projected = projected < 0 ? -projected : projected;
          if (lim.max_order_qty.is_positive()) {
            ASSERT_LE(in.payload.order.qty, lim.max_order_qty) << "step " << i;
          }
          if (lim.max_order_notional.is_positive()) {
            ASSERT_LE(notional(in.payload.order.price, in.payload.order.qty), lim.max_order_notional) << "step " << i;
          }
          if (lim.max_position_qty.is_positive()) {
            ASSERT_LE(abs_projected, lim.max_position_qty.raw()) << "step " << i;
          }
          if (lim.max_position_notional.is_positive()) {
            ASSERT_LE(notional(in.payload.order.price, Qty::from_raw(abs_projected)), lim.max_position_notional) << "step " << i;
          }
          if (lim.max_open_orders != 0) {
            ASSERT_LT(open_count, lim.max_open_orders) << "step " << i;
          }
          if (risk.strategy_halted(sid)) {
            ASSERT_TRUE(pos != 0 && (pos > 0) != (sq > 0) && (sq < 0 ? -sq : sq) <= (pos < 0 ? -pos : pos));
          }
          open.push_back(Open{in, in.payload.order.qty});
        }
      } else if (!open.empty()) {
        const std::size_t k = static_cast<std::size_t>(next() % open.size());
        Open& o = open[k];
        const bool cancel = action == 9;
        Event rep = g.fill(o.order, "1", trade_id++, t);
        rep.payload.exec.last_price = o.order.payload.order.price;
        if (cancel) {
          rep.payload.exec.exec_type = ExecType::kCanceled;
          rep.payload.exec.last_qty = Qty{};
          rep.payload.exec.trade_id = 0;
        } else {
          const std::int64_t part = std::min<std::int64_t>(o.left.raw(), static_cast<std::int64_t>(1 + next() % 3) * (o.left.raw() / 2 + 1));
          rep.payload.exec.last_qty = Qty::from_raw(part);
          rep.payload.exec.exec_type = part == o.left.raw() ? ExecType::kFill : ExecType::kPartialFill;
          const StrategyId sid = o.order.payload.order.strategy_id;
          own_fills[sid][o.order.instrument()] += o.order.payload.order.side == Side::kBuy ? part : -part;
          o.left = Qty::from_raw(o.left.raw() - part);
        }
        risk.on_event(rep, [&](const Event& e) { router.on_event(e, out); });
        if (cancel || o.left.is_zero()) open.erase(open.begin() + static_cast<std::ptrdiff_t>(k));
      }
      for (InstrumentId id = 0; id < 2; ++id) {
        std::int64_t risk_sum = 0, router_sum = 0;
        for (StrategyId s2 = 0; s2 <= kMaxStrategies; ++s2) {
          risk_sum += risk.strategy_positions().at(s2, id).qty().raw();
          router_sum += router.position(s2, id).qty().raw();
        }
        ASSERT_EQ(risk_sum, risk.position(id).qty().raw()) << "step " << i;
        ASSERT_EQ(router_sum, router.position(id).qty().raw()) << "step " << i;
        for (StrategyId s2 = 1; s2 <= 2; ++s2) {
          ASSERT_EQ(risk.strategy_positions().at(s2, id).qty().raw(), own_fills[s2][id]) << "step " << i;
          ASSERT_EQ(router.position(s2, id).qty().raw(), own_fills[s2][id]) << "step " << i;
        }
      }
      if (i % 500 == 0) {
        result.hashes.push_back(risk.state_hash());
        result.hashes.push_back(router.state_hash());
      }
    }
    EXPECT_GT(risk.approved(), 100u);
    EXPECT_GT(risk.denied_for(RejectReason::kRiskStrategyMaxPositionQty) + risk.denied_for(RejectReason::kRiskStrategyMaxOrderQty) +
                  risk.denied_for(RejectReason::kRiskStrategyMaxOpenOrders) +
                  risk.denied_for(RejectReason::kRiskStrategyMaxOrderNotional) +
                  risk.denied_for(RejectReason::kRiskStrategyMaxPositionNotional),
              0u)
        << "the limits must bite for this to prove anything";
  };
  for (std::uint64_t s = seed; s < seed + 5; ++s) {
    Run a, b;
    run(s, a);
    run(s, b);
    EXPECT_EQ(a.hashes, b.hashes) << "seed " << s << ": the same sequence replayed gives the same state hashes";
  }
}

}  // namespace
}  // namespace sequent
