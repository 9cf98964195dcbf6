#include "gateways/binance_net/binance_gateway.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string_view>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gateways/binance/depth_sync.hpp"
#include "gateways/binance/parser.hpp"
#include "gateways/binance/quarantine.hpp"
#include "gateways/binance/rate_limits.hpp"
#include "gateways/binance/signing.hpp"
#include "gateways/binance_net/http_client.hpp"
#include "gateways/binance_net/tls.hpp"
#include "gateways/binance_net/url.hpp"
#include "gateways/binance_net/ws_client.hpp"
#include "gateways/binance_net/detail/reconcile.hpp"

namespace sequent::binance_net {

namespace asio = boost::asio;
using binance::MessageKind;
using binance::ParseErrc;
using binance::Parsed;

namespace {

TimeNs now_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<TimeNs>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
std::int64_t mono_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

template <class T>
void bump(std::atomic<T>& c, T by = 1) noexcept {  // single writer
  c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

bool contains(std::string_view hay, std::string_view needle) noexcept { return hay.find(needle) != std::string_view::npos; }

// A fixed char buffer that never allocates; overflow sets bad().
template <std::size_t N>
class FixedBuf {
 public:
  FixedBuf& put(std::string_view s) noexcept {
    if (n_ + s.size() > N) {
      bad_ = true;
      return *this;
    }
    std::memcpy(buf_ + n_, s.data(), s.size());
    n_ += s.size();
    return *this;
  }
  FixedBuf& put_i64(std::int64_t v) noexcept {
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
    return put(std::string_view(tmp, static_cast<std::size_t>(r.ptr - tmp)));
  }
  std::string_view view() const noexcept { return {buf_, n_}; }
  bool bad() const noexcept { return bad_; }
  void clear() noexcept {
    n_ = 0;
    bad_ = false;
  }

 private:
  char buf_[N];
  std::size_t n_ = 0;
  bool bad_ = false;
};

// One signed request's parameters, already in name order (the WS API signs them sorted).
struct Param {
  std::string_view name;
  std::string_view value;
  bool number = false;  // written as a JSON number
};

std::string_view side_text(Side s) noexcept { return s == Side::kSell ? "SELL" : "BUY"; }
std::string_view tif_text(TimeInForce t) noexcept {
  switch (t) {
    case TimeInForce::kIoc: return "IOC";
    case TimeInForce::kFok: return "FOK";
    case TimeInForce::kGtc: break;
  }
  return "GTC";
}

std::string getenv_string(const std::string& name) {
  const char* v = name.empty() ? nullptr : std::getenv(name.c_str());
  return v == nullptr ? std::string() : std::string(v);
}

}  // namespace

RejectReason map_venue_error(std::int64_t code, std::string_view msg) noexcept {
  switch (code) {
    case -1003:
    case -1015: return RejectReason::kVenueRateLimited;
    case -1013:
      if (contains(msg, "PRICE_FILTER") || contains(msg, "PERCENT_PRICE")) return RejectReason::kVenueInvalidPrice;
      if (contains(msg, "LOT_SIZE") || contains(msg, "NOTIONAL") || contains(msg, "MARKET_LOT_SIZE"))
        return RejectReason::kVenueInvalidQuantity;
      if (contains(msg, "MAX_NUM_ORDERS")) return RejectReason::kVenueTooManyOrders;
      return RejectReason::kVenueInvalidOrder;
    case -1021: return RejectReason::kVenueClockSkew;
    case -1022:
    case -2014:
    case -2015: return RejectReason::kVenueAuthFailed;
    case -1121: return RejectReason::kVenueUnknownInstrument;
    case -1111: return RejectReason::kVenueInvalidQuantity;
    case -1100:
    case -1101:
    case -1102:
    case -1104:
    case -1106:
    case -1115:
    case -1116:
    case -1117: return RejectReason::kVenueInvalidOrder;
    case -2011:
    case -2013: return RejectReason::kVenueUnknownOrder;
    case -2010:
      if (contains(msg, "insufficient balance")) return RejectReason::kVenueInsufficientBalance;
      if (contains(msg, "Duplicate order")) return RejectReason::kVenueDuplicateOrder;
      if (contains(msg, "immediately match")) return RejectReason::kVenueWouldTake;
      if (contains(msg, "MAX_NUM_ORDERS") || contains(msg, "too many")) return RejectReason::kVenueTooManyOrders;
      return RejectReason::kVenueOther;
    default: return RejectReason::kVenueOther;
  }
}

// ---- the io-thread implementation ----------------------------------------------------------

class BinanceGateway::Impl {
 public:
  Impl(BinanceGateway& gw, BinanceGatewayConfig cfg, const InstrumentRegistry& registry)
      : gw_(gw), cfg_(std::move(cfg)), registry_(registry), quarantine_(cfg_.quarantine_capacity, 2048) {
    by_instrument_.assign(registry.size(), -1);
    for (const std::string& name : cfg_.symbols) {
      Sym s;
      s.name = name;
      s.lower = name;
      for (char& ch : s.lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (auto id = registry.find(name)) {
        s.id = *id;
        by_instrument_[*id] = static_cast<std::int16_t>(syms_.size());
      }
      syms_.push_back(std::move(s));
    }
    pending_.resize(kPendingSlots);
    backlog_.reserve(1u << 14);
    scratch_.reserve(1u << 14);
  }

  ~Impl() { stop(); }

  // ---- control thread ----

  Status load_credentials() {
    if (!cfg_.trading || !api_key_.empty()) return {};
    std::string key = getenv_string(cfg_.api_key_env);
    std::string secret = getenv_string(cfg_.api_secret_env);
    if (key.empty())
      return Error{ErrorCode::kInvalidArgument, "binance: environment variable " + cfg_.api_key_env +
                                                    " (api_key_env) is not set or empty; trading needs an API key"};
    if (secret.empty())
      return Error{ErrorCode::kInvalidArgument, "binance: environment variable " + cfg_.api_secret_env +
                                                    " (api_secret_env) is not set or empty; trading needs an API secret"};
    for (char ch : key)
      if (!std::isalnum(static_cast<unsigned char>(ch)))
        return Error{ErrorCode::kInvalidArgument, "binance: the API key in " + cfg_.api_key_env +
                                                      " has characters other than letters and digits"};
    api_key_ = binance::Secret::from_string(key);
    secret_ = binance::Secret::from_string(secret);
    std::fill(key.begin(), key.end(), '\0');
    std::fill(secret.begin(), secret.end(), '\0');
    return {};
  }

  Result<std::shared_ptr<asio::ssl::context>> tls() {
    if (tls_) return tls_;
    auto t = make_tls_context(TlsOptions{cfg_.tls_verify_peer, cfg_.tls_ca_file});
    if (!t) return t.error();
    tls_ = *t;
    return tls_;
  }

  // What a reconciliation needs, by value (it may run on its own thread): the clock estimate is
  // copied, the credentials are set once before start() and only read afterwards.
  Result<detail::ReconcileContext> reconcile_context() {
    auto t = tls();
    if (!t) return t.error();
    detail::ReconcileContext ctx;
    ctx.http = rest_options();
    ctx.tls = *t;
    ctx.api_key = &api_key_;
    ctx.secret = &secret_;
    ctx.recv_window_ms = cfg_.recv_window_ms;
    ctx.server_ms = [clock = clock_] { return clock.server_ms(now_ns()); };
    ctx.source = cfg_.source;
    for (const Sym& s : syms_) ctx.symbols.push_back({s.name, s.id});
    return ctx;
  }

  HttpOptions rest_options() const {
    HttpOptions o;
    o.base_url = cfg_.rest_url;
    o.timeout_ms = cfg_.rest_timeout_ms;
    return o;
  }

  Status sync_clock() {
    auto t = tls();
    if (!t) return t.error();
    for (int i = 0; i < 3; ++i) {
      const TimeNs t0 = now_ns();
      HttpResponse r = http_fetch_blocking(*t, rest_options(), HttpRequest{HttpMethod::kGet, "/api/v3/time", {}, {}});
      const TimeNs t1 = now_ns();
      if (r.outcome != HttpOutcome::kOk || r.status != 200)
        return Error{ErrorCode::kIo, "binance: GET " + cfg_.rest_url + "/api/v3/time failed: " +
                                         (r.outcome == HttpOutcome::kOk ? "status " + std::to_string(r.status) : r.error)};
      const std::size_t at = r.body.find("\"serverTime\"");
      std::int64_t ms = 0;
      if (at != std::string::npos) {
        const std::size_t colon = r.body.find(':', at);
        const char* b = r.body.data() + colon + 1;
        while (*b == ' ') ++b;
        (void)std::from_chars(b, r.body.data() + r.body.size(), ms);
      }
      if (ms <= 0) return Error{ErrorCode::kParse, "binance: GET /api/v3/time: no serverTime in the answer"};
      clock_.add_sample(t0, ms, t1);
    }
    return {};
  }

  Status prepare() {
    if (Status s = load_credentials(); !s) return s;
    for (const Sym& s : syms_)
      if (s.id == kNoInstrument)
        return Error{ErrorCode::kInvalidArgument, "binance: symbol " + s.name + " is not in the instrument registry"};
    if (syms_.empty()) return Error{ErrorCode::kInvalidArgument, "binance: no symbols configured"};
    auto t = tls();
    if (!t) return t.error();
    if (Status s = sync_clock(); !s) return s;
    HttpResponse r = http_fetch_blocking(*t, rest_options(), HttpRequest{HttpMethod::kGet, "/api/v3/exchangeInfo", {}, {}});
    if (r.outcome != HttpOutcome::kOk || r.status != 200)
      return Error{ErrorCode::kIo, "binance: GET /api/v3/exchangeInfo failed: " +
                                       (r.outcome == HttpOutcome::kOk ? "status " + std::to_string(r.status) : r.error)};
    auto info = binance::parse_exchange_info(r.body);
    if (!info) return info.error();
    rl_.set_limits(info->rate_limits);
    std::vector<binance::SymbolBinding> bindings;
    for (Sym& s : syms_) {
      const binance::SymbolRules* rules = info->find(s.name);
      if (rules == nullptr) return Error{ErrorCode::kInvalidArgument, "binance: symbol " + s.name + " is not listed by exchangeInfo"};
      if (rules->status != "TRADING")
        return Error{ErrorCode::kInvalidArgument, "binance: symbol " + s.name + " is not trading (status " + rules->status + ")"};
      const Instrument& ins = registry_.at(s.id);
      if (rules->tick_size.raw() != 0 && ins.tick_size != rules->tick_size)
        return Error{ErrorCode::kInvalidArgument, "binance: " + s.name + " tick size " + to_string(ins.tick_size) +
                                                      " in the registry, " + to_string(rules->tick_size) + " at the venue"};
      if (rules->step_size.raw() != 0 && ins.lot_size != rules->step_size)
        return Error{ErrorCode::kInvalidArgument, "binance: " + s.name + " lot size " + to_string(ins.lot_size) +
                                                      " in the registry, " + to_string(rules->step_size) + " at the venue"};
      bindings.push_back(binance::SymbolBinding{s.name, s.id, rules->base_asset, rules->quote_asset});
    }
    binance::BinanceParser::Options po;
    po.source = cfg_.source;
    market_parser_ = std::make_unique<binance::BinanceParser>(bindings, po);
    api_parser_ = std::make_unique<binance::BinanceParser>(bindings, po);
    rest_parser_ = std::make_unique<binance::BinanceParser>(bindings, po);
    rotation_parser_ = std::make_unique<binance::BinanceParser>(bindings, po);
    for (Sym& s : syms_) s.depth = make_depth(s.id);
    return {};
  }

  Status start() {
    if (thread_.joinable()) return {};
    if (Status s = prepare(); !s) return s;
    io_ = std::make_unique<asio::io_context>(1);
    rest_ = std::make_unique<HttpClient>(*io_, tls_, rest_options());
    std::string market_url = cfg_.ws_market_url;
    while (!market_url.empty() && market_url.back() == '/') market_url.pop_back();
    market_url += "/stream?streams=";
    bool first = true;
    for (const Sym& s : syms_) {
      auto add = [&](std::string_view stream) {
        if (!first) market_url += '/';
        first = false;
        market_url += s.lower;
        market_url += '@';
        market_url += stream;
      };
      if (cfg_.stream_trades) add("trade");
      if (cfg_.stream_book_ticker) add("bookTicker");
      if (cfg_.stream_depth) add(cfg_.depth_stream);
    }
    if (auto u = parse_url(market_url); !u || !u->websocket)
      return Error{ErrorCode::kInvalidArgument, "binance: ws_market_url: " + (u ? "not a ws:// or wss:// url" : u.error().message)};
    WsOptions mo;
    mo.url = market_url;
    mo.idle_timeout_ms = cfg_.ws_idle_timeout_ms;
    mo.rotate_after_ms = cfg_.rotate_after_ms;
    mo.backoff = cfg_.reconnect_backoff;
    // Market data rotate make-before-break: the successor's messages are held until the two
    // connections overlap (see on_market_successor).
    market_ = std::make_unique<WsClient>(*io_, tls_, mo,
        WsHandlers{[this](const char* p, std::size_t n, std::size_t cap, TimeNs t) { on_market(p, n, cap, t); },
                   [this] { on_market_open(); }, [this](std::string_view why) { on_market_close(why); },
                   [this](const char* p, std::size_t n, std::size_t cap, TimeNs t) { on_market_successor(p, n, cap, t); },
                   [this](std::string_view) { reset_rotation(); }});
    if (cfg_.trading) {
      if (auto u = parse_url(cfg_.ws_api_url); !u || !u->websocket)
        return Error{ErrorCode::kInvalidArgument, "binance: ws_api_url: " + (u ? "not a ws:// or wss:// url" : u.error().message)};
      WsOptions ao = mo;
      ao.url = cfg_.ws_api_url;
      ao.backoff.seed = cfg_.reconnect_backoff.seed + 1;
      api_ = std::make_unique<WsClient>(*io_, tls_, ao,
          WsHandlers{[this](const char* p, std::size_t n, std::size_t cap, TimeNs t) { on_api(p, n, cap, t); },
                     [this] { on_api_open(); }, [this](std::string_view why) { on_api_close(why); }, {}, {}});
    }
    sweep_timer_ = std::make_unique<asio::steady_timer>(*io_);
    stop_.store(false, std::memory_order_relaxed);
    thread_ = std::thread([this] { run(); });
    return {};
  }

  void stop() {
    if (!thread_.joinable()) return;
    stop_.store(true, std::memory_order_release);
    thread_.join();
    if (reconcile_thread_.joinable()) reconcile_thread_.join();
  }

  std::vector<std::string> quarantine() const {
    std::lock_guard<std::mutex> lock(quarantine_mutex_);
    std::vector<std::string> out;
    for (const auto& e : quarantine_.entries()) out.push_back(e.error + ": " + e.bytes);
    return out;
  }

  Result<ReconcileView> reconcile(TimeNs since_ns) {
    if (!cfg_.trading) return Error{ErrorCode::kInvalidArgument, "binance: reconcile_snapshot needs trading = true (credentials)"};
    if (Status s = load_credentials(); !s) return s.error();
    if (!clock_.has_estimate())
      if (Status s = sync_clock(); !s) return s.error();
    auto ctx = reconcile_context();
    if (!ctx) return ctx.error();
    return detail::reconcile(*ctx, since_ns);
  }

 private:
  static constexpr std::size_t kPendingSlots = 4096;  // power of two

  struct Sym {
    std::string name, lower;
    InstrumentId id = kNoInstrument;
    std::unique_ptr<binance::DepthSync> depth;
    bool snapshot_in_flight = false;
    std::int64_t next_snapshot_mono = 0;
    std::uint64_t resyncs_seen = 0;
    // Per stream (kTradeStream, kTickerStream, kDepthStream): the last id delivered from the
    // current connection (trade t, bookTicker u, depth u) and, during a rotation, the first id
    // the successor connection brought.
    std::uint64_t delivered[3] = {0, 0, 0};
    std::uint64_t successor_first[3] = {0, 0, 0};
  };
  static constexpr int kTradeStream = 0, kTickerStream = 1, kDepthStream = 2;
  struct StreamKey {
    Sym* sym = nullptr;
    int stream = -1;
    std::uint64_t id = 0;
  };
  struct Held {  // a successor message held during a rotation (bytes + simdjson padding)
    std::string bytes;
    std::size_t len = 0;
    TimeNs recv_ns = 0;
  };
  struct Pending {
    std::uint64_t seq = 0;  // 0 = free
    char kind = 0;          // 'p' place, 'c' cancel
    Event order;
    std::int64_t sent_mono = 0;
  };

  std::unique_ptr<binance::DepthSync> make_depth(InstrumentId id) const {
    binance::DepthSync::Options o;
    o.source = cfg_.source;
    o.book_capacity = static_cast<std::size_t>(std::max(cfg_.depth_snapshot_limit, 100)) + 1000;
    return std::make_unique<binance::DepthSync>(id, o);
  }

  Sym* sym_of(InstrumentId id) noexcept {
    if (id >= by_instrument_.size() || by_instrument_[id] < 0) return nullptr;
    return &syms_[static_cast<std::size_t>(by_instrument_[id])];
  }

  // ---- the io thread ----

  void run() {
    auto guard = asio::make_work_guard(*io_);
    market_->start();
    if (api_) api_->start();
    arm_sweep();
    std::uint32_t spins = 0, yields = 0;
    std::int64_t park_ns = cfg_.wait_params.park_min_ns;
    while (!stop_.load(std::memory_order_acquire)) {
      std::size_t work = io_->poll();
      work += drain_orders();
      work += flush_backlog();
      if (work != 0) {
        spins = yields = 0;
        park_ns = cfg_.wait_params.park_min_ns;
        continue;
      }
      // Idle: spin, then yield, then park inside the io_context so socket readiness wakes us
      // at once (orders from the router are noticed after at most park_max_ns).
      if (cfg_.wait == WaitKind::kBusySpin || spins < cfg_.wait_params.spins) {
        ++spins;
        cpu_relax();
      } else if (cfg_.wait == WaitKind::kSpinYield || yields < cfg_.wait_params.yields) {
        ++yields;
        std::this_thread::yield();
      } else {
        if (io_->run_one_for(std::chrono::nanoseconds(park_ns)) != 0) {
          spins = yields = 0;
          park_ns = cfg_.wait_params.park_min_ns;
        } else {
          park_ns = std::min(park_ns * 2, cfg_.wait_params.park_max_ns);
        }
      }
    }
    // Shut down: close everything, let the cancelled handlers run, fail what is in flight.
    if (api_) api_->stop();
    market_->stop();
    rest_->stop();
    sweep_timer_->cancel();
    for (Pending& p : pending_)
      if (p.seq != 0) unknown(p);
    guard.reset();
    const std::int64_t deadline = mono_ns() + 2'000'000'000;
    while (!io_->stopped() && mono_ns() < deadline) {
      if (io_->poll() == 0) std::this_thread::yield();
      if (io_->stopped()) break;
    }
    (void)flush_backlog();
    gw_.market_open_.store(false, std::memory_order_relaxed);
    gw_.user_ready_.store(false, std::memory_order_relaxed);
  }

  void emit(const Event& e) noexcept {
    if (backlog_head_ == backlog_.size() && gw_.out_.try_push(e) == PushResult::kOk) {
      bump(gw_.counters_.events_out, std::uint64_t{1});
      return;
    }
    if (backlog_head_ == backlog_.size()) bump(gw_.counters_.out_ring_full, std::uint64_t{1});
    try {
      backlog_.push_back(e);  // held back in order; allocates only past the reserve
    } catch (...) {
    }
  }

  std::size_t flush_backlog() noexcept {
    std::size_t n = 0;
    while (backlog_head_ < backlog_.size() && gw_.out_.try_push(backlog_[backlog_head_]) == PushResult::kOk) {
      ++backlog_head_;
      ++n;
    }
    if (n != 0) bump(gw_.counters_.events_out, static_cast<std::uint64_t>(n));
    if (backlog_head_ == backlog_.size() && backlog_head_ != 0) {
      backlog_.clear();
      backlog_head_ = 0;
    }
    return n;
  }

  void parse_error(const char* p, std::size_t n, const binance::BinanceParser& parser, TimeNs recv_ns) {
    bump(gw_.counters_.parse_errors, std::uint64_t{1});
    std::lock_guard<std::mutex> lock(quarantine_mutex_);
    quarantine_.add(std::string_view(p, n), parser.error(), recv_ns);
  }

  // ---- market stream ----

  void on_market_open() {
    if (market_opened_before_) bump(gw_.counters_.reconnects, std::uint64_t{1});
    market_opened_before_ = true;
    gw_.market_open_.store(true, std::memory_order_relaxed);
  }

  void on_market_close(std::string_view) {
    reset_rotation();
    gw_.market_open_.store(false, std::memory_order_relaxed);
    gw_.books_synced_.store(false, std::memory_order_relaxed);
    // Whatever the books were, they are stale now: tell the core (resync marker) and start the
    // snapshot procedure again on the next connection.
    for (Sym& s : syms_) {
      if (!s.depth || s.depth->state() == binance::DepthSync::State::kAwaitingSnapshot) continue;
      if (s.depth->state() != binance::DepthSync::State::kResyncNeeded) {
        Event m = make_event(EventType::kBookLevel, cfg_.source, s.id, now_ns());
        m.payload.book.side = Side::kNone;
        m.payload.book.flags = kBookClear | kBookLast;
        emit(m);
        bump(gw_.counters_.resyncs, std::uint64_t{1});
      }
      s.depth = make_depth(s.id);
      s.resyncs_seen = 0;
    }
  }

  // Which stream a parsed market message belongs to, and its id on that stream.
  StreamKey stream_key(const Parsed& m) noexcept {
    StreamKey k;
    switch (m.kind) {
      case MessageKind::kTrade:
      case MessageKind::kAggTrade:
        if (m.events.empty()) break;
        k = StreamKey{sym_of(m.events[0].instrument()), kTradeStream, m.events[0].payload.trade.trade_id};
        break;
      case MessageKind::kBookTicker:
        if (m.events.empty()) break;
        k = StreamKey{sym_of(m.events[0].instrument()), kTickerStream, m.update_id};
        break;
      case MessageKind::kDepthUpdate:
        k = StreamKey{sym_of(m.depth.instrument), kDepthStream, m.depth.last_update_id};
        break;
      default:
        break;
    }
    if (k.sym == nullptr) k.stream = -1;
    return k;
  }

  void on_market(const char* p, std::size_t n, std::size_t cap, TimeNs recv_ns) {
    handle_market(p, n, cap, recv_ns, /*held=*/false);
  }

  // held: a successor message released at the end of a rotation; those the old connection
  // already delivered (id <= delivered) are dropped, so nothing reaches the core twice.
  void handle_market(const char* p, std::size_t n, std::size_t cap, TimeNs recv_ns, bool held) {
    if (!held) bump(gw_.counters_.messages, std::uint64_t{1});
    if (market_parser_->parse_padded(p, n, cap, parsed_) != ParseErrc::kOk) {
      parse_error(p, n, *market_parser_, recv_ns);
      return;
    }
    if (const StreamKey k = stream_key(parsed_); k.stream >= 0) {
      std::uint64_t& last = k.sym->delivered[k.stream];
      if (held && k.id <= last) {
        bump(gw_.counters_.rotation_duplicates, std::uint64_t{1});
        return;
      }
      if (k.id > last) last = k.id;
      if (rotation_active_) maybe_finish_rotation();
    }
    switch (parsed_.kind) {
      case MessageKind::kTrade:
      case MessageKind::kAggTrade:
      case MessageKind::kBookTicker:
        for (const Event& e : parsed_.events) emit(e);
        break;
      case MessageKind::kDepthUpdate: {
        Sym* s = sym_of(parsed_.depth.instrument);
        if (s == nullptr) return;
        scratch_.clear();
        s->depth->on_diff(parsed_.depth, parsed_.events, scratch_);
        for (const Event& e : scratch_) emit(e);
        after_depth(*s);
        if (scratch_.empty()) return;
        break;
      }
      default:
        return;
    }
    gw_.latency_.record(now_ns() - recv_ns);
  }

  // ---- make-before-break rotation of the market connection ----
  // The successor's messages are held (copied: cold, once a day) while the old connection keeps
  // delivering. Once the old connection has delivered, on every stream the successor brought
  // something on, the successor's first message (and every symbol's depth stream is among them),
  // the two overlap: the client switches to the successor, the held messages the old one
  // already delivered are dropped and the rest delivered in order. Depth U/u continuity is thus
  // kept across the rotation (no resync) and no trade or quote is lost or doubled. If no overlap
  // shows within rotate_overlap_timeout_ms the switch happens anyway (DepthSync catches a gap).

  void on_market_successor(const char* p, std::size_t n, std::size_t, TimeNs recv_ns) {
    bump(gw_.counters_.messages, std::uint64_t{1});
    if (!rotation_active_) {
      rotation_active_ = true;
      rotation_start_mono_ = mono_ns();
      held_.clear();
      for (Sym& s : syms_) std::fill(std::begin(s.successor_first), std::end(s.successor_first), 0);
    }
    Held h;
    h.bytes.reserve(n + 64);
    h.bytes.assign(p, n);
    h.bytes.append(64, '\0');  // simdjson padding
    h.len = n;
    h.recv_ns = recv_ns;
    if (rotation_parser_->parse_padded(h.bytes.data(), n, h.bytes.size(), parsed_rotation_) == ParseErrc::kOk) {
      if (const StreamKey k = stream_key(parsed_rotation_); k.stream >= 0 && k.sym->successor_first[k.stream] == 0)
        k.sym->successor_first[k.stream] = k.id;
    }
    held_.push_back(std::move(h));
    maybe_finish_rotation();
  }

  bool rotation_overlaps() const noexcept {
    for (const Sym& s : syms_) {
      if (cfg_.stream_depth && s.successor_first[kDepthStream] == 0) return false;
      for (int k = 0; k < 3; ++k)
        if (s.successor_first[k] != 0 && s.delivered[k] < s.successor_first[k]) return false;
    }
    return true;
  }

  void maybe_finish_rotation() {
    if (!rotation_active_ || rotation_posted_ || !rotation_overlaps()) return;
    rotation_posted_ = true;  // after the handler that got us here
    asio::post(*io_, [this] { finish_rotation(); });
  }

  void finish_rotation() {
    rotation_posted_ = false;
    if (!rotation_active_) return;
    std::vector<Held> held = std::move(held_);
    reset_rotation();
    if (!market_->complete_rotation()) return;  // the successor is gone: nothing switched
    bump(gw_.counters_.rotations, std::uint64_t{1});
    for (Held& h : held) handle_market(h.bytes.data(), h.len, h.bytes.size(), h.recv_ns, /*held=*/true);
  }

  void reset_rotation() noexcept {
    rotation_active_ = false;
    held_.clear();
  }

  void after_depth(Sym& s) {
    const std::uint64_t r = s.depth->resyncs();
    if (r != s.resyncs_seen) {
      bump(gw_.counters_.resyncs, r - s.resyncs_seen);
      s.resyncs_seen = r;
    }
    if (s.depth->needs_snapshot()) request_snapshot(s);
    bool all = true;
    for (const Sym& x : syms_) all = all && x.depth && x.depth->synced();
    gw_.books_synced_.store(all, std::memory_order_relaxed);
  }

  void request_snapshot(Sym& s) {
    if (s.snapshot_in_flight || banned_ || mono_ns() < s.next_snapshot_mono || mono_ns() < retry_until_mono_) return;
    s.snapshot_in_flight = true;
    std::string target = "/api/v3/depth?symbol=" + s.name + "&limit=" + std::to_string(cfg_.depth_snapshot_limit);
    const InstrumentId id = s.id;
    rest_->enqueue(HttpRequest{HttpMethod::kGet, std::move(target), {}, {}}, [this, id](const HttpResponse& r) {
      Sym* sp = sym_of(id);
      if (sp == nullptr) return;
      sp->snapshot_in_flight = false;
      rest_meta(r);
      if (r.outcome != HttpOutcome::kOk || r.status != 200) {
        sp->next_snapshot_mono = mono_ns() + 1'000'000'000;
        return;
      }
      if (rest_parser_->parse(r.body, parsed_rest_, id) != ParseErrc::kOk || parsed_rest_.kind != MessageKind::kDepthSnapshot) {
        parse_error(r.body.data(), std::min<std::size_t>(r.body.size(), 2048), *rest_parser_, r.recv_ns);
        sp->next_snapshot_mono = mono_ns() + 1'000'000'000;
        return;
      }
      scratch_.clear();
      sp->depth->on_snapshot(parsed_rest_.depth, parsed_rest_.events, scratch_);
      for (const Event& e : scratch_) emit(e);
      if (!sp->depth->needs_snapshot()) {
        bump(gw_.counters_.snapshots, std::uint64_t{1});
      } else {
        sp->next_snapshot_mono = mono_ns() + 200'000'000;  // too old: ask again shortly
      }
      after_depth(*sp);
    });
  }

  // REST headers and statuses: rate-limit usage, 429 back-off, 418 ban.
  void rest_meta(const HttpResponse& r) {
    if (r.outcome != HttpOutcome::kOk) return;
    const TimeNs now = now_ns();
    for (const auto& [k, v] : r.headers) (void)rl_.on_header(k, v, now);
    gw_.counters_.used_weight_1m.store(rl_.used_weight_1m(), std::memory_order_relaxed);
    gw_.counters_.orders_10s.store(rl_.orders_10s(), std::memory_order_relaxed);
    if (r.status == 429) {
      bump(gw_.counters_.http_429, std::uint64_t{1});
      std::int64_t ms = cfg_.default_retry_after_ms;
      const std::string_view ra = r.header("Retry-After");
      std::int64_t s = 0;
      if (!ra.empty() && std::from_chars(ra.data(), ra.data() + ra.size(), s).ec == std::errc{} && s > 0) ms = s * 1000;
      back_off(ms);
    } else if (r.status == 418) {
      ban();
    }
  }

  void back_off(std::int64_t ms) noexcept {
    retry_until_mono_ = std::max(retry_until_mono_, mono_ns() + ms * 1'000'000);
  }

  void ban() noexcept {
    bump(gw_.counters_.http_418, std::uint64_t{1});
    banned_ = true;
    gw_.banned_.store(true, std::memory_order_relaxed);
  }

  // ---- WebSocket API ----

  void on_api_open() {
    if (api_opened_before_) bump(gw_.counters_.reconnects, std::uint64_t{1});
    api_opened_before_ = true;
    subscribe_user_data();
  }

  void on_api_close(std::string_view) {
    user_stream_lost();
    gw_.user_ready_.store(false, std::memory_order_relaxed);
    n_awaiting_ = 0;  // nothing more comes for them on this connection: unknown outcomes
    gw_.unsettled_.store(0, std::memory_order_relaxed);
    for (Pending& p : pending_)
      if (p.seq != 0) unknown(p);
  }

  void subscribe_user_data() {
    if (!api_ || !api_->open() || banned_) return;
    if (mono_ns() < retry_until_mono_) {  // told to wait (429): the sweep subscribes once it ran out
      resubscribe_pending_ = true;
      return;
    }
    resubscribe_pending_ = false;
    char ts[24], rw[24];
    const std::string_view ts_v(ts, static_cast<std::size_t>(std::to_chars(ts, ts + 24, clock_.server_ms(now_ns())).ptr - ts));
    const std::string_view rw_v(rw, static_cast<std::size_t>(std::to_chars(rw, rw + 24, cfg_.recv_window_ms).ptr - rw));
    const Param params[] = {{"apiKey", api_key_.bytes()}, {"recvWindow", rw_v, true}, {"timestamp", ts_v, true}};
    (void)send_signed('s', ++req_seq_, "userDataStream.subscribe.signature", params);
  }

  // Writes {"id":"<kind><seq>","method":..,"params":{..,"signature":..}} and sends it.
  bool send_signed(char kind, std::uint64_t seq, std::string_view method, std::span<const Param> params) noexcept {
    payload_.clear();
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (i != 0) payload_.put("&");
      payload_.put(params[i].name).put("=").put(params[i].value);
    }
    if (payload_.bad()) return false;
    const binance::HexSignature sig = binance::hmac_sha256_hex(secret_, payload_.view());
    json_.clear();
    json_.put("{\"id\":\"").put(std::string_view(&kind, 1)).put_i64(static_cast<std::int64_t>(seq));
    json_.put("\",\"method\":\"").put(method).put("\",\"params\":{");
    for (const Param& p : params) {
      json_.put("\"").put(p.name).put(p.number ? "\":" : "\":\"").put(p.value).put(p.number ? "," : "\",");
    }
    json_.put("\"signature\":\"").put(sig.view()).put("\"}}");
    if (json_.bad()) return false;
    return api_->send(json_.view());
  }

