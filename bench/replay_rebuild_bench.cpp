// Replay rate with a full state rebuild: a journal recorded from a paper session (simulated market
// and venue, MACD strategy, risk, router) is read back, verified, and every input is applied to a
// fresh core, as `sequent replay` and `live --resume` do. Peer in the same run: the same journal
// read and verified with nothing applied (the journal's own ceiling).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <string>

#include "engine/core.hpp"
#include "gateways/sim_exchange.hpp"
#include "journal/journal.hpp"
#include "replay/replay.hpp"

namespace {

constexpr std::uint64_t kInputs = 2'000'000;

sequent::InstrumentRegistry make_registry() {
  sequent::InstrumentRegistry r;
  (void)r.add("BTCUSDT", "sim", sequent::Price::from_raw(1'000'000), sequent::Qty::from_raw(1'000), sequent::Money::from_units(5));
  (void)r.add("ETHUSDT", "sim", sequent::Price::from_raw(1'000'000), sequent::Qty::from_raw(10'000), sequent::Money::from_units(5));
  return r;
}

sequent::CoreConfig make_config() {
  sequent::CoreConfig c;
  c.strategy.bar_interval_ns = 100'000'000;
  c.strategy.checkpoint_every = 10'000;
  c.strategy.slots = {{0, sequent::Qty::from_raw(1'000'000)}, {1, sequent::Qty::from_raw(30'000'000)}};
  c.risk.default_limits = sequent::InstrumentRiskLimits::order_limits(sequent::Qty::from_units(20), sequent::Money::from_units(50'000));
  return c;
}

class ToExchange final : public sequent::OutputSink {
 public:
  explicit ToExchange(sequent::SimExchange& x) : x_(x) {}
  void on_output(const sequent::Event& e) noexcept override {
    if (e.type() == sequent::EventType::kOrderNew || e.type() == sequent::EventType::kOrderCancel) (void)x_.submit(e);
  }

 private:
  sequent::SimExchange& x_;
};

const std::string& recorded_journal() {
  static const std::string dir = [] {
    const std::string d = (std::filesystem::temp_directory_path() / "sequent_replay_bench").string();
    std::filesystem::remove_all(d);
    static auto registry = make_registry();
    auto core = sequent::Core::create(registry, make_config());
    sequent::SimExchangeConfig xc;
    xc.market = sequent::default_sim_market_config(registry, 7, 1'767'225'600'000'000'000);
    sequent::SimExchange exchange(registry, xc);
    ToExchange sink(exchange);
    sequent::journal::SessionMeta meta;
    meta.binary_version = "replay_bench";
    sequent::journal::WriterOptions wo;
    wo.durability = sequent::journal::Durability::kNone;
    auto writer = sequent::journal::JournalWriter::open(d, meta, wo);
    if (!writer || !core) std::abort();
    sequent::Event out[8];
    sequent::Seq seq = 0;
    while (seq < kInputs) {
      const std::size_t n = exchange.poll(INT64_MAX, std::span<sequent::Event>(out, 8), 1);
      for (std::size_t i = 0; i < n && seq < kInputs; ++i) {
        out[i].header.seq = ++seq;
        out[i].header.recv_ns = out[i].header.event_ns;
        (void)(*writer)->append(out[i]);
        (*core)->process(out[i], sink);
      }
    }
    if (!(*writer)->close().ok()) std::abort();
    return d;
  }();
  return dir;
}

void BM_Replay_FullRebuild(benchmark::State& state) {
  const std::string& dir = recorded_journal();
  static auto registry = make_registry();
  std::uint64_t hash = 0;
  for (auto _ : state) {
    auto reader = sequent::journal::JournalReader::open(dir);
    auto core = sequent::Core::create(registry, make_config());
    auto report = sequent::replay::replay_into(**reader, **core, sequent::replay::ReplayOptions{});
    if (!report || report->inputs != kInputs) state.SkipWithError("replay failed");
    hash = report->state_hash;
  }
  benchmark::DoNotOptimize(hash);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kInputs));
}

void BM_Replay_VerifyOnly(benchmark::State& state) {
  const std::string& dir = recorded_journal();
  std::uint64_t count = 0;
  for (auto _ : state) {
    auto reader = sequent::journal::JournalReader::open(dir);
    if (!(*reader)->for_each_input(1, sequent::journal::kLastSeq, [&](const sequent::Event&) {
          ++count;
          return true;
        }).ok())
      state.SkipWithError("read failed");
  }
  benchmark::DoNotOptimize(count);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kInputs));
}

// Interleaved: rebuild, verify-only, rebuild, ...
BENCHMARK(BM_Replay_FullRebuild)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Replay_VerifyOnly)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
