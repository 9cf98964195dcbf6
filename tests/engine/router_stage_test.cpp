#include "engine/router_stage.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sequent {
namespace {

class Recorder final : public OutputSink {
 public:
  void on_output(const Event& e) noexcept override { outputs.push_back(e); }
  std::vector<Event> outputs;
};

struct RouterFixture {
  InstrumentRegistry registry;
  RouterFixture() { (void)registry.add("BTCUSDT", "test", Price::from_raw(1'000'000), Qty::from_raw(1'000), Money{}); }
  static Event order(Seq origin, unsigned index) {
    Event e = make_event(EventType::kOrderNew, Source::kRisk, 0, 0);
    e.header.seq = origin;
    e.header.flags = kFlagDerived;
    e.payload.order.client_order_id = make_client_order_id(origin, index);
    e.payload.order.strategy_id = 1;  // as the strategy stage's orders carry
    e.payload.order.side = Side::kBuy;
    e.payload.order.order_type = OrderType::kLimit;
    e.payload.order.price = Price::from_units(90'000);
    e.payload.order.qty = Qty::from_raw(1'000'000);
    return e;
  }
  static Event report(ClientOrderId id, ExecType type, Seq seq) {
    Event e = make_event(EventType::kExecReport, Source::kSimVenue, 0, 0);
    e.header.seq = seq;
    e.payload.exec.client_order_id = id;
    e.payload.exec.exec_type = type;
    e.payload.exec.side = Side::kBuy;
    return e;
  }
  static Event admin(AdminCommand c, Seq seq) {
    Event e = make_event(EventType::kAdmin, Source::kConsole, kNoInstrument, 0);
    e.header.seq = seq;
    e.payload.admin.command = c;
    e.payload.admin.user_id = 7;
    return e;
  }
};

TEST(RouterStage, CancelAllCancelsEveryWorkingOrderInIdOrderOnce) {
  RouterFixture f;
  RouterStage router(f.registry, RouterConfig{});
  Recorder out;
  for (Seq s : {30, 10, 20}) {
    router.on_event(f.order(s, 0), out);
    router.on_event(f.report(make_client_order_id(s, 0), ExecType::kNew, s + 1), out);
  }
  out.outputs.clear();
  router.on_event(f.admin(AdminCommand::kCancelAll, 100), out);
  ASSERT_EQ(out.outputs.size(), 3u);
  EXPECT_EQ(out.outputs[0].payload.order.client_order_id, make_client_order_id(10, 0));
  EXPECT_EQ(out.outputs[1].payload.order.client_order_id, make_client_order_id(20, 0));
  EXPECT_EQ(out.outputs[2].payload.order.client_order_id, make_client_order_id(30, 0));
  for (const Event& c : out.outputs) {
    EXPECT_EQ(c.type(), EventType::kOrderCancel);
    EXPECT_EQ(c.seq(), 100u) << "a cancel's origin is the admin input";
    EXPECT_TRUE(c.derived());
    EXPECT_EQ(router.orders().find(c.payload.order.client_order_id)->status, OrderStatus::kPendingCancel);
  }
  out.outputs.clear();
  router.on_event(f.admin(AdminCommand::kCancelAll, 101), out);
  EXPECT_TRUE(out.outputs.empty()) << "pending cancels are not sent again";
  router.on_event(f.report(make_client_order_id(10, 0), ExecType::kCanceled, 102), out);
  EXPECT_EQ(router.orders().find(make_client_order_id(10, 0)), nullptr);
  EXPECT_EQ(router.orders().size(), 2u);
}

TEST(RouterStage, KillSwitchCancelsWorkingOrdersUnlessConfiguredNotTo) {
  RouterFixture f;
  for (bool cancel : {true, false}) {
    RouterConfig c;
    c.cancel_on_kill_switch = cancel;
    RouterStage router(f.registry, c);
    Recorder out;
    router.on_event(f.order(5, 0), out);
    out.outputs.clear();
    router.on_event(f.admin(AdminCommand::kKillSwitch, 6), out);
    EXPECT_EQ(out.outputs.size(), cancel ? 1u : 0u);
  }
}

TEST(RouterStage, FlattenClosesEveryPositionWithMarketOrders) {
  RouterFixture f;
  RouterConfig c;
  c.flatten_on_kill_switch = true;
  RouterStage router(f.registry, c);
  Recorder out;
  router.on_event(f.order(5, 0), out);
  Event fill = f.report(make_client_order_id(5, 0), ExecType::kFill, 6);
  fill.payload.exec.last_price = Price::from_units(90'000);
  fill.payload.exec.last_qty = Qty::from_raw(3'000'000);
  fill.payload.exec.trade_id = 1;
  router.on_event(fill, out);
  out.outputs.clear();
  router.on_event(f.admin(AdminCommand::kKillSwitch, 7), out);
  ASSERT_EQ(out.outputs.size(), 1u);
  const Event& o = out.outputs[0];
  EXPECT_EQ(o.type(), EventType::kOrderNew);
  EXPECT_EQ(o.payload.order.side, Side::kSell);
  EXPECT_EQ(o.payload.order.qty.raw(), 3'000'000);
  EXPECT_EQ(o.payload.order.order_type, OrderType::kMarket);
  EXPECT_EQ(o.payload.order.client_order_id, make_client_order_id(7, 128));
  EXPECT_NE(router.orders().find(o.payload.order.client_order_id), nullptr) << "tracked like any order";
}

TEST(RouterStage, FillForAnOrderNeverAcknowledgedStillCountsAndCompletesIt) {
  RouterFixture f;
  RouterStage router(f.registry, RouterConfig{});
  Recorder out;
  router.on_event(f.order(5, 0), out);
  Event fill = f.report(make_client_order_id(5, 0), ExecType::kFill, 6);
  fill.payload.exec.last_price = Price::from_units(90'000);
  fill.payload.exec.last_qty = Qty::from_raw(1'000'000);
  fill.payload.exec.trade_id = 1;
  router.on_event(fill, out);
  EXPECT_EQ(router.orders().size(), 0u);
  EXPECT_EQ(router.position(0).qty().raw(), 1'000'000);
  router.on_event(fill, out);  // the same report again (same venue trade id)
  EXPECT_EQ(router.position(0).qty().raw(), 1'000'000) << "a duplicate report must not fill twice";
  EXPECT_EQ(router.counters().fills.load(), 1u);
}

}  // namespace
}  // namespace sequent

namespace sequent {
namespace {

// Property: random interleavings of new orders, acks, partial and full fills, cancels, cancel
// rejects, duplicate and out-of-order reports (fills before acks), from a venue that never
// overfills. Invariants after every step: the position is the sum of the distinct fills; no
// working order's filled quantity exceeds its quantity; finished orders have left the table; and
// replaying the same sequence into a fresh router gives the same state hash.
TEST(RouterStageProperty, OrderLifeCycleInvariantsHoldUnderMessyVenueReports) {
  std::uint64_t seed = 7;
  if (const char* s = std::getenv("SEQUENT_TEST_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  auto next = [&x] { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x; };
  RouterFixture f;
  Recorder out;
  RouterStage router(f.registry, RouterConfig{});
  struct VenueOrder {
    ClientOrderId id;
    Side side;
    std::int64_t qty, filled;
    bool done;
  };
  std::vector<VenueOrder> venue;
  std::vector<Event> history;
  std::int64_t position = 0;
  std::uint64_t trade_id = 0;
  Seq seq = 1;
  auto send = [&](const Event& e) {
    history.push_back(e);
    router.on_event(e, out);
  };
  for (int step = 0; step < 20000; ++step) {
    const auto action = next() % 6;
    if (action == 0 || venue.empty()) {
      Event o = f.order(seq++, 0);
      o.payload.order.side = (next() & 1) ? Side::kBuy : Side::kSell;
      o.payload.order.qty = Qty::from_raw(static_cast<std::int64_t>(1 + next() % 5) * 1'000'000);
      send(o);
      venue.push_back({o.payload.order.client_order_id, o.payload.order.side, o.payload.order.qty.raw(), 0, false});
      continue;
    }
    VenueOrder& v = venue[next() % venue.size()];
    Event r = f.report(v.id, ExecType::kNew, seq++);
    r.payload.exec.side = v.side;
    switch (action) {
      case 1:  // ack (possibly late or duplicated)
        break;
      case 2:
      case 3: {  // a partial or final fill, never beyond the quantity
        if (v.done || v.filled == v.qty) continue;
        const std::int64_t rest = v.qty - v.filled;
        const std::int64_t q = action == 2 && rest > 1'000'000 ? 1'000'000 : rest;
        v.filled += q;
        r.payload.exec.exec_type = v.filled == v.qty ? ExecType::kFill : ExecType::kPartialFill;
        r.payload.exec.last_qty = Qty::from_raw(q);
        r.payload.exec.last_price = Price::from_units(100);
        r.payload.exec.cum_qty = Qty::from_raw(v.filled);
        r.payload.exec.trade_id = ++trade_id;
        position += v.side == Side::kBuy ? q : -q;
        if (v.filled == v.qty) v.done = true;
        send(r);
        if (next() % 4 == 0) send(r);  // the same report again: must not count twice
        continue;
      }
      case 4: {  // cancel request then the venue's answer
        Event admin = f.admin(AdminCommand::kCancelAll, seq++);
        send(admin);
        r.payload.exec.exec_type = v.done ? ExecType::kCancelRejected : ExecType::kCanceled;
        if (!v.done) v.done = true;
        break;
      }
      default:  // an expiry for an unfinished order, or a stray report for a finished one
        r.payload.exec.exec_type = ExecType::kExpired;
        v.done = true;
        break;
    }
    send(r);
    ASSERT_EQ(router.position(0).qty().raw(), position) << "seed " << seed << " step " << step;
    for (const OrderRecord& o : router.orders().sorted()) {
      ASSERT_LE(o.cum_qty.raw(), o.qty.raw()) << "seed " << seed;
      ASSERT_FALSE(is_terminal(o.status)) << "finished orders leave the table, seed " << seed;
    }
  }
  ASSERT_EQ(router.position(0).qty().raw(), position);
  RouterStage again(f.registry, RouterConfig{});
  Recorder out2;
  for (const Event& e : history) again.on_event(e, out2);
  EXPECT_EQ(again.state_hash(), router.state_hash());
  EXPECT_EQ(out2.outputs.size(), out.outputs.size());
}

}  // namespace
}  // namespace sequent
