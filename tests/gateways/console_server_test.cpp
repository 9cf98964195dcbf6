// The console server end to end, in process: a Beast WebSocket client against a server on
// 127.0.0.1:0 fed by a synthetic console feed. Waits are on replies and conditions, bounded only
// as a failure bound (no sleeps as synchronisation).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "engine/thread_affinity.hpp"
#include "gateways/console/console_server.hpp"
#include "tests/gateways/console_test_client.hpp"

namespace sequent::console {
namespace {

using testing::http_get;
using testing::WsClient;

const std::string kAliceToken = "alice-token-0123456789";  // manager
const std::string kVeraToken = "vera-token-0123456789";    // viewer
const std::string kTomToken = "tom-token-0123456789";      // trader
const std::string kAdaToken = "ada-token-0123456789";      // admin

bool contains(const std::optional<std::string>& s, const std::string& needle) {
  return s.has_value() && s->find(needle) != std::string::npos;
}

class ConsoleServerTest : public ::testing::Test {
 protected:
  ConsoleServerConfig base_config() {
    ConsoleServerConfig c;
    c.listen = "127.0.0.1:0";
    c.users = {{"vera", Role::kViewer, sha256_hex(kVeraToken)},
               {"alice", Role::kManager, sha256_hex(kAliceToken)},
               {"tom", Role::kTrader, sha256_hex(kTomToken)},
               {"ada", Role::kAdmin, sha256_hex(kAdaToken)}};
    c.symbols = {"BTCUSDT", "ETHUSDT"};
    c.strategies = {"trend", "maker"};
    c.mode = "paper";
    return c;
  }

  void start(ConsoleServerConfig c) {
    ConsoleHooks hooks;
    hooks.submit_admin = [this](const Event& e) {
      std::lock_guard lock(mu_);
      events_.push_back(e);
      cv_.notify_all();
      return accept_admin_.load();
    };
    hooks.append_metrics = [](std::string& out) { out += "# TYPE sequent_engine_test gauge\nsequent_engine_test 1\n"; };
    hooks.readiness = [this] {
      Readiness r;
      r.halted = halted_.load();
      return r;
    };
    hooks.latency = [] { return LatencySample{15'000, 40'000, 90'000, 1234}; };
    auto s = ConsoleServer::start(std::move(c), std::move(hooks), feed_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    server_ = std::move(*s);
    port_ = server_->bound_port();
    ASSERT_NE(port_, 0);
  }

  void TearDown() override {
    if (server_) server_->stop();
  }

  void push(const ConsoleUpdate& u) {
    for (long spins = 0; feed_.try_push(u) != PushResult::kOk; ++spins) {
      ASSERT_LT(spins, 100'000'000) << "the server stopped draining the feed";
      std::this_thread::yield();
    }
  }

  // The next admin event the server submitted.
  std::optional<Event> next_event() {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, testing::kBound, [this] { return !events_.empty(); })) return std::nullopt;
    Event e = events_.front();
    events_.pop_front();
    return e;
  }

  void applied(const Event& e, Seq seq) {
    ConsoleUpdate u;
    u.kind = ConsoleUpdateKind::kAdminApplied;
    u.body.admin = AdminAppliedUpdate{seq, e.payload.admin.request_id, e.payload.admin.user_id,
                                      e.payload.admin.command, Source::kConsole, e.payload.admin.arg_code,
                                      e.payload.admin.arg_value};
    push(u);
  }

  static ConsoleUpdate status(Seq seq) {
    ConsoleUpdate u;
    u.kind = ConsoleUpdateKind::kStatus;
    u.body.status = StatusUpdate{};
    u.body.status.seq = seq;
    u.body.status.orders = seq;
    return u;
  }
  static ConsoleUpdate position(Seq seq, InstrumentId id, std::int64_t qty_raw) {
    ConsoleUpdate u;
    u.kind = ConsoleUpdateKind::kPosition;
    u.body.position = PositionUpdate{};
    u.body.position.seq = seq;
    u.body.position.instrument = id;
    u.body.position.qty_raw = qty_raw;
    return u;
  }
  static ConsoleUpdate order(Seq seq, ClientOrderId id, OrderStatus st) {
    ConsoleUpdate u;
    u.kind = ConsoleUpdateKind::kOrder;
    u.body.order = OrderUpdate{};
    u.body.order.seq = seq;
    u.body.order.order.client_order_id = id;
    u.body.order.order.instrument = 1;
    u.body.order.order.side = Side::kSell;
    u.body.order.order.order_type = OrderType::kLimit;
    u.body.order.order.status = st;
    u.body.order.order.qty = Qty::from_units(1);
    return u;
  }

  std::unique_ptr<WsClient> authed(const std::string& token) {
    auto c = std::make_unique<WsClient>(port_);
    EXPECT_TRUE(c->connected());
    EXPECT_TRUE(contains(c->request(R"({"op":"auth","id":1,"token":")" + token + "\"}"), "\"ok\":true"));
    return c;
  }

