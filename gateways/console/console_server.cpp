#include "gateways/console/console_server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "engine/thread_affinity.hpp"
#include "gateways/console/client_queue.hpp"
#include "gateways/system_clock.hpp"

namespace sequent::console {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr std::uint16_t kCloseUnsupportedData = 1003;
constexpr std::uint16_t kClosePolicy = 1008;
constexpr int kMaxAuthFailures = 3;
constexpr UserId kUnknownUser = 0xFFFF;
constexpr std::size_t kFeedBatch = 256;
constexpr std::size_t kMaxBatchesPerTick = 64;

// Single-writer counters (the io thread) readable from any thread.
struct AtomicCounters {
  std::atomic<std::uint64_t> connections{0}, connections_total{0}, messages_sent{0}, conflated{0},
      slow_consumer_disconnects{0}, auth_failures{0}, rate_limited{0}, updates_received{0},
      commands_submitted{0}, denied{0}, http_requests{0};

  static void bump(std::atomic<std::uint64_t>& c, std::uint64_t by = 1) noexcept {
    c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }
  ConsoleCounters snapshot() const noexcept {
    ConsoleCounters s;
    s.connections = connections.load(std::memory_order_relaxed);
    s.connections_total = connections_total.load(std::memory_order_relaxed);
    s.messages_sent = messages_sent.load(std::memory_order_relaxed);
    s.conflated = conflated.load(std::memory_order_relaxed);
    s.slow_consumer_disconnects = slow_consumer_disconnects.load(std::memory_order_relaxed);
    s.auth_failures = auth_failures.load(std::memory_order_relaxed);
    s.rate_limited = rate_limited.load(std::memory_order_relaxed);
    s.updates_received = updates_received.load(std::memory_order_relaxed);
    s.commands_submitted = commands_submitted.load(std::memory_order_relaxed);
    s.denied = denied.load(std::memory_order_relaxed);
    s.http_requests = http_requests.load(std::memory_order_relaxed);
    return s;
  }
};

std::string reply_head(const std::string& id_json, bool ok) {
  std::string out = "{\"id\":";
  out += id_json.empty() ? "null" : id_json;
  out += ok ? ",\"ok\":true" : ",\"ok\":false";
  return out;
}

std::string error_reply(const std::string& id_json, ConsoleErrorCode code, std::string_view message) {
  std::string out = reply_head(id_json, false);
  out += ",\"error\":{\"code\":\"";
  out += to_string(code);
  out += "\",\"message\":";
  append_json_string(out, message);
  out += "}}";
  return out;
}

std::string channels_json(ChannelMask mask) {
  std::string out = "[";
  for (std::size_t c = 0; c < kConsoleChannelCount; ++c) {
    if ((mask & channel_bit(static_cast<ConsoleChannel>(c))) == 0) continue;
    if (out.size() > 1) out += ',';
    out += '"';
    out += to_string(static_cast<ConsoleChannel>(c));
    out += '"';
  }
  out += ']';
  return out;
}

TimeNs wall_now_ns() noexcept { return SystemClock().now_ns(); }

}  // namespace

// ---- one WebSocket client's protocol state (stream-independent) ------------------------------

class ClientBase : public std::enable_shared_from_this<ClientBase> {
 public:
  ClientBase(ConsoleServer::Impl& server, std::size_t max_backlog) : server_(server), queue_(max_backlog) {}
  virtual ~ClientBase() = default;
  ClientBase(const ClientBase&) = delete;
  ClientBase& operator=(const ClientBase&) = delete;

  // Queues a message; a queued, unsent message with the same non-zero key is replaced (state
  // channels). Past max_backlog queued messages the client is closed as a slow consumer.
  void enqueue(SharedText text, ConflationKey key);
  void send(std::string text) { enqueue(std::make_shared<const std::string>(std::move(text)), kNoConflation); }
  // Starts a close handshake with code and reason (drops the queue; the message being written
  // finishes first). Idempotent.
  void close(std::uint16_t code, std::string_view reason);
  // Tears the TCP connection down at once (server stop, close timeout).
  virtual void force_close() = 0;
  std::size_t backlog() const noexcept { return queue_.size(); }
  // Whether a write completed between the last two feed ticks (mark_progress() starts a tick).
  bool progressed() const noexcept { return progressed_; }
  void mark_progress() noexcept {
    progressed_ = writes_done_ != writes_at_mark_;
    writes_at_mark_ = writes_done_;
  }

  std::optional<std::size_t> user;  // index into the configured users once authenticated
  int auth_strikes = 0;
  ChannelMask subscriptions = 0;
  // Token bucket (rate_limit_per_s, burst 2x) and the one-second flood window.
  double tokens = 0;
  SteadyClock::time_point refilled{};
  SteadyClock::time_point window_start{};
  std::uint64_t window_count = 0;

