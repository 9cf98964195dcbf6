// MarketDataReader throughput on the real data files (../shared/data, resolved from the working
// directory: run from the repository root). Reports bars per second and wall time per file.
//
//   build/bench/gateways_reader_bench --benchmark_filter=Gzip
#include <benchmark/benchmark.h>

#include <string>

#include "gateways/market_data_reader.hpp"

namespace {

const std::string kBtc2025 = "../shared/data/crypto_1m/binance_spot_BTCUSDT_1m_20250520_20250818.csv.gz";
const std::string kFil2023 = "../shared/data/crypto_1m/binance_um_FILUSDT_1m_2023-08_2023-11.csv.gz";

void read_file(benchmark::State& state, const std::string& path) {
  std::uint64_t events = 0;
  for (auto _ : state) {
    auto reader = sequent::MarketDataReader::open(path, sequent::ReaderOptions{});
    if (!reader) {
      state.SkipWithError(("cannot read " + path + ": " + reader.error().message).c_str());
      return;
    }
    sequent::Event e;
    for (;;) {
      sequent::Result<bool> more = (*reader)->next(e);
      if (!more) {
        state.SkipWithError(more.error().message.c_str());
        return;
      }
      if (!*more) break;
      benchmark::DoNotOptimize(e);
    }
    events += (*reader)->stats().events;
  }
  state.counters["bars_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

// 130,708 one-minute bars, freqtrade's 6 columns, gzip.
void BM_MarketDataReader_GzipBtc6Columns(benchmark::State& state) { read_file(state, kBtc2025); }
BENCHMARK(BM_MarketDataReader_GzipBtc6Columns)->Unit(benchmark::kMillisecond);

// 175,680 one-minute bars, Binance's 12-column klines, gzip.
void BM_MarketDataReader_GzipFil12Columns(benchmark::State& state) { read_file(state, kFil2023); }
BENCHMARK(BM_MarketDataReader_GzipFil12Columns)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
