// The Binance live gateway against the local Binance-protocol venue, started in-process on a
// free loopback port (plain ws/http). Every wait is for a condition, bounded by a timeout that
// only decides failure; faults are injected through the venue's control API.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "engine/event.hpp"
#include "engine/instrument.hpp"
#include "gateways/binance_net/binance_gateway.hpp"
#include "gateways/binance_net/http_client.hpp"
#include "gateways/binance_net/url.hpp"
#include "gateways/binance_venue/binance_venue.hpp"

namespace sequent::binance_net {
namespace {

constexpr auto kTimeout = std::chrono::seconds(20);
constexpr const char* kKey = "gatewaytestkey0123456789sequentgatewaytestkey0123456789sequent01";
constexpr const char* kSecret = "gatewaytestsecret9876543210sequentgatewaytestsecret9876543210seq";

class BinanceGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    binance_venue::VenueOptions vo;
    vo.listen_port = 0;
    vo.exchange.symbols = {"BTCUSDT"};
    vo.exchange.seed = 7;
    // Test credentials of our own (the venue's built-in example key has upper-case letters its
    // first cut compared case-insensitively).
    vo.exchange.api_key = kKey;
    vo.exchange.api_secret = kSecret;
    auto v = binance_venue::BinanceVenue::start(vo);
    ASSERT_TRUE(v) << v.error().message;
    venue_ = std::move(*v);
    base_ = "127.0.0.1:" + std::to_string(venue_->port());
    ::setenv("SEQUENT_TEST_BINANCE_KEY", kKey, 1);
    ::setenv("SEQUENT_TEST_BINANCE_SECRET", kSecret, 1);
    cfg_.rest_url = "http://" + base_;
    cfg_.ws_market_url = "ws://" + base_;
    cfg_.ws_api_url = "ws://" + base_ + "/ws-api/v3";
    cfg_.symbols = {"BTCUSDT"};
    cfg_.api_key_env = "SEQUENT_TEST_BINANCE_KEY";
    cfg_.api_secret_env = "SEQUENT_TEST_BINANCE_SECRET";
    cfg_.reconnect_backoff = {20, 200, 3};
    cfg_.default_retry_after_ms = 5'000;
    cfg_.source = Source::kSimVenue;
    auto rules = BinanceGateway::fetch_symbol_rules(cfg_);
    ASSERT_TRUE(rules) << rules.error().message;
    ASSERT_EQ(rules->size(), 1u);
    rules_ = (*rules)[0];
    auto id = registry_.add(rules_.symbol, "binance", rules_.tick_size, rules_.step_size, rules_.min_notional);
    ASSERT_TRUE(id);
    btc_ = *id;
  }

  void TearDown() override {
    if (gw_) gw_->stop();
    gw_.reset();
    if (venue_) venue_->stop();
  }

  void start_gateway() {
    gw_ = std::make_unique<BinanceGateway>(cfg_, registry_);
    Status s = gw_->start();
    ASSERT_TRUE(s) << s.error().message;
  }

  // Pops events into seen_ until pred() holds; false after kTimeout.
  bool wait_for(const std::function<bool()>& pred) {
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    for (;;) {
      Event e;
      bool any = false;
      while (gw_->out().try_pop(e)) {
        seen_.push_back(e);
        any = true;
      }
      if (pred()) return true;
      if (std::chrono::steady_clock::now() > deadline) return false;
      if (!any) std::this_thread::yield();
    }
  }

  std::size_t count(const std::function<bool(const Event&)>& f, std::size_t from = 0) const {
    std::size_t n = 0;
    for (std::size_t i = from; i < seen_.size(); ++i) n += f(seen_[i]) ? 1 : 0;
    return n;
  }
  const Event* find(const std::function<bool(const Event&)>& f, std::size_t from = 0) const {
    for (std::size_t i = from; i < seen_.size(); ++i)
      if (f(seen_[i])) return &seen_[i];
    return nullptr;
  }

  HttpResponse control(HttpMethod method, const std::string& target, std::string body = {}) {
    HttpOptions o;
    o.base_url = "http://" + base_;
    o.timeout_ms = 5000;
    return http_fetch_blocking(nullptr, o, HttpRequest{method, target, std::move(body), {}});
  }
  // key=value form: the venue's JSON form goes through a simdjson build whose
  // SIMDJSON_THREADS_ENABLED differs from the parser library's in this binary (see report).
  void fault(const std::string& spec) {
    HttpResponse r = control(HttpMethod::kPost, "/sim/faults", spec);
    ASSERT_EQ(r.outcome, HttpOutcome::kOk) << r.error;
    ASSERT_EQ(r.status, 200u) << r.body;
  }

