// HttpClient: an HTTP/1.1 keep-alive client (http:// or https://) for REST, driven by an
// io_context the caller runs. Requests queue and go out one at a time over one connection that
// is reused while the server keeps it alive and re-opened when it is gone.
//
//   HttpClient http(io, tls_ctx, {.base_url = "https://api.binance.com", .timeout_ms = 5000});
//   http.enqueue({.method = HttpMethod::kGet, .target = "/api/v3/time"},
//                [](const HttpResponse& r) { if (r.outcome == HttpOutcome::kOk) use(r.status, r.body); });
//
// Outcomes: kOk (a response arrived, whatever its status), kNotSent (the request never left:
// resolve/connect/TLS failed or the queue was full — safe to retry), kUnknown (it was written
// but no complete response came: timeout, reset; the server may or may not have acted on it).
// A GET that fails on a reused connection before any response byte arrived is retried once on
// a fresh connection (the server had closed the idle connection).
// Threading: every method and callback on the io_context's thread. Lifetime: as WsClient.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/result.hpp"
#include "engine/types.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace sequent::binance_net {

enum class HttpMethod : std::uint8_t { kGet, kPost, kPut, kDelete };
enum class HttpOutcome : std::uint8_t { kOk, kNotSent, kUnknown };
std::string_view to_string(HttpOutcome o) noexcept;

struct HttpRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string target;  // "/api/v3/depth?symbol=BTCUSDT&limit=1000"
  std::string body;    // form body for POST/PUT/DELETE ("" = none)
  std::vector<std::pair<std::string, std::string>> headers;  // extra (X-MBX-APIKEY, ...)
};

struct HttpResponse {
  HttpOutcome outcome = HttpOutcome::kNotSent;
  bool timed_out = false;
  unsigned status = 0;  // valid with kOk
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string error;    // what failed (no request content: it may carry a signature or key)
  TimeNs sent_ns = 0;   // CLOCK_REALTIME when the request was written
  TimeNs recv_ns = 0;   // when the response was complete
  // The value of a header (case-insensitive name), "" when absent.
  std::string_view header(std::string_view name) const noexcept;
};

struct HttpOptions {
  std::string base_url;              // http://host:port or https://host
  std::int64_t timeout_ms = 10'000;  // per request, from when it starts (connect included)
  std::size_t max_queue = 1024;
  std::size_t max_body_bytes = 64u << 20;
};

class HttpClient {
 public:
  using Callback = std::function<void(const HttpResponse&)>;

  // tls may be null for http://. Errors (a bad base_url) surface as kNotSent responses.
  HttpClient(boost::asio::io_context& io, std::shared_ptr<boost::asio::ssl::context> tls, HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Queues a request; the callback runs exactly once (kNotSent at once-later if the queue is full
  // or the client is stopped). Allocates (cold path).
  void enqueue(HttpRequest request, Callback callback);
  // Fails every queued request with kNotSent (the one in flight with kUnknown) and closes.
  void stop();
  [[nodiscard]] std::size_t pending() const noexcept;
  [[nodiscard]] std::uint64_t connections_opened() const noexcept;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Cold, blocking: one request on a private io_context (start-up and reconciliation).
HttpResponse http_fetch_blocking(std::shared_ptr<boost::asio::ssl::context> tls, const HttpOptions& options,
                                 HttpRequest request);

}  // namespace sequent::binance_net