 protected:
  virtual void start_write(const std::string& text) = 0;
  virtual void start_close(std::uint16_t code, std::string reason) = 0;
  // Called by the stream-specific session when a write completes successfully.
  void on_written();
  void pump();

  ConsoleServer::Impl& server_;
  bool closing_ = false;
  bool writing_ = false;

 private:
  ClientQueue queue_;
  SharedText in_flight_;
  std::uint64_t writes_done_ = 0, writes_at_mark_ = 0;
  bool progressed_ = false;
};

// ---- the server ---------------------------------------------------------------------------------

class ConsoleServer::Impl {
 public:
  Impl(ConsoleServerConfig config, ConsoleHooks hooks, SpscRing<ConsoleUpdate>& feed, TokenTable tokens)
      : config_(std::move(config)),
        hooks_(std::move(hooks)),
        feed_(feed),
        tokens_(std::move(tokens)),
        view_(config_.symbols, config_.mode, config_.risk),
        acceptor_(io_),
        feed_timer_(io_),
        latency_timer_(io_) {}

  Status open();
  void run_thread() {
    thread_ = std::thread([this] {
      std::string ignored;  // start() checked the cpu exists
      (void)pin_current_thread(config_.cpu, &ignored);
      name_current_thread("console-io");
      if (config_.nice > 0) (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), config_.nice);
      io_.run();
    });
  }
  void stop();

  // Called on the io thread by sessions.
  void on_frame(ClientBase& c, std::string_view text);
  void add_client(ClientBase* c) {
    clients_.push_back(c);
    AtomicCounters::bump(counters_.connections_total);
    counters_.connections.store(clients_.size(), std::memory_order_relaxed);
  }
  void remove_client(ClientBase* c) {
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      if (clients_[i] == c) {
        clients_[i] = clients_.back();
        clients_.pop_back();
        break;
      }
    }
    counters_.connections.store(clients_.size(), std::memory_order_relaxed);
  }
  void add_connection(ClientBase* c) { ws_connections_.insert(c); }
  void remove_connection(ClientBase* c) { ws_connections_.erase(c); }
  void add_http(std::shared_ptr<void> token, std::function<void()> closer) {
    http_closers_[token.get()] = std::move(closer);
  }
  void remove_http(void* key) { http_closers_.erase(key); }
  bool full() const noexcept { return clients_.size() >= config_.max_connections; }
  // Authenticates a bearer token from the upgrade request; audits and counts a failure.
  std::optional<std::size_t> authenticate_bearer(std::string_view token);

  void handle_http(const http::request<http::string_body>& req, http::response<http::string_body>& res);

  const ConsoleServerConfig& config() const noexcept { return config_; }
  AtomicCounters& counters() noexcept { return counters_; }
  std::uint16_t bound_port() const noexcept { return port_.load(std::memory_order_relaxed); }
  void post_alert(AlertSeverity s, std::string code, std::string message) {
    net::post(io_, [this, s, code = std::move(code), message = std::move(message)] {
      fan_out(view_.alert(s, code, message));
    });
  }
  ssl::context* tls() noexcept { return tls_ ? &*tls_ : nullptr; }

 private:
  void do_accept();
  bool server_behind() const noexcept;
  void poll_feed();
  void publish_latency();
  void fan_out(const ChannelMessage& m);
  void on_admin_applied(const AdminAppliedUpdate& a);
  void expire_commands(SteadyClock::time_point now);
  std::uint32_t next_request_id() noexcept {
    if (++request_id_ == 0) ++request_id_;
    return request_id_;
  }
  void audit_denied(std::optional<std::size_t> user, AdminCommand refused, std::int64_t why);
  void do_auth(ClientBase& c, const ConsoleRequest& r);
  void do_command(ClientBase& c, const ConsoleRequest& r);
  void do_subscribe(ClientBase& c, const ConsoleRequest& r, bool subscribe);
  void reply_user(ClientBase& c, const ConsoleRequest& r);

  struct PendingCommand {
    std::weak_ptr<ClientBase> client;
    std::string id_json;
    ConsoleOp op;
    std::string user;
    std::string reason;
    SteadyClock::time_point deadline;
  };

  ConsoleServerConfig config_;
  ConsoleHooks hooks_;
  SpscRing<ConsoleUpdate>& feed_;
  TokenTable tokens_;
  ConsoleView view_;
  AtomicCounters counters_;
  std::vector<ClientBase*> clients_;                    // accepted WebSocket sessions (fan-out)
  std::unordered_set<ClientBase*> ws_connections_;      // every WebSocket session alive (stop)
  std::unordered_map<void*, std::function<void()>> http_closers_;  // HTTP sessions alive (stop)
  std::map<std::uint32_t, PendingCommand> pending_;     // by request id (deadlines in id order)
  std::uint32_t request_id_ = 0;
  std::array<ConsoleUpdate, kFeedBatch> batch_{};
  std::optional<ssl::context> tls_;
  std::atomic<std::uint16_t> port_{0};
  bool stopping_ = false;
  std::once_flag stop_once_;
  std::thread thread_;
  // The io context goes after every container a session touches, so the sessions it may still
  // own are destroyed while those containers exist; the io objects go after it.
  net::io_context io_{1};
  tcp::acceptor acceptor_;
  net::steady_timer feed_timer_;
  net::steady_timer latency_timer_;
};