  void wait_synced() {
    ASSERT_TRUE(wait_for([&] {
      return gw_->books_synced() && gw_->user_stream_ready() &&
             find([](const Event& e) { return e.type() == EventType::kQuote; }) != nullptr;
    })) << "books_synced=" << gw_->books_synced() << " user_stream=" << gw_->user_stream_ready();
  }

  Price last_bid() const {
    for (std::size_t i = seen_.size(); i-- > 0;)
      if (seen_[i].type() == EventType::kQuote) return seen_[i].payload.quote.bid_price;
    return Price{};
  }

  Event limit_buy(ClientOrderId id, Price px, Qty qty, OrderType type = OrderType::kLimit) const {
    Event o = make_event(EventType::kOrderNew, Source::kRouter, btc_, 0);
    o.header.flags = kFlagDerived;
    o.payload.order.client_order_id = id;
    o.payload.order.price = px;
    o.payload.order.qty = qty;
    o.payload.order.side = Side::kBuy;
    o.payload.order.order_type = type;
    o.payload.order.tif = TimeInForce::kGtc;
    return o;
  }
  // A quantity on the lot grid worth at least twice the minimum notional at px.
  Qty order_qty(Price px) const {
    const std::int64_t step = rules_.step_size.raw();
    std::int64_t q = step;
    while (notional(px, Qty::from_raw(q)).raw() < 2 * rules_.min_notional.raw() + 1) q *= 2;
    return Qty::from_raw(q);
  }
  static bool exec_of(const Event& e, ClientOrderId id, ExecType t) {
    return e.type() == EventType::kExecReport && e.payload.exec.client_order_id == id && e.payload.exec.exec_type == t;
  }

  std::unique_ptr<binance_venue::BinanceVenue> venue_;
  std::string base_;
  BinanceGatewayConfig cfg_;
  SymbolRules rules_;
  InstrumentRegistry registry_;
  InstrumentId btc_ = kNoInstrument;
  std::unique_ptr<BinanceGateway> gw_;
  std::vector<Event> seen_;
};

TEST(BinanceUrl, ParsesSchemesPortsAndTargets) {
  auto a = parse_url("wss://stream.binance.com:9443/stream?streams=btcusdt@trade");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->tls);
  EXPECT_TRUE(a->websocket);
  EXPECT_EQ(a->host, "stream.binance.com");
  EXPECT_EQ(a->port, "9443");
  EXPECT_EQ(a->target, "/stream?streams=btcusdt@trade");
  auto b = parse_url("https://api.binance.com");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->port, "443");
  EXPECT_EQ(b->target, "/");
  EXPECT_EQ(b->host_header(), "api.binance.com");
  EXPECT_FALSE(parse_url("ftp://x"));
  EXPECT_FALSE(parse_url("http://:80/"));
  EXPECT_FALSE(parse_url("http://host:99999/"));
}

TEST(BinanceBackoff, DoublesWithJitterAndIsReproducible) {
  Backoff a({100, 1000, 42}), b({100, 1000, 42});
  std::int64_t prev_base = 100;
  for (int i = 0; i < 8; ++i) {
    const std::int64_t d = a.next_ms();
    EXPECT_EQ(d, b.next_ms());
    EXPECT_GE(d, prev_base / 2);
    EXPECT_LE(d, prev_base);
    prev_base = std::min<std::int64_t>(prev_base * 2, 1000);
  }
  a.reset();
  EXPECT_LE(a.next_ms(), 100);
}

TEST(BinanceVenueErrors, MapToStableRejectReasons) {
  EXPECT_EQ(map_venue_error(-2010, "Account has insufficient balance for requested action."),
            RejectReason::kVenueInsufficientBalance);
  EXPECT_EQ(map_venue_error(-2010, "Order would immediately match and take."), RejectReason::kVenueWouldTake);
  EXPECT_EQ(map_venue_error(-1013, "Filter failure: PRICE_FILTER"), RejectReason::kVenueInvalidPrice);
  EXPECT_EQ(map_venue_error(-1013, "Filter failure: LOT_SIZE"), RejectReason::kVenueInvalidQuantity);
  EXPECT_EQ(map_venue_error(-1003, "Too many requests"), RejectReason::kVenueRateLimited);
  EXPECT_EQ(map_venue_error(-2011, "Unknown order sent."), RejectReason::kVenueUnknownOrder);
  EXPECT_EQ(map_venue_error(-1022, "Signature for this request is not valid."), RejectReason::kVenueAuthFailed);
  EXPECT_EQ(map_venue_error(-1021, "Timestamp outside recvWindow"), RejectReason::kVenueClockSkew);
  EXPECT_EQ(static_cast<int>(RejectReason::kVenueRateLimited), 220);
  EXPECT_EQ(to_string(RejectReason::kVenueBanned), "venue_banned");
}

