// Console fan-out throughput: N WebSocket clients (default 100) on loopback, each subscribed to
// every channel, while a producer thread pushes a mix of console updates into the feed as fast as
// the ring takes them. Reports messages per second delivered to clients (summed over clients), the
// updates the console drained from the feed, the updates dropped at a full ring (the core's side),
// conflated and slow-consumer counts.
//
//   build/bench/console_bench [--clients N] [--seconds S] [--smoke]
//
// Target (issue 6): at least 50 000 messages/s delivered.
#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/console_clients.hpp"
#include "gateways/console/console_server.hpp"

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace sequent;
using namespace sequent::console;
using sequent::bench::BenchClient;
using sequent::bench::kToken;

ConsoleUpdate make_update(std::uint64_t i) {
  ConsoleUpdate u;
  const Seq seq = i + 1;
  switch (i % 8) {
    case 0:
      u.kind = ConsoleUpdateKind::kStatus;
      u.body.status = StatusUpdate{};
      u.body.status.seq = seq;
      u.body.status.orders = i;
      u.body.status.net_pnl_raw = static_cast<std::int64_t>(i % 1000) * 1'000'000;
      break;
    case 1:
    case 2:
      u.kind = ConsoleUpdateKind::kPosition;
      u.body.position = PositionUpdate{};
      u.body.position.seq = seq;
      u.body.position.instrument = static_cast<InstrumentId>(i % 2);
      u.body.position.qty_raw = static_cast<std::int64_t>(i % 500) * 100'000;
      u.body.position.avg_price_raw = Price::from_units(50'000).raw();
      break;
    case 3:
    case 4:
      u.kind = ConsoleUpdateKind::kOrder;
      u.body.order = OrderUpdate{};
      u.body.order.seq = seq;
      u.body.order.order.client_order_id = make_client_order_id(seq, 0);
      u.body.order.order.instrument = static_cast<InstrumentId>(i % 2);
      u.body.order.order.side = Side::kBuy;
      u.body.order.order.order_type = OrderType::kLimit;
      u.body.order.order.status = OrderStatus::kFilled;
      u.body.order.order.price = Price::from_units(50'000);
      u.body.order.order.qty = Qty::from_raw(100'000);
      break;
    case 5:
      u.kind = ConsoleUpdateKind::kFill;
      u.body.fill = FillUpdate{};
      u.body.fill.seq = seq;
      u.body.fill.client_order_id = make_client_order_id(seq, 0);
      u.body.fill.side = Side::kBuy;
      u.body.fill.price_raw = Price::from_units(50'000).raw();
      u.body.fill.qty_raw = 100'000;
      u.body.fill.trade_id = i;
      break;
    default:
      u.kind = ConsoleUpdateKind::kRisk;
      u.body.risk = RiskUpdate{};
      u.body.risk.seq = seq;
      u.body.risk.rejects_total = i / 8;
      u.body.risk.last_reason = RejectReason::kRiskMaxOrderQty;
      break;
  }
  return u;
}

}  // namespace

int main(int argc, char** argv) {
  int clients = 100;
  double seconds = 3;
  int nice = ConsoleServerConfig{}.nice;
  double rate = 1000;  // feed updates per second (0 = as fast as the ring takes them)
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--clients" && i + 1 < argc) {
      clients = std::atoi(argv[++i]);
    } else if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--rate" && i + 1 < argc) {
      rate = std::atof(argv[++i]);
    } else if (a == "--nice" && i + 1 < argc) {
      nice = std::atoi(argv[++i]);
    } else if (a == "--smoke") {
      clients = 10;
      seconds = 0.3;
    } else {
      std::fprintf(stderr, "console_bench: unknown argument %s\nusage: console_bench [--clients N] [--seconds S] [--rate UPDATES_PER_S] [--nice N] [--smoke]\n",
                   a.c_str());
      return 2;
    }
  }
  if (clients <= 0 || !(seconds > 0)) {
    std::fprintf(stderr, "console_bench: --clients and --seconds must be positive\n");
    return 2;
  }

  SpscRing<ConsoleUpdate> feed(65536);
  ConsoleServerConfig config;
  config.listen = "127.0.0.1:0";
  config.users = {{"bench", Role::kViewer, sha256_hex(kToken)}};
  config.symbols = {"BTCUSDT", "ETHUSDT"};
  config.max_connections = static_cast<std::size_t>(clients) + 1;
  // The io thread's niceness (default 10: it yields to the engine). Here the producer and the
  // clients' thread compete with it for the two CPUs, so --nice 0 shows the server's own capacity.
  config.nice = nice;
  auto server = ConsoleServer::start(config, ConsoleHooks{}, feed);
  if (!server) {
    std::fprintf(stderr, "console_bench: %s\n", server.error().message.c_str());
    return 1;
  }

  net::io_context io;
  std::atomic<std::uint64_t> received{0};
  std::atomic<int> ready{0};
  std::vector<std::shared_ptr<BenchClient>> all;
  for (int i = 0; i < clients; ++i) {
    all.push_back(std::make_shared<BenchClient>(io, received, ready));
    all.back()->start((*server)->bound_port());
  }
  auto guard = net::make_work_guard(io);
  std::thread client_thread([&io] { io.run(); });
  const auto setup_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (ready.load() < clients && std::chrono::steady_clock::now() < setup_deadline) std::this_thread::yield();
  if (ready.load() < clients) {
    std::fprintf(stderr, "console_bench: only %d of %d clients subscribed\n", ready.load(), clients);
    return 1;
  }

  std::atomic<bool> run{true};
  std::uint64_t pushed = 0, dropped = 0;
  const std::uint64_t received_before = received.load();
  const ConsoleCounters before = (*server)->counters();
  const auto t0 = std::chrono::steady_clock::now();
  std::thread producer([&] {
    std::uint64_t i = 0;
    // Paced like an engine's update stream: every millisecond, the updates due by then. Unpaced
    // (--rate 0), the producer outruns any reader and the test becomes one of the slow-consumer cut-off.
    auto tick = std::chrono::steady_clock::now();
    const double per_ms = rate / 1000.0;
    double due = 0;
    while (run.load(std::memory_order_relaxed)) {
      if (rate > 0) {
        if (static_cast<double>(i) >= due) {
          tick += std::chrono::milliseconds(1);
          std::this_thread::sleep_until(tick);
          due += per_ms;
          continue;
        }
      }
      if (feed.try_push(make_update(i)) == PushResult::kOk) {
        ++pushed;
        ++i;
      } else {
        ++dropped;  // the core would drop and count it too
        std::this_thread::yield();
      }
    }
  });
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < seconds) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // measurement window, not synchronisation
  }
  const std::uint64_t delivered = received.load() - received_before;
  const ConsoleCounters after = (*server)->counters();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  run = false;
  producer.join();
  (*server)->stop();
  for (auto& c : all) net::post(io, [c] { c->stop(); });
  guard.reset();
  client_thread.join();

  const std::uint64_t drained = after.updates_received - before.updates_received;
  std::printf("console_bench: %d clients, %.2f s, console io thread at nice %d, feed %.0f updates/s offered\n", clients, elapsed, nice, rate);
  std::printf("  delivered        %12.0f messages/s (%llu messages; target >= 50000/s)\n",
              static_cast<double>(delivered) / elapsed, static_cast<unsigned long long>(delivered));
  std::printf("  feed drained     %12.0f updates/s (%llu pushed, %llu full-ring retries)\n",
              static_cast<double>(drained) / elapsed, static_cast<unsigned long long>(pushed),
              static_cast<unsigned long long>(dropped));
  std::printf("  conflated        %12llu\n", static_cast<unsigned long long>(after.conflated - before.conflated));
  std::printf("  slow consumers   %12llu\n",
              static_cast<unsigned long long>(after.slow_consumer_disconnects - before.slow_consumer_disconnects));
  return 0;
}