// ---- ClientBase -----------------------------------------------------------------------------

void ClientBase::enqueue(SharedText text, ConflationKey key) {
  if (closing_) return;
  switch (queue_.push(std::move(text), key)) {
    case ClientQueue::Push::kQueued: return pump();
    case ClientQueue::Push::kConflated: AtomicCounters::bump(server_.counters().conflated); return;
    case ClientQueue::Push::kOverflow:
      AtomicCounters::bump(server_.counters().slow_consumer_disconnects);
      return close(kClosePolicy, "slow consumer");
  }
}

void ClientBase::pump() {
  if (writing_ || closing_ || queue_.empty()) return;
  in_flight_ = queue_.pop();
  writing_ = true;
  start_write(*in_flight_);
}

void ClientBase::on_written() {
  writing_ = false;
  in_flight_.reset();
  ++writes_done_;
  AtomicCounters::bump(server_.counters().messages_sent);
  pump();
}

void ClientBase::close(std::uint16_t code, std::string_view reason) {
  if (closing_) return;
  closing_ = true;
  queue_.clear();
  start_close(code, std::string(reason));
}

// ---- WebSocket session over a plain or TLS stream ------------------------------------------------

template <class Stream>
class WsSession final : public ClientBase {
 public:
  WsSession(ConsoleServer::Impl& server, Stream&& stream)
      : ClientBase(server, server.config().max_backlog), ws_(std::move(stream)), close_timer_(ws_.get_executor()) {}

  void run(http::request<http::string_body> req) {
    server_.add_connection(this);
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout t = websocket::stream_base::timeout::suggested(beast::role_type::server);
    t.handshake_timeout = std::chrono::seconds(10);
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "sequent-console"); }));
    ws_.read_message_max(server_.config().max_frame_bytes);
    ws_.auto_fragment(false);
    ws_.text(true);
    ws_.async_accept(req, [self = self()](beast::error_code ec) { self->on_accept(ec); });
  }

  ~WsSession() override {
    if (registered_) server_.remove_client(this);
    server_.remove_connection(this);
  }

  void force_close() override {
    beast::error_code ec;
    close_timer_.cancel();
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

 private:
  std::shared_ptr<WsSession> self() { return std::static_pointer_cast<WsSession>(shared_from_this()); }

  void on_accept(beast::error_code ec) {
    if (ec) return;
    registered_ = true;
    server_.add_client(this);
    const auto now = SteadyClock::now();
    tokens = 2 * server_.config().rate_limit_per_s;
    refilled = now;
    window_start = now;
    do_read();
    pump();
  }

  void do_read() {
    ws_.async_read(buffer_, [self = self()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      // Closed by the peer, by us, too big (Beast answers 1009 itself) or a dead socket: the
      // session ends; queued messages are dropped.
      unregister();
      return;
    }
    if (closing_) {
      buffer_.consume(buffer_.size());
      do_read();
      return;
    }
    if (!ws_.got_text()) {
      buffer_.consume(buffer_.size());
      close(kCloseUnsupportedData, "binary frames are not supported");
      do_read();
      return;
    }
    const auto data = buffer_.cdata();
    server_.on_frame(*this, std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer_.consume(buffer_.size());
    do_read();
  }

  void unregister() {
    if (registered_) {
      registered_ = false;
      server_.remove_client(this);
    }
    closing_ = true;
    close_timer_.cancel();
  }

  void start_write(const std::string& text) override {
    ws_.async_write(net::buffer(text), [self = self()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->writing_ = false;
        self->unregister();
        self->force_close();
        return;
      }
      self->on_written();
    });
  }

  void start_close(std::uint16_t code, std::string reason) override {
    if (!registered_) {
      force_close();
      return;
    }
    // Bound the close: a peer that never reads would hold the close frame (and the message being
    // written) forever.
    close_timer_.expires_after(std::chrono::seconds(5));
    close_timer_.async_wait([self = self()](beast::error_code ec) {
      if (!ec) self->force_close();
    });
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason), [self = self()](beast::error_code) {
      self->close_timer_.cancel();
    });
  }

  websocket::stream<Stream> ws_;
  beast::flat_buffer buffer_;
  net::steady_timer close_timer_;
  bool registered_ = false;
};

// ---- HTTP session: plain requests and the upgrade to WebSocket ---------------------------------

