// ConsoleServer: the admin console's HTTP + WebSocket server (docs/console-protocol.md).
//
// One io thread, owned by the server, does everything: accepts connections, serves /healthz,
// /readyz, /metrics and the web page, runs each WebSocket session, drains the core's console
// feed (a steady timer every millisecond, batch pops) into its own view, serialises each update
// once and queues it to every subscriber. The core never waits on the console: the feed is an SPSC
// ring the core try_pushes into; a slow client gets conflated state updates and, past max_backlog
// queued messages, is disconnected (close 1008 "slow consumer").
//
// Commands become kAdmin events handed to hooks.submit_admin (thread-safe, called on the io
// thread); a command's reply is sent when the core reports it applied (AdminAppliedUpdate with the
// same request_id) or, after command_timeout, as engine_unavailable.
//
// Threading: start(), stop(), post_alert(), bound_port() and counters() may be called from any
// thread; hooks are called on the io thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/console_feed.hpp"
#include "engine/event.hpp"
#include "engine/result.hpp"
#include "engine/risk_stage.hpp"
#include "engine/spsc_ring.hpp"
#include "gateways/console/console_auth.hpp"
#include "gateways/console/console_request.hpp"
#include "gateways/console/console_view.hpp"

namespace sequent::console {

struct ConsoleServerConfig {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 = any free port (see bound_port())
  std::string tls_cert;                   // both set: serve https:// and wss:// only
  std::string tls_key;
  std::size_t max_frame_bytes = 65536;    // larger WebSocket messages: close 1009
  double rate_limit_per_s = 20;           // per connection, burst of twice this
  std::size_t max_connections = 256;      // WebSocket clients; more: HTTP 503 on upgrade
  std::size_t max_backlog = 4096;         // queued messages per client before "slow consumer"
  std::vector<ConsoleUser> users;         // user_id in admin events = 1 + index here
  std::vector<std::string> symbols;       // by InstrumentId
  std::vector<std::string> strategies;    // names by StrategyId - 1 (a request's `strategy` scope)
  std::string mode = "paper";             // shown on the status channel
  RiskConfig risk;                        // the limits at start (risk channel)
  std::chrono::milliseconds command_timeout{5000};
  std::chrono::milliseconds feed_poll_interval{1};
  std::chrono::milliseconds latency_interval{1000};
  // CPU for the io thread (-1 = not pinned). Give it a core the engine's threads do not spin on,
  // so serving clients never preempts the hot path.
  int cpu = -1;
  // Scheduling niceness of the io thread (0..19; higher yields sooner). The console is never
  // urgent next to the engine: when they compete for a CPU the kernel favours the engine, and the
  // console's conflated channels absorb the delay. Commands still get a fair, smaller share.
  int nice = 10;
};

struct Readiness {
  bool journal_writable = true;
  bool market_data_flowing = true;
  bool halted = false;
};

struct ConsoleHooks {
  // Hands an admin event to the engine's input queue; false = the engine is stopping.
  std::function<bool(const Event&)> submit_admin;
  // Appends the engine's own metrics (Prometheus text) after the server's.
  std::function<void(std::string&)> append_metrics;
  std::function<Readiness()> readiness;
  // Tick-to-order latency for the latency channel, read once per latency_interval.
  std::function<LatencySample()> latency;
};

class ConsoleServer {
 public:
  // Binds the listen address (an error names it if it cannot) and starts the io thread. The feed
  // must outlive the server; the server is its only consumer.
  static Result<std::unique_ptr<ConsoleServer>> start(ConsoleServerConfig config, ConsoleHooks hooks,
                                                      SpscRing<ConsoleUpdate>& feed);
  ~ConsoleServer();
  ConsoleServer(const ConsoleServer&) = delete;
  ConsoleServer& operator=(const ConsoleServer&) = delete;

  // Closes the listener and every connection and joins the io thread. Idempotent.
  void stop();
  // Publishes an alert on the alerts channel (any thread).
  void post_alert(AlertSeverity severity, std::string code, std::string message);
  std::uint16_t bound_port() const noexcept;
  ConsoleCounters counters() const noexcept;

  class Impl;

 private:
  explicit ConsoleServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The embedded web page (gateways/console/web/index.html, compiled in at build time).
std::string_view console_index_html() noexcept;

}  // namespace sequent::console