TEST_F(BinanceGatewayTest, MissingCredentialsNameTheVariableNotTheValue) {
  cfg_.api_secret_env = "SEQUENT_TEST_BINANCE_SECRET_UNSET";
  ::unsetenv("SEQUENT_TEST_BINANCE_SECRET_UNSET");
  BinanceGateway gw(cfg_, registry_);
  Status s = gw.start();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("SEQUENT_TEST_BINANCE_SECRET_UNSET"), std::string::npos);
  EXPECT_EQ(s.error().message.find(kKey), std::string::npos);
  EXPECT_EQ(s.error().message.find(kSecret), std::string::npos);
}

TEST_F(BinanceGatewayTest, MarketDataBecomesTradesQuotesAndBookLevels) {
  start_gateway();
  ASSERT_TRUE(wait_for([&] {
    return gw_->books_synced() && count([](const Event& e) { return e.type() == EventType::kTrade; }) > 0 &&
           count([](const Event& e) { return e.type() == EventType::kQuote; }) > 0 &&
           count([](const Event& e) { return e.type() == EventType::kBookLevel && (e.header.flags & 0) == 0 &&
                                             e.payload.book.side != Side::kNone; }) > 0;
  }));
  const Event* snap = find([](const Event& e) {
    return e.type() == EventType::kBookLevel && (e.payload.book.flags & kBookClear) != 0 && e.payload.book.last_update_id != 0;
  });
  ASSERT_NE(snap, nullptr) << "no snapshot (kBookClear with an update id) reached the ring";
  for (const Event& e : seen_) EXPECT_EQ(e.instrument(), btc_);
  const Event* q = find([](const Event& e) { return e.type() == EventType::kQuote; });
  EXPECT_LT(q->payload.quote.bid_price, q->payload.quote.ask_price);
  EXPECT_GE(gw_->counters().snapshots.load(), 1u);
  EXPECT_EQ(gw_->counters().parse_errors.load(), 0u);
  EXPECT_GT(gw_->counters().messages.load(), 0u);
}

TEST_F(BinanceGatewayTest, LimitOrderIsAckedFilledAndAnotherCanceled) {
  start_gateway();
  wait_synced();
  const Price bid = last_bid();
  const Price px = Price::from_raw(bid.raw() - 20 * rules_.tick_size.raw());
  const Qty qty = order_qty(px);
  const ClientOrderId id1 = make_client_order_id(1000, 0);
  ASSERT_TRUE(gw_->submit(limit_buy(id1, px, qty)));
  ASSERT_TRUE(wait_for([&] { return find([&](const Event& e) { return exec_of(e, id1, ExecType::kNew); }) != nullptr; }));
  const Event* ack = find([&](const Event& e) { return exec_of(e, id1, ExecType::kNew); });
  EXPECT_EQ(ack->payload.exec.side, Side::kBuy);
  EXPECT_EQ(ack->payload.exec.leaves_qty, qty);
  EXPECT_NE(ack->payload.exec.venue_order_id, 0u);

  // A public trade through our price fills the resting order (maker).
  char price_text[32], qty_text[32];
  price_text[format_fixed_raw(px.raw(), price_text)] = '\0';
  qty_text[format_fixed_raw(qty.raw(), qty_text)] = '\0';
  HttpResponse t = control(HttpMethod::kPost, std::string("/sim/trade?symbol=BTCUSDT&price=") + price_text + "&qty=" + qty_text);
  ASSERT_EQ(t.status, 200u) << t.body;
  ASSERT_TRUE(wait_for([&] { return find([&](const Event& e) { return exec_of(e, id1, ExecType::kFill); }) != nullptr; }));
  const Event* fill = find([&](const Event& e) { return exec_of(e, id1, ExecType::kFill); });
  EXPECT_EQ(fill->payload.exec.last_price, px);
  EXPECT_EQ(fill->payload.exec.cum_qty, qty);
  EXPECT_EQ(fill->payload.exec.leaves_qty.raw(), 0);
  EXPECT_NE(fill->payload.exec.trade_id, 0u);
  EXPECT_EQ(fill->payload.exec.liquidity, Liquidity::kMaker);

  const ClientOrderId id2 = make_client_order_id(1001, 0);
  ASSERT_TRUE(gw_->submit(limit_buy(id2, px, qty)));
  ASSERT_TRUE(wait_for([&] { return find([&](const Event& e) { return exec_of(e, id2, ExecType::kNew); }) != nullptr; }));
  Event c = limit_buy(id2, px, qty);
  c.header.type = EventType::kOrderCancel;
  ASSERT_TRUE(gw_->submit(c));
  ASSERT_TRUE(wait_for([&] { return find([&](const Event& e) { return exec_of(e, id2, ExecType::kCanceled); }) != nullptr; }));
  // Each report once: acks and fills come from executionReports only.
  EXPECT_EQ(count([&](const Event& e) { return exec_of(e, id1, ExecType::kNew); }), 1u);
  EXPECT_EQ(count([&](const Event& e) { return exec_of(e, id1, ExecType::kFill); }), 1u);
  EXPECT_EQ(gw_->counters().orders_sent.load(), 2u);
  EXPECT_EQ(gw_->counters().cancels_sent.load(), 1u);
  EXPECT_EQ(gw_->consecutive_errors(), 0u);

  // A LIMIT_MAKER that would cross is refused by the venue: a reject with the venue's reason.
  const ClientOrderId id3 = make_client_order_id(1002, 0);
  const Price through = Price::from_raw(bid.raw() + 200 * rules_.tick_size.raw());
  ASSERT_TRUE(gw_->submit(limit_buy(id3, through, order_qty(through), OrderType::kLimitMaker)));
  ASSERT_TRUE(wait_for([&] { return find([&](const Event& e) { return exec_of(e, id3, ExecType::kRejected); }) != nullptr; }));
  EXPECT_EQ(find([&](const Event& e) { return exec_of(e, id3, ExecType::kRejected); })->payload.exec.reason,
            RejectReason::kVenueWouldTake);

  // Reconciliation sees the fill of id1 and nothing open.
  auto view = gw_->reconcile_snapshot(0);
  ASSERT_TRUE(view) << view.error().message;
  EXPECT_TRUE(view->open_acks.empty());
  ASSERT_EQ(view->fills.size(), 1u);
  EXPECT_EQ(view->fills[0].payload.exec.client_order_id, id1);
  EXPECT_EQ(view->fills[0].payload.exec.trade_id, fill->payload.exec.trade_id);
  EXPECT_EQ(view->fills[0].payload.exec.exec_type, ExecType::kFill);
  EXPECT_EQ(view->max_origin_seq, 1000u);  // rejected and canceled orders traded nothing
}

