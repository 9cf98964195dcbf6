// BinanceVenue: the networking of the local Binance-spot venue (Boost.Beast over Asio, C++20
// coroutines on one io_context thread). Requests are decoded here and answered by Exchange.
// Cold path throughout: a test venue, clear code first.
#include "gateways/binance_venue/binance_venue.hpp"

#include <simdjson.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <list>
#include <set>
#include <thread>

#include "gateways/binance_venue/json_out.hpp"
#include "gateways/detail/byte_source.hpp"
#include "gateways/detail/line_reader.hpp"

namespace sequent::binance_venue {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

void apply_key_environment(ExchangeConfig& config) {
  if (const char* key = std::getenv("SEQUENT_VENUE_API_KEY"); key != nullptr && *key != '\0') config.api_key = key;
  if (const char* secret = std::getenv("SEQUENT_VENUE_API_SECRET"); secret != nullptr && *secret != '\0')
    config.api_secret = secret;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Splits a query string or form body into params; returns false on a duplicate name. The
// signature parameter goes to `signature`, and `unsigned_text` gets the text without it (what
// the signature covers).
bool parse_form(std::string_view text, Params& params, std::string& signature, std::string& unsigned_text,
                std::string& duplicate) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t amp = text.find('&', pos);
    if (amp == std::string_view::npos) amp = text.size();
    const std::string_view item = text.substr(pos, amp - pos);
    pos = amp + 1;
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    const std::string name = url_decode(item.substr(0, eq));
    const std::string value = eq == std::string_view::npos ? std::string() : url_decode(item.substr(eq + 1));
    if (name == "signature") {
      signature = value;
      continue;
    }
    if (!unsigned_text.empty()) unsigned_text.push_back('&');
    unsigned_text += item;
    if (!params.emplace(name, value).second) {
      duplicate = name;
      return false;
    }
  }
  return true;
}

std::string trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
    s.remove_suffix(1);
  return std::string(s);
}

std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// One line of a capture: `<receive_ns> <json>`.
struct CaptureLine {
  std::int64_t receive_ns = 0;
  std::string_view json;
  std::string_view stream;  // combined-stream messages only
  std::string_view data;    // the "data" object of a combined-stream message
  bool snapshot = false;    // a REST depth snapshot
};

bool split_capture_line(std::string_view line, CaptureLine& out) {
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return false;
  auto [ptr, ec] = std::from_chars(line.data(), line.data() + space, out.receive_ns);
  if (ec != std::errc() || ptr != line.data() + space) return false;
  out.json = line.substr(space + 1);
  while (!out.json.empty() && (out.json.back() == ' ' || out.json.back() == '\r')) out.json.remove_suffix(1);
  out.stream = {};
  out.data = {};
  out.snapshot = false;
  constexpr std::string_view kStream = "{\"stream\":\"";
  constexpr std::string_view kData = "\",\"data\":";
  if (out.json.starts_with(kStream)) {
    const std::size_t end = out.json.find(kData, kStream.size());
    if (end == std::string_view::npos || out.json.back() != '}') return false;
    out.stream = out.json.substr(kStream.size(), end - kStream.size());
    const std::size_t data_begin = end + kData.size();
    out.data = out.json.substr(data_begin, out.json.size() - 1 - data_begin);
    return true;
  }
  if (out.json.starts_with("{\"lastUpdateId\"")) {
    out.snapshot = true;
    return true;
  }
  return false;
}

struct WsConn {
  enum class Kind { kMarket, kApi };
  virtual ~WsConn() = default;
  Kind kind = Kind::kMarket;
  bool combined = true;
  std::set<std::string, std::less<>> streams;
  std::vector<std::int64_t> subscriptions;  // user-data subscription ids (WS API)
  std::int64_t next_subscription = 0;
  std::deque<std::string> outbox;
  bool closing = false;
  bool peer_closed = false;
  std::size_t max_backlog = 100'000;
  std::unique_ptr<asio::steady_timer> wake;
  std::string remote;

  void send(std::string message) {
    if (closing) return;
    if (outbox.size() >= max_backlog) {  // a client that does not read is dropped, as Binance does
      outbox.clear();
      close();
      return;
    }
    outbox.push_back(std::move(message));
    wake->cancel();
  }
  void close() {
    closing = true;
    wake->cancel();
  }
};

template <class Ws>
struct WsConnT final : WsConn {
  template <class Stream>
  explicit WsConnT(Stream&& s) : ws(std::forward<Stream>(s)) {}
  Ws ws;
};

}  // namespace

class BinanceVenue::Impl final : public Sink {
 public:
  explicit Impl(VenueOptions options) : options_(std::move(options)) {}

  ~Impl() override {
    stop();
    conns_.clear();
    acceptor_.reset();
    replay_start_.reset();
    exchange_.reset();
    ioc_.reset();  // destroys the suspended coroutines while the io services still exist
  }

