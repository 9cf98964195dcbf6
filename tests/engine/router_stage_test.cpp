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