  std::size_t drain_orders() noexcept {
    std::size_t n = 0;
    Event e;
    while (n < 64 && gw_.orders_.try_pop(e)) {
      ++n;
      if (e.type() == EventType::kOrderNew) {
        place(e);
      } else if (e.type() == EventType::kOrderCancel) {
        cancel(e);
      }
    }
    return n;
  }

  RejectReason refusal_reason() const noexcept {
    if (banned_) return RejectReason::kVenueBanned;
    // No order goes out while its reports could not come back (user-data stream not subscribed).
    if (!api_ || !api_->open() || !gw_.user_ready_.load(std::memory_order_relaxed)) return RejectReason::kVenueNotConnected;
    if (mono_ns() < retry_until_mono_) return RejectReason::kVenueRateLimited;
    if (!rl_.has_headroom(binance::RateLimitType::kOrders, 1, cfg_.rate_limit_headroom) ||
        !rl_.has_headroom(binance::RateLimitType::kRequestWeight, 1, cfg_.rate_limit_headroom))
      return RejectReason::kVenueRateLimited;
    return RejectReason::kNone;
  }

  void deny(const Event& order, RejectReason reason) noexcept {
    Event d = order;
    d.header.type = EventType::kOrderDenied;
    d.header.source = cfg_.source;
    d.header.flags = 0;
    d.header.event_ns = now_ns();
    d.payload.order.reason = reason;
    bump(gw_.counters_.orders_refused, std::uint64_t{1});
    emit(d);
  }