template <class Stream>
class HttpSession final : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(ConsoleServer::Impl& server, Stream&& stream) : server_(server), stream_(std::move(stream)) {}
  ~HttpSession() { server_.remove_http(this); }

  void run() {
    auto self = this->shared_from_this();
    server_.add_http(self, [weak = std::weak_ptr<HttpSession>(self)] {
      if (auto s = weak.lock()) s->force_close();
    });
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
      stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
        if (ec) return self->force_close();
        self->do_read();
      });
    } else {
      do_read();
    }
  }

  void force_close() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().close(ec);
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(16 * 1024);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return force_close();
    http::request<http::string_body> req = parser_->release();
    AtomicCounters::bump(server_.counters().http_requests);
    if (websocket::is_upgrade(req)) {
      if (req.target() != "/ws") return respond(req, http::status::not_found, "text/plain", "not found: use /ws\n");
      if (server_.full()) {
        return respond(req, http::status::service_unavailable, "text/plain",
                       "too many console connections (max_connections)\n", true);
      }
      std::optional<std::size_t> user;
      const auto auth = req.find(http::field::authorization);
      if (auth != req.end()) {
        const std::string_view value(auth->value().data(), auth->value().size());
        constexpr std::string_view kBearer = "Bearer ";
        if (value.size() > kBearer.size() && value.substr(0, kBearer.size()) == kBearer) {
          user = server_.authenticate_bearer(value.substr(kBearer.size()));
        }
        if (!user) {
          return respond(req, http::status::unauthorized, "text/plain",
                         "auth_failed: the bearer token matches no user\n", true);
        }
      }
      beast::get_lowest_layer(stream_).expires_never();
      auto ws = std::make_shared<WsSession<Stream>>(server_, std::move(stream_));
      ws->user = user;
      ws->run(std::move(req));
      return;
    }
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(req.version());
    res->keep_alive(req.keep_alive());
    server_.handle_http(req, *res);
    if (req.method() == http::verb::head) {
      res->content_length(res->body().size());
      res->body().clear();
    }
    write(std::move(res));
  }

  void respond(const http::request<http::string_body>& req, http::status status, const char* type,
               std::string body, bool close = false) {
    auto res = std::make_shared<http::response<http::string_body>>(status, req.version());
    res->set(http::field::server, "sequent-console");
    res->set(http::field::content_type, type);
    res->keep_alive(req.keep_alive() && !close);
    res->body() = std::move(body);
    res->prepare_payload();
    write(std::move(res));
  }

  void write(std::shared_ptr<http::response<http::string_body>> res) {
    const bool keep = res->keep_alive();
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
                        if (ec || !keep) return self->force_close();
                        self->do_read();
                      });
  }

  ConsoleServer::Impl& server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

// ---- Impl -----------------------------------------------------------------------------------

Status ConsoleServer::Impl::open() {
  const std::string& listen = config_.listen;
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Error{ErrorCode::kInvalidArgument, "console listen '" + listen + "': expected HOST:PORT"};
  }
  std::string host = listen.substr(0, colon);
  const std::string port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  unsigned port = 0;
  const auto [end, perr] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (perr != std::errc() || end != port_text.data() + port_text.size() || port > 65535 || port_text.empty()) {
    return Error{ErrorCode::kInvalidArgument, "console listen '" + listen + "': the port must be 0..65535"};
  }
  beast::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) {
    return Error{ErrorCode::kInvalidArgument,
                 "console listen '" + listen + "': '" + host + "' is not an IP address (or localhost)"};
  }
  if (!config_.tls_cert.empty() || !config_.tls_key.empty()) {
    if (config_.tls_cert.empty() || config_.tls_key.empty()) {
      return Error{ErrorCode::kInvalidArgument, "console TLS needs both tls_cert and tls_key"};
    }
    tls_.emplace(ssl::context::tls_server);
    tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    tls_->use_certificate_chain_file(config_.tls_cert, ec);
    if (ec) return Error{ErrorCode::kIo, "console tls_cert '" + config_.tls_cert + "': " + ec.message()};
    tls_->use_private_key_file(config_.tls_key, ssl::context::pem, ec);
    if (ec) return Error{ErrorCode::kIo, "console tls_key '" + config_.tls_key + "': " + ec.message()};
  }
  const tcp::endpoint endpoint(address, static_cast<std::uint16_t>(port));
  auto fail = [&](std::string_view what) {
    return Error{ErrorCode::kIo, "cannot listen on " + listen + " (" + std::string(what) + "): " + ec.message()};
  };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("reuse_address");
  acceptor_.bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  port_.store(acceptor_.local_endpoint(ec).port(), std::memory_order_relaxed);
  do_accept();
  feed_timer_.expires_after(config_.feed_poll_interval);
  feed_timer_.async_wait([this](beast::error_code e) {
    if (!e) poll_feed();
  });
  if (hooks_.latency) {
    latency_timer_.expires_after(config_.latency_interval);
    latency_timer_.async_wait([this](beast::error_code e) {
      if (!e) publish_latency();
    });
  }
  return Status{};
}