  // Pushes a status update and waits until `watcher` (subscribed to status) sees it: everything
  // pushed before has been applied by the server.
  void sync_feed(WsClient& watcher, Seq seq) {
    push(status(seq));
    ASSERT_TRUE(watcher.read_until("\"channel\":\"status\",\"seq\":" + std::to_string(seq) + ","));
  }

  SpscRing<ConsoleUpdate> feed_{4096};
  std::unique_ptr<ConsoleServer> server_;
  std::uint16_t port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> events_;
  std::atomic<bool> accept_admin_{true};
  std::atomic<bool> halted_{false};
};

TEST_F(ConsoleServerTest, BindFailureNamesTheAddress) {
  start(base_config());
  ConsoleServerConfig c = base_config();
  c.listen = "127.0.0.1:" + std::to_string(port_);
  SpscRing<ConsoleUpdate> other(16);
  auto s = ConsoleServer::start(c, {}, other);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("127.0.0.1:" + std::to_string(port_)), std::string::npos) << s.error().message;
  c.listen = "nowhere:80";
  s = ConsoleServer::start(c, {}, other);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("nowhere"), std::string::npos);
}

// The io thread can be kept off the engine's cores: it runs on the configured CPU only (a CPU
// that does not exist is refused at start with the key that names it), at a lower priority.
TEST_F(ConsoleServerTest, IoThreadIsPinnedToTheConfiguredCpuAndYieldsToTheEngine) {
  ConsoleServerConfig c = base_config();
  c.cpu = online_cpu_count();
  SpscRing<ConsoleUpdate> other(16);
  auto bad = ConsoleServer::start(c, {}, other);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("threads.console"), std::string::npos) << bad.error().message;

  c.cpu = online_cpu_count() - 1;
  start(c);
  auto r = http_get(port_, "/healthz");  // answered by the io thread, so it is running
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  std::string allowed, nice;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (name != "console-io") continue;
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    std::istringstream fields(line.substr(line.rfind(')') + 2));  // after "pid (comm) "
    std::string field;
    for (int i = 3; i <= 19 && fields >> field; ++i) {
      if (i == 19) nice = field;  // field 19 of /proc/[tid]/stat: nice
    }
    std::ifstream status(task.path() / "status");
    for (std::string row; std::getline(status, row);)
      if (row.rfind("Cpus_allowed_list:", 0) == 0) allowed = row.substr(row.find_first_not_of(" \t", 18));
  }
  EXPECT_EQ(allowed, std::to_string(c.cpu)) << "the console-io thread should be allowed on cpu " << c.cpu << " only";
  EXPECT_EQ(nice, "10") << "the io thread yields to the engine by default (nice 10)";
}