// A clean stop: unsettled_orders() counts orders still owing their decisive report (an IOC's
// end, a resting order's NEW); hold_orders() refuses new orders locally while reports still come.
TEST_F(BinanceGatewayTest, HoldOrdersForACleanStopAndCountUnsettledOnes) {
  start_gateway();
  wait_synced();
  EXPECT_EQ(gw_->unsettled_orders(), 0u);
  const Price far = Price::from_raw(last_bid().raw() - 50 * rules_.tick_size.raw());
  const ClientOrderId rest = make_client_order_id(5000, 0), ioc = make_client_order_id(5001, 0);
  ASSERT_TRUE(gw_->submit(limit_buy(rest, far, order_qty(far))));
  Event o = limit_buy(ioc, far, order_qty(far));
  o.payload.order.tif = TimeInForce::kIoc;  // nothing at that price: expires
  ASSERT_TRUE(gw_->submit(o));
  ASSERT_TRUE(wait_for([&] {
    return find([&](const Event& e) { return exec_of(e, rest, ExecType::kNew); }) != nullptr &&
           find([&](const Event& e) { return exec_of(e, ioc, ExecType::kExpired); }) != nullptr;
  }));
  ASSERT_TRUE(wait_for([&] { return gw_->unsettled_orders() == 0; }));
  gw_->hold_orders();
  const ClientOrderId held = make_client_order_id(5002, 0);
  ASSERT_TRUE(gw_->submit(limit_buy(held, far, order_qty(far))));
  ASSERT_TRUE(wait_for([&] {
    return find([&](const Event& e) { return e.type() == EventType::kOrderDenied && e.payload.order.client_order_id == held; }) != nullptr;
  }));
  EXPECT_EQ(find([&](const Event& e) { return e.type() == EventType::kOrderDenied && e.payload.order.client_order_id == held; })
                ->payload.order.reason,
            RejectReason::kVenueNotConnected);
  EXPECT_EQ(gw_->counters().orders_sent.load(), 2u);
  EXPECT_EQ(gw_->unsettled_orders(), 0u);
}

TEST_F(BinanceGatewayTest, ReconcileReportsOpenOrdersAsVenueState) {
  start_gateway();
  wait_synced();
  const Price px = Price::from_raw(last_bid().raw() - 50 * rules_.tick_size.raw());
  const ClientOrderId id = make_client_order_id(77, 1);
  ASSERT_TRUE(gw_->submit(limit_buy(id, px, order_qty(px))));
  ASSERT_TRUE(wait_for([&] { return find([&](const Event& e) { return exec_of(e, id, ExecType::kNew); }) != nullptr; }));
  auto view = gw_->reconcile_snapshot(0);
  ASSERT_TRUE(view) << view.error().message;
  ASSERT_EQ(view->open_acks.size(), 1u);
  const Event& a = view->open_acks[0];
  EXPECT_EQ(a.payload.exec.client_order_id, id);
  EXPECT_EQ(a.payload.exec.exec_type, ExecType::kNew);
  EXPECT_EQ(a.header.flags & kFlagVenueState, kFlagVenueState);
  EXPECT_EQ(a.payload.exec.leaves_qty, order_qty(px));
  EXPECT_EQ(view->max_origin_seq, 77u);
}

