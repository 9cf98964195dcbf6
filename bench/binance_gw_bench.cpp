// Binance gateway latency on the local venue: from a WebSocket message's read completion on the
// gateway's io thread (its receive timestamp, CLOCK_REALTIME) to its last event pushed into the
// out ring, per message, over a run against the in-process Binance venue (simulated market at a
// high event rate, trade + bookTicker + depth@100ms). A consumer thread drains the ring as the
// sequencer would. Prints p50 / p90 / p99 / p99.9 / max per wait strategy.
//
//   binance_gw_bench [--seconds N] [--rate EVENTS_PER_S] [--smoke]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "engine/instrument.hpp"
#include "gateways/binance_net/binance_gateway.hpp"
#include "gateways/binance_venue/binance_venue.hpp"

using namespace sequent;

namespace {

constexpr const char* kKey = "benchkey0123456789benchkey0123456789benchkey0123456789benchkey01";
constexpr const char* kSecret = "benchsecret0123456789benchsecret0123456789benchsecret0123456789b";

int run(WaitKind wait, double seconds, double rate) {
  binance_venue::VenueOptions vo;
  vo.listen_port = 0;
  vo.exchange.symbols = {"BTCUSDT", "ETHUSDT"};
  vo.exchange.market_events_per_second = rate;
  vo.exchange.api_key = kKey;
  vo.exchange.api_secret = kSecret;
  auto venue = binance_venue::BinanceVenue::start(vo);
  if (!venue) {
    std::fprintf(stderr, "venue: %s\n", venue.error().message.c_str());
    return 1;
  }
  const std::string base = "127.0.0.1:" + std::to_string((*venue)->port());
  ::setenv("SEQUENT_BENCH_BINANCE_KEY", kKey, 1);
  ::setenv("SEQUENT_BENCH_BINANCE_SECRET", kSecret, 1);
  binance_net::BinanceGatewayConfig cfg;
  cfg.rest_url = "http://" + base;
  cfg.ws_market_url = "ws://" + base;
  cfg.ws_api_url = "ws://" + base + "/ws-api/v3";
  cfg.symbols = {"BTCUSDT", "ETHUSDT"};
  cfg.api_key_env = "SEQUENT_BENCH_BINANCE_KEY";
  cfg.api_secret_env = "SEQUENT_BENCH_BINANCE_SECRET";
  cfg.wait = wait;
  auto rules = binance_net::BinanceGateway::fetch_symbol_rules(cfg);
  if (!rules) {
    std::fprintf(stderr, "exchangeInfo: %s\n", rules.error().message.c_str());
    return 1;
  }
  InstrumentRegistry registry;
  for (const auto& r : *rules) (void)registry.add(r.symbol, "binance", r.tick_size, r.step_size, r.min_notional);
  binance_net::BinanceGateway gw(cfg, registry);
  if (Status s = gw.start(); !s) {
    std::fprintf(stderr, "start: %s\n", s.error().message.c_str());
    return 1;
  }
  std::atomic<bool> stop{false};
  std::uint64_t consumed = 0;
  std::thread consumer([&] {
    Event buf[256];
    WaitStrategy w(WaitKind::kBackoff);
    while (!stop.load(std::memory_order_acquire)) {
      const std::size_t n = gw.out().pop_batch(std::span<Event>(buf, 256));
      consumed += n;
      w.idle(n);
    }
  });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));  // the run's length, not synchronisation
  gw.stop();
  stop.store(true, std::memory_order_release);
  consumer.join();
  (*venue)->stop();
  const auto snap = gw.latency().snapshot();
  const auto& c = gw.counters();
  std::printf("wait=%-10s messages=%llu events=%llu consumed=%llu parse_errors=%llu resyncs=%llu | "
              "recv->ring ns: p50=%llu p90=%llu p99=%llu p99.9=%llu max=%llu (n=%llu)\n",
              std::string(to_string(wait)).c_str(), static_cast<unsigned long long>(c.messages.load()),
              static_cast<unsigned long long>(c.events_out.load()), static_cast<unsigned long long>(consumed),
              static_cast<unsigned long long>(c.parse_errors.load()), static_cast<unsigned long long>(c.resyncs.load()),
              static_cast<unsigned long long>(snap.percentile(0.50)), static_cast<unsigned long long>(snap.percentile(0.90)),
              static_cast<unsigned long long>(snap.percentile(0.99)), static_cast<unsigned long long>(snap.percentile(0.999)),
              static_cast<unsigned long long>(snap.max), static_cast<unsigned long long>(snap.total));
  return snap.total == 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  double rate = 2000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) {
      seconds = 1;
    } else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (std::strcmp(argv[i], "--rate") == 0 && i + 1 < argc) {
      rate = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: binance_gw_bench [--seconds N] [--rate EVENTS_PER_S] [--smoke]\n");
      return 2;
    }
  }
  int rc = 0;
  rc |= run(WaitKind::kBusySpin, seconds, rate);
  rc |= run(WaitKind::kBackoff, seconds, rate);
  return rc;
}
