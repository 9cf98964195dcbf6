// Exchange: the state and rules of the local Binance-spot venue, with no networking. It holds
// the public L2 books (derived from the built-in SimMarket, or rebuilt from a replayed capture),
// one account (balances, orders, trades), per-key request-weight and order-count limits, and the
// injected faults; it answers requests as Binance would (status, JSON body, error code and msg)
// and pushes market and user-data messages to a Sink.
//
// Requests arrive as an Endpoint plus decoded parameters: the REST server and the WebSocket-API
// server both map onto the same handlers, so the two protocols answer alike.
//
// Matching (simple on purpose, see docs/venues/binance-venue-sim.md):
//   - a MARKET order, or the marketable part of a LIMIT order, takes liquidity from the public
//     L2 book level by level (best first, up to each level's quantity and the limit price); the
//     public book itself is not depleted (the market process is not affected by our orders).
//   - IOC expires the rest, FOK expires entirely unless the whole quantity is available within
//     the limit, LIMIT_MAKER that would take is rejected (-2010), GTC rests.
//   - a resting order fills (maker, at its limit price) when a public trade prints at or
//     through it: buy when trade price <= limit, sell when >= limit, up to the trade's quantity,
//     oldest order first.
//   - commission = commission_bps of the received asset (base for buys, quote for sells).
//
// Threading: owned by one thread (the venue's io_context thread); not thread-safe.
// Hot/cold: everything here is cold (a test venue): clear code, allocation allowed.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/instrument.hpp"
#include "engine/result.hpp"
#include "gateways/sim_market.hpp"