TEST_F(ConsoleServerTest, HttpEndpoints) {
  start(base_config());
  auto r = http_get(port_, "/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok\n");
  r = http_get(port_, "/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  halted_ = true;
  r = http_get(port_, "/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("trading halted"), std::string::npos);
  r = http_get(port_, "/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->content_type.find("text/html"), std::string::npos);
  EXPECT_EQ(r->body, std::string(console_index_html()));
  EXPECT_NE(r->body.find("<html"), std::string::npos);
  r = http_get(port_, "/nope");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);

  // Rejects counted from the feed show up in /metrics, with the engine's own metrics after ours.
  auto watcher = authed(kVeraToken);
  ASSERT_TRUE(contains(watcher->request(R"({"op":"subscribe","id":2,"channels":["status"]})"), "\"ok\":true"));
  ConsoleUpdate risk;
  risk.kind = ConsoleUpdateKind::kRisk;
  risk.body.risk = RiskUpdate{};
  risk.body.risk.seq = 5;
  risk.body.risk.rejects_total = 1;
  risk.body.risk.last_reason = RejectReason::kRiskPriceBand;
  push(risk);
  sync_feed(*watcher, 6);
  r = http_get(port_, "/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->content_type.find("version=0.0.4"), std::string::npos);
  EXPECT_NE(r->body.find("sequent_rejects_total{reason=\"risk_price_band\"} 1\n"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("sequent_console_connections 1\n"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("sequent_console_updates_received_total 2\n"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("sequent_engine_test 1\n"), std::string::npos);
}

TEST_F(ConsoleServerTest, AuthOkAndFailuresAreAuditedWithoutTheToken) {
  start(base_config());
  WsClient c(port_);
  ASSERT_TRUE(c.connected());
  auto r = c.request(R"({"op":"whoami","id":1})");
  EXPECT_TRUE(contains(r, R"("code":"unauthenticated")")) << *r;
  auto e = next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type(), EventType::kAdmin);
  EXPECT_EQ(e->header.source, Source::kConsole);
  EXPECT_EQ(e->payload.admin.command, AdminCommand::kDenied);
  EXPECT_EQ(e->payload.admin.user_id, 0xFFFF);
  EXPECT_EQ(e->payload.admin.arg_value, 2);

  r = c.request(R"({"op":"auth","id":"a1","token":"wrong-token"})");
  EXPECT_TRUE(contains(r, R"({"id":"a1","ok":false,"error":{"code":"auth_failed")")) << *r;
  EXPECT_FALSE(contains(r, "wrong-token"));
  e = next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->payload.admin.command, AdminCommand::kDenied);
  EXPECT_EQ(e->payload.admin.user_id, 0xFFFF);
  EXPECT_EQ(e->payload.admin.arg_code, 0);
  EXPECT_EQ(e->payload.admin.arg_value, 3);
  EXPECT_NE(e->payload.admin.request_id, 0u);

  r = c.request(R"({"op":"auth","id":2,"token":")" + kAliceToken + "\"}");
  EXPECT_EQ(*r, R"({"id":2,"ok":true,"user":"alice","role":"manager"})");
  r = c.request(R"({"op":"whoami","id":3})");
  EXPECT_EQ(*r, R"({"id":3,"ok":true,"user":"alice","role":"manager"})");
  r = c.request(R"({"op":"ping","id":4})");
  EXPECT_EQ(*r, R"({"id":4,"ok":true,"pong":true})");
  EXPECT_EQ(server_->counters().auth_failures, 1u);
}

TEST_F(ConsoleServerTest, ThreeFailedAuthsClose1008) {
  start(base_config());
  WsClient c(port_);
  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(contains(c.request(R"({"op":"auth","id":)" + std::to_string(i) + R"(,"token":"bad"})"), "auth_failed"));
  }
  EXPECT_FALSE(c.read());
  EXPECT_EQ(c.close_code(), 1008);
}

TEST_F(ConsoleServerTest, BearerHeaderAuthenticatesTheUpgrade) {
  start(base_config());
  WsClient c(port_, kAdaToken);
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(*c.request(R"({"op":"whoami","id":1})"), R"({"id":1,"ok":true,"user":"ada","role":"admin"})");
  EXPECT_EQ(*c.request(R"({"op":"users","id":2})"),
            R"({"id":2,"ok":true,"users":[{"name":"vera","role":"viewer"},{"name":"alice","role":"manager"},)"
            R"({"name":"tom","role":"trader"},{"name":"ada","role":"admin"}]})");
  WsClient bad(port_, "not-a-token");
  EXPECT_FALSE(bad.connected());
  EXPECT_EQ(bad.handshake_status(), 401);
  auto e = next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->payload.admin.command, AdminCommand::kDenied);
  EXPECT_EQ(e->payload.admin.arg_value, 3);
}

TEST_F(ConsoleServerTest, SubscribeGivesSnapshotThenUpdates) {
  ConsoleServerConfig cfg = base_config();
  cfg.latency_interval = std::chrono::milliseconds(20);
  start(std::move(cfg));
  auto watcher = authed(kVeraToken);
  ASSERT_TRUE(contains(watcher->request(R"({"op":"subscribe","id":2,"channels":["status"]})"), "\"ok\":true"));
  push(position(10, 0, 200'000));
  push(position(11, 1, -300'000));
  push(order(12, 777, OrderStatus::kAcknowledged));
  push(order(13, 778, OrderStatus::kAcknowledged));
  push(order(14, 778, OrderStatus::kCanceled));
  sync_feed(*watcher, 15);

  auto c = authed(kVeraToken);
  auto r = c->request(R"({"op":"subscribe","id":"s","channels":["positions","orders","risk"]})");
  EXPECT_EQ(*r, R"({"id":"s","ok":true,"channels":["positions","orders","risk"]})");
  // Snapshot: one message per instrument, per open order, and the risk state.
  auto m = c->read();
  EXPECT_TRUE(contains(m, R"({"channel":"positions","seq":10,"data":{"symbol":"BTCUSDT","qty":"0.002")")) << *m;
  m = c->read();
  EXPECT_TRUE(contains(m, R"({"channel":"positions","seq":11,"data":{"symbol":"ETHUSDT","qty":"-0.003")")) << *m;
  m = c->read();
  EXPECT_TRUE(contains(m, R"({"channel":"orders","seq":12,"data":{"client_order_id":777,)")) << *m;
  m = c->read();
  EXPECT_TRUE(contains(m, R"({"channel":"risk",)")) << *m;
  EXPECT_TRUE(contains(m, R"("limits":{"max_order_qty":"1000000")")) << *m;
  // Then changes.
  push(position(16, 0, 400'000));
  m = c->read();
  EXPECT_TRUE(contains(m, R"({"channel":"positions","seq":16,"data":{"symbol":"BTCUSDT","qty":"0.004")")) << *m;

  r = c->request(R"({"op":"snapshot","id":5,"channel":"positions"})");
  EXPECT_TRUE(contains(r, R"({"id":5,"ok":true,"channel":"positions","data":[{"symbol":"BTCUSDT","qty":"0.004")")) << *r;
  r = c->request(R"({"op":"unsubscribe","id":6,"channels":["positions"]})");
  EXPECT_EQ(*r, R"({"id":6,"ok":true,"channels":["positions"]})");
  push(position(17, 0, 500'000));
  sync_feed(*watcher, 18);
  EXPECT_EQ(*c->request(R"({"op":"ping","id":7})"), R"({"id":7,"ok":true,"pong":true})")
      << "no position update after unsubscribe";

  // Alerts and the latency channel.
  r = c->request(R"({"op":"subscribe","id":8,"channels":["alerts","latency"]})");
  server_->post_alert(AlertSeverity::kWarning, "test_alert", "hello");
  EXPECT_TRUE(c->read_until(R"({"channel":"alerts","data":{"severity":"warning","code":"test_alert","message":"hello"}})"));
  EXPECT_TRUE(c->read_until(R"({"channel":"latency","data":{"t2o_p50_us":15.000,"t2o_p99_us":40.000,)"));
}

TEST_F(ConsoleServerTest, CommandBecomesAnEventAndIsAnsweredWithItsSeq) {
  start(base_config());
  auto c = authed(kAliceToken);
  ASSERT_TRUE(c->send(R"({"op":"kill_switch","id":9,"reason":"fat finger"})"));
  auto e = next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type(), EventType::kAdmin);
  EXPECT_EQ(e->header.source, Source::kConsole);
  EXPECT_EQ(e->instrument(), kNoInstrument);
  EXPECT_EQ(e->payload.admin.user_id, 2) << "1 + alice's index";
  EXPECT_EQ(e->payload.admin.command, AdminCommand::kKillSwitch);
  EXPECT_NE(e->payload.admin.request_id, 0u);
  EXPECT_GT(e->header.event_ns, 0);
  applied(*e, 120331);
  EXPECT_EQ(*c->read_until("{\"id\":9,"), R"({"id":9,"ok":true,"command":"kill_switch","seq":120331})");

  ASSERT_TRUE(c->send(R"({"op":"set_risk_limit","id":10,"limit":"max_order_qty","value":"0.5","symbol":"ETHUSDT"})"));
  e = next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->instrument(), 1);
  EXPECT_EQ(e->payload.admin.command, AdminCommand::kSetRiskLimit);
  EXPECT_EQ(e->payload.admin.arg_code, static_cast<std::uint8_t>(RiskLimitId::kMaxOrderQty));
  EXPECT_EQ(e->payload.admin.arg_value, 50'000'000);
  const std::uint32_t first = e->payload.admin.request_id;
  ASSERT_TRUE(c->send(R"({"op":"set_risk_limit","id":11,"limit":"max_orders_per_second","value":"7"})"));
  auto e2 = next_event();
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->instrument(), kNoInstrument);
  EXPECT_EQ(e2->payload.admin.arg_code, static_cast<std::uint8_t>(RiskLimitId::kMaxOrdersPerSecond));
  EXPECT_EQ(e2->payload.admin.arg_value, 7);
  EXPECT_GT(e2->payload.admin.request_id, first);
  // Replies follow the core, in whatever order it applies them.
  applied(*e2, 200);
  applied(*e, 201);
  EXPECT_EQ(*c->read_until("{\"id\":11,"), R"({"id":11,"ok":true,"command":"set_risk_limit","seq":200})");
  EXPECT_EQ(*c->read_until("{\"id\":10,"), R"({"id":10,"ok":true,"command":"set_risk_limit","seq":201})");

  ASSERT_TRUE(c->send(R"({"op":"set_strategy_param","id":12,"param":"order_qty","value":"0.25","symbol":"BTCUSDT"})"));
  e = next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->instrument(), 0);
  EXPECT_EQ(e->payload.admin.command, AdminCommand::kSetStrategyParam);
  EXPECT_EQ(e->payload.admin.arg_code, static_cast<std::uint8_t>(StrategyParamId::kOrderQty));
  EXPECT_EQ(e->payload.admin.arg_value, 25'000'000);

  ASSERT_TRUE(c->send(R"({"op":"cancel_all","id":13,"symbol":"BTCUSDT"})"));
  e = next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->instrument(), 0);
  EXPECT_EQ(e->payload.admin.command, AdminCommand::kCancelAll);

  EXPECT_EQ(e->payload.admin.strategy_id, 0u) << "no strategy named: every strategy";

  // A strategy scope by the configured name becomes its id (1-based, configuration order).
  ASSERT_TRUE(c->send(R"({"op":"cancel_all","id":18,"strategy":"maker"})"));
  e = next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->payload.admin.command, AdminCommand::kCancelAll);
  EXPECT_EQ(e->payload.admin.strategy_id, 2u);
  ASSERT_TRUE(c->send(R"({"op":"resume","id":19,"strategy":"trend"})"));
  e = next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->payload.admin.command, AdminCommand::kResume);
  EXPECT_EQ(e->payload.admin.strategy_id, 1u);

  auto r = c->request(R"({"op":"strategy_stop","id":20,"strategy":"scalper"})");
  EXPECT_TRUE(contains(r, R"("code":"unknown_strategy")")) << *r;
  EXPECT_TRUE(contains(r, "trend maker")) << "the message lists the running strategies: " << *r;
  r = c->request(R"({"op":"flatten","id":14,"symbol":"DOGEUSDT"})");
  EXPECT_TRUE(contains(r, R"("code":"unknown_symbol")")) << *r;
  r = c->request(R"({"op":"set_risk_limit","id":15,"limit":"daily_loss_limit","value":"5","symbol":"BTCUSDT"})");
  EXPECT_TRUE(contains(r, R"("code":"bad_request")")) << *r;
  r = c->request(R"({"op":"set_risk_limit","id":16,"limit":"daily_loss_limit","value":"-5"})");
  EXPECT_TRUE(contains(r, R"("code":"bad_value")")) << *r;
  r = c->request(R"({"op":"dance","id":17})");
  EXPECT_TRUE(contains(r, R"("code":"unknown_op")")) << *r;
  ASSERT_TRUE(c->send("{nope"));
  r = c->read_until("\"id\":null");
  EXPECT_TRUE(contains(r, R"({"id":null,"ok":false,"error":{"code":"bad_json")")) << *r;
}

TEST_F(ConsoleServerTest, ForbiddenIsJournaledAsDenied) {
  start(base_config());
  auto viewer = authed(kVeraToken);
  auto r = viewer->request(R"({"op":"kill_switch","id":3})");
  EXPECT_EQ(*r, R"({"id":3,"ok":false,"error":{"code":"forbidden","message":"kill_switch needs role manager; vera is viewer"}})");
  auto e = next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->payload.admin.command, AdminCommand::kDenied);
  EXPECT_EQ(e->payload.admin.user_id, 1);
  EXPECT_EQ(e->payload.admin.arg_code, static_cast<std::uint8_t>(AdminCommand::kKillSwitch));
  EXPECT_EQ(e->payload.admin.arg_value, 1);
  auto trader = authed(kTomToken);
  r = trader->request(R"({"op":"users","id":4})");
  EXPECT_TRUE(contains(r, R"("code":"forbidden")"));
  e = next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->payload.admin.user_id, 3);
  EXPECT_EQ(e->payload.admin.arg_code, 0) << "users is not a command";
  EXPECT_EQ(server_->counters().denied, 2u);
}