  Status init();
  void run() {
    thread_ = std::thread([this] { ioc_->run(); });
  }
  // Closes the listener and every connection (close frames where the peer still listens), then
  // stops the io_context after a short grace period and joins.
  void stop() {
    if (stopped_.exchange(true)) return;
    if (ioc_ && thread_.joinable()) {
      asio::post(*ioc_, [this] {
        boost::system::error_code ec;
        if (acceptor_) acceptor_->close(ec);
        for (auto& c : conns_) c->close();
        if (conns_.empty()) {
          ioc_->stop();
          return;
        }
        auto grace = std::make_shared<asio::steady_timer>(*ioc_, std::chrono::milliseconds(200));
        grace->async_wait([this, grace](boost::system::error_code) { ioc_->stop(); });
      });
    }
    if (thread_.joinable()) thread_.join();
  }

  std::uint16_t port_ = 0;
  std::string address_;

  // Sink.
  bool has_subscribers(std::string_view stream) const override {
    auto it = stream_counts_.find(stream);
    return it != stream_counts_.end() && it->second > 0;
  }
  void publish(std::string_view stream, std::string_view combined, std::string_view raw) override {
    for (auto& c : conns_) {
      if (c->kind != WsConn::Kind::kMarket || !c->streams.contains(stream)) continue;
      c->send(std::string(c->combined ? combined : raw));
    }
  }
  void user_event(const std::string& event_json) override {
    for (auto& c : conns_) {
      if (c->kind != WsConn::Kind::kApi) continue;
      for (std::int64_t id : c->subscriptions)
        c->send("{\"subscriptionId\":" + std::to_string(id) + ",\"event\":" + event_json + "}");
    }
  }

 private:
  awaitable<void> accept_loop();
  awaitable<void> tls_session(tcp::socket socket, std::string remote);
  template <class Stream>
  awaitable<void> http_session(Stream stream, std::string remote);
  template <class Stream>
  awaitable<void> websocket_session(Stream stream, http::request<http::string_body> req, std::string remote);
  template <class Ws>
  awaitable<void> writer(std::shared_ptr<WsConnT<Ws>> conn);
  awaitable<void> market_clock();
  awaitable<void> replay();

  http::response<http::string_body> handle_http(const http::request<http::string_body>& req,
                                                const std::string& remote, std::int64_t& delay_ms);
  std::string handle_market_message(WsConn& conn, std::string_view text);
  std::string handle_api_message(WsConn& conn, std::string_view text, std::int64_t& delay_ms);
  void subscribe(WsConn& conn, const std::string& stream);
  void unsubscribe(WsConn& conn, const std::string& stream);
  void remove_conn(const std::shared_ptr<WsConn>& conn);
  void run_disconnect_faults();

  VenueOptions options_;
  std::optional<ssl::context> ssl_ctx_;  // declared before the io_context: outlives the streams
  std::unique_ptr<asio::io_context> ioc_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::list<std::shared_ptr<WsConn>> conns_;
  std::map<std::string, int, std::less<>> stream_counts_;
  std::unique_ptr<Exchange> exchange_;
  std::unique_ptr<asio::steady_timer> replay_start_;
  bool replay_started_ = false;
  std::string replay_symbol_;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
};

// ---- start-up ---------------------------------------------------------------------------------