namespace sequent::binance_venue {

// Test defaults of the venue's one API key (used when SEQUENT_VENUE_API_KEY / _SECRET are unset).
// They are the Binance docs' published example keys, so the docs' signature examples verify.
inline constexpr std::string_view kDefaultApiKey =
    "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
inline constexpr std::string_view kDefaultApiSecret =
    "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

struct RateLimitConfig {
  std::int64_t weight_per_minute = 6000;    // REQUEST_WEIGHT 1 MINUTE
  std::int64_t orders_per_10s = 50;         // ORDERS 10 SECOND
  std::int64_t orders_per_day = 160000;     // ORDERS 1 DAY
  std::int64_t requests_after_429_before_ban = 5;  // more requests while limited -> 418
  std::int64_t ban_ms = 120'000;            // how long a 418 ban lasts
  std::int64_t retry_after_grace_ms = 100;  // see FaultCounters::inside_retry_after
};

struct ExchangeConfig {
  std::vector<std::string> symbols = {"BTCUSDT", "ETHUSDT"};
  std::uint64_t seed = 1;
  double market_events_per_second = 20;  // SimMarket steps per second, all symbols together
  int book_levels = 20;                  // derived L2 levels per side (sim mode)
  std::int64_t commission_bps = 10;      // maker and taker
  // Initial balances (asset, decimal amount); empty = 100000 USDT, 10 BTC, 100 ETH.
  std::vector<std::pair<std::string, std::string>> balances;
  RateLimitConfig limits;
  std::string api_key{kDefaultApiKey};
  std::string api_secret{kDefaultApiSecret};
  bool replay = false;                   // books come from a capture, no SimMarket
  std::function<std::int64_t()> now_ms;  // wall clock in ms; default system_clock
};

// Faults armed on request (POST /sim/faults, --faults). Counts are "how many more".
struct FaultPlan {
  std::int64_t drop_depth = 0;        // skip the next N depth diff messages (ids still advance)
  std::int64_t reject_429 = 0;        // answer the next N requests 429 (-1003)
  bool ban_418 = false;               // answer every request 418 until cleared
  std::int64_t slow_ms = 0;           // delay the next `slow_count` responses by slow_ms
  std::int64_t slow_count = 0;
  bool disconnect_streams = false;     // one-shot: close every market-stream connection
  bool disconnect_user_stream = false; // one-shot: end every user-data subscription
  bool refuse_ws_api = false;          // answer WebSocket API connections 503 until cleared (an outage)
};

struct FaultCounters {
  std::uint64_t depth_dropped = 0;
  std::uint64_t rejected_429 = 0;
  std::uint64_t banned_418 = 0;
  std::uint64_t slowed = 0;
  std::uint64_t streams_disconnected = 0;
  std::uint64_t user_streams_disconnected = 0;
  std::uint64_t ws_api_refused = 0;
  std::uint64_t limit_429 = 0;  // real rate-limit 429s (not injected)
  std::uint64_t limit_418 = 0;  // real bans (not injected)
  // Requests a client created after it had been answered 429 with Retry-After, and before that
  // time ran out: a well-behaved client keeps this at 0. "Created after" = signed requests whose
  // `timestamp` is at least retry_after_grace_ms past the 429 (requests already in flight when
  // the 429 was sent do not count); unsigned requests by arrival time with the same grace.
  std::uint64_t inside_retry_after = 0;
};

// Parses a fault spec: a JSON object ({"drop_depth":1,"slow_ms":500,"count":2}) or the same as
// comma-separated key=value pairs (drop_depth=1,slow_ms=500,count=2). Adds to `plan`.
[[nodiscard]] Status parse_fault_spec(std::string_view spec, FaultPlan& plan);

// Where the exchange pushes what it publishes. Implemented by the server.
class Sink {
 public:
  virtual ~Sink() = default;
  Sink() = default;
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;
  // True when some connection listens to this stream (e.g. "btcusdt@trade"): lets the exchange
  // skip building messages nobody reads.
  [[nodiscard]] virtual bool has_subscribers(std::string_view stream) const = 0;
  // One stream message: `combined` is {"stream":..,"data":..}, `raw` the data object alone.
  virtual void publish(std::string_view stream, std::string_view combined, std::string_view raw) = 0;
  // One user-data event object (executionReport, outboundAccountPosition, ...).
  virtual void user_event(const std::string& event_json) = 0;
};

enum class Endpoint : std::uint8_t {
  kPing, kTime, kExchangeInfo, kDepth, kOrderNew, kOrderCancel, kCancelAll, kOpenOrders,
  kOrderQuery, kAccount, kMyTrades, kUserDataSubscribe,
};

// How the caller authenticated a request (SIGNED endpoints).
struct Auth {
  std::string api_key;         // X-MBX-APIKEY header or the WS-API apiKey param; "" = none
  std::string signed_payload;  // the exact text the signature covers
  std::string signature;       // "" = none given
  std::string remote;          // peer address, for unsigned rate-limit accounting
};

using Params = std::map<std::string, std::string, std::less<>>;

struct Usage {
  std::int64_t weight_1m = 0;
  std::int64_t orders_10s = 0;
  std::int64_t orders_1d = 0;
};

struct Reply {
  unsigned status = 200;
  std::string body;   // result JSON (status 200) or "" (errors use code/msg)
  int code = 0;       // Binance error code when status != 200
  std::string msg;
  std::int64_t retry_after_s = -1;  // Retry-After header when >= 0
  std::int64_t retry_until_ms = 0;  // 429/418: server time until which the client must wait (WS API data.retryAfter)
  Usage usage;
  bool counts_orders = false;       // send X-MBX-ORDER-COUNT-* headers
  std::int64_t delay_ms = 0;        // slow fault: the server waits this long before answering

  [[nodiscard]] bool ok() const noexcept { return status == 200; }
  // Binance's REST error body {"code":..,"msg":..}.
  [[nodiscard]] std::string error_body() const;
};

class Exchange {
 public:
  // Cold. Fails (kInvalidArgument) on an unknown quote asset or bad balance.
  static Result<std::unique_ptr<Exchange>> create(ExchangeConfig config, Sink& sink);

  // Handles one request (REST or WS API). Applies faults, rate limits, SIGNED checks, then the
  // endpoint. Never throws on bad input: every problem is a Binance-shaped error reply.
  [[nodiscard]] Reply handle(Endpoint endpoint, const Params& params, const Auth& auth);

  // Sim mode: advances the simulated market to `now_ns` (books, trades, bookTickers, resting
  // fills) and, when flush_100ms/flush_1000ms, publishes the depth diffs accumulated since the
  // previous flush of that speed.
  void advance_sim(std::int64_t now_ns);
  void flush_depth(bool flush_100ms, bool flush_1000ms);