TEST_F(ConsoleServerTest, EngineUnavailable) {
  ConsoleServerConfig cfg = base_config();
  cfg.command_timeout = std::chrono::milliseconds(100);
  start(std::move(cfg));
  auto c = authed(kAliceToken);
  accept_admin_ = false;
  auto r = c->request(R"({"op":"resume","id":1})");
  EXPECT_TRUE(contains(r, R"({"id":1,"ok":false,"error":{"code":"engine_unavailable")")) << *r;
  accept_admin_ = true;
  // Taken but never applied: answered as engine_unavailable after the command timeout.
  r = c->request(R"({"op":"resume","id":2})");
  EXPECT_TRUE(contains(r, R"({"id":2,"ok":false,"error":{"code":"engine_unavailable")")) << *r;
}

TEST_F(ConsoleServerTest, BinaryFrameCloses1003) {
  start(base_config());
  auto c = authed(kVeraToken);
  ASSERT_TRUE(c->send("\x01\x02", true));
  EXPECT_FALSE(c->read());
  EXPECT_EQ(c->close_code(), 1003);
}

TEST_F(ConsoleServerTest, OversizeFrameCloses1009) {
  ConsoleServerConfig cfg = base_config();
  cfg.max_frame_bytes = 1024;
  start(std::move(cfg));
  auto c = authed(kVeraToken);
  ASSERT_TRUE(c->send(R"({"op":"ping","id":1,"pad":")" + std::string(2000, 'x') + "\"}"));
  EXPECT_FALSE(c->read());
  EXPECT_EQ(c->close_code(), 1009);
}