Status BinanceVenue::Impl::init() {
  ioc_ = std::make_unique<asio::io_context>(1);
  ExchangeConfig config = options_.exchange;
  if (options_.replay_speed < 0) return Error{ErrorCode::kInvalidArgument, "--speed must be >= 0"};
  std::string snapshot;
  if (!options_.replay_path.empty()) {
    // The capture's symbols and its first REST depth snapshot.
    auto source = detail::ByteSource::open(options_.replay_path);
    if (!source) return Error{source.error().code, "--replay " + options_.replay_path + ": " + source.error().message};
    detail::LineReader lines(std::move(*source), 1 << 20);
    std::set<std::string> symbols;
    std::string_view line;
    std::uint64_t scanned = 0;
    for (;;) {
      auto more = lines.next(line);
      if (!more) return Error{more.error().code, "--replay " + options_.replay_path + ": " + more.error().message};
      if (!*more) break;
      CaptureLine cl;
      if (!split_capture_line(line, cl))
        return Error{ErrorCode::kParse, "--replay " + options_.replay_path + ":" + std::to_string(lines.line_number()) +
                                            ": not `<receive_ns> <combined-stream or depth-snapshot json>`"};
      if (!cl.stream.empty()) symbols.insert(upper(cl.stream.substr(0, cl.stream.find('@'))));
      if (cl.snapshot && snapshot.empty()) snapshot = std::string(cl.json);
      if ((!snapshot.empty() && !symbols.empty()) || ++scanned > 1'000'000) break;
    }
    if (symbols.empty()) return Error{ErrorCode::kParse, "--replay " + options_.replay_path + ": no stream messages"};
    config.symbols.assign(symbols.begin(), symbols.end());
    config.replay = true;
    replay_symbol_ = *symbols.begin();
  }
  auto ex = Exchange::create(std::move(config), *this);
  if (!ex) return ex.error();
  exchange_ = std::move(*ex);
  if (!snapshot.empty()) {
    if (Status s = exchange_->set_replay_snapshot(replay_symbol_, snapshot); !s) return s;
  }
  if (!options_.faults.empty()) {
    FaultPlan probe;
    if (Status s = parse_fault_spec(options_.faults, probe); !s) return Error{ErrorCode::kInvalidArgument, "--faults: " + s.error().message};
    (void)exchange_->apply_faults(options_.faults);
  }
  if (options_.tls) {
    if (options_.cert_file.empty() || options_.key_file.empty())
      return Error{ErrorCode::kInvalidArgument, "--tls needs --cert FILE and --key FILE"};
    ssl_ctx_.emplace(ssl::context::tls_server);
    boost::system::error_code ec;
    ssl_ctx_->use_certificate_chain_file(options_.cert_file, ec);
    if (ec) return Error{ErrorCode::kInvalidArgument, "--cert " + options_.cert_file + ": " + ec.message()};
    ssl_ctx_->use_private_key_file(options_.key_file, ssl::context::pem, ec);
    if (ec) return Error{ErrorCode::kInvalidArgument, "--key " + options_.key_file + ": " + ec.message()};
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options_.listen_host, ec);
  if (ec) return Error{ErrorCode::kInvalidArgument, "--listen: bad host '" + options_.listen_host + "'"};
  acceptor_ = std::make_unique<tcp::acceptor>(*ioc_);
  const tcp::endpoint endpoint(address, options_.listen_port);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Error{ErrorCode::kIo, "cannot listen on " + options_.listen_host + ":" + std::to_string(options_.listen_port) +
                                     ": " + ec.message()};
  const tcp::endpoint bound = acceptor_->local_endpoint();
  port_ = bound.port();
  address_ = bound.address().to_string() + ":" + std::to_string(port_);

  asio::co_spawn(*ioc_, accept_loop(), asio::detached);
  if (options_.replay_path.empty()) {
    asio::co_spawn(*ioc_, market_clock(), asio::detached);
  } else {
    replay_start_ = std::make_unique<asio::steady_timer>(*ioc_, asio::steady_timer::time_point::max());
    asio::co_spawn(*ioc_, replay(), asio::detached);
  }
  return {};
}

// ---- accept and HTTP ---------------------------------------------------------------------------

awaitable<void> BinanceVenue::Impl::accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor_->async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    std::string remote = "127.0.0.1";
    if (auto ep = socket.remote_endpoint(ec); !ec) remote = ep.address().to_string();
    if (ssl_ctx_)
      asio::co_spawn(*ioc_, tls_session(std::move(socket), std::move(remote)), asio::detached);
    else
      asio::co_spawn(*ioc_, http_session(beast::tcp_stream(std::move(socket)), std::move(remote)), asio::detached);
  }
}

awaitable<void> BinanceVenue::Impl::tls_session(tcp::socket socket, std::string remote) {
  beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *ssl_ctx_);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
  boost::system::error_code ec;
  co_await stream.async_handshake(ssl::stream_base::server, asio::redirect_error(use_awaitable, ec));
  if (ec) co_return;
  co_await http_session(std::move(stream), std::move(remote));
}

template <class Stream>
awaitable<void> BinanceVenue::Impl::http_session(Stream stream, std::string remote) {
  beast::flat_buffer buffer;
  for (;;) {
    boost::system::error_code ec;
    http::request_parser<http::string_body> parser;
    parser.body_limit(1 << 20);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(300));
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec != http::error::end_of_stream && ec != asio::error::operation_aborted && ec != asio::error::eof &&
          ec != beast::error::timeout && ec != asio::error::connection_reset) {
        // A malformed request: answer 400 in Binance's error shape, then close.
        http::response<http::string_body> res{http::status::bad_request, 11};
        res.set(http::field::content_type, "application/json;charset=UTF-8");
        res.body() = "{\"code\":-1000,\"msg\":\"Malformed HTTP request: " + ec.message() + "\"}";
        res.prepare_payload();
        co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
      }
      break;
    }
    http::request<http::string_body> req = parser.release();
    if (websocket::is_upgrade(req)) {
      beast::get_lowest_layer(stream).expires_never();
      co_await websocket_session(std::move(stream), std::move(req), std::move(remote));
      co_return;
    }
    std::int64_t delay_ms = 0;
    http::response<http::string_body> res = handle_http(req, remote, delay_ms);
    if (delay_ms > 0) {
      asio::steady_timer timer(*ioc_, std::chrono::milliseconds(delay_ms));
      co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    const bool keep_alive = res.keep_alive();
    co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
    if (ec || !keep_alive) break;
  }
  boost::system::error_code ignored;
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send, ignored);
}