  // Replay mode: installs a recorded REST snapshot (the text is what /api/v3/depth serves).
  [[nodiscard]] Status set_replay_snapshot(std::string_view symbol, std::string_view json_text);
  // Replay mode: one recorded stream message: updates the matching book (depth diffs after
  // the snapshot), fills resting orders on trades, and publishes the bytes unchanged (unless a
  // drop_depth fault swallows a depth message).
  void on_replay_message(std::string_view stream, std::string_view combined, std::string_view raw);

  // Public trade injected for tests (POST /sim/trade): publishes it and fills resting orders.
  [[nodiscard]] Reply inject_trade(const Params& params);

  // Faults. apply_faults adds a spec; the one-shot disconnects are returned to the server,
  // which performs them and reports how many connections it closed.
  [[nodiscard]] Reply apply_faults(std::string_view spec);
  [[nodiscard]] bool take_disconnect_streams() noexcept;
  [[nodiscard]] bool take_disconnect_user_stream() noexcept;
  void count_disconnects(std::uint64_t streams, std::uint64_t user_streams) noexcept;

  // GET /sim/state: orders, fills, balances, books, faults (JSON).
  [[nodiscard]] std::string state_json() const;

  // The server clock (ExchangeConfig::now_ms) in ms since the epoch.
  [[nodiscard]] std::int64_t now_ms() const { return config_.now_ms(); }
  [[nodiscard]] const ExchangeConfig& config() const noexcept { return config_; }
  [[nodiscard]] const std::vector<std::string>& symbols() const noexcept { return symbol_names_; }
  // The rateLimits array of a WS-API response for this usage.
  [[nodiscard]] std::string ws_rate_limits(const Usage& usage, bool orders) const;
  // Checks a signed WS-API request (userDataStream.subscribe.signature).
  [[nodiscard]] std::optional<Reply> check_signed(const Params& params, const Auth& auth);
  void note_pong() noexcept { ++pongs_; }
  // A WebSocket connection completed its handshake (counted in /sim/state "connections").
  void note_ws_open(bool api) noexcept { ++(api ? api_connections_ : market_connections_); }
  // The refuse_ws_api fault: true = refuse this WebSocket API connection (counted).
  bool refuse_ws_api_connection() noexcept {
    if (faults_.refuse_ws_api) ++fault_counts_.ws_api_refused;
    return faults_.refuse_ws_api;
  }

 private:
  struct Book {
    std::map<std::int64_t, std::int64_t, std::greater<>> bids;  // price raw -> qty raw
    std::map<std::int64_t, std::int64_t> asks;
    std::uint64_t last_update_id = 0;
    bool have_snapshot = false;        // replay: diffs apply only after the snapshot
    std::string snapshot_text;         // replay: recorded REST snapshot
  };
  struct DepthAccumulator {  // changes since the last flush of one stream speed
    std::map<std::int64_t, std::int64_t, std::greater<>> bids;
    std::map<std::int64_t, std::int64_t> asks;
    std::uint64_t first_id = 0;
    std::uint64_t last_id = 0;
  };
  struct Symbol {
    std::string name;    // BTCUSDT
    std::string lower;   // btcusdt
    std::string base, quote;
    std::int64_t tick_raw = 1, lot_raw = 1, min_notional_raw = 0;
    std::int64_t min_price_raw = 1, max_price_raw = 0, min_qty_raw = 1, max_qty_raw = 0;
    Book book;
    DepthAccumulator acc100, acc1000;
    std::uint64_t next_trade_id = 1;   // public trades
    InstrumentId instrument = kNoInstrument;
  };
  struct Order {
    std::uint64_t id = 0;
    std::size_t symbol = 0;
    std::string client_id;
    bool buy = true;
    std::string type;   // MARKET, LIMIT, LIMIT_MAKER
    std::string tif;    // GTC, IOC, FOK
    std::int64_t price_raw = 0, qty_raw = 0, executed_raw = 0, cum_quote_raw = 0;
    std::int64_t locked_raw = 0;  // balance still locked for the resting part
    std::string status;
    std::int64_t time_ms = 0, update_ms = 0, working_ms = -1;
  };
  struct Fill {
    std::uint64_t trade_id = 0, order_id = 0;
    std::size_t symbol = 0;
    std::int64_t price_raw = 0, qty_raw = 0, quote_raw = 0, commission_raw = 0;
    std::string commission_asset;
    std::int64_t time_ms = 0;
    bool buyer = false, maker = false;
  };
  struct Balance {
    std::int64_t free = 0, locked = 0;
  };
  struct KeyUsage {
    std::int64_t minute_start = -1, weight = 0;
    std::int64_t ten_s_start = -1, orders_10s = 0;
    std::int64_t day_start = -1, orders_1d = 0;
    std::int64_t limited_until = 0, hits_while_limited = 0, banned_until = 0;
  };

