#include "gateways/binance_net/http_client.hpp"

#include <ctime>
#include <deque>
#include <optional>
#include <strings.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "gateways/binance_net/tls.hpp"
#include "gateways/binance_net/url.hpp"

namespace sequent::binance_net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

TimeNs realtime_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<TimeNs>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

http::verb verb_of(HttpMethod m) noexcept {
  switch (m) {
    case HttpMethod::kGet: return http::verb::get;
    case HttpMethod::kPost: return http::verb::post;
    case HttpMethod::kPut: return http::verb::put;
    case HttpMethod::kDelete: return http::verb::delete_;
  }
  return http::verb::get;
}

struct Conn {
  explicit Conn(asio::io_context& io) : resolver(io) {}
  tcp::resolver resolver;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  bool connected = false;
  bool used = false;  // carried a request before (a failure may be the server's idle close)

  beast::tcp_stream& tcp_layer() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  template <class F>
  void visit(F&& f) {
    if (secure) {
      f(*secure);
    } else {
      f(*plain);
    }
  }
  void close() noexcept {
    error_code ignored;
    resolver.cancel();
    tcp_layer().socket().close(ignored);
    connected = false;
  }
};

}  // namespace

std::string_view to_string(HttpOutcome o) noexcept {
  switch (o) {
    case HttpOutcome::kOk: return "ok";
    case HttpOutcome::kNotSent: return "not_sent";
    case HttpOutcome::kUnknown: return "unknown";
  }
  return "unknown";
}

std::string_view HttpResponse::header(std::string_view name) const noexcept {
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), name.size()) == 0) return v;
  return {};
}

class HttpClient::Impl : public std::enable_shared_from_this<HttpClient::Impl> {
 public:
  Impl(asio::io_context& io, std::shared_ptr<ssl::context> tls, HttpOptions options)
      : io_(io), tls_(std::move(tls)), options_(std::move(options)) {
    auto u = parse_url(options_.base_url);
    if (u && !u->websocket) {
      url_ = std::move(*u);
    } else {
      url_error_ = u ? "not an http(s) url: " + options_.base_url : u.error().message;
    }
  }

  void enqueue(HttpRequest request, Callback callback) {
    if (stopped_ || queue_.size() >= options_.max_queue || !url_error_.empty()) {
      HttpResponse r;
      r.outcome = HttpOutcome::kNotSent;
      r.error = stopped_ ? "http client stopped" : (!url_error_.empty() ? url_error_ : "http request queue full");
      asio::post(io_, [cb = std::move(callback), r = std::move(r)] { cb(r); });
      return;
    }
    queue_.push_back(Item{std::move(request), std::move(callback)});
    if (!busy_) next();
  }

  void stop() {
    stopped_ = true;
    if (conn_) conn_->close();
    conn_.reset();
    std::deque<Item> q;
    q.swap(queue_);
    for (std::size_t i = 0; i < q.size(); ++i) {
      HttpResponse r;
      r.outcome = (i == 0 && busy_) ? HttpOutcome::kUnknown : HttpOutcome::kNotSent;
      r.error = "http client stopped";
      if (q[i].callback) q[i].callback(r);
    }
    busy_ = false;
  }

  std::size_t pending() const noexcept { return queue_.size(); }
  std::uint64_t connections_opened() const noexcept { return opened_; }

 private:
  struct Item {
    HttpRequest request;
    Callback callback;
  };
  struct Flight {
    std::shared_ptr<Conn> conn;
    http::request<http::string_body> req;
    std::optional<http::response_parser<http::string_body>> parser;
    bool written = false;
    bool retried = false;
    TimeNs sent_ns = 0;
    std::uint64_t id = 0;
  };

