// BinanceGateway: the Binance spot live gateway. It plays the role SimExchange plays in
// `sequent live`: market data and execution reports out to the sequencer through an SPSC ring,
// orders in from the router thread through another, all the networking on ONE io thread the
// gateway owns.
//
//   BinanceGatewayConfig cfg;  cfg.symbols = {"BTCUSDT"};           // + urls, key env names
//   auto rules = BinanceGateway::fetch_symbol_rules(cfg);            // cold: exchangeInfo
//   for (auto& r : *rules) registry.add(r.symbol, "binance", r.tick_size, r.step_size, r.min_notional);
//   BinanceGateway gw(cfg, registry);
//   if (auto v = gw.reconcile_snapshot(since_ns); v) ... feed v->fills, v->open_acks   // --resume
//   if (Status s = gw.start(); !s) ...                               // cold: time, exchangeInfo, thread
//   sequencer side:  while (gw.out().try_pop(e)) ...                 // the io thread is the producer
//   router thread:   if (!gw.submit(order)) ...                      // kOrderNew / kOrderCancel; never blocks
//   metrics:         gw.counters().messages.load(...), gw.consecutive_errors(), gw.banned()
//   gw.stop();                                                       // joins the io thread
//
// Start-up (start()): GET /api/v3/time (clock offset, 3 round trips, tightest kept), GET
// /api/v3/exchangeInfo (rate limits; every configured symbol must exist and match the
// registry's tick and lot size), then the io thread opens the combined market stream
// (<sym>@trade / @bookTicker / @depth@100ms as configured) and, when trading, the WebSocket API
// connection, where it subscribes to user data with userDataStream.subscribe.signature.
// The order book follows Binance's snapshot+diff procedure (binance::DepthSync): the first diff
// triggers GET /api/v3/depth; a gap (lost message, reconnect) emits a resync marker, no levels
// from the broken book, and a new snapshot is fetched. Lost connections reconnect with jittered
// exponential back-off. Before Binance's 24-hour cut (rotate_after_ms) the market stream is
// rotated make-before-break: the new connection's messages are held until it overlaps the old
// one, then the old is closed and what it already delivered is dropped (no gap, no resync, no
// duplicate); the WS API connection is reopened.
//
// Orders: kOrderNew → WS API order.place (newClientOrderId = the ClientOrderId in decimal;
// MARKET / LIMIT / LIMIT_MAKER; GTC / IOC / FOK; newOrderRespType ACK), kOrderCancel →
// order.cancel by origClientOrderId. Acks, fills, cancels and expiries come from the user-data
// executionReports (one source, so nothing is reported twice); a response with a venue error
// becomes a kExecReport kRejected (kCancelRejected for a cancel) with the mapped RejectReason.
// A timeout, a 5xx or a connection lost with the request in flight leaves the order unknown:
// nothing is emitted, counters().unknown_outcomes counts it, reconciliation resolves it.
// An order the gateway cannot send (WS API down or user data not subscribed, 429 back-off, 418 ban, order-rate headroom
// used up) is refused at once with a kOrderDenied input (reason kVenueNotConnected,
// kVenueRateLimited, kVenueBanned); a cancel it cannot send becomes kCancelRejected.
// Rate limits: REST X-MBX-USED-WEIGHT-1M / X-MBX-ORDER-COUNT-10S headers and the WS API
// rateLimits arrays feed a tracker; orders are refused above `rate_limit_headroom` of a known
// limit; a 429 stops orders for Retry-After (1 s when the venue gives none); a 418 stops all
// sending for good and raises banned() (the engine reads it and alerts).
//
// Secrets: the API key and secret are read from the environment variables NAMED in the config
// (api_key_env, api_secret_env) at start(); they are never logged and never part of an error
// message, a counter or a quarantined message.
//
// Threading: submit() is the router thread's (single producer of the order ring); out() is
// popped by the sequencer (single consumer); everything else runs on the io thread. counters(),
// banned(), consecutive_errors(), state flags: any thread (relaxed atomics, single writer).
// Construction, fetch_symbol_rules(), reconcile_snapshot(), start() and stop(): one control
// thread; reconcile_snapshot() uses its own connection and may run before or after start().
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/event.hpp"
#include "engine/instrument.hpp"
#include "engine/latency_histogram.hpp"
#include "engine/result.hpp"
#include "engine/spsc_ring.hpp"
#include "engine/wait_strategy.hpp"
#include "gateways/binance_net/backoff.hpp"