  void exec_reject(const Event& order, ExecType type, RejectReason reason) noexcept {
    Event x = make_event(EventType::kExecReport, cfg_.source, order.instrument(), now_ns());
    x.payload.exec.client_order_id = order.payload.order.client_order_id;
    x.payload.exec.side = order.payload.order.side;
    x.payload.exec.exec_type = type;
    x.payload.exec.reason = reason;
    x.payload.exec.last_price = order.payload.order.price;
    bump(gw_.counters_.exec_reports, std::uint64_t{1});
    emit(x);
  }

  Pending& slot(std::uint64_t seq) noexcept { return pending_[seq & (kPendingSlots - 1)]; }

  void track(char kind, std::uint64_t seq, const Event& order) noexcept {
    Pending& p = slot(seq);
    if (p.seq != 0) unknown(p);  // 4096 requests in flight: the oldest is given up
    p.seq = seq;
    p.kind = kind;
    p.order = order;
    p.sent_mono = mono_ns();
  }

  void unknown(Pending& p) noexcept {
    if (p.kind == 'p') settle(p.order.payload.order.client_order_id, ExecType::kRejected);
    p.seq = 0;
    bump(gw_.counters_.unknown_outcomes, std::uint64_t{1});
    bump(gw_.counters_.consecutive_errors, std::uint64_t{1});
  }

