#include "gateways/binance_net/ws_client.hpp"

#include <ctime>
#include <optional>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "gateways/binance_net/tls.hpp"
#include "gateways/binance_net/url.hpp"

namespace sequent::binance_net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t kPadding = 64;  // simdjson::SIMDJSON_PADDING

TimeNs realtime_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<TimeNs>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

using PlainWs = websocket::stream<beast::tcp_stream>;
using SecureWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

struct Conn {
  Conn(asio::io_context& io) : resolver(io), connect_timer(io) {}
  tcp::resolver resolver;
  asio::steady_timer connect_timer;
  std::optional<PlainWs> plain;
  std::optional<SecureWs> secure;
  beast::flat_buffer buffer;
  bool open = false;

  template <class F>
  void visit(F&& f) {
    if (secure) {
      f(*secure);
    } else {
      f(*plain);
    }
  }
  void close_socket() noexcept {
    error_code ignored;
    resolver.cancel();
    connect_timer.cancel();
    if (secure) beast::get_lowest_layer(*secure).socket().close(ignored);
    if (plain) beast::get_lowest_layer(*plain).socket().close(ignored);
  }
};

}  // namespace

std::string_view to_string(WsState s) noexcept {
  switch (s) {
    case WsState::kIdle: return "idle";
    case WsState::kConnecting: return "connecting";
    case WsState::kOpen: return "open";
    case WsState::kBackoff: return "backoff";
    case WsState::kStopped: return "stopped";
  }
  return "unknown";
}

class WsClient::Impl : public std::enable_shared_from_this<WsClient::Impl> {
 public:
  Impl(asio::io_context& io, std::shared_ptr<ssl::context> tls, WsOptions options, WsHandlers handlers)
      : io_(io), tls_(std::move(tls)), options_(std::move(options)), handlers_(std::move(handlers)),
        backoff_(options_.backoff), retry_timer_(io), rotate_timer_(io) {
    slots_.resize(options_.send_queue_slots == 0 ? 1 : options_.send_queue_slots);
    for (std::string& s : slots_) s.reserve(options_.slot_reserve);
    if (auto u = parse_url(options_.url)) url_ = std::move(*u);
  }

  void start() {
    if (state_ != WsState::kIdle && state_ != WsState::kStopped) return;
    stopped_ = false;
    connect();
  }

  void stop() {
    stopped_ = true;
    state_ = WsState::kStopped;
    retry_timer_.cancel();
    rotate_timer_.cancel();
    if (conn_) {
      conn_->close_socket();
      conn_.reset();
    }
    drop_successor();
    clear_queue();
  }

  bool complete_rotation() {
    if (!next_ || !next_->open || !conn_) return false;
    std::shared_ptr<Conn> old = std::move(conn_);
    conn_ = std::move(next_);
    next_.reset();
    old->open = false;
    old->close_socket();  // quietly: its handlers see it is no longer wanted
    clear_queue();        // anything queued was for the old connection
    ++counters_.rotations;
    arm_rotation(conn_);
    return true;
  }

  bool rotating() const noexcept { return next_ != nullptr; }

  void reconnect_now(std::string_view why) {
    if (stopped_) return;
    if (conn_) drop(conn_, std::string(why), /*immediate=*/true);
  }

  bool set_url(std::string_view url) {
    auto u = parse_url(url);
    if (!u || !u->websocket) return false;
    options_.url = std::string(url);
    url_ = std::move(*u);
    return true;
  }

  bool send(std::string_view text) noexcept {
    if (state_ != WsState::kOpen || queued_ == slots_.size()) {
      ++counters_.send_refused;
      return false;
    }
    std::string& slot = slots_[(head_ + queued_) % slots_.size()];
    try {
      slot.assign(text.data(), text.size());  // no allocation within slot_reserve
    } catch (...) {
      ++counters_.send_refused;
      return false;
    }
    ++queued_;
    if (!writing_) write_next(conn_);
    return true;
  }

  WsState state() const noexcept { return state_; }
  const WsCounters& counters() const noexcept { return counters_; }

 private:
  void connect() {
    if (stopped_) return;
    if (url_.host.empty()) {
      state_ = WsState::kStopped;
      if (handlers_.on_close) handlers_.on_close("bad websocket url");
      return;
    }
    state_ = WsState::kConnecting;
    auto c = std::make_shared<Conn>(io_);
    conn_ = c;
    if (url_.tls && !tls_) {
      state_ = WsState::kStopped;
      if (handlers_.on_close) handlers_.on_close("wss url without a TLS context");
      return;
    }
    open_conn(c);
  }

  // A connection wanted as the current one or as the rotation's successor.
  bool wanted(const std::shared_ptr<Conn>& c) const noexcept { return c && (c == conn_ || c == next_); }