TEST_F(ConsoleServerTest, FloodIsRateLimitedThenClosed) {
  ConsoleServerConfig cfg = base_config();
  cfg.rate_limit_per_s = 5;  // burst 10; closed past 50 in a second
  start(std::move(cfg));
  auto c = authed(kVeraToken);  // the auth request took one token
  int ok = 0, limited = 0;
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(c->send(R"({"op":"ping","id":)" + std::to_string(100 + i) + "}"));
  for (int i = 0; i < 30; ++i) {
    auto r = c->read();
    ASSERT_TRUE(r);
    if (contains(r, R"("pong":true)")) ++ok;
    if (contains(r, R"("code":"rate_limited")")) ++limited;
  }
  EXPECT_GE(ok, 9);
  EXPECT_GE(limited, 15);
  EXPECT_EQ(ok + limited, 30);
  EXPECT_EQ(server_->counters().rate_limited, static_cast<std::uint64_t>(limited));
  for (int i = 0; i < 40; ++i) {
    if (!c->send(R"({"op":"ping","id":1})")) break;
  }
  while (c->read()) {
  }
  EXPECT_EQ(c->close_code(), 1008);
}

TEST_F(ConsoleServerTest, TooManyConnectionsGet503) {
  ConsoleServerConfig cfg = base_config();
  cfg.max_connections = 1;
  start(std::move(cfg));
  auto first = authed(kVeraToken);
  WsClient second(port_);
  EXPECT_FALSE(second.connected());
  EXPECT_EQ(second.handshake_status(), 503);
  EXPECT_TRUE(contains(first->request(R"({"op":"ping","id":2})"), "pong"));
}