void ConsoleServer::Impl::do_accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (stopping_) return;
    if (!ec) {
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (tls_) {
        std::make_shared<HttpSession<beast::ssl_stream<beast::tcp_stream>>>(
            *this, beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls_))
            ->run();
      } else {
        std::make_shared<HttpSession<beast::tcp_stream>>(*this, beast::tcp_stream(std::move(socket)))->run();
      }
    }
    do_accept();
  });
}

void ConsoleServer::Impl::stop() {
  std::call_once(stop_once_, [this] {
    net::post(io_, [this] {
      stopping_ = true;
      beast::error_code ec;
      acceptor_.close(ec);
      feed_timer_.cancel();
      latency_timer_.cancel();
      pending_.clear();
      std::vector<ClientBase*> ws(ws_connections_.begin(), ws_connections_.end());
      for (ClientBase* c : ws) c->force_close();
      std::vector<std::function<void()>> http;
      for (auto& [key, closer] : http_closers_) http.push_back(closer);
      for (auto& closer : http) closer();
    });
    if (thread_.joinable()) thread_.join();
  });
}

bool ConsoleServer::Impl::server_behind() const noexcept {
  // More than half the clients are more than half full *and still taking messages*: the server
  // itself cannot write as fast as the feed comes, so it leaves the rest in the ring for the next
  // tick (if the ring fills, the core drops updates and counts them) instead of cutting off clients
  // for its own slowness. A client that stopped reading makes no progress and does not count: it
  // keeps getting updates until it passes max_backlog and is closed as a slow consumer.
  std::size_t lagging = 0;
  for (const ClientBase* c : clients_) {
    if (c->progressed() && c->backlog() > config_.max_backlog / 2) ++lagging;
  }
  return lagging != 0 && 2 * lagging > clients_.size();
}

void ConsoleServer::Impl::poll_feed() {
  // A batch never exceeds half a client's backlog, so one burst cannot cut off a client that reads.
  const std::size_t batch = std::min(kFeedBatch, std::max<std::size_t>(1, config_.max_backlog / 2));
  for (ClientBase* c : clients_) c->mark_progress();
  for (std::size_t b = 0; b < kMaxBatchesPerTick && !server_behind(); ++b) {
    const std::size_t n = feed_.pop_batch(std::span<ConsoleUpdate>(batch_.data(), batch));
    if (n == 0) break;
    AtomicCounters::bump(counters_.updates_received, n);
    for (std::size_t i = 0; i < n; ++i) {
      const ConsoleUpdate& u = batch_[i];
      if (u.kind == ConsoleUpdateKind::kAdminApplied) {
        on_admin_applied(u.body.admin);
        continue;
      }
      if (auto m = view_.apply(u)) fan_out(*m);
    }
    if (n < batch) break;
  }
  const auto now = SteadyClock::now();
  expire_commands(now);
  if (stopping_) return;
  feed_timer_.expires_after(config_.feed_poll_interval);
  feed_timer_.async_wait([this](beast::error_code e) {
    if (!e) poll_feed();
  });
}

void ConsoleServer::Impl::publish_latency() {
  fan_out(view_.latency(hooks_.latency()));
  if (stopping_) return;
  latency_timer_.expires_after(config_.latency_interval);
  latency_timer_.async_wait([this](beast::error_code e) {
    if (!e) publish_latency();
  });
}

void ConsoleServer::Impl::fan_out(const ChannelMessage& m) {
  const ChannelMask bit = channel_bit(m.channel);
  // enqueue may close a slow client, which never removes it from clients_ synchronously (that
  // happens when its read ends), so iterating by index is safe.
  for (std::size_t i = 0; i < clients_.size(); ++i) {
    if ((clients_[i]->subscriptions & bit) != 0) clients_[i]->enqueue(m.text, m.key);
  }
}

void ConsoleServer::Impl::on_admin_applied(const AdminAppliedUpdate& a) {
  if (a.source == Source::kInternal && a.command == AdminCommand::kKillSwitch) {
    fan_out(view_.alert(AlertSeverity::kCritical, "breaker_tripped",
                        std::string("circuit breaker tripped (") + (a.arg_code == 1 ? "daily_loss" : "drawdown") +
                            ") at seq " + std::to_string(a.seq) + ": trading halted until resume"));
    return;
  }
  const auto it = pending_.find(a.request_id);
  if (it == pending_.end()) return;
  PendingCommand p = std::move(it->second);
  pending_.erase(it);
  if (auto c = p.client.lock()) {
    std::string out = reply_head(p.id_json, true);
    out += ",\"command\":\"";
    out += to_string(p.op);
    out += "\",\"seq\":";
    out += std::to_string(a.seq);
    out += '}';
    c->send(std::move(out));
  }
  std::string text = p.user + ": " + std::string(to_string(p.op)) + " applied at seq " + std::to_string(a.seq);
  if (!p.reason.empty()) text += " (" + p.reason + ")";
  fan_out(view_.alert(p.op == ConsoleOp::kKillSwitch ? AlertSeverity::kCritical : AlertSeverity::kWarning,
                      "admin_command", text));
}

