// A Beast WebSocket/HTTP client for the console server tests. Every operation runs the client's
// own io_context for at most a bound (a failure bound, never a synchronisation delay): if the
// server does not answer in time the operation fails and the test reports it.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sequent::console::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

inline constexpr std::chrono::seconds kBound{20};

// Runs io until `done` or the bound; false on timeout.
inline bool run_until(net::io_context& io, const bool& done, std::chrono::steady_clock::duration bound = kBound) {
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    io.run_one_for(std::chrono::milliseconds(100));
  }
  return done;
}

struct HttpReply {
  int status = 0;
  std::string content_type;
  std::string body;
};

inline std::optional<HttpReply> http_get(std::uint16_t port, const std::string& target) {
  net::io_context io;
  beast::tcp_stream s(io);
  bool done = false;
  beast::error_code ec;
  s.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  if (!run_until(io, done) || ec) return std::nullopt;
  http::request<http::empty_body> req(http::verb::get, target, 11);
  req.set(http::field::host, "127.0.0.1");
  done = false;
  http::async_write(s, req, [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  if (!run_until(io, done) || ec) return std::nullopt;
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  done = false;
  http::async_read(s, buf, res, [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  if (!run_until(io, done) || ec) return std::nullopt;
  return HttpReply{static_cast<int>(res.result_int()), std::string(res[http::field::content_type]), res.body()};
}

class WsClient {
 public:
  // rcvbuf > 0 shrinks the socket's receive buffer (a client that stops reading fills up fast).
  explicit WsClient(std::uint16_t port, std::string bearer = "", int rcvbuf = 0) : ws_(io_) {
    bool done = false;
    beast::error_code ec;
    auto& sock = beast::get_lowest_layer(ws_).socket();
    sock.open(tcp::v4(), ec);
    if (rcvbuf > 0) sock.set_option(net::socket_base::receive_buffer_size(rcvbuf), ec);
    beast::get_lowest_layer(ws_).async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                               [&](beast::error_code e) {
                                                 ec = e;
                                                 done = true;
                                               });
    if (!run_until(io_, done) || ec) return;
    if (!bearer.empty()) {
      ws_.set_option(websocket::stream_base::decorator(
          [bearer](websocket::request_type& req) { req.set(http::field::authorization, "Bearer " + bearer); }));
    }
    done = false;
    ws_.async_handshake(handshake_response_, "127.0.0.1", "/ws", [&](beast::error_code e) {
      ec = e;
      done = true;
    });
    connected_ = run_until(io_, done) && !ec;
    ws_.text(true);
  }

  bool connected() const { return connected_; }
  int handshake_status() const { return static_cast<int>(handshake_response_.result_int()); }

  bool send(const std::string& text, bool binary = false) {
    ws_.binary(binary);
    bool done = false;
    beast::error_code ec;
    ws_.async_write(net::buffer(text), [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    const bool ok = run_until(io_, done) && !ec;
    ws_.text(true);
    return ok;
  }

  // The next message; nullopt when the connection closed (see close_code()) or the bound passed.
  std::optional<std::string> read(std::chrono::steady_clock::duration bound = kBound) {
    if (closed_) return std::nullopt;
    bool done = false;
    beast::error_code ec;
    buffer_.clear();
    ws_.async_read(buffer_, [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    if (!run_until(io_, done, bound)) {
      beast::get_lowest_layer(ws_).socket().close(ec);
      run_until(io_, done);
      closed_ = true;
      return std::nullopt;
    }
    if (ec) {
      closed_ = true;
      close_code_ = ws_.reason().code;
      close_reason_ = std::string(ws_.reason().reason.data(), ws_.reason().reason.size());
      return std::nullopt;
    }
    return beast::buffers_to_string(buffer_.cdata());
  }

  // Reads until a message containing `needle`; channel messages read on the way are kept in
  // seen(). nullopt if the connection closed first.
  std::optional<std::string> read_until(const std::string& needle) {
    while (auto m = read()) {
      if (m->find(needle) != std::string::npos) return m;
      seen_.push_back(*m);
    }
    return std::nullopt;
  }
  // Sends a request with "id":N and returns the reply with that id.
  std::optional<std::string> request(const std::string& text) {
    const auto id_pos = text.find("\"id\":");
    const std::string id = text.substr(id_pos, text.find_first_of(",}", id_pos) - id_pos);
    if (!send(text)) return std::nullopt;
    return read_until("{" + id + ",");
  }

  int close_code() const { return close_code_; }
  const std::string& close_reason() const { return close_reason_; }
  std::vector<std::string>& seen() { return seen_; }

 private:
  net::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
  websocket::response_type handshake_response_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
  bool closed_ = false;
  int close_code_ = 0;
  std::string close_reason_;
  std::vector<std::string> seen_;
};

}  // namespace sequent::console::testing