  struct RetryWindow {
    std::int64_t issued_ms = 0, until_ms = 0;  // a 429/418 with Retry-After was answered at issued_ms
  };

  Exchange(ExchangeConfig config, Sink& sink);

  Reply dispatch(Endpoint endpoint, const Params& params);
  std::optional<Reply> admit(Endpoint endpoint, const Params& params, const Auth& auth, Usage& usage,
                             bool& orders);
  std::optional<Reply> verify_signed(const Params& params, const Auth& auth);

  Reply ping();
  Reply time();
  Reply exchange_info(const Params& p);
  Reply depth(const Params& p);
  Reply order_new(const Params& p);
  Reply order_cancel(const Params& p);
  Reply cancel_all(const Params& p);
  Reply open_orders(const Params& p);
  Reply order_query(const Params& p);
  Reply account();
  Reply my_trades(const Params& p);

  std::optional<std::size_t> find_symbol(std::string_view name) const;
  Order* find_order(std::size_t symbol, const Params& p, Reply& error, int unknown_code);
  void write_order_result(class JsonOut& j, const Order& o, bool with_working) const;
  void write_order_query(class JsonOut& j, const Order& o) const;
  std::string cancel_result(const Order& o, std::string_view cancel_client_id) const;
  void cancel_order(Order& o);
  void execution_report(const Order& o, std::string_view exec_type, const Fill* fill,
                        std::string_view reject_reason = "NONE",
                        std::string_view orig_client_id = "");
  void account_position(const std::vector<std::string>& assets);
  void fill_order(Order& o, std::int64_t price_raw, std::int64_t qty_raw, bool maker,
                  std::vector<Fill>& fills);
  void on_public_trade(std::size_t symbol, std::int64_t price_raw, std::int64_t qty_raw);
  void publish_trade(std::size_t symbol, std::int64_t price_raw, std::int64_t qty_raw, bool buyer_maker,
                     std::int64_t trade_time_ms);
  void apply_level(std::size_t symbol, bool bid, std::int64_t price_raw, std::int64_t qty_raw);
  void set_sim_book(std::size_t symbol, std::int64_t bid, std::int64_t bid_qty, std::int64_t ask,
                    std::int64_t ask_qty);
  void flush_acc(std::size_t symbol, DepthAccumulator& acc, std::string_view suffix);
  std::string client_order_id(const Params& p, std::string_view key);

  ExchangeConfig config_;
  Sink& sink_;
  std::vector<Symbol> syms_;
  std::vector<std::string> symbol_names_;
  InstrumentRegistry registry_;
  std::unique_ptr<SimMarket> market_;
  std::map<std::string, Balance, std::less<>> balances_;
  std::map<std::uint64_t, Order> orders_;     // every order, by id
  std::vector<std::uint64_t> open_;           // resting order ids, arrival order
  std::vector<Fill> fills_;
  std::map<std::string, KeyUsage, std::less<>> usage_;
  std::map<std::string, RetryWindow, std::less<>> told_to_wait_;  // by client address
  FaultPlan faults_;
  FaultCounters fault_counts_;
  std::uint64_t next_order_id_ = 1;
  std::uint64_t next_own_trade_id_ = 1;
  std::uint64_t next_execution_id_ = 1;
  std::uint64_t generated_ids_ = 0;
  std::uint64_t requests_ = 0;
  std::uint64_t pongs_ = 0;
  std::uint64_t market_connections_ = 0;
  std::uint64_t api_connections_ = 0;
  std::uint64_t depth_snapshots_ = 0;  // /api/v3/depth (and WS API depth) answered
  std::uint64_t depth_messages_ = 0;
  std::uint64_t trade_messages_ = 0;
  std::uint64_t book_ticker_messages_ = 0;
};

}  // namespace sequent::binance_venue