http::response<http::string_body> BinanceVenue::Impl::handle_http(const http::request<http::string_body>& req,
                                                                  const std::string& remote, std::int64_t& delay_ms) {
  const std::string_view target(req.target().data(), req.target().size());
  const std::size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  const auto method = req.method();

  http::response<http::string_body> res{http::status::ok, req.version()};
  res.set(http::field::content_type, "application/json;charset=UTF-8");
  res.set(http::field::server, "sequent-venue-sim");
  res.keep_alive(req.keep_alive());
  auto finish = [&](unsigned status, std::string body) {
    res.result(status);
    res.body() = std::move(body);
    res.prepare_payload();
    return std::move(res);
  };

  // Control API (tests and operators): not rate limited, not signed.
  if (path == "/sim/state" && method == http::verb::get) return finish(200, exchange_->state_json());
  if (path == "/sim/faults" && method == http::verb::post) {
    Reply r = exchange_->apply_faults(req.body().empty() ? query : std::string_view(req.body()));
    run_disconnect_faults();
    return finish(r.status, r.ok() ? exchange_->state_json() : r.error_body());
  }

  // Binance signs the query string followed directly by the body (no '&' between them).
  Params params;
  std::string signature, query_text, body_text, duplicate;
  if (!parse_form(query, params, signature, query_text, duplicate) ||
      (method != http::verb::get && !parse_form(req.body(), params, signature, body_text, duplicate))) {
    return finish(400, "{\"code\":-1101,\"msg\":\"Duplicate values for a parameter detected.\"}");
  }
  if (path == "/sim/trade" && method == http::verb::post) {
    Reply r = exchange_->inject_trade(params);
    return finish(r.status, r.ok() ? r.body : r.error_body());
  }

  struct Route {
    http::verb method;
    std::string_view path;
    Endpoint endpoint;
  };
  static constexpr Route kRoutes[] = {
      {http::verb::get, "/api/v3/ping", Endpoint::kPing},
      {http::verb::get, "/api/v3/time", Endpoint::kTime},
      {http::verb::get, "/api/v3/exchangeInfo", Endpoint::kExchangeInfo},
      {http::verb::get, "/api/v3/depth", Endpoint::kDepth},
      {http::verb::post, "/api/v3/order", Endpoint::kOrderNew},
      {http::verb::delete_, "/api/v3/order", Endpoint::kOrderCancel},
      {http::verb::get, "/api/v3/order", Endpoint::kOrderQuery},
      {http::verb::delete_, "/api/v3/openOrders", Endpoint::kCancelAll},
      {http::verb::get, "/api/v3/openOrders", Endpoint::kOpenOrders},
      {http::verb::get, "/api/v3/account", Endpoint::kAccount},
      {http::verb::get, "/api/v3/myTrades", Endpoint::kMyTrades},
  };
  const Route* route = nullptr;
  bool path_known = false;
  for (const Route& r : kRoutes) {
    if (r.path != path) continue;
    path_known = true;
    if (r.method == method) route = &r;
  }
  if (route == nullptr) {
    if (path_known) return finish(405, "{\"code\":-1000,\"msg\":\"Method not allowed for this endpoint.\"}");
    return finish(404, "{\"code\":-1000,\"msg\":\"Unknown endpoint: " + std::string(path) + "\"}");
  }
  Auth auth;
  if (auto it = req.find("X-MBX-APIKEY"); it != req.end()) auth.api_key = std::string(it->value());
  auth.signature = signature;
  auth.signed_payload = query_text + body_text;
  auth.remote = remote;
  Reply r = exchange_->handle(route->endpoint, params, auth);
  delay_ms = r.delay_ms;
  res.set("X-MBX-USED-WEIGHT", std::to_string(r.usage.weight_1m));
  res.set("X-MBX-USED-WEIGHT-1M", std::to_string(r.usage.weight_1m));
  if (r.counts_orders) {
    res.set("X-MBX-ORDER-COUNT-10S", std::to_string(r.usage.orders_10s));
    res.set("X-MBX-ORDER-COUNT-1D", std::to_string(r.usage.orders_1d));
  }
  if (r.retry_after_s >= 0) res.set(http::field::retry_after, std::to_string(r.retry_after_s));
  return finish(r.status, r.ok() ? std::move(r.body) : r.error_body());
}

// ---- WebSockets --------------------------------------------------------------------------------

void BinanceVenue::Impl::subscribe(WsConn& conn, const std::string& stream) {
  if (conn.streams.insert(stream).second) ++stream_counts_[stream];
  if (!replay_started_ && replay_start_) {
    replay_started_ = true;
    replay_start_->cancel();
  }
}