namespace sequent::binance_net {

struct BinanceGatewayConfig {
  // Endpoints: api.binance.com, testnet.binance.vision or the local venue (http://127.0.0.1:N).
  std::string rest_url = "https://api.binance.com";
  std::string ws_market_url = "wss://stream.binance.com:9443";        // "/stream?streams=..." is appended
  std::string ws_api_url = "wss://ws-api.binance.com:443/ws-api/v3";
  std::vector<std::string> symbols;                                  // "BTCUSDT"
  // Names of the environment variables holding the credentials (never the values).
  std::string api_key_env = "BINANCE_API_KEY";
  std::string api_secret_env = "BINANCE_API_SECRET";
  bool trading = true;               // false: market data only, no WS API, no credentials needed
  std::int64_t recv_window_ms = 5000;
  bool stream_trades = true;
  bool stream_book_ticker = true;
  bool stream_depth = true;
  std::string depth_stream = "depth@100ms";
  int depth_snapshot_limit = 1000;
  bool tls_verify_peer = true;       // false only for a local venue with a self-signed certificate
  std::string tls_ca_file;
  std::int64_t rest_timeout_ms = 10'000;
  std::int64_t order_timeout_ms = 10'000;  // no answer to order.place/cancel → unknown outcome
  std::int64_t ws_idle_timeout_ms = 60'000;
  // Connections are replaced this long after opening (Binance cuts them at 24 h). The market
  // stream rotates make-before-break (the new connection is opened and used only once it
  // overlaps the old one: no message lost or doubled); the WS API closes and reopens.
  std::int64_t rotate_after_ms = 23LL * 3'600'000 + 30 * 60'000;
  std::int64_t rotate_overlap_timeout_ms = 10'000;  // no overlap by then: switch anyway
  BackoffParams reconnect_backoff{100, 30'000, 1};
  double rate_limit_headroom = 0.9;  // refuse orders above this fraction of a known limit
  std::int64_t default_retry_after_ms = 1'000;
  std::size_t out_ring_capacity = 1u << 16;
  std::size_t order_ring_capacity = 4096;
  WaitKind wait = WaitKind::kBackoff;
  WaitParams wait_params{};
  Source source = Source::kNone;     // header.source of every event the gateway emits
  std::size_t quarantine_capacity = 64;
};

// One symbol's trading rules from exchangeInfo, for the instrument registry.
struct SymbolRules {
  std::string symbol;
  std::string status;       // "TRADING", ...
  std::string base_asset;
  std::string quote_asset;
  Price tick_size;
  Qty step_size;
  Money min_notional;
};

// What the venue says after a restart, as events for the live engine's --resume step.
struct ReconcileView {
  std::vector<Event> open_acks;  // one kExecReport kNew per open order of ours (leaves/cum set)
  std::vector<Event> fills;      // kExecReport kPartialFill/kFill of our orders since `since`, by time
  Seq max_origin_seq = 0;        // highest origin seq among our client order ids the venue knows
  std::uint64_t foreign_orders = 0;  // open orders / trades whose client id is not ours (skipped)
};

// Counters for metrics: written by the io thread only, read by anyone (relaxed).
struct GatewayCounters {
  std::atomic<std::uint64_t> messages{0};          // WebSocket messages received (both connections)
  std::atomic<std::uint64_t> events_out{0};        // events pushed to out()
  std::atomic<std::uint64_t> parse_errors{0};      // messages that failed to parse (quarantined)
  std::atomic<std::uint64_t> resyncs{0};           // depth resync markers emitted
  std::atomic<std::uint64_t> snapshots{0};         // depth snapshots applied
  std::atomic<std::uint64_t> reconnects{0};        // connections re-opened after a loss
  std::atomic<std::uint64_t> rotations{0};         // market connections replaced make-before-break
  std::atomic<std::uint64_t> rotation_duplicates{0};  // successor messages dropped as already delivered
  std::atomic<std::uint64_t> orders_sent{0};       // order.place sent
  std::atomic<std::uint64_t> cancels_sent{0};      // order.cancel sent
  std::atomic<std::uint64_t> orders_refused{0};    // refused locally (kOrderDenied / kCancelRejected)
  std::atomic<std::uint64_t> venue_rejects{0};     // rejected by the venue (error responses)
  std::atomic<std::uint64_t> unknown_outcomes{0};  // timeouts, 5xx, lost in flight
  std::atomic<std::uint64_t> http_429{0};
  std::atomic<std::uint64_t> http_418{0};
  std::atomic<std::uint64_t> exec_reports{0};      // kExecReport events emitted
  std::atomic<std::uint64_t> out_ring_full{0};     // pushes that found out() full (held back, not lost)
  std::atomic<std::uint64_t> consecutive_errors{0};  // venue errors/unknowns since the last success
  std::atomic<std::uint64_t> reconciliations{0};   // venue views fed in after the user-data stream came back
  std::atomic<std::uint64_t> reconcile_failures{0};  // fetches that failed (retried with back-off)
  std::atomic<std::int64_t> used_weight_1m{0};     // last seen
  std::atomic<std::int64_t> orders_10s{0};         // last seen
};

class BinanceGateway {
 public:
  // Cold, blocking: GET exchangeInfo for config.symbols. Errors name the symbol or the request.
  static Result<std::vector<SymbolRules>> fetch_symbol_rules(const BinanceGatewayConfig& config);