// Issue 8: a resting order fills while the WebSocket API is down (the venue refuses it), so its
// executionReport is never sent. When the user-data subscription is back, the gateway fetches
// the venue's view and feeds it in as a reconciliation window: the missed fill arrives, with the
// venue's trade id, between kReconcile begin and end; a still-open order comes as a venue-state
// ack; orders are refused until the window is in.
TEST_F(BinanceGatewayTest, FillMissedWhileTheWsApiWasDownArrivesThroughReconciliation) {
  start_gateway();
  wait_synced();
  const Price bid = last_bid();
  const Price px = Price::from_raw(bid.raw() - 30 * rules_.tick_size.raw());
  const Price far = Price::from_raw(bid.raw() - 60 * rules_.tick_size.raw());
  const Qty qty = order_qty(px);
  const ClientOrderId fills = make_client_order_id(3000, 0), stays = make_client_order_id(3001, 0);
  ASSERT_TRUE(gw_->submit(limit_buy(fills, px, qty)));
  ASSERT_TRUE(gw_->submit(limit_buy(stays, far, order_qty(far))));
  ASSERT_TRUE(wait_for([&] {
    return find([&](const Event& e) { return exec_of(e, fills, ExecType::kNew); }) != nullptr &&
           find([&](const Event& e) { return exec_of(e, stays, ExecType::kNew); }) != nullptr;
  }));

  // The outage: the user-data connection is cut and new WS API connections are refused.
  fault("disconnect_user_stream,refuse_ws_api");
  ASSERT_TRUE(wait_for([&] { return !gw_->user_stream_ready(); }));
  const std::size_t gap_from = seen_.size();
  char price_text[32], qty_text[32];
  price_text[format_fixed_raw(px.raw(), price_text)] = '\0';
  qty_text[format_fixed_raw(qty.raw(), qty_text)] = '\0';
  HttpResponse t = control(HttpMethod::kPost, std::string("/sim/trade?symbol=BTCUSDT&price=") + price_text + "&qty=" + qty_text);
  ASSERT_EQ(t.status, 200u) << t.body;
  // The venue filled it; nobody heard.
  HttpResponse state = control(HttpMethod::kGet, "/sim/state");
  ASSERT_NE(state.body.find("\"openOrders\":1"), std::string::npos) << state.body;
  ASSERT_EQ(find([&](const Event& e) { return exec_of(e, fills, ExecType::kFill); }), nullptr);

  fault("refuse_ws_api=false");
  auto is_end = [](const Event& e) {
    return e.type() == EventType::kReconcile && e.payload.reconcile.phase == ReconcilePhase::kEnd;
  };
  ASSERT_TRUE(wait_for([&] { return find(is_end, gap_from) != nullptr; }))
      << "reconciliations=" << gw_->counters().reconciliations.load()
      << " failures=" << gw_->counters().reconcile_failures.load();
  std::size_t begin_at = seen_.size(), fill_at = seen_.size(), ack_at = seen_.size(), end_at = seen_.size();
  for (std::size_t i = gap_from; i < seen_.size(); ++i) {
    const Event& e = seen_[i];
    if (e.type() == EventType::kReconcile && e.payload.reconcile.phase == ReconcilePhase::kBegin && begin_at == seen_.size()) begin_at = i;
    if (exec_of(e, fills, ExecType::kFill)) fill_at = i;
    if (exec_of(e, stays, ExecType::kNew)) ack_at = i;
    if (is_end(e) && end_at == seen_.size()) end_at = i;
  }
  ASSERT_LT(begin_at, fill_at);
  ASSERT_LT(fill_at, end_at);
  ASSERT_LT(begin_at, ack_at);
  ASSERT_LT(ack_at, end_at);
  const Event& begin = seen_[begin_at];
  EXPECT_EQ(begin.header.source, Source::kReconcile);
  EXPECT_EQ(begin.payload.reconcile.venue_open_orders, 1u);
  EXPECT_GE(begin.payload.reconcile.venue_fills, 1u);
  const Event& fill = seen_[fill_at];
  EXPECT_EQ(fill.payload.exec.last_price, px);
  EXPECT_EQ(fill.payload.exec.last_qty, qty);
  EXPECT_NE(fill.payload.exec.trade_id, 0u);
  EXPECT_EQ(seen_[ack_at].header.flags & kFlagVenueState, kFlagVenueState);
  EXPECT_EQ(gw_->counters().reconciliations.load(), 1u);

  // Trading goes on after the window: a new order is sent and acknowledged.
  const ClientOrderId after = make_client_order_id(3002, 0);
  ASSERT_TRUE(gw_->submit(limit_buy(after, far, order_qty(far))));
  ASSERT_TRUE(wait_for([&] { return find([&](const Event& e) { return exec_of(e, after, ExecType::kNew); }) != nullptr; }));
}