  void place(const Event& e) noexcept {
    const OrderPayload& o = e.payload.order;
    Sym* s = sym_of(e.instrument());
    if (s == nullptr) return deny(e, RejectReason::kVenueUnknownInstrument);
    // A clean stop holds new orders: the session is closing its venue connection.
    if (gw_.hold_.load(std::memory_order_relaxed)) return deny(e, RejectReason::kVenueNotConnected);
    if (const RejectReason r = refusal_reason(); r != RejectReason::kNone) return deny(e, r);
    // Not while the venue's view is being fetched: the order could be open at the venue and
    // missing from the snapshot, and the window's end would drop it.
    if (reconciling_) return deny(e, RejectReason::kVenueNotConnected);
    char cid[24], qty[kMaxFixedChars], px[kMaxFixedChars], ts[24], rw[24];
    const std::string_view cid_v(cid, binance::format_client_order_id(o.client_order_id, cid));
    const std::string_view qty_v(qty, format_fixed_raw(o.qty.raw(), qty));
    const std::string_view px_v(px, format_fixed_raw(o.price.raw(), px));
    const std::string_view ts_v(ts, static_cast<std::size_t>(std::to_chars(ts, ts + 24, clock_.server_ms(now_ns())).ptr - ts));
    const std::string_view rw_v(rw, static_cast<std::size_t>(std::to_chars(rw, rw + 24, cfg_.recv_window_ms).ptr - rw));
    const bool market = o.order_type == OrderType::kMarket;
    const bool maker = o.order_type == OrderType::kLimitMaker;
    Param params[12];
    std::size_t n = 0;
    params[n++] = {"apiKey", api_key_.bytes()};
    params[n++] = {"newClientOrderId", cid_v};
    params[n++] = {"newOrderRespType", "ACK"};
    if (!market) params[n++] = {"price", px_v};
    params[n++] = {"quantity", qty_v};
    params[n++] = {"recvWindow", rw_v, true};
    params[n++] = {"side", side_text(o.side)};
    params[n++] = {"symbol", s->name};
    if (!market && !maker) params[n++] = {"timeInForce", tif_text(o.tif)};
    params[n++] = {"timestamp", ts_v, true};
    params[n++] = {"type", market ? "MARKET" : (maker ? "LIMIT_MAKER" : "LIMIT")};
    const std::uint64_t seq = ++req_seq_;
    if (!send_signed('p', seq, "order.place", std::span<const Param>(params, n)))
      return deny(e, RejectReason::kVenueNotConnected);
    track('p', seq, e);
    await_report(o);
    bump(gw_.counters_.orders_sent, std::uint64_t{1});
  }

