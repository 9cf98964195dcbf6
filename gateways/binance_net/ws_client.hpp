// WsClient: one auto-reconnecting WebSocket client connection (ws:// or wss://) driven by an
// io_context the caller runs (the gateway polls it on its one io thread).
//
//   WsClient ws(io, tls_ctx, {.url = "wss://stream.binance.com:9443/stream?streams=btcusdt@trade"},
//               {.on_message = [](const char* p, std::size_t n, std::size_t cap, TimeNs recv_ns) {...},
//                .on_open = [] {...}, .on_close = [](std::string_view why) {...}});
//   ws.start();  ... io.poll() ...  ws.send(text);  ... ws.stop();
//
// Behaviour:
//   - connect = resolve, TCP (TCP_NODELAY), TLS with SNI and host-name verification (when the
//     TLS context verifies peers), WebSocket handshake; all under one connect timeout.
//   - every text frame is handed to on_message with its receive time (CLOCK_REALTIME ns, read
//     when the read completes) and the bytes in a buffer readable up to `capacity` >= n + 64
//     (simdjson's padding), so a parser can read it in place. The view is valid during the call.
//   - pings from the server are answered by Beast with pongs; when nothing arrives for
//     idle_timeout_ms / 2 the client pings, and after idle_timeout_ms of silence it drops the
//     connection (a dead peer is noticed without TCP timeouts).
//   - on any failure or close: on_close(why), then reconnect after Backoff (exponential with
//     jitter from a seeded RNG; reset once a connection opens). rotate_after_ms after opening
//     the connection is replaced proactively (Binance closes connections at 24 h):
//       * make-before-break when the owner sets on_successor_message: a successor connection
//         is opened beside the current one, which keeps delivering to on_message; the
//         successor's messages go to on_successor_message until the owner decides the two
//         overlap and calls complete_rotation() (the successor becomes the connection, the old
//         one is closed quietly: no on_close, no reconnect). A successor that fails is
//         reported to on_successor_close and tried again later; the current connection stays.
//         If the current connection fails meanwhile, the successor is dropped with it and the
//         usual on_close + reconnect follows.
//       * otherwise close-then-reopen (on_close, then an immediate reconnect).
//   - send() copies the text into one of send_queue_slots pre-reserved slots (no allocation for
//     texts up to slot_reserve bytes) and writes them in order; false when not open or full.
// Threading: every method and every callback runs on the io_context's thread. Callbacks may
// call send(), reconnect_now() and stop().
// Lifetime: stop() the client, then let the io_context finish (run/poll until idle) before
// destroying the io_context; pending handlers keep the implementation alive until they ran.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "engine/types.hpp"
#include "gateways/binance_net/backoff.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace sequent::binance_net {

enum class WsState : std::uint8_t { kIdle, kConnecting, kOpen, kBackoff, kStopped };
std::string_view to_string(WsState s) noexcept;

struct WsOptions {
  std::string url;                              // ws://host:port/path?query or wss://...
  std::int64_t connect_timeout_ms = 10'000;     // resolve + TCP + TLS + handshake
  std::int64_t idle_timeout_ms = 60'000;        // silence before the connection is declared dead
  std::int64_t rotate_after_ms = 23LL * 3'600'000 + 30 * 60'000;  // before Binance's 24 h cut
  BackoffParams backoff{};
  std::size_t max_message_bytes = 16u << 20;
  std::size_t send_queue_slots = 256;
  std::size_t slot_reserve = 2048;
  bool auto_reconnect = true;
};

struct WsHandlers {
  std::function<void(const char* data, std::size_t len, std::size_t capacity, TimeNs recv_ns)> on_message;
  std::function<void()> on_open;
  std::function<void(std::string_view why)> on_close;  // a connection (or an attempt) ended
  // Make-before-break rotation (optional): messages of the successor connection before
  // complete_rotation(), and the end of a successor that failed before it.
  std::function<void(const char* data, std::size_t len, std::size_t capacity, TimeNs recv_ns)> on_successor_message;
  std::function<void(std::string_view why)> on_successor_close;
};

struct WsCounters {
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  std::uint64_t opens = 0;         // connections that completed the handshake
  std::uint64_t failures = 0;      // attempts or connections that ended in an error
  std::uint64_t rotations = 0;     // proactive replacements (completed)
  std::uint64_t successor_failures = 0;  // make-before-break successors that failed before completion
  std::uint64_t pings_received = 0;
  std::uint64_t sent = 0;
  std::uint64_t send_refused = 0;  // send() returned false
};

class WsClient {
 public:
  // tls may be null when the url is ws://. Cold: allocates the send slots.
  WsClient(boost::asio::io_context& io, std::shared_ptr<boost::asio::ssl::context> tls, WsOptions options,
           WsHandlers handlers);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  void start();
  void stop();
  // Closes the current connection (on_close(why)) and connects again at once, without back-off.
  void reconnect_now(std::string_view why);
  // Make-before-break rotation: the open successor becomes the connection and the old one is
  // closed quietly; false (nothing done) when no successor is open.
  bool complete_rotation();
  [[nodiscard]] bool rotating() const noexcept;
  // Replaces the url for the next connection (e.g. a new stream list). Errors: bad url.
  [[nodiscard]] bool set_url(std::string_view url);

  [[nodiscard]] bool send(std::string_view text) noexcept;
  [[nodiscard]] WsState state() const noexcept;
  [[nodiscard]] bool open() const noexcept { return state() == WsState::kOpen; }
  [[nodiscard]] const WsCounters& counters() const noexcept;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace sequent::binance_net