void BinanceVenue::Impl::unsubscribe(WsConn& conn, const std::string& stream) {
  if (conn.streams.erase(stream) > 0) --stream_counts_[stream];
}

void BinanceVenue::Impl::remove_conn(const std::shared_ptr<WsConn>& conn) {
  for (const std::string& s : conn->streams) --stream_counts_[s];
  conn->streams.clear();
  conn->subscriptions.clear();
  conns_.remove(conn);
}

void BinanceVenue::Impl::run_disconnect_faults() {
  std::uint64_t streams = 0, users = 0;
  if (exchange_->take_disconnect_streams()) {
    for (auto& c : conns_)
      if (c->kind == WsConn::Kind::kMarket && !c->closing) {
        c->close();
        ++streams;
      }
  }
  if (exchange_->take_disconnect_user_stream()) {
    for (auto& c : conns_) {
      if (c->kind != WsConn::Kind::kApi || c->subscriptions.empty() || c->closing) continue;
      for (std::int64_t id : c->subscriptions)
        c->send("{\"subscriptionId\":" + std::to_string(id) + ",\"event\":{\"e\":\"eventStreamTerminated\",\"E\":" +
                std::to_string(exchange_->now_ms()) + "}}");
      c->subscriptions.clear();
      c->close();
      ++users;
    }
  }
  exchange_->count_disconnects(streams, users);
}

template <class Stream>
awaitable<void> BinanceVenue::Impl::websocket_session(Stream stream, http::request<http::string_body> req,
                                                      std::string remote) {
  using Ws = websocket::stream<Stream>;
  const std::string target(req.target());
  const std::size_t q = target.find('?');
  const std::string path = target.substr(0, q);
  const std::string query = q == std::string::npos ? std::string() : target.substr(q + 1);
  WsConn::Kind kind = WsConn::Kind::kMarket;
  bool combined = true;
  std::vector<std::string> initial;
  auto split_streams = [&](std::string_view list) {
    std::size_t pos = 0;
    while (pos < list.size()) {
      std::size_t slash = list.find('/', pos);
      if (slash == std::string_view::npos) slash = list.size();
      if (slash > pos) initial.emplace_back(list.substr(pos, slash - pos));
      pos = slash + 1;
    }
  };
  if (path == "/ws-api/v3") {
    kind = WsConn::Kind::kApi;
    if (exchange_->refuse_ws_api_connection()) {  // the refuse_ws_api fault: an outage
      http::response<http::string_body> res{http::status::service_unavailable, req.version()};
      res.set(http::field::content_type, "application/json;charset=UTF-8");
      res.body() = "{\"code\":-1001,\"msg\":\"Internal error; unable to process your request. Please try again.\"}";
      res.prepare_payload();
      boost::system::error_code ec;
      co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
      co_return;
    }
  } else if (path == "/stream") {
    Params params;
    std::string sig, text, dup;
    (void)parse_form(query, params, sig, text, dup);
    if (auto it = params.find("streams"); it != params.end()) split_streams(it->second);
  } else if (path == "/ws" || path.starts_with("/ws/")) {
    combined = false;
    if (path.size() > 4) split_streams(std::string_view(path).substr(4));
  } else {
    http::response<http::string_body> res{http::status::not_found, req.version()};
    res.set(http::field::content_type, "application/json;charset=UTF-8");
    res.body() = "{\"code\":-1000,\"msg\":\"Unknown WebSocket path: " + path + "\"}";
    res.prepare_payload();
    boost::system::error_code ec;
    co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
    co_return;
  }

  auto conn = std::make_shared<WsConnT<Ws>>(std::move(stream));
  conn->kind = kind;
  conn->combined = combined;
  conn->remote = remote;
  conn->max_backlog = options_.max_backlog;
  conn->wake = std::make_unique<asio::steady_timer>(*ioc_);
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(30);
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  conn->ws.set_option(timeouts);
  conn->ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "sequent-venue-sim"); }));
  conn->ws.control_callback([this](websocket::frame_type kind_of, beast::string_view) {
    if (kind_of == websocket::frame_type::pong) exchange_->note_pong();
  });
  conn->ws.read_message_max(1 << 20);
  boost::system::error_code ec;
  co_await conn->ws.async_accept(req, asio::redirect_error(use_awaitable, ec));
  if (ec) co_return;
  conn->ws.text(true);
  conns_.push_back(conn);
  exchange_->note_ws_open(kind == WsConn::Kind::kApi);
  for (const std::string& s : initial) subscribe(*conn, s);
  asio::co_spawn(*ioc_, writer(conn), asio::detached);

  beast::flat_buffer buffer;
  for (;;) {
    buffer.clear();
    co_await conn->ws.async_read(buffer, asio::redirect_error(use_awaitable, ec));
    if (ec) break;
    if (conn->closing) continue;
    const std::string text = beast::buffers_to_string(buffer.data());
    if (kind == WsConn::Kind::kMarket) {
      std::string reply = handle_market_message(*conn, text);
      if (!reply.empty()) conn->send(std::move(reply));
    } else {
      std::int64_t delay_ms = 0;
      std::string reply = handle_api_message(*conn, text, delay_ms);
      if (delay_ms > 0) {
        asio::steady_timer timer(*ioc_, std::chrono::milliseconds(delay_ms));
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
      }
      conn->send(std::move(reply));
    }
  }
  conn->peer_closed = true;
  conn->close();
  remove_conn(conn);
}