  // Cold. Every config symbol must be in the registry (it is used for InstrumentIds); the
  // registry must outlive the gateway. Allocates the rings; opens nothing.
  BinanceGateway(BinanceGatewayConfig config, const InstrumentRegistry& registry);
  ~BinanceGateway();  // stop()s
  BinanceGateway(const BinanceGateway&) = delete;
  BinanceGateway& operator=(const BinanceGateway&) = delete;

  // Cold, blocking (start-up requests), then starts the io thread. Errors: credentials missing
  // (names the variable, not its value), venue unreachable, symbol unknown or rules differing
  // from the registry's.
  Status start();
  // Closes the connections and joins the io thread. Idempotent.
  void stop();

  // Router thread (the single producer of the order ring). kOrderNew or kOrderCancel; false when
  // the ring is full. Never blocks, never allocates.
  [[nodiscard]] bool submit(const Event& order) noexcept {
    return orders_.try_push(order) == PushResult::kOk;
  }
  // The sequencer's side: market data, exec reports and refusals, in the order produced.
  SpscRing<Event>& out() noexcept { return out_; }

  // Cold, blocking, on the calling thread with its own connection: GET /api/v3/openOrders,
  // /api/v3/myTrades (startTime = since_ns) and /api/v3/order for traded orders that are not
  // open, per symbol, plus /api/v3/account (checked, balances not returned yet).
  Result<ReconcileView> reconcile_snapshot(TimeNs since_ns);

  // A clean stop (control thread): from now on new orders are refused (kOrderDenied,
  // venue_not_connected) instead of sent; cancels still go, and reports keep coming.
  void hold_orders() noexcept { hold_.store(true, std::memory_order_relaxed); }
  // Orders sent that still owe their decisive execution report: the one that ends a market /
  // IOC / FOK order (filled, expired, canceled), the NEW of a resting GTC / limit-maker order;
  // a reject or an unknown outcome (timeout, connection lost) settles an order too. With
  // hold_orders(), a session waits for 0 so the journal has every answer before it stops.
  std::uint64_t unsettled_orders() const noexcept { return unsettled_.load(std::memory_order_relaxed); }

  const GatewayCounters& counters() const noexcept { return counters_; }
  std::uint64_t consecutive_errors() const noexcept { return counters_.consecutive_errors.load(std::memory_order_relaxed); }
  // 418 received: the gateway sends nothing more; the engine should alert and go advisory.
  bool banned() const noexcept { return banned_.load(std::memory_order_relaxed); }
  bool market_connected() const noexcept { return market_open_.load(std::memory_order_relaxed); }
  bool user_stream_ready() const noexcept { return user_ready_.load(std::memory_order_relaxed); }
  // Every configured symbol's book is synced (snapshot applied, diffs continuing).
  bool books_synced() const noexcept { return books_synced_.load(std::memory_order_relaxed); }
  // Socket read completion → last event of that message pushed to out(), in ns (any thread).
  const LatencyHistogram& latency() const noexcept { return latency_; }
  // The last messages that failed to parse, with why (cold; any thread; copies).
  std::vector<std::string> quarantine() const;

  class Impl;

 private:
  SpscRing<Event> out_;
  SpscRing<Event> orders_;
  GatewayCounters counters_;
  LatencyHistogram latency_;
  std::atomic<bool> banned_{false};
  std::atomic<bool> market_open_{false};
  std::atomic<bool> user_ready_{false};
  std::atomic<bool> books_synced_{false};
  std::atomic<bool> hold_{false};
  std::atomic<std::uint64_t> unsettled_{0};
  std::unique_ptr<Impl> impl_;
};

// Venue error code (+ message) → RejectReason (exposed for tests).
RejectReason map_venue_error(std::int64_t code, std::string_view msg) noexcept;

}  // namespace sequent::binance_net
