// Minimal blocking HTTP and WebSocket clients (Boost.Beast) for tests of the local Binance venue.
// Reads have a generous deadline so a broken venue fails the test instead of hanging it; the
// deadline is a safety net, never a synchronisation.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sequent::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct HttpResult {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

inline HttpResult http_request(std::uint16_t port, http::verb verb, const std::string& target,
                               const std::string& body = "",
                               const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = body;
  }
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  HttpResult out;
  out.status = res.result_int();
  out.body = res.body();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
  }
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

class WsClient {
 public:
  WsClient(std::uint16_t port, const std::string& target) : ws_(ioc_) {
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    ws_.handshake("127.0.0.1", target);
    ws_.text(true);
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::ping) ++pings_seen;
      if (kind == websocket::frame_type::pong) ++pongs_seen;
    });
  }
  void send(const std::string& text) { ws_.write(asio::buffer(text)); }
  void ping() { ws_.ping({}); }
  // The next text message; nullopt when the venue closed the connection (or the deadline passed).
  std::optional<std::string> read(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    if (closed_) return std::nullopt;
    beast::flat_buffer buffer;
    boost::system::error_code result;
    bool done = false;
    ws_.async_read(buffer, [&](boost::system::error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    ioc_.restart();
    ioc_.run_for(limit);
    if (!done) {
      beast::get_lowest_layer(ws_).cancel();
      ioc_.restart();
      ioc_.run();
      timed_out = true;
      closed_ = true;
      return std::nullopt;
    }
    if (result) {
      closed_ = true;
      close_reason = result.message();
      return std::nullopt;
    }
    return beast::buffers_to_string(buffer.data());
  }
  [[nodiscard]] bool closed() const { return closed_; }

  int pings_seen = 0;
  int pongs_seen = 0;
  bool timed_out = false;
  std::string close_reason;

 private:
  asio::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
  bool closed_ = false;
};

}  // namespace sequent::test