  void cancel(const Event& e) noexcept {
    Sym* s = sym_of(e.instrument());
    if (s == nullptr) return exec_reject(e, ExecType::kCancelRejected, RejectReason::kVenueUnknownInstrument);
    if (const RejectReason r = refusal_reason(); r != RejectReason::kNone) {
      bump(gw_.counters_.orders_refused, std::uint64_t{1});
      return exec_reject(e, ExecType::kCancelRejected, r);
    }
    char cid[24], ts[24], rw[24];
    const std::string_view cid_v(cid, binance::format_client_order_id(e.payload.order.client_order_id, cid));
    const std::string_view ts_v(ts, static_cast<std::size_t>(std::to_chars(ts, ts + 24, clock_.server_ms(now_ns())).ptr - ts));
    const std::string_view rw_v(rw, static_cast<std::size_t>(std::to_chars(rw, rw + 24, cfg_.recv_window_ms).ptr - rw));
    const Param params[] = {{"apiKey", api_key_.bytes()}, {"origClientOrderId", cid_v}, {"recvWindow", rw_v, true},
                            {"symbol", s->name}, {"timestamp", ts_v, true}};
    const std::uint64_t seq = ++req_seq_;
    if (!send_signed('c', seq, "order.cancel", params)) {
      bump(gw_.counters_.orders_refused, std::uint64_t{1});
      return exec_reject(e, ExecType::kCancelRejected, RejectReason::kVenueNotConnected);
    }
    track('c', seq, e);
    bump(gw_.counters_.cancels_sent, std::uint64_t{1});
  }

