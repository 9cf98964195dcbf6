// SimMarket: the built-in simulated market. A seeded price process per instrument (geometric
// Brownian motion with Poisson jumps) emitting top-of-book quotes and trades in simulated time.
//
// Each step happens at an exponential inter-arrival time (rate events_per_second over all
// instruments), picks an instrument uniformly, moves its mid, emits a kQuote and, with
// probability trade_probability, a kTrade at the touch right after it (same event_ns). Prices are
// on the instrument's tick, bid < ask always, spreads are random in [min, max] ticks (>= 1),
// quantities are random positive multiples of the lot size, trade ids are dense per instrument
// from 1. Events carry Source::kSimMarket, event_ns = simulated time, seq = recv_ns = 0 (the
// sequencer stamps them).
//
// Determinism: the same registry, seed and config give a bit-identical event sequence (own PRNG
// and samplers, no std:: distributions, no wall clock).
//
// Threading: owned by one thread (the simulated exchange's); not shared.
// Hot/cold: construction is cold (allocates); next_event_ns()/next() are hot: no allocation, no
// exceptions, no syscalls.
//
//   SimMarket market(registry, default_sim_market_config(registry, 42, start_ns));
//   while (market.next_event_ns() <= now_ns) handle(market.next());
#pragma once

#include <cstdint>
#include <vector>

#include "engine/event.hpp"
#include "engine/fixed_point.hpp"
#include "engine/instrument.hpp"
#include "engine/result.hpp"
#include "engine/state_hash.hpp"
#include "engine/types.hpp"
#include "gateways/detail/sim_random.hpp"

namespace sequent {

// Simulated time that never comes: next_event_ns() of a market with no instruments.
inline constexpr TimeNs kSimNeverNs = INT64_MAX;

struct SimInstrumentParams {
  InstrumentId instrument = kNoInstrument;
  Price start_price;                  // initial mid; > 0
  std::int32_t min_spread_ticks = 1;  // >= 1
  std::int32_t max_spread_ticks = 5;  // >= min_spread_ticks
  Qty mean_quote_qty;                 // mean size on each side; rounded to lots, at least 1 lot
  Qty mean_trade_qty;                 // mean trade size; rounded to lots, at least 1 lot
};

struct SimMarketConfig {
  std::uint64_t seed = 1;
  TimeNs start_ns = 0;              // simulated clock origin; the first event comes after it
  double events_per_second = 1000;  // quote steps per second, all instruments together; > 0
  double trade_probability = 0.5;   // chance that a step also prints a trade; [0, 1]
  double annual_volatility = 0.8;   // GBM sigma per sqrt(year of 365 days); >= 0
  double jump_probability = 0.001;  // chance per step of a log-price jump; [0, 1]
  double jump_stdev = 0.01;         // stdev of the jump's log-return (zero-mean); >= 0
  std::vector<SimInstrumentParams> instruments;
};

// BTCUSDT (start 100000, mean quote 2, mean trade 0.05) and ETHUSDT (start 3500, mean quote 20,
// mean trade 0.5) when those symbols are in the registry; spreads 1..5 ticks. Cold, allocates.
[[nodiscard]] SimMarketConfig default_sim_market_config(const InstrumentRegistry& registry,
                                                        std::uint64_t seed, TimeNs start_ns);

// Checks a config against the registry; the message names the field and value. Cold.
[[nodiscard]] Status validate_sim_market_config(const InstrumentRegistry& registry,
                                                const SimMarketConfig& config);

class SimMarket {
 public:
  // Cold, allocates. Precondition: validate_sim_market_config(registry, config) is ok (the
  // wiring code checks it and reports the message). The registry must outlive the market.
  SimMarket(const InstrumentRegistry& registry, SimMarketConfig config);

  // Simulated time of the event next() will return; kSimNeverNs when there are no instruments.
  [[nodiscard]] TimeNs next_event_ns() const noexcept {
    return has_pending_trade_ ? pending_trade_.header.event_ns : next_step_ns_;
  }

  // Returns the next event and advances. Hot: no allocation, no exceptions. Precondition:
  // next_event_ns() != kSimNeverNs.
  [[nodiscard]] Event next() noexcept;

  // Events returned so far.
  [[nodiscard]] std::uint64_t events_emitted() const noexcept { return events_emitted_; }
  [[nodiscard]] const SimMarketConfig& config() const noexcept { return config_; }

  // Feeds the generator and every instrument's state into a state hash, in instrument order.
  void hash_state(StateHasher& hasher) const noexcept;

 private:
  struct InstrumentState {
    InstrumentId instrument = kNoInstrument;
    std::int64_t tick_raw = 1;
    std::int64_t lot_raw = 1;
    double tick_units = 1.0;  // tick size as a double, for rounding the mid
    double mid = 0.0;         // current mid in price units
    double min_mid = 0.0;     // clamps keep prices positive and notional in range
    double max_mid = 0.0;
    double mean_quote_lots = 1.0;
    double mean_trade_lots = 1.0;
    std::int32_t min_spread_ticks = 1;
    std::int32_t max_spread_ticks = 1;
    TimeNs last_step_ns = 0;
    std::uint64_t next_trade_id = 1;
  };

  void schedule_next_step() noexcept;
  [[nodiscard]] std::int64_t random_lots(double mean_lots) noexcept;

  SimMarketConfig config_;
  std::vector<InstrumentState> states_;
  detail::SimRandom rng_;
  double mean_gap_ns_ = 1e6;
  TimeNs next_step_ns_ = kSimNeverNs;
  Event pending_trade_{};
  bool has_pending_trade_ = false;
  std::uint64_t events_emitted_ = 0;
};

}  // namespace sequent