  // Resolve, TCP, TLS, WebSocket handshake for `c` (the current connection or a successor).
  void open_conn(const std::shared_ptr<Conn>& c) {
    if (url_.tls) {
      c->secure.emplace(io_, *tls_);
      // SNI, and host-name verification when the context verifies peers.
      if (!set_sni(c->secure->next_layer().native_handle(), url_.host)) {
        fail(c, "tls: cannot set SNI host name");
        return;
      }
      c->secure->next_layer().set_verify_callback(ssl::host_name_verification(url_.host));
    } else {
      c->plain.emplace(io_);
    }
    c->connect_timer.expires_after(std::chrono::milliseconds(options_.connect_timeout_ms));
    c->connect_timer.async_wait([self = shared_from_this(), c](error_code ec) {
      if (!ec && self->wanted(c) && !c->open) self->fail(c, "connect timeout");
    });
    c->resolver.async_resolve(url_.host, url_.port, [self = shared_from_this(), c](error_code ec, tcp::resolver::results_type results) {
      if (!self->wanted(c)) return;
      if (ec) return self->fail(c, "resolve " + self->url_.host + ": " + ec.message());
      c->visit([&](auto& ws) {
        beast::get_lowest_layer(ws).async_connect(results, [self, c](error_code ec2, const tcp::endpoint&) {
          if (!self->wanted(c)) return;
          if (ec2) return self->fail(c, "connect " + self->url_.host + ":" + self->url_.port + ": " + ec2.message());
          error_code ignored;
          c->visit([&](auto& w) { beast::get_lowest_layer(w).socket().set_option(tcp::no_delay(true), ignored); });
          if (c->secure) {
            c->secure->next_layer().async_handshake(ssl::stream_base::client, [self, c](error_code ec3) {
              if (!self->wanted(c)) return;
              if (ec3) return self->fail(c, "tls handshake: " + ec3.message());
              self->ws_handshake(c);
            });
          } else {
            self->ws_handshake(c);
          }
        });
      });
    });
  }

