// Backtest throughput: the whole `sequent backtest` run (gzip read included) and the core loop
// alone over bars already in memory. Run from the repository root (../shared/data).
//
//   build/bench/replay_backtest_bench
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "gateways/market_data_reader.hpp"
#include "replay/backtest.hpp"

namespace {

const std::string kBtc2025 = "../shared/data/crypto_1m/binance_spot_BTCUSDT_1m_20250520_20250818.csv.gz";

// sma_cross(10, 30) over 130,708 one-minute BTCUSDT bars, gzip: open, read, run, report.
void BM_Backtest_SmaCross_Btc1m(benchmark::State& state) {
  sequent::replay::BacktestOptions o;
  o.data_path = kBtc2025;
  o.strategy = "sma_cross";
  std::uint64_t bars = 0;
  for (auto _ : state) {
    auto r = sequent::replay::run_backtest(o);
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      return;
    }
    bars += r->report.bars;
    benchmark::DoNotOptimize(r->report.state_hash);
  }
  state.counters["bars_per_s"] = benchmark::Counter(static_cast<double>(bars), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Backtest_SmaCross_Btc1m)->Unit(benchmark::kMillisecond);

// The same bars read once into memory; each iteration is a fresh session over all of them
// (venue, sequencer, core, performance tracker): no file, no parsing.
void BM_Backtest_CoreOnly(benchmark::State& state) {
  std::vector<sequent::Event> bars;
  auto reader = sequent::MarketDataReader::open(kBtc2025, sequent::ReaderOptions{});
  if (!reader) {
    state.SkipWithError(reader.error().message.c_str());
    return;
  }
  sequent::Event e;
  while (true) {
    auto more = (*reader)->next(e);
    if (!more || !*more) break;
    bars.push_back(e);
  }
  sequent::replay::BacktestOptions o;
  o.data_path = kBtc2025;
  o.strategy = "sma_cross";
  std::uint64_t processed = 0;
  for (auto _ : state) {
    auto session = sequent::replay::BacktestSession::create(o, "BTCUSDT");
    if (!session) {
      state.SkipWithError(session.error().message.c_str());
      return;
    }
    for (const sequent::Event& bar : bars) (*session)->on_bar(bar);
    sequent::replay::BacktestReport report;
    (*session)->finish(60'000'000'000, report);
    benchmark::DoNotOptimize(report.state_hash);
    processed += bars.size();
  }
  state.counters["bars_per_s"] = benchmark::Counter(static_cast<double>(processed), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Backtest_CoreOnly)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