TEST_F(BinanceGatewayTest, SurvivesServerDisconnectAndResyncsTheBook) {
  start_gateway();
  wait_synced();
  const std::uint64_t snaps = gw_->counters().snapshots.load();
  const std::size_t mark = seen_.size();
  fault("disconnect_streams=true");
  ASSERT_TRUE(wait_for([&] {
    return gw_->counters().reconnects.load() >= 1 && gw_->counters().snapshots.load() > snaps && gw_->books_synced();
  })) << "reconnects=" << gw_->counters().reconnects.load();
  // The core was told: a resync marker, then a fresh snapshot, then levels again.
  const Event* marker = find([](const Event& e) { return e.type() == EventType::kBookLevel && e.payload.book.side == Side::kNone &&
                                                         e.payload.book.last_update_id == 0; }, mark);
  ASSERT_NE(marker, nullptr);
  EXPECT_GE(gw_->counters().resyncs.load(), 1u);
}

// Rotation before Binance's 24-hour limit, forced every 300 ms here: make-before-break, so the
// depth stream's U/u run on across every switch (no gap, no resync, no second snapshot) and no
// trade is lost or delivered twice (the venue's trade ids are consecutive).
TEST_F(BinanceGatewayTest, MarketRotationIsMakeBeforeBreakAndLosesNothing) {
  cfg_.trading = false;
  cfg_.rotate_after_ms = 300;
  start_gateway();
  ASSERT_TRUE(wait_for([&] { return gw_->books_synced(); }));
  ASSERT_TRUE(wait_for([&] { return gw_->counters().rotations.load() >= 4; }))
      << "rotations=" << gw_->counters().rotations.load() << " reconnects=" << gw_->counters().reconnects.load();
  // Some traffic on the last successor too.
  const std::size_t at_last_rotation = seen_.size();
  ASSERT_TRUE(wait_for([&] {
    return count([](const Event& e) { return e.type() == EventType::kBookLevel; }, at_last_rotation) > 0 &&
           count([](const Event& e) { return e.type() == EventType::kTrade; }, at_last_rotation) > 0;
  }));
  const auto& c = gw_->counters();
  EXPECT_EQ(c.reconnects.load(), 0u);
  EXPECT_EQ(c.resyncs.load(), 0u);
  EXPECT_EQ(c.snapshots.load(), 1u);
  // Each switch waited for the overlap: at least the successor's first depth diff had come over
  // the old connection too, and was dropped, not delivered twice.
  EXPECT_GE(c.rotation_duplicates.load(), c.rotations.load());
  std::uint64_t prev_u = 0, prev_trade = 0;
  std::size_t diffs = 0, trades = 0, snapshots = 0;
  bool in_snapshot = false;
  for (const Event& e : seen_) {
    if (e.type() == EventType::kTrade) {
      if (prev_trade != 0) {
        EXPECT_EQ(e.payload.trade.trade_id, prev_trade + 1) << "trade lost or doubled";
      }
      prev_trade = e.payload.trade.trade_id;
      ++trades;
    }
    if (e.type() != EventType::kBookLevel) continue;
    const BookLevelPayload& b = e.payload.book;
    ASSERT_FALSE(b.side == Side::kNone && b.last_update_id == 0) << "resync marker";
    if ((b.flags & kBookClear) != 0) in_snapshot = true;  // a snapshot's first level
    if ((b.flags & kBookLast) == 0) continue;
    if (in_snapshot) {  // its last level carries lastUpdateId
      in_snapshot = false;
      ++snapshots;
      prev_u = b.last_update_id;
      continue;
    }
    if (diffs++ == 0) {
      EXPECT_LE(b.first_update_id, prev_u + 1);  // the first diff straddles the snapshot
      EXPECT_GE(b.last_update_id, prev_u + 1);
    } else {
      EXPECT_EQ(b.first_update_id, prev_u + 1) << "depth gap across a rotation";
    }
    prev_u = b.last_update_id;
  }
  EXPECT_EQ(snapshots, 1u);
  EXPECT_GE(diffs, 4u);
  EXPECT_GT(trades, 0u);
  std::printf("rotations=%llu duplicates dropped=%llu diffs=%zu trades=%zu\n",
              static_cast<unsigned long long>(c.rotations.load()), static_cast<unsigned long long>(c.rotation_duplicates.load()),
              diffs, trades);
}