TEST_F(ConsoleServerTest, SlowClientGetsConflatedState) {
  start(base_config());
  auto watcher = authed(kVeraToken);
  ASSERT_TRUE(contains(watcher->request(R"({"op":"subscribe","id":2,"channels":["status"]})"), "\"ok\":true"));
  auto c = authed(kVeraToken);
  ASSERT_TRUE(contains(c->request(R"({"op":"subscribe","id":2,"channels":["positions"]})"), "\"ok\":true"));
  // The client does not read while 3000 updates of one position go by.
  constexpr int kUpdates = 3000;
  for (int i = 1; i <= kUpdates; ++i) push(position(static_cast<Seq>(1000 + i), 0, i));
  sync_feed(*watcher, 9000);
  int received = 0;
  std::string last;
  while (last.find("\"seq\":" + std::to_string(1000 + kUpdates) + ",") == std::string::npos) {
    auto m = c->read();
    ASSERT_TRUE(m) << "closed after " << received;
    ++received;
    last = *m;
  }
  // Every update was either sent or replaced by a newer one, and the latest always arrives.
  const ConsoleCounters k = server_->counters();
  EXPECT_EQ(static_cast<std::uint64_t>(received) + k.conflated, static_cast<std::uint64_t>(kUpdates));
  EXPECT_GT(k.conflated, 0u);
  EXPECT_EQ(k.slow_consumer_disconnects, 0u);
  EXPECT_TRUE(contains(last, R"("qty":"0.00003")")) << last;
}