  void ws_handshake(const std::shared_ptr<Conn>& c) {
    c->visit([&](auto& ws) {
      beast::get_lowest_layer(ws).expires_never();  // the websocket stream's own timeouts rule from here
      websocket::stream_base::timeout t{};
      t.handshake_timeout = std::chrono::milliseconds(options_.connect_timeout_ms);
      t.idle_timeout = options_.idle_timeout_ms > 0 ? std::chrono::milliseconds(options_.idle_timeout_ms)
                                                    : websocket::stream_base::none();
      t.keep_alive_pings = true;
      ws.set_option(t);
      ws.set_option(websocket::stream_base::decorator(
          [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "sequent"); }));
      ws.read_message_max(options_.max_message_bytes);
      ws.auto_fragment(false);
      ws.control_callback([this](websocket::frame_type kind, beast::string_view) {
        if (kind == websocket::frame_type::ping) ++counters_.pings_received;
      });
      ws.async_handshake(url_.host_header(), url_.target, [self = shared_from_this(), c](error_code ec) {
        if (!self->wanted(c)) return;
        if (ec) return self->fail(c, "websocket handshake: " + ec.message());
        self->on_open(c);
      });
    });
  }

  void on_open(const std::shared_ptr<Conn>& c) {
    c->connect_timer.cancel();
    c->open = true;
    ++counters_.opens;
    c->buffer.reserve(64 * 1024);
    if (c == next_) {  // a rotation's successor: read it beside the current connection
      read(c);
      return;
    }
    state_ = WsState::kOpen;
    backoff_.reset();
    arm_rotation(c);
    if (handlers_.on_open) handlers_.on_open();
    if (c == conn_) read(c);
  }

  void arm_rotation(const std::shared_ptr<Conn>& c, std::int64_t after_ms = -1) {
    if (options_.rotate_after_ms <= 0) return;
    rotate_timer_.expires_after(std::chrono::milliseconds(after_ms >= 0 ? after_ms : options_.rotate_after_ms));
    rotate_timer_.async_wait([self = shared_from_this(), c](error_code ec) {
      if (ec || c != self->conn_ || self->next_) return;
      self->rotate(c);
    });
  }

  void rotate(const std::shared_ptr<Conn>& c) {
    if (handlers_.on_successor_message) {  // make-before-break
      auto n = std::make_shared<Conn>(io_);
      next_ = n;
      open_conn(n);
      return;
    }
    ++counters_.rotations;
    drop(c, "rotation before the venue's connection time limit", /*immediate=*/true);
  }

  // Closes the successor without telling anyone (the caller does).
  void drop_successor() noexcept {
    if (!next_) return;
    std::shared_ptr<Conn> n = std::move(next_);
    next_.reset();
    n->open = false;
    n->close_socket();
  }

  void read(const std::shared_ptr<Conn>& c) {
    c->visit([&](auto& ws) {
      ws.async_read(c->buffer, [self = shared_from_this(), c](error_code ec, std::size_t) {
        const TimeNs recv_ns = realtime_ns();
        if (!self->wanted(c)) return;
        if (ec) return self->fail(c, ec == websocket::error::closed ? "closed by peer" : "read: " + ec.message());
        self->deliver(c, recv_ns);
        if (self->wanted(c)) self->read(c);
      });
    });
  }

  void deliver(const std::shared_ptr<Conn>& c, TimeNs recv_ns) {
    const std::size_t n = c->buffer.size();
    try {
      (void)c->buffer.prepare(kPadding);  // readable padding behind the message
    } catch (...) {
      c->buffer.consume(n);
      return;
    }
    ++counters_.messages;
    counters_.bytes += n;
    const char* p = static_cast<const char*>(c->buffer.data().data());
    // prepare() made kPadding writable (so readable) bytes right after the message.
    if (c == conn_) {
      if (handlers_.on_message) handlers_.on_message(p, n, n + kPadding, recv_ns);
    } else if (handlers_.on_successor_message) {
      handlers_.on_successor_message(p, n, n + kPadding, recv_ns);
    }
    c->buffer.consume(n);
  }

  void write_next(const std::shared_ptr<Conn>& c) {
    if (!c || c != conn_ || queued_ == 0 || !c->open) return;
    writing_ = true;
    const std::string& slot = slots_[head_];
    c->visit([&](auto& ws) {
      ws.text(true);
      ws.async_write(asio::buffer(slot), [self = shared_from_this(), c](error_code ec, std::size_t) {
        if (c != self->conn_) return;
        self->writing_ = false;
        if (ec) return self->fail(c, "write: " + ec.message());
        ++self->counters_.sent;
        self->head_ = (self->head_ + 1) % self->slots_.size();
        --self->queued_;
        self->write_next(c);
      });
    });
  }

  void clear_queue() noexcept {
    head_ = 0;
    queued_ = 0;
    writing_ = false;
  }

  void fail(std::shared_ptr<Conn> c, std::string_view why) {  // by value: callers may pass conn_
    ++counters_.failures;
    if (c && c == next_) {
      // The successor failed: the current connection carries on; try again a little later.
      drop_successor();
      ++counters_.successor_failures;
      if (handlers_.on_successor_close) handlers_.on_successor_close(why);
      if (!stopped_ && conn_) arm_rotation(conn_, std::max<std::int64_t>(options_.backoff.min_ms, 1000));
      return;
    }
    drop(c, why, /*immediate=*/false);
  }

  void drop(std::shared_ptr<Conn> c, std::string_view why, bool immediate) {  // by value: see fail()
    if (c != conn_) return;
    conn_.reset();
    c->open = false;
    c->close_socket();
    drop_successor();  // a rotation in progress ends with the connection it was to replace
    rotate_timer_.cancel();
    clear_queue();
    if (stopped_) return;
    state_ = WsState::kBackoff;
    if (handlers_.on_close) handlers_.on_close(why);
    if (stopped_ || conn_) return;  // the handler stopped us or already reconnected
    if (!options_.auto_reconnect) {
      state_ = WsState::kIdle;
      return;
    }
    const std::int64_t delay = immediate ? 0 : backoff_.next_ms();
    retry_timer_.expires_after(std::chrono::milliseconds(delay));
    retry_timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (ec || self->stopped_ || self->conn_) return;
      self->connect();
    });
  }

  asio::io_context& io_;
  std::shared_ptr<ssl::context> tls_;
  WsOptions options_;
  WsHandlers handlers_;
  Url url_;
  Backoff backoff_;
  asio::steady_timer retry_timer_;
  asio::steady_timer rotate_timer_;
  std::shared_ptr<Conn> conn_;
  std::shared_ptr<Conn> next_;  // make-before-break rotation: the successor, until complete_rotation()
  WsState state_ = WsState::kIdle;
  bool stopped_ = false;
  std::vector<std::string> slots_;
  std::size_t head_ = 0;
  std::size_t queued_ = 0;
  bool writing_ = false;
  WsCounters counters_;
};

WsClient::WsClient(asio::io_context& io, std::shared_ptr<ssl::context> tls, WsOptions options, WsHandlers handlers)
    : impl_(std::make_shared<Impl>(io, std::move(tls), std::move(options), std::move(handlers))) {}

WsClient::~WsClient() {
  if (impl_) impl_->stop();
}

void WsClient::start() { impl_->start(); }
void WsClient::stop() { impl_->stop(); }
void WsClient::reconnect_now(std::string_view why) { impl_->reconnect_now(why); }
bool WsClient::set_url(std::string_view url) { return impl_->set_url(url); }
bool WsClient::complete_rotation() { return impl_->complete_rotation(); }
bool WsClient::rotating() const noexcept { return impl_->rotating(); }
bool WsClient::send(std::string_view text) noexcept { return impl_->send(text); }
WsState WsClient::state() const noexcept { return impl_->state(); }
const WsCounters& WsClient::counters() const noexcept { return impl_->counters(); }

}  // namespace sequent::binance_net