TEST_F(BinanceGatewayTest, DroppedDepthMessageResyncsWithoutLevelsFromTheBrokenBook) {
  start_gateway();
  wait_synced();
  const std::uint64_t resyncs = gw_->counters().resyncs.load();
  const std::uint64_t snaps = gw_->counters().snapshots.load();
  const std::size_t mark = seen_.size();
  fault("drop_depth=1");
  ASSERT_TRUE(wait_for([&] {
    return gw_->counters().resyncs.load() > resyncs && gw_->counters().snapshots.load() > snaps && gw_->books_synced();
  }));
  // After the marker the next level event is the new snapshot's clearing level: nothing from
  // the broken book in between.
  std::size_t i = mark;
  while (i < seen_.size() && !(seen_[i].type() == EventType::kBookLevel && seen_[i].payload.book.side == Side::kNone)) ++i;
  ASSERT_LT(i, seen_.size()) << "no resync marker";
  ++i;
  while (i < seen_.size() && seen_[i].type() != EventType::kBookLevel) ++i;
  ASSERT_LT(i, seen_.size());
  EXPECT_NE(seen_[i].payload.book.flags & kBookClear, 0);
  EXPECT_NE(seen_[i].payload.book.last_update_id, 0u);
  EXPECT_EQ(gw_->counters().reconnects.load(), 0u);
}

TEST_F(BinanceGatewayTest, Http429BacksOffAndRefusesOrdersMeanwhile) {
  start_gateway();
  wait_synced();
  const Price px = Price::from_raw(last_bid().raw() - 20 * rules_.tick_size.raw());
  fault("reject_429=1");
  const ClientOrderId id1 = make_client_order_id(2000, 0), id2 = make_client_order_id(2001, 0);
  ASSERT_TRUE(gw_->submit(limit_buy(id1, px, order_qty(px))));
  ASSERT_TRUE(wait_for([&] { return find([&](const Event& e) { return exec_of(e, id1, ExecType::kRejected); }) != nullptr; }));
  EXPECT_EQ(find([&](const Event& e) { return exec_of(e, id1, ExecType::kRejected); })->payload.exec.reason,
            RejectReason::kVenueRateLimited);
  EXPECT_EQ(gw_->counters().http_429.load(), 1u);
  // Within the back-off: refused locally, never sent.
  ASSERT_TRUE(gw_->submit(limit_buy(id2, px, order_qty(px))));
  ASSERT_TRUE(wait_for([&] {
    return find([&](const Event& e) { return e.type() == EventType::kOrderDenied && e.payload.order.client_order_id == id2; }) != nullptr;
  }));
  const Event* d = find([&](const Event& e) { return e.type() == EventType::kOrderDenied && e.payload.order.client_order_id == id2; });
  EXPECT_EQ(d->payload.order.reason, RejectReason::kVenueRateLimited);
  EXPECT_EQ(gw_->counters().orders_sent.load(), 1u);
  EXPECT_EQ(gw_->counters().orders_refused.load(), 1u);
  EXPECT_FALSE(gw_->banned());
}

TEST_F(BinanceGatewayTest, Http418StopsSendingAndRaisesTheAlert) {
  start_gateway();
  wait_synced();
  const Price px = Price::from_raw(last_bid().raw() - 20 * rules_.tick_size.raw());
  fault("ban_418=true");
  const ClientOrderId id1 = make_client_order_id(3000, 0), id2 = make_client_order_id(3001, 0);
  ASSERT_TRUE(gw_->submit(limit_buy(id1, px, order_qty(px))));
  ASSERT_TRUE(wait_for([&] { return gw_->banned(); }));
  EXPECT_GE(gw_->counters().http_418.load(), 1u);
  ASSERT_TRUE(wait_for([&] { return find([&](const Event& e) { return exec_of(e, id1, ExecType::kRejected); }) != nullptr; }));
  EXPECT_EQ(find([&](const Event& e) { return exec_of(e, id1, ExecType::kRejected); })->payload.exec.reason, RejectReason::kVenueBanned);
  ASSERT_TRUE(gw_->submit(limit_buy(id2, px, order_qty(px))));
  ASSERT_TRUE(wait_for([&] {
    return find([&](const Event& e) { return e.type() == EventType::kOrderDenied && e.payload.order.client_order_id == id2; }) != nullptr;
  }));
  EXPECT_EQ(find([&](const Event& e) { return e.type() == EventType::kOrderDenied && e.payload.order.client_order_id == id2; })
                ->payload.order.reason,
            RejectReason::kVenueBanned);
  EXPECT_EQ(gw_->counters().orders_sent.load(), 1u);
  EXPECT_GE(gw_->consecutive_errors(), 1u);
}