void ConsoleServer::Impl::expire_commands(SteadyClock::time_point now) {
  // Request ids grow with time and every command has the same timeout, so the oldest come first.
  while (!pending_.empty() && pending_.begin()->second.deadline <= now) {
    PendingCommand p = std::move(pending_.begin()->second);
    pending_.erase(pending_.begin());
    if (auto c = p.client.lock()) {
      c->send(error_reply(p.id_json, ConsoleErrorCode::kEngineUnavailable,
                          std::string(to_string(p.op)) + ": the engine did not apply the command within " +
                              std::to_string(config_.command_timeout.count()) + " ms"));
    }
  }
}

void ConsoleServer::Impl::audit_denied(std::optional<std::size_t> user, AdminCommand refused, std::int64_t why) {
  AtomicCounters::bump(counters_.denied);
  if (!hooks_.submit_admin) return;
  Event e = make_event(EventType::kAdmin, Source::kConsole, kNoInstrument, wall_now_ns());
  e.payload.admin.user_id = user ? static_cast<UserId>(*user + 1) : kUnknownUser;
  e.payload.admin.command = AdminCommand::kDenied;
  e.payload.admin.arg_code = static_cast<std::uint8_t>(refused);
  e.payload.admin.arg_value = why;
  e.payload.admin.request_id = next_request_id();
  (void)hooks_.submit_admin(e);  // an engine that is stopping cannot journal it: nothing to do
}

std::optional<std::size_t> ConsoleServer::Impl::authenticate_bearer(std::string_view token) {
  auto user = tokens_.find(token);
  if (!user) {
    AtomicCounters::bump(counters_.auth_failures);
    audit_denied(std::nullopt, AdminCommand::kNone, 3);
  }
  return user;
}

void ConsoleServer::Impl::reply_user(ClientBase& c, const ConsoleRequest& r) {
  const ConsoleUser& u = config_.users[*c.user];
  std::string out = reply_head(r.id_json, true);
  out += ",\"user\":";
  append_json_string(out, u.name);
  out += ",\"role\":\"";
  out += to_string(u.role);
  out += "\"}";
  c.send(std::move(out));
}

void ConsoleServer::Impl::do_auth(ClientBase& c, const ConsoleRequest& r) {
  const auto user = tokens_.find(r.token);
  if (!user) {
    AtomicCounters::bump(counters_.auth_failures);
    audit_denied(std::nullopt, AdminCommand::kNone, 3);
    c.send(error_reply(r.id_json, ConsoleErrorCode::kAuthFailed, "the token matches no user"));
    if (++c.auth_strikes >= kMaxAuthFailures) c.close(kClosePolicy, "too many failed auth requests");
    return;
  }
  c.user = user;
  reply_user(c, r);
}

void ConsoleServer::Impl::do_subscribe(ClientBase& c, const ConsoleRequest& r, bool subscribe) {
  const ChannelMask added = static_cast<ChannelMask>(r.channels & ~c.subscriptions);
  if (subscribe) {
    c.subscriptions = static_cast<ChannelMask>(c.subscriptions | r.channels);
  } else {
    c.subscriptions = static_cast<ChannelMask>(c.subscriptions & ~r.channels);
  }
  std::string out = reply_head(r.id_json, true);
  out += ",\"channels\":";
  out += channels_json(r.channels);
  out += '}';
  c.send(std::move(out));
  if (!subscribe) return;
  for (std::size_t ch = 0; ch < kConsoleChannelCount; ++ch) {
    const auto channel = static_cast<ConsoleChannel>(ch);
    if ((added & channel_bit(channel)) == 0) continue;
    for (ChannelMessage& m : view_.snapshot_messages(channel)) c.enqueue(std::move(m.text), m.key);
  }
}