  void next() {
    if (stopped_ || queue_.empty()) {
      busy_ = false;
      return;
    }
    busy_ = true;
    auto f = std::make_shared<Flight>();
    f->id = ++flight_id_;
    const HttpRequest& in = queue_.front().request;
    f->req.method(verb_of(in.method));
    f->req.target(in.target);
    f->req.version(11);
    f->req.set(http::field::host, url_.host_header());
    f->req.set(http::field::user_agent, "sequent");
    f->req.keep_alive(true);
    for (const auto& [k, v] : in.headers) f->req.set(k, v);
    if (!in.body.empty()) {
      f->req.set(http::field::content_type, "application/x-www-form-urlencoded");
      f->req.body() = in.body;
    }
    f->req.prepare_payload();
    deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.timeout_ms);
    start(f);
  }

  void start(const std::shared_ptr<Flight>& f) {
    if (conn_ && conn_->connected) {
      f->conn = conn_;
      write(f);
      return;
    }
    auto c = std::make_shared<Conn>(io_);
    conn_ = c;
    f->conn = c;
    if (url_.tls) {
      if (!tls_) return finish(f, HttpOutcome::kNotSent, false, "https url without a TLS context");
      c->secure.emplace(io_, *tls_);
      if (!set_sni(c->secure->native_handle(), url_.host))
        return finish(f, HttpOutcome::kNotSent, false, "tls: cannot set SNI host name");
      c->secure->set_verify_callback(ssl::host_name_verification(url_.host));
    } else {
      c->plain.emplace(io_);
    }
    c->tcp_layer().expires_at(deadline_);
    c->resolver.async_resolve(url_.host, url_.port, [self = shared_from_this(), f](error_code ec, tcp::resolver::results_type results) {
      if (!self->current(f)) return;
      if (ec) return self->finish(f, HttpOutcome::kNotSent, false, "resolve " + self->url_.host + ": " + ec.message());
      f->conn->tcp_layer().expires_at(self->deadline_);
      f->conn->tcp_layer().async_connect(results, [self, f](error_code ec2, const tcp::endpoint&) {
        if (!self->current(f)) return;
        if (ec2) return self->finish(f, HttpOutcome::kNotSent, ec2 == beast::error::timeout,
                                     "connect " + self->url_.host + ":" + self->url_.port + ": " + ec2.message());
        error_code ignored;
        f->conn->tcp_layer().socket().set_option(tcp::no_delay(true), ignored);
        ++self->opened_;
        if (f->conn->secure) {
          f->conn->tcp_layer().expires_at(self->deadline_);
          f->conn->secure->async_handshake(ssl::stream_base::client, [self, f](error_code ec3) {
            if (!self->current(f)) return;
            if (ec3) return self->finish(f, HttpOutcome::kNotSent, ec3 == beast::error::timeout, "tls handshake: " + ec3.message());
            f->conn->connected = true;
            self->write(f);
          });
        } else {
          f->conn->connected = true;
          self->write(f);
        }
      });
    });
  }

  void write(const std::shared_ptr<Flight>& f) {
    f->conn->tcp_layer().expires_at(deadline_);
    f->sent_ns = realtime_ns();
    f->conn->visit([&](auto& s) {
      http::async_write(s, f->req, [self = shared_from_this(), f](error_code ec, std::size_t) {
        if (!self->current(f)) return;
        if (ec) return self->failed_io(f, ec, "write");
        f->written = true;
        self->read(f);
      });
    });
  }

  void read(const std::shared_ptr<Flight>& f) {
    f->parser.emplace();
    f->parser->body_limit(options_.max_body_bytes);
    f->conn->tcp_layer().expires_at(deadline_);
    f->conn->visit([&](auto& s) {
      http::async_read(s, f->conn->buffer, *f->parser, [self = shared_from_this(), f](error_code ec, std::size_t) {
        if (!self->current(f)) return;
        if (ec) return self->failed_io(f, ec, "read");
        auto& res = f->parser->get();
        HttpResponse r;
        r.outcome = HttpOutcome::kOk;
        r.status = res.result_int();
        r.sent_ns = f->sent_ns;
        r.recv_ns = realtime_ns();
        for (const auto& field : res) r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        r.body = std::move(res.body());
        f->conn->used = true;
        if (!res.keep_alive()) f->conn->close();
        f->conn->tcp_layer().expires_never();
        self->complete(f, std::move(r));
      });
    });
  }

  // A write or read error: retry a GET once when a reused connection had been closed by the
  // server; otherwise the outcome is unknown once the request may have reached the server.
  void failed_io(const std::shared_ptr<Flight>& f, error_code ec, std::string_view what) {
    const bool timeout = ec == beast::error::timeout;
    const bool stale = f->conn->used && !timeout && !f->retried &&
                       (f->req.method() == http::verb::get) &&
                       (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
                        ec == asio::error::broken_pipe);
    f->conn->close();
    if (conn_ == f->conn) conn_.reset();
    if (stale) {
      f->retried = true;
      f->written = false;
      start(f);
      return;
    }
    finish(f, f->written || what == "write" ? HttpOutcome::kUnknown : HttpOutcome::kNotSent, timeout,
           std::string(what) + ": " + ec.message());
  }

  bool current(const std::shared_ptr<Flight>& f) const noexcept { return busy_ && f->id == flight_id_ && !stopped_; }

  void finish(const std::shared_ptr<Flight>& f, HttpOutcome outcome, bool timed_out, std::string error) {
    if (f->conn) {
      f->conn->close();
      if (conn_ == f->conn) conn_.reset();
    }
    HttpResponse r;
    r.outcome = outcome;
    r.timed_out = timed_out;
    r.error = std::move(error);
    r.sent_ns = f->sent_ns;
    r.recv_ns = realtime_ns();
    complete(f, std::move(r));
  }

  void complete(const std::shared_ptr<Flight>&, HttpResponse r) {
    Item item = std::move(queue_.front());
    queue_.pop_front();
    ++flight_id_;  // stale handlers of this flight now see !current()
    busy_ = false;
    if (item.callback) item.callback(r);
    if (!busy_) next();
  }

  asio::io_context& io_;
  std::shared_ptr<ssl::context> tls_;
  HttpOptions options_;
  Url url_;
  std::string url_error_;
  std::deque<Item> queue_;
  std::shared_ptr<Conn> conn_;
  std::chrono::steady_clock::time_point deadline_{};
  bool busy_ = false;
  bool stopped_ = false;
  std::uint64_t flight_id_ = 0;
  std::uint64_t opened_ = 0;
};

HttpClient::HttpClient(asio::io_context& io, std::shared_ptr<ssl::context> tls, HttpOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(tls), std::move(options))) {}
HttpClient::~HttpClient() {
  if (impl_) impl_->stop();
}
void HttpClient::enqueue(HttpRequest request, Callback callback) { impl_->enqueue(std::move(request), std::move(callback)); }
void HttpClient::stop() { impl_->stop(); }
std::size_t HttpClient::pending() const noexcept { return impl_->pending(); }
std::uint64_t HttpClient::connections_opened() const noexcept { return impl_->connections_opened(); }

HttpResponse http_fetch_blocking(std::shared_ptr<ssl::context> tls, const HttpOptions& options, HttpRequest request) {
  asio::io_context io;
  HttpResponse out;
  out.error = "no response";
  {
    HttpClient client(io, std::move(tls), options);
    client.enqueue(std::move(request), [&](const HttpResponse& r) { out = r; });
    io.run();
  }
  io.restart();
  io.run();
  return out;
}

}  // namespace sequent::binance_net