TEST_F(BinanceGatewayTest, OrderWithoutAnswerInTimeIsUnknownNotRejected) {
  cfg_.order_timeout_ms = 300;
  start_gateway();
  wait_synced();
  const Price px = Price::from_raw(last_bid().raw() - 20 * rules_.tick_size.raw());
  fault("slow_ms=3000,count=1");
  const ClientOrderId id = make_client_order_id(4000, 0);
  ASSERT_TRUE(gw_->submit(limit_buy(id, px, order_qty(px))));
  ASSERT_TRUE(wait_for([&] { return gw_->counters().unknown_outcomes.load() == 1; }));
  EXPECT_EQ(count([&](const Event& e) {
              return (e.type() == EventType::kExecReport && e.payload.exec.client_order_id == id &&
                      e.payload.exec.exec_type == ExecType::kRejected) ||
                     (e.type() == EventType::kOrderDenied && e.payload.order.client_order_id == id);
            }),
            0u);
  EXPECT_GE(gw_->consecutive_errors(), 1u);
}

TEST_F(BinanceGatewayTest, HttpTimeoutIsAnUnknownOutcome) {
  fault("slow_ms=2000,count=1");
  HttpOptions o;
  o.base_url = "http://" + base_;
  o.timeout_ms = 200;
  HttpResponse r = http_fetch_blocking(nullptr, o, HttpRequest{HttpMethod::kGet, "/api/v3/time", {}, {}});
  EXPECT_EQ(r.outcome, HttpOutcome::kUnknown);
  EXPECT_TRUE(r.timed_out);
  // Nothing listens on port 1: the request never left.
  o.base_url = "http://127.0.0.1:1";
  HttpResponse refused = http_fetch_blocking(nullptr, o, HttpRequest{HttpMethod::kGet, "/api/v3/time", {}, {}});
  EXPECT_EQ(refused.outcome, HttpOutcome::kNotSent);
}

// wss/https: TLS with SNI and peer verification against the venue's throw-away certificate
// (subjectAltName IP:127.0.0.1): trusted via ca_file it works, with only the system's roots it
// is refused, and with verification off (local venue only) it works.
TEST(BinanceGatewayTls, VerifiesThePeerUnlessToldNotTo) {
  const std::string dir = ::testing::TempDir() + "sequent_gw_tls_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
  const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert +
                          " -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "no openssl command to make a test certificate";
  binance_venue::VenueOptions vo;
  vo.listen_port = 0;
  vo.tls = true;
  vo.cert_file = cert;
  vo.key_file = key;
  vo.exchange.symbols = {"BTCUSDT"};
  vo.exchange.api_key = kKey;
  vo.exchange.api_secret = kSecret;
  auto venue = binance_venue::BinanceVenue::start(vo);
  ASSERT_TRUE(venue) << venue.error().message;
  const std::string base = "127.0.0.1:" + std::to_string((*venue)->port());
  ::setenv("SEQUENT_TEST_BINANCE_KEY", kKey, 1);
  ::setenv("SEQUENT_TEST_BINANCE_SECRET", kSecret, 1);
  BinanceGatewayConfig cfg;
  cfg.rest_url = "https://" + base;
  cfg.ws_market_url = "wss://" + base;
  cfg.ws_api_url = "wss://" + base + "/ws-api/v3";
  cfg.symbols = {"BTCUSDT"};
  cfg.api_key_env = "SEQUENT_TEST_BINANCE_KEY";
  cfg.api_secret_env = "SEQUENT_TEST_BINANCE_SECRET";

  auto untrusted = BinanceGateway::fetch_symbol_rules(cfg);  // system roots only
  ASSERT_FALSE(untrusted);
  EXPECT_NE(untrusted.error().message.find("tls"), std::string::npos) << untrusted.error().message;

  for (const bool verify : {true, false}) {
    BinanceGatewayConfig c = cfg;
    if (verify) c.tls_ca_file = cert;
    c.tls_verify_peer = verify;
    auto rules = BinanceGateway::fetch_symbol_rules(c);
    ASSERT_TRUE(rules) << rules.error().message;
    InstrumentRegistry registry;
    ASSERT_TRUE(registry.add("BTCUSDT", "binance", (*rules)[0].tick_size, (*rules)[0].step_size, (*rules)[0].min_notional));
    BinanceGateway gw(c, registry);
    Status s = gw.start();
    ASSERT_TRUE(s) << s.error().message;
    bool quote = false;
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while (!(quote && gw.user_stream_ready() && gw.books_synced()) && std::chrono::steady_clock::now() < deadline) {
      Event e;
      while (gw.out().try_pop(e)) quote = quote || e.type() == EventType::kQuote;
      std::this_thread::yield();
    }
    EXPECT_TRUE(quote && gw.user_stream_ready() && gw.books_synced()) << "verify=" << verify;
    gw.stop();
  }
  (*venue)->stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sequent::binance_net
