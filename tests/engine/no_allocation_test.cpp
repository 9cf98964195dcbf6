// The core's hot path does not allocate: every input of a recorded paper session (market data,
// the venue's acknowledgements and fills, orders made, risk checks, positions) goes through a
// core built beforehand while a global operator new counts. Its own binary, because replacing
// operator new is process-wide.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "engine/core.hpp"
#include "gateways/sim_exchange.hpp"

// The replacements below pair malloc with free; GCC cannot see that through inlining.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace sequent {
namespace {

InstrumentRegistry make_registry() {
  InstrumentRegistry r;
  (void)r.add("BTCUSDT", "sim", Price::from_raw(1'000'000), Qty::from_raw(1'000), Money::from_units(5));
  (void)r.add("ETHUSDT", "sim", Price::from_raw(1'000'000), Qty::from_raw(10'000), Money::from_units(5));
  return r;
}

CoreConfig trading_config() {
  CoreConfig c;
  c.strategy.bar_interval_ns = 2'000'000;  // frequent bars: many orders
  c.strategy.macd = MacdParams{3, 6, 3};
  c.strategy.slots = {{0, Qty::from_raw(1'000'000)}, {1, Qty::from_raw(30'000'000)}};
  // Every pre-trade check on (docs/risk.md), loose enough that orders pass.
  c.risk.default_limits = InstrumentRiskLimits::order_limits(Qty::from_units(100), Money::from_units(10'000'000));
  c.risk.default_limits.max_position_qty = Qty::from_units(1'000'000);
  c.risk.default_limits.max_position_notional = Money::from_units(900'000'000);
  c.risk.default_limits.price_band_bps = 1000;
  c.risk.max_gross_exposure_bps = 1'000'000;
  c.risk.initial_equity = Money::from_units(100'000'000);
  c.risk.max_open_orders = 1'000;
  c.risk.max_orders_per_second = 1'000'000;
  c.risk.max_orders_per_day = 100'000'000;
  return c;
}

class Counting final : public OutputSink {
 public:
  void on_output(const Event& e) noexcept override {
    if (e.type() == EventType::kOrderNew) ++orders;
  }
  std::uint64_t orders = 0;
};

TEST(HotPath, TheCoreProcessesASessionWithoutAllocating) {
  const InstrumentRegistry registry = make_registry();
  const CoreConfig config = trading_config();

  // Record a session: the simulated venue answers the core's orders, so fills come back.
  std::vector<Event> inputs;
  inputs.reserve(300'000);
  {
    auto core = Core::create(registry, config);
    ASSERT_TRUE(core) << core.error().message;
    SimExchangeConfig xc;
    xc.market = default_sim_market_config(registry, 11, 1'767'225'600'000'000'000);
    xc.market.events_per_second = 100'000;
    SimExchange x(registry, xc);
    struct ToVenue final : OutputSink {
      SimExchange* x = nullptr;
      void on_output(const Event& e) noexcept override {
        if (e.type() == EventType::kOrderNew || e.type() == EventType::kOrderCancel) (void)x->submit(e);
      }
    } sink;
    sink.x = &x;
    Event out[8];
    Seq s = 0;
    while (inputs.size() < 250'000) {
      const std::size_t n = x.poll(INT64_MAX, std::span<Event>(out, 8), 1);
      for (std::size_t i = 0; i < n; ++i) {
        out[i].header.seq = ++s;
        inputs.push_back(out[i]);
        (*core)->process(out[i], sink);
      }
    }
  }
  std::uint64_t fills = 0;
  for (const Event& e : inputs)
    if (e.type() == EventType::kExecReport &&
        (e.payload.exec.exec_type == ExecType::kFill || e.payload.exec.exec_type == ExecType::kPartialFill))
      ++fills;

  auto core = Core::create(registry, config);
  ASSERT_TRUE(core) << core.error().message;
  Counting sink;
  // The counter itself works: one allocation is one count.
  g_allocations = 0;
  g_counting = true;
  void* volatile probe = ::operator new(16);  // a direct call: never elided
  ::operator delete(probe);
  g_counting = false;
  ASSERT_EQ(g_allocations.load(), 1u);

  g_allocations = 0;
  g_counting = true;
  for (const Event& e : inputs) (*core)->process(e, sink);
  g_counting = false;

  EXPECT_GT(sink.orders, 100u) << "the session must exercise the order path";
  EXPECT_GT(fills, 100u) << "and the fill path";
  EXPECT_EQ(g_allocations.load(), 0u) << "the core allocated on the hot path";
}

}  // namespace
}  // namespace sequent
