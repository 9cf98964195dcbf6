// ConsoleView (the console's picture of the feed and each update's JSON), ClientQueue
// (conflation and the backlog cutoff) and the Prometheus text rendering.
#include <gtest/gtest.h>

#include <string>

#include "gateways/console/client_queue.hpp"
#include "gateways/console/console_view.hpp"

namespace sequent::console {
namespace {

ConsoleView make_view() {
  RiskConfig risk;
  risk.max_open_orders = 10;
  return ConsoleView({"BTCUSDT", "ETHUSDT"}, "paper", risk);
}

ConsoleUpdate position(Seq seq, InstrumentId id, std::int64_t qty_raw) {
  ConsoleUpdate u;
  u.kind = ConsoleUpdateKind::kPosition;
  u.body.position = PositionUpdate{};
  u.body.position.seq = seq;
  u.body.position.instrument = id;
  u.body.position.qty_raw = qty_raw;
  u.body.position.avg_price_raw = Price::from_units(50'000).raw();
  u.body.position.realised_raw = 300'000'000;   // 3
  u.body.position.unrealised_raw = 100'000'000; // 1
  u.body.position.fees_raw = 50'000'000;        // 0.5
  return u;
}

ConsoleUpdate order(Seq seq, ClientOrderId id, OrderStatus status, RejectReason reason = RejectReason::kNone) {
  ConsoleUpdate u;
  u.kind = ConsoleUpdateKind::kOrder;
  u.body.order = OrderUpdate{};
  u.body.order.seq = seq;
  u.body.order.order.client_order_id = id;
  u.body.order.order.instrument = 0;
  u.body.order.order.side = Side::kBuy;
  u.body.order.order.order_type = OrderType::kLimit;
  u.body.order.order.status = status;
  u.body.order.order.price = Price::from_units(100);
  u.body.order.order.qty = Qty::from_raw(1'000'000);
  u.body.order.reason = reason;
  return u;
}

TEST(ConsoleView, PositionMessageCarriesDecimalStrings) {
  ConsoleView v = make_view();
  const auto m = v.apply(position(42, 0, 200'000));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->channel, ConsoleChannel::kPositions);
  EXPECT_EQ(m->key, conflation_key(ConsoleChannel::kPositions, 0));
  EXPECT_EQ(*m->text,
            R"({"channel":"positions","seq":42,"data":{"symbol":"BTCUSDT","qty":"0.002","avg_price":"50000",)"
            R"("last_price":"0","realised":"3","unrealised":"1","fees":"0.5","pnl":"3.5"}})");
  EXPECT_NE(m->key, conflation_key(ConsoleChannel::kPositions, 1));
}

TEST(ConsoleView, OpenOrdersKeepOnlyLiveOnes) {
  ConsoleView v = make_view();
  const auto m = v.apply(order(5, 1281, OrderStatus::kAcknowledged));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->key, kNoConflation);
  EXPECT_NE(m->text->find(R"("client_order_id":1281,"symbol":"BTCUSDT","side":"buy","type":"limit",)"
                          R"("status":"acknowledged","price":"100","qty":"0.01","cum_qty":"0")"),
            std::string::npos)
      << *m->text;
  (void)v.apply(order(6, 1537, OrderStatus::kPendingNew));
  EXPECT_EQ(v.open_orders(), 2u);
  EXPECT_EQ(v.snapshot_data(ConsoleChannel::kOrders).size(), 2u);
  (void)v.apply(order(7, 1281, OrderStatus::kFilled));
  (void)v.apply(order(8, 1537, OrderStatus::kRejected, RejectReason::kRiskMaxOrderQty));
  EXPECT_EQ(v.open_orders(), 0u);
  EXPECT_TRUE(v.snapshot_messages(ConsoleChannel::kOrders).empty());
}

TEST(ConsoleView, RiskCountsRejectsByReasonAndAppliesLimitChanges) {
  ConsoleView v = make_view();
  ConsoleUpdate u;
  u.kind = ConsoleUpdateKind::kRisk;
  u.body.risk = RiskUpdate{};
  u.body.risk.seq = 10;
  u.body.risk.rejects_total = 1;
  u.body.risk.last_reason = RejectReason::kRiskMaxOrderQty;
  (void)v.apply(u);
  u.body.risk.seq = 11;
  u.body.risk.rejects_total = 2;
  (void)v.apply(u);
  u.body.risk.seq = 12;
  u.body.risk.last_reason = RejectReason::kNone;
  u.body.risk.halted = 1;
  u.body.risk.changed_limit = RiskLimitId::kMaxOrderQty;
  u.body.risk.limit_instrument = 1;
  u.body.risk.limit_value = 250'000'000;
  const auto m = v.apply(u);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(v.rejects_by_reason().at(RejectReason::kRiskMaxOrderQty), 2u);
  EXPECT_EQ(v.rejects_total(), 2u);
  const std::string& t = *m->text;
  EXPECT_NE(t.find(R"("halted":true,"breaker":"none","rejects_total":2,"rejects_by_reason":{"risk_max_order_qty":2})"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find(R"("max_open_orders":10)"), std::string::npos) << t;
  EXPECT_NE(t.find(R"("ETHUSDT":{"max_order_qty":"2.5")"), std::string::npos) << t;
  EXPECT_NE(t.find(R"("BTCUSDT":{"max_order_qty":"1000000")"), std::string::npos) << t;
}

TEST(ConsoleView, StatusAlertsAndLatency) {
  ConsoleView v = make_view();
  EXPECT_TRUE(v.snapshot_data(ConsoleChannel::kStatus).empty());
  ConsoleUpdate u;
  u.kind = ConsoleUpdateKind::kStatus;
  u.body.status = StatusUpdate{};
  u.body.status.seq = 99;
  u.body.status.orders = 3;
  u.body.status.breaker = 2;
  u.body.status.net_pnl_raw = -150'000'000;
  const auto m = v.apply(u);
  ASSERT_TRUE(m.has_value());
  EXPECT_NE(m->text->find(R"("orders":3,)"), std::string::npos);
  EXPECT_NE(m->text->find(R"("pnl":"-1.5","halted":false,"breaker":"drawdown","strategies_enabled":false,"mode":"paper")"),
            std::string::npos)
      << *m->text;
  EXPECT_EQ(v.snapshot_data(ConsoleChannel::kStatus).size(), 1u);

  const auto a = v.alert(AlertSeverity::kWarning, "journal_slow", "fsync \"took\" 3 s");
  EXPECT_EQ(*a.text,
            R"({"channel":"alerts","data":{"severity":"warning","code":"journal_slow","message":"fsync \"took\" 3 s"}})");
  const auto l = v.latency(LatencySample{12'345, 99'000, 1'000'001, 7});
  EXPECT_EQ(*l.text,
            R"({"channel":"latency","data":{"t2o_p50_us":12.345,"t2o_p99_us":99.000,"t2o_p999_us":1000.001,"t2o_count":7}})");
  EXPECT_EQ(v.snapshot_data(ConsoleChannel::kLatency).size(), 1u);
}

TEST(ClientQueue, StateMessagesAreConflatedPerKeyUntilSent) {
  ClientQueue q(4);
  auto text = [](const char* s) { return std::make_shared<const std::string>(s); };
  const ConflationKey btc = conflation_key(ConsoleChannel::kPositions, 0);
  const ConflationKey eth = conflation_key(ConsoleChannel::kPositions, 1);
  EXPECT_EQ(q.push(text("btc1"), btc), ClientQueue::Push::kQueued);
  EXPECT_EQ(q.push(text("order1"), kNoConflation), ClientQueue::Push::kQueued);
  EXPECT_EQ(q.push(text("btc2"), btc), ClientQueue::Push::kConflated);
  EXPECT_EQ(q.push(text("eth1"), eth), ClientQueue::Push::kQueued);
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(*q.pop(), "btc2");  // the latest state, in the first one's place
  // Sent: a newer BTC update is queued anew, not merged into what is already on the wire.
  EXPECT_EQ(q.push(text("btc3"), btc), ClientQueue::Push::kQueued);
  EXPECT_EQ(q.push(text("order2"), kNoConflation), ClientQueue::Push::kQueued);
  EXPECT_EQ(q.size(), 4u);
  EXPECT_EQ(q.push(text("order3"), kNoConflation), ClientQueue::Push::kOverflow);
  EXPECT_EQ(q.push(text("eth2"), eth), ClientQueue::Push::kConflated) << "conflation still works when full";
  EXPECT_EQ(*q.pop(), "order1");
  EXPECT_EQ(*q.pop(), "eth2");
  EXPECT_EQ(*q.pop(), "btc3");
  EXPECT_EQ(*q.pop(), "order2");
  EXPECT_TRUE(q.empty());
  q.push(text("btc4"), btc);
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.push(text("btc5"), btc), ClientQueue::Push::kQueued);
  EXPECT_EQ(*q.pop(), "btc5");
}

TEST(ConsolePrometheus, TextFormat004) {
  ConsoleCounters c;
  c.connections = 3;
  c.messages_sent = 12345;
  c.conflated = 7;
  c.slow_consumer_disconnects = 1;
  c.auth_failures = 2;
  c.rate_limited = 4;
  c.updates_received = 999;
  std::map<RejectReason, std::uint64_t> rejects = {{RejectReason::kRiskMaxOrderQty, 5},
                                                   {RejectReason::kVenueNoLiquidity, 1}};
  std::string out;
  render_prometheus(out, c, rejects);
  EXPECT_NE(out.find("# TYPE sequent_console_connections gauge\nsequent_console_connections 3\n"), std::string::npos);
  EXPECT_NE(out.find("# TYPE sequent_console_messages_sent_total counter\nsequent_console_messages_sent_total 12345\n"),
            std::string::npos);
  EXPECT_NE(out.find("sequent_console_conflated_total 7\n"), std::string::npos);
  EXPECT_NE(out.find("sequent_console_slow_consumer_disconnects_total 1\n"), std::string::npos);
  EXPECT_NE(out.find("sequent_console_auth_failures_total 2\n"), std::string::npos);
  EXPECT_NE(out.find("sequent_console_rate_limited_total 4\n"), std::string::npos);
  EXPECT_NE(out.find("sequent_console_updates_received_total 999\n"), std::string::npos);
  EXPECT_NE(out.find("# TYPE sequent_rejects_total counter\n"
                     "sequent_rejects_total{reason=\"risk_max_order_qty\"} 5\n"
                     "sequent_rejects_total{reason=\"venue_no_liquidity\"} 1\n"),
            std::string::npos)
      << out;
  // Every line is a comment or "name[{labels}] value"; every sample has HELP and TYPE first.
  std::size_t pos = 0;
  std::string last_type;
  while (pos < out.size()) {
    const std::size_t nl = out.find('\n', pos);
    ASSERT_NE(nl, std::string::npos) << "the text ends with a newline";
    const std::string line = out.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.rfind("# TYPE ", 0) == 0) {
      last_type = line.substr(7, line.find(' ', 7) - 7);
      continue;
    }
    if (line.rfind("# HELP ", 0) == 0) continue;
    ASSERT_FALSE(line.empty());
    const std::string name = line.substr(0, line.find_first_of("{ "));
    EXPECT_EQ(name, last_type) << line;
    const std::string value = line.substr(line.rfind(' ') + 1);
    EXPECT_EQ(value.find_first_not_of("0123456789"), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace sequent::console
