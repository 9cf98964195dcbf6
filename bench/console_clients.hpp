// WebSocket load for the console benchmarks: subscribers on every channel, and a commander that
// sends a harmless command at a fixed rate. Shared by console_bench and latency_harness.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace sequent::bench {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

inline const std::string kToken = "bench-token";

class BenchClient : public std::enable_shared_from_this<BenchClient> {
 public:
  BenchClient(net::io_context& io, std::atomic<std::uint64_t>& received, std::atomic<int>& ready)
      : ws_(io), received_(received), ready_(ready) {}

  void start(std::uint16_t port) {
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::authorization, "Bearer " + kToken); }));
    beast::get_lowest_layer(ws_).async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                               [self = shared_from_this()](beast::error_code ec) {
                                                 if (ec) return self->fail("connect", ec);
                                                 self->ws_.async_handshake("127.0.0.1", "/ws",
                                                                           [self](beast::error_code e) {
                                                                             if (e) return self->fail("handshake", e);
                                                                             self->subscribe();
                                                                           });
                                               });
  }

  void stop() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

 private:
  void subscribe() {
    ws_.text(true);
    ws_.async_write(net::buffer(kSubscribe.data(), kSubscribe.size()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail("subscribe", ec);
      self->ready_.fetch_add(1);
      self->read();
    });
  }
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;  // closed (stop, or cut off as a slow consumer: counted by the server)
      self->received_.fetch_add(1, std::memory_order_relaxed);
      self->buffer_.clear();
      self->read();
    });
  }
  void fail(const char* what, beast::error_code ec) {
    std::fprintf(stderr, "console_bench: client %s: %s\n", what, ec.message().c_str());
  }

  static constexpr std::string_view kSubscribe =
      R"({"op":"subscribe","id":1,"channels":["status","positions","orders","fills","risk","alerts","latency"]})";
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::atomic<std::uint64_t>& received_;
  std::atomic<int>& ready_;
};


// Sends `command` (a JSON request without id) every `period` on its own connection and counts
// the replies; the io thread is the caller's.
class BenchCommander : public std::enable_shared_from_this<BenchCommander> {
 public:
  BenchCommander(net::io_context& io, std::string command, std::chrono::nanoseconds period)
      : ws_(io), timer_(io), command_(std::move(command)), period_(period) {}
  void start(std::uint16_t port) {
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::authorization, "Bearer " + kToken); }));
    beast::get_lowest_layer(ws_).async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                               [self = shared_from_this()](beast::error_code ec) {
                                                 if (ec) return;
                                                 self->ws_.async_handshake("127.0.0.1", "/ws", [self](beast::error_code e) {
                                                   if (e) return;
                                                   self->ws_.text(true);
                                                   self->read();
                                                   self->tick();
                                                 });
                                               });
  }
  void stop() {
    beast::error_code ec;
    timer_.cancel();
    beast::get_lowest_layer(ws_).socket().close(ec);
  }
  std::uint64_t sent() const { return sent_.load(); }
  std::uint64_t replies() const { return replies_.load(); }

 private:
  void tick() {
    out_ = command_.substr(0, command_.size() - 1) + ",\"id\":" + std::to_string(++id_) + "}";
    ws_.async_write(net::buffer(out_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->sent_.fetch_add(1);
      self->timer_.expires_after(self->period_);
      self->timer_.async_wait([self](beast::error_code e) {
        if (!e) self->tick();
      });
    });
  }
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->replies_.fetch_add(1, std::memory_order_relaxed);
      self->buffer_.clear();
      self->read();
    });
  }
  websocket::stream<beast::tcp_stream> ws_;
  net::steady_timer timer_;
  std::string command_, out_;
  std::chrono::nanoseconds period_;
  std::uint64_t id_ = 0;
  beast::flat_buffer buffer_;
  std::atomic<std::uint64_t> sent_{0}, replies_{0};
};

}  // namespace sequent::bench