void ConsoleServer::Impl::do_command(ClientBase& c, const ConsoleRequest& r) {
  const ConsoleOp op = *r.op;
  InstrumentId instrument = kNoInstrument;
  if (r.symbol) {
    const auto id = view_.find_symbol(*r.symbol);
    if (!id) {
      std::string message = "symbol: unknown symbol ";
      append_json_string(message, *r.symbol);
      return c.send(error_reply(r.id_json, ConsoleErrorCode::kUnknownSymbol, message));
    }
    instrument = *id;
  }
  StrategyId strategy = 0;  // every strategy
  if (r.strategy) {
    const auto& names = config_.strategies;
    const auto it = std::find(names.begin(), names.end(), *r.strategy);
    if (it == names.end()) {
      std::string message = "strategy: unknown strategy ";
      append_json_string(message, *r.strategy);
      message += " (running:";
      for (const std::string& n : names) message += " " + n;
      message += ")";
      return c.send(error_reply(r.id_json, ConsoleErrorCode::kUnknownStrategy, message));
    }
    strategy = static_cast<StrategyId>(it - names.begin() + 1);
  }
  Event e = make_event(EventType::kAdmin, Source::kConsole, instrument, wall_now_ns());
  AdminPayload& a = e.payload.admin;
  a.strategy_id = strategy;
  a.user_id = static_cast<UserId>(*c.user + 1);
  a.command = admin_command_of(op);
  a.arg_code = op == ConsoleOp::kSetRiskLimit        ? static_cast<std::uint8_t>(r.limit)
               : op == ConsoleOp::kSetStrategyParam ? static_cast<std::uint8_t>(r.param)
                                                     : std::uint8_t{0};
  a.arg_value = (op == ConsoleOp::kSetRiskLimit || op == ConsoleOp::kSetStrategyParam) ? r.arg_value : 0;
  a.request_id = next_request_id();
  if (!hooks_.submit_admin || !hooks_.submit_admin(e)) {
    return c.send(error_reply(r.id_json, ConsoleErrorCode::kEngineUnavailable,
                              std::string(to_string(op)) + ": the engine is stopping; the command was not taken"));
  }
  AtomicCounters::bump(counters_.commands_submitted);
  pending_[a.request_id] = PendingCommand{c.weak_from_this(), r.id_json, op, config_.users[*c.user].name, r.reason,
                                          SteadyClock::now() + config_.command_timeout};
}

void ConsoleServer::Impl::on_frame(ClientBase& c, std::string_view text) {
  const auto now = SteadyClock::now();
  const double rate = config_.rate_limit_per_s;
  if (now - c.window_start >= std::chrono::seconds(1)) {
    c.window_start = now;
    c.window_count = 0;
  }
  if (static_cast<double>(++c.window_count) > 10 * rate) {
    AtomicCounters::bump(counters_.rate_limited);
    c.close(kClosePolicy, "flooding: more than ten times the rate limit");
    return;
  }
  ParsedConsoleRequest parsed = parse_console_request(text);
  const ConsoleRequest& r = parsed.request;
  const double elapsed = std::chrono::duration<double>(now - c.refilled).count();
  c.refilled = now;
  c.tokens = std::min(2 * rate, c.tokens + elapsed * rate);
  if (c.tokens < 1) {
    AtomicCounters::bump(counters_.rate_limited);
    return c.send(error_reply(r.id_json, ConsoleErrorCode::kRateLimited,
                              "more than " + std::to_string(static_cast<long long>(rate)) + " requests per second"));
  }
  c.tokens -= 1;
  if (parsed.error && parsed.error->code == ConsoleErrorCode::kBadJson) {
    return c.send(error_reply(r.id_json, parsed.error->code, parsed.error->message));
  }
  const bool is_auth = r.op == ConsoleOp::kAuth;
  if (!c.user && !is_auth) {
    const AdminCommand refused = r.op ? admin_command_of(*r.op) : AdminCommand::kNone;
    audit_denied(std::nullopt, refused, 2);
    c.send(error_reply(r.id_json, ConsoleErrorCode::kUnauthenticated, "send auth with a token first"));
    if (++c.auth_strikes >= kMaxAuthFailures) c.close(kClosePolicy, "too many requests without auth");
    return;
  }
  if (parsed.error && !r.op) return c.send(error_reply(r.id_json, parsed.error->code, parsed.error->message));
  const ConsoleOp op = *r.op;
  if (c.user && !role_allows(config_.users[*c.user].role, op)) {
    const ConsoleUser& u = config_.users[*c.user];
    audit_denied(c.user, admin_command_of(op), 1);
    return c.send(error_reply(r.id_json, ConsoleErrorCode::kForbidden,
                              std::string(to_string(op)) + " needs role " + std::string(to_string(required_role(op))) +
                                  "; " + u.name + " is " + std::string(to_string(u.role))));
  }
  if (parsed.error) return c.send(error_reply(r.id_json, parsed.error->code, parsed.error->message));
  switch (op) {
    case ConsoleOp::kAuth: return do_auth(c, r);
    case ConsoleOp::kPing: return c.send(reply_head(r.id_json, true) + ",\"pong\":true}");
    case ConsoleOp::kWhoami: return reply_user(c, r);
    case ConsoleOp::kSubscribe: return do_subscribe(c, r, true);
    case ConsoleOp::kUnsubscribe: return do_subscribe(c, r, false);
    case ConsoleOp::kSnapshot: {
      std::string out = reply_head(r.id_json, true);
      out += ",\"channel\":\"";
      out += to_string(r.channel);
      out += "\",\"data\":[";
      bool first = true;
      for (const std::string& d : view_.snapshot_data(r.channel)) {
        if (!first) out += ',';
        first = false;
        out += d;
      }
      out += "]}";
      return c.send(std::move(out));
    }
    case ConsoleOp::kUsers: {
      std::string out = reply_head(r.id_json, true);
      out += ",\"users\":[";
      for (std::size_t i = 0; i < config_.users.size(); ++i) {
        if (i != 0) out += ',';
        out += "{\"name\":";
        append_json_string(out, config_.users[i].name);
        out += ",\"role\":\"";
        out += to_string(config_.users[i].role);
        out += "\"}";
      }
      out += "]}";
      return c.send(std::move(out));
    }
    case ConsoleOp::kKillSwitch:
    case ConsoleOp::kResume:
    case ConsoleOp::kCancelAll:
    case ConsoleOp::kFlatten:
    case ConsoleOp::kSetRiskLimit:
    case ConsoleOp::kStrategyStart:
    case ConsoleOp::kStrategyStop:
    case ConsoleOp::kSetStrategyParam: return do_command(c, r);
  }
}