  void on_api(const char* p, std::size_t n, std::size_t cap, TimeNs recv_ns) {
    bump(gw_.counters_.messages, std::uint64_t{1});
    if (api_parser_->parse_padded(p, n, cap, parsed_api_) != ParseErrc::kOk) {
      parse_error(p, n, *api_parser_, recv_ns);
      return;
    }
    const Parsed& m = parsed_api_;
    if (!m.wsapi.rate_limits.empty()) {
      rl_.on_usage(m.wsapi.rate_limits, now_ns());
      gw_.counters_.used_weight_1m.store(rl_.used_weight_1m(), std::memory_order_relaxed);
      gw_.counters_.orders_10s.store(rl_.orders_10s(), std::memory_order_relaxed);
    }
    switch (m.kind) {
      case MessageKind::kExecutionReport:
        for (const Event& e : m.events) {
          if (reconciling_) {
            held_reports_.push_back(e);  // after the venue's view (see start_reconcile)
          } else {
            emit(e);
          }
          bump(gw_.counters_.exec_reports, std::uint64_t{1});
          if (e.type() == EventType::kExecReport) settle(e.payload.exec.client_order_id, e.payload.exec.exec_type);
        }
        gw_.latency_.record(now_ns() - recv_ns);
        return;
      case MessageKind::kStreamTerminated:
        user_stream_lost();
        gw_.user_ready_.store(false, std::memory_order_relaxed);
        subscribe_user_data();
        return;
      case MessageKind::kOrderResponse:
      case MessageKind::kControlReply:
      case MessageKind::kError:
        if (m.wsapi.status != 0) on_response(m, std::string_view(p, n));
        return;
      default:
        return;
    }
  }

