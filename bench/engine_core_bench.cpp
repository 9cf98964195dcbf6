// Hot pieces of the core, one at a time: sequencer stamp, indicator updates, strategy on-bar,
// the pre-trade risk check, order table operations, position update, and the whole inline core
// per input (strategy + risk + router) over a recorded paper session.
#include <benchmark/benchmark.h>

#include <x86intrin.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <vector>

#include "engine/core.hpp"
#include "engine/indicators.hpp"
#include "engine/macd_strategy.hpp"
#include "engine/order_table.hpp"
#include "engine/positions.hpp"
#include "engine/risk_stage.hpp"
#include "engine/sequencer.hpp"
#include "gateways/sim_exchange.hpp"
#include "gateways/system_clock.hpp"

namespace {

using namespace sequent;

InstrumentRegistry make_registry() {
  InstrumentRegistry r;
  (void)r.add("BTCUSDT", "sim", Price::from_raw(1'000'000), Qty::from_raw(1'000), Money::from_units(5));
  (void)r.add("ETHUSDT", "sim", Price::from_raw(1'000'000), Qty::from_raw(10'000), Money::from_units(5));
  return r;
}

void BM_Sequencer_Stamp(benchmark::State& state) {
  SystemClock clock;
  Sequencer seq(clock);
  Event e = make_event(EventType::kTrade, Source::kSimMarket, 0, 0);
  for (auto _ : state) {
    seq.stamp(e);
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sequencer_Stamp);

std::vector<double> prices() {
  std::vector<double> x(4096);
  double p = 100;
  std::uint64_t s = 7;
  for (double& v : x) {
    s ^= s << 13; s ^= s >> 7; s ^= s << 17;
    p += static_cast<double>(static_cast<int>(s % 2001) - 1000) / 1000.0;
    v = p;
  }
  return x;
}

void BM_Ema_Update(benchmark::State& state) {
  const auto x = prices();
  Ema ema(20);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ema.update(x[i++ & 4095]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ema_Update);

void BM_Macd_Update(benchmark::State& state) {
  const auto x = prices();
  Macd macd(12, 26, 9);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(macd.update(x[i++ & 4095]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Macd_Update);

void BM_MacdStrategy_OnBar(benchmark::State& state) {
  const auto x = prices();
  MacdCrossStrategy strategy(MacdParams{}, Qty::from_raw(1'000'000));
  SignalBuffer out;
  Bar bar{};
  StrategyView view{Qty{}, false};
  std::size_t i = 0;
  for (auto _ : state) {
    bar.close = Price::from_raw(static_cast<std::int64_t>(x[i++ & 4095] * 1e8));
    out.clear();
    strategy.on_bar(bar, view, out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MacdStrategy_OnBar);

// The full pre-trade check with every limit on, while the stage holds `range(0)` open orders;
// with `strategy_limits`, every per-strategy limit of the order's strategy is on as well.
void risk_full_check(benchmark::State& state, bool strategy_limits) {
  static auto registry = make_registry();
  RiskConfig config;
  config.default_limits = InstrumentRiskLimits::order_limits(Qty::from_units(100), Money::from_units(10'000'000));
  config.default_limits.max_position_qty = Qty::from_units(1'000'000);
  config.default_limits.max_position_notional = Money::from_units(900'000'000);
  config.default_limits.price_band_bps = 1000;
  config.max_gross_exposure_bps = 1'000'000;
  config.initial_equity = Money::from_units(100'000'000);
  config.max_open_orders = 1'000'000;
  config.max_orders_per_second = 1'000'000;
  config.max_orders_per_day = 100'000'000;
  config.open_order_capacity = 200'000;
  if (strategy_limits) {
    StrategyRiskLimits& l = config.per_strategy[1];
    l.max_order_qty = Qty::from_units(50);
    l.max_order_notional = Money::from_units(5'000'000);
    l.max_position_qty = Qty::from_units(500'000);
    l.max_position_notional = Money::from_units(800'000'000);
    l.max_open_orders = 1'000'000;
    l.daily_loss_limit = Money::from_units(1'000'000);
  }
  RiskStage risk(registry, config);
  Event trade = make_event(EventType::kTrade, Source::kSimMarket, 0, 0);
  trade.payload.trade.price = Price::from_units(100'000);
  risk.on_event(trade, [](const Event&) {});
  Event intent = make_event(EventType::kOrderIntent, Source::kStrategy, 0, 0);
  intent.header.flags = kFlagDerived;
  intent.payload.order.qty = Qty::from_raw(1'000'000);
  intent.payload.order.order_type = OrderType::kLimit;
  intent.payload.order.side = Side::kBuy;
  intent.payload.order.price = Price::from_units(99'000);
  intent.payload.order.strategy_id = 1;
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    Event open = intent;
    open.header.seq = static_cast<Seq>(i + 1);
    open.header.event_ns = i;  // spread over time: the per-second window stays small
    open.payload.order.client_order_id = make_client_order_id(open.header.seq, 0);
    risk.on_event(open, [](const Event&) {});
  }
  if (risk.open_orders() != static_cast<std::size_t>(state.range(0))) state.SkipWithError("setup did not open the orders");
  intent.header.event_ns = 1'000'000'000'000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(risk.check(intent));
  }
  state.SetItemsProcessed(state.iterations());
  // Issue 5 bounds the check's p99, not its mean: time 200 000 single calls with the TSC
  // (fenced), less the median cost of an empty timed pair, converted with the TSC rate measured
  // over the same loop. Reported as counters p50_ns / p99_ns / p999_ns.
  constexpr std::size_t kSamples = 200'000;
  std::vector<std::uint64_t> cycles(kSamples), empty(kSamples);
  const auto wall0 = std::chrono::steady_clock::now();
  const std::uint64_t tsc0 = __rdtsc();
  for (std::size_t k = 0; k < kSamples; ++k) {
    _mm_lfence();
    const std::uint64_t a = __rdtsc();
    _mm_lfence();
    benchmark::DoNotOptimize(risk.check(intent));
    _mm_lfence();
    cycles[k] = __rdtsc() - a;
    _mm_lfence();
    const std::uint64_t b = __rdtsc();
    _mm_lfence();
    empty[k] = __rdtsc() - b;
  }
  const double ns_per_cycle = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - wall0).count() /
                              static_cast<double>(__rdtsc() - tsc0);
  std::sort(cycles.begin(), cycles.end());
  std::sort(empty.begin(), empty.end());
  const double overhead = static_cast<double>(empty[kSamples / 2]);
  auto at = [&](double q) {
    const double c = static_cast<double>(cycles[static_cast<std::size_t>(q * (kSamples - 1))]) - overhead;
    return (c > 0 ? c : 0) * ns_per_cycle;
  };
  state.counters["p50_ns"] = at(0.5);
  state.counters["p99_ns"] = at(0.99);
  state.counters["p999_ns"] = at(0.999);
}
void BM_Risk_FullCheck(benchmark::State& state) { risk_full_check(state, false); }
BENCHMARK(BM_Risk_FullCheck)->Arg(0)->Arg(100'000);
void BM_Risk_FullCheckWithStrategyLimits(benchmark::State& state) { risk_full_check(state, true); }
BENCHMARK(BM_Risk_FullCheckWithStrategyLimits)->Arg(0)->Arg(100'000);

void BM_OrderTable_InsertFindErase(benchmark::State& state) {
  OrderTable table(4096);
  Seq s = 1;
  for (auto _ : state) {
    OrderRecord r;
    r.client_order_id = make_client_order_id(s++, 0);
    benchmark::DoNotOptimize(table.insert(r));
    benchmark::DoNotOptimize(table.find(r.client_order_id));
    benchmark::DoNotOptimize(table.erase(r.client_order_id));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OrderTable_InsertFindErase);

void BM_Position_ApplyFill(benchmark::State& state) {
  Position p;
  std::int64_t i = 0;
  for (auto _ : state) {
    p.apply_fill((i & 1) ? Side::kBuy : Side::kSell, Price::from_raw(10'000'000'000'000 + (i & 1023)), Qty::from_raw(1'000'000),
                 Money::from_raw(1000));
    ++i;
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Position_ApplyFill);

// The whole core per input, inline: a paper session's inputs (market data and the venue's
// reports) recorded once, then replayed through a fresh core per iteration.
class Null final : public OutputSink {
 public:
  void on_output(const Event&) noexcept override {}
};

// A paper session's inputs (market data and the venue's reports), recorded once through a core
// built from `config` with the simulated venue answering its orders; events_per_second 0 keeps
// the simulated market's default rate.
std::vector<Event> record_paper_session(const InstrumentRegistry& registry, const CoreConfig& config, std::size_t count,
                                        double events_per_second) {
  std::vector<Event> v;
  v.reserve(count + 8);
  auto core = Core::create(registry, config);
  SimExchangeConfig xc;
  xc.market = default_sim_market_config(registry, 3, 1'767'225'600'000'000'000);
  if (events_per_second > 0) xc.market.events_per_second = events_per_second;
  SimExchange x(registry, xc);
  struct ToVenue final : OutputSink {
    SimExchange* x;
    void on_output(const Event& e) noexcept override {
      if (e.type() == EventType::kOrderNew) (void)x->submit(e);
    }
  } sink;
  sink.x = &x;
  Event out[8];
  Seq s = 0;
  while (v.size() < count) {
    const std::size_t n = x.poll(INT64_MAX, std::span<Event>(out, 8), 1);
    for (std::size_t i = 0; i < n; ++i) {
      out[i].header.seq = ++s;
      v.push_back(out[i]);
      (*core)->process(out[i], sink);
    }
  }
  return v;
}

void BM_Core_InlinePerInput(benchmark::State& state) {
  static auto registry = make_registry();
  CoreConfig config;
  config.strategy.bar_interval_ns = 100'000'000;
  config.strategy.slots = {{0, Qty::from_raw(1'000'000)}, {1, Qty::from_raw(30'000'000)}};
  static const std::vector<Event> inputs = record_paper_session(registry, config, 200'000, 0);
  Null null;
  for (auto _ : state) {
    state.PauseTiming();
    auto core = Core::create(registry, config);
    state.ResumeTiming();
    for (const Event& e : inputs) (*core)->process(e, null);
    benchmark::DoNotOptimize((*core)->router().total_net_pnl());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(inputs.size()));
}
BENCHMARK(BM_Core_InlinePerInput)->Unit(benchmark::kMillisecond);

// The order path alone (issue 7: where tick-to-order goes). The harness's strategy (MACD(3,6,3) on
// 2 ms bars, so orders are frequent) runs over a recorded simulated stream; each iteration replays
// it and times, for every input that makes an order, process() from its start to the order's
// hand-off, with the steady clock read on both sides (about 25 ns of the figure). p50/p99 over
// all such inputs are reported as counters, beside the cost of an ordinary input.
void BM_Core_OrderPath(benchmark::State& state) {
  static auto registry = make_registry();
  CoreConfig config;
  config.strategy.bar_interval_ns = state.range(0) * 1000;  // first argument: bar interval in µs
  const std::int64_t gap = state.range(1);                  // second: idle loop iterations between inputs
  config.strategy.macd = MacdParams{3, 6, 3};
  config.strategy.slots = {{0, Qty::from_raw(1'000'000)}, {1, Qty::from_raw(30'000'000)}};
  config.risk.default_limits = InstrumentRiskLimits::order_limits(Qty::from_units(100), Money::from_units(10'000'000));
  const std::vector<Event> inputs = record_paper_session(registry, config, 400'000, 100'000);
  struct Timed final : OutputSink {
    std::int64_t start = 0, order_ns = -1;
    void on_output(const Event& e) noexcept override {
      if (e.type() == EventType::kOrderNew && order_ns < 0) order_ns = steady_ns() - start;
    }
    static std::int64_t steady_ns() noexcept {
      timespec ts;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
    }
  } timed;
  std::vector<std::int64_t> order_ns, plain_ns;
  order_ns.reserve(1 << 16);
  plain_ns.reserve(inputs.size());
  for (auto _ : state) {
    state.PauseTiming();
    auto core = Core::create(registry, config);
    state.ResumeTiming();
    for (const Event& e : inputs) {
      for (std::int64_t j = 0; j < gap; ++j) benchmark::DoNotOptimize(j);  // idle between inputs, touching no memory
      timed.order_ns = -1;
      timed.start = Timed::steady_ns();
      (*core)->process(e, timed);
      if (timed.order_ns >= 0) order_ns.push_back(timed.order_ns);
      else plain_ns.push_back(Timed::steady_ns() - timed.start);
    }
  }
  auto pct = [](std::vector<std::int64_t>& v, double q) {
    if (v.empty()) return 0.0;
    const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return static_cast<double>(v[k]);
  };
  state.counters["orders"] = static_cast<double>(order_ns.size());
  state.counters["order_p50_ns"] = pct(order_ns, 0.5);
  state.counters["order_p99_ns"] = pct(order_ns, 0.99);
  state.counters["input_p50_ns"] = pct(plain_ns, 0.5);
  state.counters["input_p99_ns"] = pct(plain_ns, 0.99);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(inputs.size()));
}
// 2000 µs bars: the harness's order rate (an order every ~1000 inputs); 20 µs bars: an order every
// few dozen inputs, so the path runs warm. The idle loop between inputs (0, 2 000, 20 000
// iterations: none, ~1 µs, ~10 µs) stands for the gaps between market events in a live session
// (10 µs at 100 k events/s): it touches no memory, yet the order path slows as the gap grows.
BENCHMARK(BM_Core_OrderPath)->Args({2000, 0})->Args({20, 0})->Args({2000, 2000})->Args({2000, 20000})->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