void ConsoleServer::Impl::handle_http(const http::request<http::string_body>& req,
                                      http::response<http::string_body>& res) {
  res.set(http::field::server, "sequent-console");
  res.set(http::field::cache_control, "no-store");
  auto text = [&res](http::status s, std::string body) {
    res.result(s);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = std::move(body);
    res.prepare_payload();
  };
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    res.set(http::field::allow, "GET, HEAD");
    return text(http::status::method_not_allowed, "method not allowed\n");
  }
  std::string_view target(req.target().data(), req.target().size());
  if (const auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  if (target == "/healthz") return text(http::status::ok, "ok\n");
  if (target == "/readyz") {
    const Readiness r = hooks_.readiness ? hooks_.readiness() : Readiness{};
    std::string why;
    if (!r.journal_writable) why += "journal not writable\n";
    if (!r.market_data_flowing) why += "market data not flowing\n";
    if (r.halted) why += "trading halted\n";
    if (why.empty()) return text(http::status::ok, "ready\n");
    return text(http::status::service_unavailable, std::move(why));
  }
  if (target == "/metrics") {
    std::string body;
    render_prometheus(body, counters_.snapshot(), view_.rejects_by_reason());
    if (hooks_.append_metrics) hooks_.append_metrics(body);
    res.result(http::status::ok);
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.body() = std::move(body);
    res.prepare_payload();
    return;
  }
  if (target == "/" || target == "/index.html") {
    res.result(http::status::ok);
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.body() = std::string(console_index_html());
    res.prepare_payload();
    return;
  }
  if (target == "/ws") return text(http::status::bad_request, "/ws expects a WebSocket upgrade\n");
  text(http::status::not_found, "not found\n");
}

// ---- ConsoleServer --------------------------------------------------------------------------

ConsoleServer::ConsoleServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ConsoleServer::~ConsoleServer() { stop(); }

Result<std::unique_ptr<ConsoleServer>> ConsoleServer::start(ConsoleServerConfig config, ConsoleHooks hooks,
                                                            SpscRing<ConsoleUpdate>& feed) {
  if (config.max_backlog == 0 || config.max_connections == 0 || config.max_frame_bytes == 0 ||
      !(config.rate_limit_per_s > 0)) {
    return Error{ErrorCode::kInvalidArgument,
                 "console: max_backlog, max_connections, max_frame_bytes and rate_limit_per_s must be positive"};
  }
  if (config.nice < 0 || config.nice > 19) {
    return Error{ErrorCode::kInvalidArgument, "console: nice = " + std::to_string(config.nice) + ": must be 0..19"};
  }
  if (config.cpu >= online_cpu_count()) {
    return Error{ErrorCode::kInvalidArgument, "console: threads.console = " + std::to_string(config.cpu) +
                                                  ": cpu does not exist (" + std::to_string(online_cpu_count()) +
                                                  " online)"};
  }
  auto tokens = TokenTable::make(config.users);
  if (!tokens) return tokens.error();
  auto impl = std::make_unique<Impl>(std::move(config), std::move(hooks), feed, std::move(*tokens));
  if (Status s = impl->open(); !s) return s.error();
  impl->run_thread();
  return std::unique_ptr<ConsoleServer>(new ConsoleServer(std::move(impl)));
}

void ConsoleServer::stop() {
  if (impl_) impl_->stop();
}

void ConsoleServer::post_alert(AlertSeverity severity, std::string code, std::string message) {
  impl_->post_alert(severity, std::move(code), std::move(message));
}

std::uint16_t ConsoleServer::bound_port() const noexcept { return impl_->bound_port(); }

ConsoleCounters ConsoleServer::counters() const noexcept { return impl_->counters().snapshot(); }

}  // namespace sequent::console