template <class Ws>
awaitable<void> BinanceVenue::Impl::writer(std::shared_ptr<WsConnT<Ws>> conn) {
  const auto ping_every = std::chrono::milliseconds(std::max(1, options_.ping_interval_ms));
  auto next_ping = std::chrono::steady_clock::now() + ping_every;
  boost::system::error_code ec;
  for (;;) {
    if (conn->closing && conn->outbox.empty()) break;
    if (!conn->outbox.empty()) {
      const std::string message = std::move(conn->outbox.front());
      conn->outbox.pop_front();
      co_await conn->ws.async_write(asio::buffer(message), asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      continue;
    }
    if (std::chrono::steady_clock::now() >= next_ping) {
      co_await conn->ws.async_ping({}, asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      next_ping = std::chrono::steady_clock::now() + ping_every;
      continue;
    }
    conn->wake->expires_at(next_ping);
    co_await conn->wake->async_wait(asio::redirect_error(use_awaitable, ec));
  }
  conn->closing = true;
  conn->outbox.clear();
  if (!conn->peer_closed && conn->ws.is_open()) {
    co_await conn->ws.async_close(websocket::close_code::normal, asio::redirect_error(use_awaitable, ec));
  }
}

std::string BinanceVenue::Impl::handle_market_message(WsConn& conn, std::string_view text) {
  auto error = [](int code, std::string_view msg, std::string_view id) {
    return "{\"error\":{\"code\":" + std::to_string(code) + ",\"msg\":\"" + std::string(msg) + "\"},\"id\":" +
           std::string(id) + "}";
  };
  simdjson::dom::parser parser;
  simdjson::dom::object request;
  if (parser.parse(text.data(), text.size()).get(request) != simdjson::SUCCESS)
    return error(3, "Invalid JSON: expected a JSON object", "null");
  std::string id = "null";
  if (simdjson::dom::element e; request["id"].get(e) == simdjson::SUCCESS) {
    if (!e.is_int64() && !e.is_uint64() && !e.is_string() && !e.is_null())
      return error(1, "Invalid value type: expected id to be an unsigned integer or a string", "null");
    id = simdjson::minify(e);
  }
  std::string_view method;
  if (request["method"].get(method) != simdjson::SUCCESS) return error(2, "Invalid request: missing field `method`", id);
  if (method == "LIST_SUBSCRIPTIONS") {
    JsonOut j;
    j.begin_object().key("result").begin_array();
    for (const std::string& s : conn.streams) j.str(s);
    j.end_array().kv_raw("id", id).end_object();
    return j.take();
  }
  if (method != "SUBSCRIBE" && method != "UNSUBSCRIBE")
    return error(2, "Invalid request: unknown variant `" + std::string(method) + "`", id);
  simdjson::dom::array params;
  if (request["params"].get(params) != simdjson::SUCCESS) return error(2, "Invalid request: missing field `params`", id);
  for (auto p : params) {
    std::string_view stream;
    if (p.get(stream) != simdjson::SUCCESS) return error(1, "Invalid value type: expected a stream name string", id);
  }
  for (auto p : params) {
    const std::string stream(p.get_string().value());
    if (method == "SUBSCRIBE") subscribe(conn, stream); else unsubscribe(conn, stream);
  }
  return "{\"result\":null,\"id\":" + id + "}";
}

std::string BinanceVenue::Impl::handle_api_message(WsConn& conn, std::string_view text, std::int64_t& delay_ms) {
  auto error = [&](std::string_view id, unsigned status, int code, std::string_view msg, const std::string& limits,
                   std::int64_t retry_until_ms = 0) {
    JsonOut j;
    j.begin_object().kv_raw("id", id).kv_int("status", status).key("error").begin_object().kv_int("code", code)
        .kv_str("msg", msg);
    // 429/418: Binance's WS API says until when ({"data":{"serverTime":..,"retryAfter":..}}).
    if (retry_until_ms > 0)
      j.key("data").begin_object().kv_int("serverTime", exchange_->now_ms()).kv_int("retryAfter", retry_until_ms).end_object();
    j.end_object();
    if (!limits.empty()) j.kv_raw("rateLimits", limits);
    j.end_object();
    return j.take();
  };
  simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(text);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object request;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc.get_object().get(request) != simdjson::SUCCESS)
    return error("null", 400, -1000, "Malformed request: the message is not a JSON object.", "");
  std::string id = "null", method;
  bool have_method = false;
  Params params;
  for (auto field_result : request) {
    simdjson::ondemand::field field;
    std::string_view key;
    if (std::move(field_result).get(field) != simdjson::SUCCESS || field.unescaped_key().get(key) != simdjson::SUCCESS)
      return error("null", 400, -1000, "Malformed request: invalid JSON.", "");
    simdjson::ondemand::value value = field.value();
    if (key == "id") {
      simdjson::ondemand::json_type t;
      std::string_view token;
      if (value.type().get(t) != simdjson::SUCCESS || false)
        return error("null", 400, -1000, "Malformed request: invalid JSON.", "");
      if (t != simdjson::ondemand::json_type::string && t != simdjson::ondemand::json_type::number &&
          t != simdjson::ondemand::json_type::null)
        return error("null", 400, -1000, "Malformed request: 'id' must be a string or a number.", "");
      token = value.raw_json_token();
      id = trim_right(token);
    } else if (key == "method") {
      std::string_view m;
      if (value.get_string().get(m) != simdjson::SUCCESS)
        return error(id, 400, -1000, "Malformed request: 'method' must be a string.", "");
      method = std::string(m);
      have_method = true;
    } else if (key == "params") {
      simdjson::ondemand::object object;
      if (value.get_object().get(object) != simdjson::SUCCESS)
        return error(id, 400, -1000, "Malformed request: 'params' must be an object.", "");
      for (auto param_result : object) {
        simdjson::ondemand::field param;
        std::string_view name;
        if (std::move(param_result).get(param) != simdjson::SUCCESS || param.unescaped_key().get(name) != simdjson::SUCCESS)
          return error(id, 400, -1000, "Malformed request: invalid JSON.", "");
        simdjson::ondemand::value v = param.value();
        simdjson::ondemand::json_type t;
        if (v.type().get(t) != simdjson::SUCCESS) return error(id, 400, -1000, "Malformed request: invalid JSON.", "");
        std::string_view text_value;
        simdjson::error_code err = simdjson::SUCCESS;
        if (t == simdjson::ondemand::json_type::string) err = v.get_string().get(text_value);
        else if (t == simdjson::ondemand::json_type::array || t == simdjson::ondemand::json_type::object)
          err = simdjson::to_json_string(v).get(text_value);
        else text_value = v.raw_json_token();
        if (err != simdjson::SUCCESS) return error(id, 400, -1000, "Malformed request: invalid JSON.", "");
        params[std::string(name)] = t == simdjson::ondemand::json_type::string ? std::string(text_value)
                                                                              : trim_right(text_value);
      }
    }
  }
  if (!have_method) return error(id, 400, -1000, "Malformed request: missing 'method'.", "");

  static const std::map<std::string, Endpoint, std::less<>> kMethods = {
      {"ping", Endpoint::kPing},
      {"time", Endpoint::kTime},
      {"exchangeInfo", Endpoint::kExchangeInfo},
      {"depth", Endpoint::kDepth},
      {"order.place", Endpoint::kOrderNew},
      {"order.cancel", Endpoint::kOrderCancel},
      {"order.status", Endpoint::kOrderQuery},
      {"openOrders.cancelAll", Endpoint::kCancelAll},
      {"openOrders.status", Endpoint::kOpenOrders},
      {"account.status", Endpoint::kAccount},
      {"myTrades", Endpoint::kMyTrades},
      {"userDataStream.subscribe.signature", Endpoint::kUserDataSubscribe},
      {"userDataStream.unsubscribe", Endpoint::kPing},
  };
  auto it = kMethods.find(method);
  if (it == kMethods.end()) return error(id, 400, -1020, "Unknown method '" + method + "'.", "");
  // WS-API signatures cover every parameter but the signature, sorted by name, as key=value&...
  Auth auth;
  auth.remote = conn.remote;
  if (auto k = params.find("apiKey"); k != params.end()) auth.api_key = k->second;
  if (auto s = params.find("signature"); s != params.end()) {
    auth.signature = s->second;
    params.erase(s);
  }
  for (const auto& [name, value] : params) {
    if (!auth.signed_payload.empty()) auth.signed_payload.push_back('&');
    auth.signed_payload += name + "=" + value;
  }
  Reply r = exchange_->handle(it->second, params, auth);
  delay_ms = r.delay_ms;
  const std::string limits = exchange_->ws_rate_limits(r.usage, r.counts_orders);
  if (!r.ok()) return error(id, r.status, r.code, r.msg, limits, r.retry_until_ms);
  JsonOut j;
  j.begin_object().kv_raw("id", id).kv_int("status", 200);
  if (method == "userDataStream.subscribe.signature") {
    const std::int64_t sub = conn.next_subscription++;
    conn.subscriptions.push_back(sub);
    j.key("result").begin_object().kv_int("subscriptionId", sub).end_object();
  } else if (method == "userDataStream.unsubscribe") {
    if (auto s = params.find("subscriptionId"); s != params.end()) {
      std::int64_t sub = -1;
      (void)std::from_chars(s->second.data(), s->second.data() + s->second.size(), sub);
      conn.subscriptions.erase(std::remove(conn.subscriptions.begin(), conn.subscriptions.end(), sub),
                               conn.subscriptions.end());
    } else {
      conn.subscriptions.clear();
    }
    j.kv_raw("result", "{}").kv_raw("rateLimits", limits);
  } else {
    j.kv_raw("result", r.body).kv_raw("rateLimits", limits);
  }
  j.end_object();
  return j.take();
}

// ---- market clock (sim) and replay -------------------------------------------------------------

awaitable<void> BinanceVenue::Impl::market_clock() {
  asio::steady_timer timer(*ioc_);
  const auto tick = std::chrono::milliseconds(std::max(1, options_.depth_interval_ms));
  auto next = std::chrono::steady_clock::now();
  for (std::uint64_t n = 1;; ++n) {
    next += tick;
    timer.expires_at(next);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    if (ec || stopped_) co_return;
    exchange_->advance_sim(wall_ns());
    exchange_->flush_depth(true, n % 10 == 0);
  }
}

awaitable<void> BinanceVenue::Impl::replay() {
  boost::system::error_code ec;
  co_await replay_start_->async_wait(asio::redirect_error(use_awaitable, ec));  // the first subscriber
  if (stopped_) co_return;
  auto source = detail::ByteSource::open(options_.replay_path);
  if (!source) {
    std::fprintf(stderr, "sequent venue-sim: --replay: %s\n", source.error().message.c_str());
    co_return;
  }
  detail::LineReader lines(std::move(*source), 1 << 20);
  asio::steady_timer timer(*ioc_);
  const auto start = std::chrono::steady_clock::now();
  std::int64_t first_ns = -1;
  std::string_view line;
  for (std::uint64_t count = 0;; ++count) {
    auto more = lines.next(line);
    if (!more) {
      std::fprintf(stderr, "sequent venue-sim: --replay line %llu: %s\n",
                   static_cast<unsigned long long>(lines.line_number()), more.error().message.c_str());
      co_return;
    }
    if (!*more) break;
    CaptureLine cl;
    if (!split_capture_line(line, cl)) continue;
    // Copy: the line's bytes are only valid until the next read, and we may suspend.
    const std::string json(cl.json);
    const std::size_t stream_at = cl.stream.empty() ? 0 : static_cast<std::size_t>(cl.stream.data() - cl.json.data());
    const std::size_t data_at = cl.data.empty() ? 0 : static_cast<std::size_t>(cl.data.data() - cl.json.data());
    const std::string_view stream = std::string_view(json).substr(stream_at, cl.stream.size());
    const std::string_view data = std::string_view(json).substr(data_at, cl.data.size());
    if (first_ns < 0) first_ns = cl.receive_ns;
    if (options_.replay_speed > 0) {
      const auto offset = std::chrono::nanoseconds(
          static_cast<std::int64_t>(static_cast<double>(cl.receive_ns - first_ns) / options_.replay_speed));
      if (start + offset > std::chrono::steady_clock::now()) {
        timer.expires_at(start + offset);
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
        if (stopped_) co_return;
      }
    } else {
      // As fast as clients read: wait while any stream client has a backlog.
      for (;;) {
        bool backlog = false;
        for (auto& c : conns_)
          if (c->kind == WsConn::Kind::kMarket && c->outbox.size() > 256) backlog = true;
        if (!backlog) break;
        timer.expires_after(std::chrono::milliseconds(1));
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
        if (stopped_) co_return;
      }
      if (count % 64 == 0) co_await asio::post(*ioc_, use_awaitable);  // let requests in
    }
    if (cl.snapshot) continue;  // served by /api/v3/depth (the first one, installed at start)
    exchange_->on_replay_message(stream, json, data);
  }
}

// ---- public ------------------------------------------------------------------------------------

Result<std::unique_ptr<BinanceVenue>> BinanceVenue::start(VenueOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  if (Status s = impl->init(); !s) return s.error();
  impl->run();
  return std::unique_ptr<BinanceVenue>(new BinanceVenue(std::move(impl)));
}

BinanceVenue::BinanceVenue(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BinanceVenue::~BinanceVenue() = default;
std::uint16_t BinanceVenue::port() const noexcept { return impl_->port_; }
std::string BinanceVenue::bound_address() const { return impl_->address_; }
void BinanceVenue::stop() { impl_->stop(); }

}  // namespace sequent::binance_venue