  void on_response(const Parsed& m, std::string_view raw) {
    const std::string_view id = m.wsapi.id;
    if (id.size() < 2) return;
    std::uint64_t seq = 0;
    if (std::from_chars(id.data() + 1, id.data() + id.size(), seq).ec != std::errc{}) return;
    const int status = m.wsapi.status;
    if (status == 418) {
      ban();  // Binance answers -1003 with 418 too: the status decides
    } else if (status == 429 || m.error.code == -1003 || m.error.code == -1015) {
      bump(gw_.counters_.http_429, std::uint64_t{1});
      std::int64_t ms = cfg_.default_retry_after_ms;
      // {"error":{..,"data":{"retryAfter":<epoch ms>}}}: Binance's WS API says until when.
      if (const std::size_t at = raw.find("\"retryAfter\":"); at != std::string_view::npos) {
        std::int64_t until = 0;
        if (std::from_chars(raw.data() + at + 13, raw.data() + raw.size(), until).ec == std::errc{} && until > 0) {
          const std::int64_t left = until - clock_.server_ms(now_ns());
          if (left > 0 && left < 3'600'000) ms = left;
        }
      }
      back_off(ms);
    }
    if (id[0] == 's') {
      if (status == 200) {
        gw_.user_ready_.store(true, std::memory_order_relaxed);
        user_subscribed_once_ = true;
        if (user_gap_) start_reconcile();
      } else if (status == 429) {
        resubscribe_pending_ = true;  // after the back-off, on this connection (the sweep)
      } else if (!banned_ && api_) {
        api_->reconnect_now("user-data subscription refused");  // retried on the new connection
      }
      return;
    }
    Pending& p = slot(seq);
    if (p.seq != seq) return;  // already given up as unknown
    p.seq = 0;
    if (status == 200) {
      gw_.counters_.consecutive_errors.store(0, std::memory_order_relaxed);
      return;  // acks and fills come as executionReports
    }
    bump(gw_.counters_.consecutive_errors, std::uint64_t{1});
    if (status >= 500 || m.error.code == -1006 || m.error.code == -1007) {
      bump(gw_.counters_.unknown_outcomes, std::uint64_t{1});  // the venue may have acted
      if (p.kind == 'p') settle(p.order.payload.order.client_order_id, ExecType::kRejected);
      return;
    }
    bump(gw_.counters_.venue_rejects, std::uint64_t{1});
    RejectReason reason = m.kind == MessageKind::kError ? map_venue_error(m.error.code, m.error.msg) : RejectReason::kVenueOther;
    if (status == 418) reason = RejectReason::kVenueBanned;
    if (status == 429) reason = RejectReason::kVenueRateLimited;
    exec_reject(p.order, p.kind == 'p' ? ExecType::kRejected : ExecType::kCancelRejected, reason);
    if (p.kind == 'p') settle(p.order.payload.order.client_order_id, ExecType::kRejected);
  }

  // Orders sent that still owe their decisive report (see unsettled_orders()): a few at a time,
  // scanned linearly; past kMaxAwaiting an order is simply not tracked.
  void await_report(const OrderPayload& o) noexcept {
    if (n_awaiting_ == kMaxAwaiting) return;
    const bool resting = o.order_type == OrderType::kLimitMaker || (o.order_type == OrderType::kLimit && o.tif == TimeInForce::kGtc);
    awaiting_[n_awaiting_++] = Awaiting{o.client_order_id, resting};
    gw_.unsettled_.store(n_awaiting_, std::memory_order_relaxed);
  }
  void settle(ClientOrderId id, ExecType type) noexcept {
    for (std::size_t i = 0; i < n_awaiting_; ++i) {
      if (awaiting_[i].id != id) continue;
      const bool done = awaiting_[i].resting || type == ExecType::kFill || type == ExecType::kExpired ||
                        type == ExecType::kCanceled || type == ExecType::kRejected;
      if (!done) return;
      awaiting_[i] = awaiting_[--n_awaiting_];
      gw_.unsettled_.store(n_awaiting_, std::memory_order_relaxed);
      return;
    }
  }

  // ---- reconciliation after the report stream was lost ----
  //
  // Execution reports sent while the user-data subscription was down (connection lost, stream
  // terminated, WS API rotated) never arrive. When the subscription is back, the venue's view is
  // fetched (openOrders, myTrades since shortly before the loss, order status: detail::reconcile)
  // on a thread of its own, so the io thread keeps serving market data and reports. Meanwhile
  // new orders are refused (cancels still go) and live reports are held. The result enters the
  // sequencer as the resume path's journaled window — kReconcile begin, the fills, one
  // venue-state ack per open order, kReconcile end — followed by the held reports. The core
  // drops fills it already has by trade id, and the window's end drops orders the venue no longer
  // holds. Held reports go after the window, never before it, so a fill missed in the gap is
  // never behind a later fill's trade id. A failed fetch is retried with back-off, reports still
  // held: the core does not trade on a view with holes.

  void user_stream_lost() noexcept {
    if (!user_subscribed_once_ || user_gap_) return;
    user_gap_ = true;
    if (user_lost_ns_ == 0) user_lost_ns_ = now_ns();
  }

  void start_reconcile() {
    reconciling_ = true;
    if (reconcile_running_) {  // one is in flight: run again once it is in
      reconcile_again_ = true;
      return;
    }
    auto ctx = reconcile_context();
    if (!ctx) return reconcile_failed();
    user_gap_ = false;
    reconcile_running_ = true;
    // Fills up to a minute before the loss (reports in flight then); the core drops the ones it has.
    const TimeNs since = user_lost_ns_ > kReconcileMarginNs ? user_lost_ns_ - kReconcileMarginNs : 0;
    if (reconcile_thread_.joinable()) reconcile_thread_.join();
    reconcile_thread_ = std::thread([this, c = std::move(*ctx), since] {
      auto result = std::make_shared<Result<ReconcileView>>(detail::reconcile(c, since));
      asio::post(*io_, [this, result] { finish_reconcile(std::move(*result)); });
    });
  }

  void finish_reconcile(Result<ReconcileView> view) {
    reconcile_running_ = false;
    if (!view) {
      std::lock_guard<std::mutex> lock(quarantine_mutex_);  // the operator reads why (quarantine())
      quarantine_.add(std::string_view(), "reconciliation after reconnect failed: " + view.error().message, now_ns());
      return reconcile_failed();
    }
    reconcile_backoff_.reset();
    user_lost_ns_ = 0;
    for (const Event& e : reconcile_window(view->fills, view->open_acks, now_ns(), 0)) emit(e);
    for (const Event& e : held_reports_) emit(e);
    held_reports_.clear();
    bump(gw_.counters_.reconciliations, std::uint64_t{1});
    reconciling_ = false;
    if (reconcile_again_ || user_gap_) {
      reconcile_again_ = false;
      if (gw_.user_ready_.load(std::memory_order_relaxed)) start_reconcile();
    }
  }