TEST_F(ConsoleServerTest, SlowConsumerIsDisconnected) {
  ConsoleServerConfig cfg = base_config();
  cfg.max_backlog = 512;
  start(std::move(cfg));
  // Orders are never conflated: a client that stops reading falls behind until cut off, even when
  // it is the only client (the server tells a stuck client from its own slowness).
  auto c = std::make_unique<WsClient>(port_, kVeraToken, 4096);
  ASSERT_TRUE(c->connected());
  ASSERT_TRUE(contains(c->request(R"({"op":"subscribe","id":1,"channels":["orders"]})"), "\"ok\":true"));
  Seq seq = 1;
  while (server_->counters().slow_consumer_disconnects == 0) {
    ASSERT_LT(seq, 5'000'000u) << "never cut off";
    push(order(seq, seq << 8, OrderStatus::kCanceled));
    ++seq;
  }
  // The client reads again: what was on the wire, then the close.
  while (c->read()) {
  }
  EXPECT_EQ(c->close_code(), 1008);
  EXPECT_EQ(c->close_reason(), "slow consumer");
  // The server carries on for everybody else.
  auto fast = authed(kAliceToken);
  ASSERT_TRUE(contains(fast->request(R"({"op":"subscribe","id":2,"channels":["orders"]})"), "\"ok\":true"));
  push(order(seq, seq << 8, OrderStatus::kCanceled));
  EXPECT_TRUE(fast->read_until("\"seq\":" + std::to_string(seq) + ","));
  EXPECT_EQ(server_->counters().slow_consumer_disconnects, 1u);
}

TEST_F(ConsoleServerTest, StopClosesClients) {
  start(base_config());
  auto c = authed(kVeraToken);
  server_->stop();
  EXPECT_FALSE(c->read());
  server_->stop();  // idempotent
}

}  // namespace
}  // namespace sequent::console