  void reconcile_failed() noexcept {
    bump(gw_.counters_.reconcile_failures, std::uint64_t{1});
    reconcile_retry_mono_ = mono_ns() + reconcile_backoff_.next_ms() * 1'000'000;
  }

  void arm_sweep() {
    sweep_timer_->expires_after(std::chrono::milliseconds(100));
    sweep_timer_->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      const std::int64_t limit = mono_ns() - cfg_.order_timeout_ms * 1'000'000;
      for (Pending& p : pending_)
        if (p.seq != 0 && p.sent_mono < limit) unknown(p);
      if (resubscribe_pending_ && mono_ns() >= retry_until_mono_) subscribe_user_data();
      if (reconcile_retry_mono_ != 0 && mono_ns() >= reconcile_retry_mono_ && gw_.user_ready_.load(std::memory_order_relaxed)) {
        reconcile_retry_mono_ = 0;
        start_reconcile();
      }
      if (rotation_active_ && !rotation_posted_ &&
          mono_ns() - rotation_start_mono_ > cfg_.rotate_overlap_timeout_ms * 1'000'000)
        finish_rotation();  // no overlap seen: switch anyway (a depth gap resyncs)
      // Snapshots deferred by a back-off or an error are retried here too (no diff needed).
      for (Sym& s : syms_)
        if (s.depth && s.depth->needs_snapshot() && market_->open() && s.depth->state() != binance::DepthSync::State::kAwaitingSnapshot)
          request_snapshot(s);
      arm_sweep();
    });
  }

  BinanceGateway& gw_;
  BinanceGatewayConfig cfg_;
  const InstrumentRegistry& registry_;
  std::vector<Sym> syms_;
  std::vector<std::int16_t> by_instrument_;
  binance::Secret api_key_;
  binance::Secret secret_;
  std::shared_ptr<asio::ssl::context> tls_;
  binance::ServerTimeEstimator clock_;
  binance::RateLimitTracker rl_;
  std::unique_ptr<binance::BinanceParser> market_parser_, api_parser_, rest_parser_, rotation_parser_;
  Parsed parsed_, parsed_api_, parsed_rest_, parsed_rotation_;
  mutable std::mutex quarantine_mutex_;  // cold: only bad messages and the operator take it
  binance::Quarantine quarantine_;

  std::unique_ptr<asio::io_context> io_;
  std::unique_ptr<HttpClient> rest_;
  std::unique_ptr<WsClient> market_;
  std::unique_ptr<WsClient> api_;
  std::unique_ptr<asio::steady_timer> sweep_timer_;
  std::thread thread_;
  std::atomic<bool> stop_{false};

  std::vector<Event> scratch_;
  std::vector<Event> backlog_;
  std::size_t backlog_head_ = 0;
  std::vector<Pending> pending_;
  std::uint64_t req_seq_ = 0;
  std::int64_t retry_until_mono_ = 0;
  bool banned_ = false;
  bool resubscribe_pending_ = false;  // user-data subscription deferred by a 429 back-off
  // Reconciliation after the user-data stream was lost (see start_reconcile).
  static constexpr TimeNs kReconcileMarginNs = 60'000'000'000;
  bool user_subscribed_once_ = false;
  bool user_gap_ = false;             // the subscription was lost since the last reconciliation
  TimeNs user_lost_ns_ = 0;           // when the oldest unreconciled loss happened
  bool reconciling_ = false;          // orders refused, reports held
  bool reconcile_running_ = false;    // the fetch thread is working
  bool reconcile_again_ = false;      // lost again meanwhile: fetch once more afterwards
  Backoff reconcile_backoff_{BackoffParams{1'000, 32'000, 11}};  // failed fetches: retried, jittered
  std::int64_t reconcile_retry_mono_ = 0;
  std::vector<Event> held_reports_;
  std::thread reconcile_thread_;
  bool rotation_active_ = false;      // the market successor connection is delivering
  bool rotation_posted_ = false;      // finish_rotation() is queued
  std::int64_t rotation_start_mono_ = 0;
  std::vector<Held> held_;
  bool market_opened_before_ = false;
  bool api_opened_before_ = false;
  FixedBuf<2048> payload_;
  FixedBuf<4096> json_;
  struct Awaiting {
    ClientOrderId id = 0;
    bool resting = false;  // a GTC limit / limit-maker: its NEW settles it
  };
  static constexpr std::size_t kMaxAwaiting = 256;
  std::array<Awaiting, kMaxAwaiting> awaiting_{};
  std::size_t n_awaiting_ = 0;
};

// ---- public ------------------------------------------------------------------------------

BinanceGateway::BinanceGateway(BinanceGatewayConfig config, const InstrumentRegistry& registry)
    : out_(config.out_ring_capacity), orders_(config.order_ring_capacity),
      impl_(std::make_unique<Impl>(*this, std::move(config), registry)) {}

BinanceGateway::~BinanceGateway() { stop(); }

Status BinanceGateway::start() { return impl_->start(); }
void BinanceGateway::stop() {
  if (impl_) impl_->stop();
}
Result<ReconcileView> BinanceGateway::reconcile_snapshot(TimeNs since_ns) { return impl_->reconcile(since_ns); }
std::vector<std::string> BinanceGateway::quarantine() const { return impl_->quarantine(); }

Result<std::vector<SymbolRules>> BinanceGateway::fetch_symbol_rules(const BinanceGatewayConfig& config) {
  auto tls = make_tls_context(TlsOptions{config.tls_verify_peer, config.tls_ca_file});
  if (!tls) return tls.error();
  HttpOptions o;
  o.base_url = config.rest_url;
  o.timeout_ms = config.rest_timeout_ms;
  HttpResponse r = http_fetch_blocking(*tls, o, HttpRequest{HttpMethod::kGet, "/api/v3/exchangeInfo", {}, {}});
  if (r.outcome != HttpOutcome::kOk || r.status != 200)
    return Error{ErrorCode::kIo, "binance: GET " + config.rest_url + "/api/v3/exchangeInfo failed: " +
                                     (r.outcome == HttpOutcome::kOk ? "status " + std::to_string(r.status) : r.error)};
  auto info = binance::parse_exchange_info(r.body);
  if (!info) return info.error();
  std::vector<SymbolRules> out;
  for (const std::string& name : config.symbols) {
    const binance::SymbolRules* s = info->find(name);
    if (s == nullptr) return Error{ErrorCode::kInvalidArgument, "binance: symbol " + name + " is not listed by exchangeInfo"};
    out.push_back(SymbolRules{s->symbol, s->status, s->base_asset, s->quote_asset, s->tick_size, s->step_size, s->min_notional});
  }
  return out;
}

}  // namespace sequent::binance_net
