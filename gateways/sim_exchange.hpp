// SimExchange: one SimMarket and one SimVenue run as "the exchange" by a single thread, with an
// SPSC inbox through which the order router submits orders.
//
// Design:
//   - submit() is the only call the router thread makes: it pushes into inbox_ (SpscRing,
//     producer side) and never blocks or allocates; false means the inbox is full (back-pressure
//     as a value: the router retries later or raises its kill switch).
//   - everything else belongs to the exchange thread (the inbox's consumer): poll() drains the
//     inbox into the venue, flushes pending execution reports, then generates market events due
//     by now_ns, feeding each to the venue so resting orders can fill, and writes the market
//     event followed by the reports it caused.
//   - nothing is lost when out is small: reports that do not fit stay in the venue's FIFO and
//     come first in the next poll; no market event is generated while reports are pending, and
//     inbox orders are taken only while the FIFO has room for their reports, so the FIFO never
//     overflows.
// Determinism: the same seed and config, with the same orders submitted at the same points of
// the event stream, give a bit-identical output sequence.
// Hot/cold: construction is cold (allocates the inbox, venue and market); submit() and poll()
// are hot: no allocation, no locks, no exceptions, no syscalls.
//
//   SimExchange exchange(registry, config);                  // start-up
//   router thread:   if (!exchange.submit(order)) ...        // full: retry later
//   exchange thread: n = exchange.poll(now_ns, out, 256);    // publish out[0..n)
#pragma once

#include <cstddef>
#include <span>

#include "engine/event.hpp"
#include "engine/instrument.hpp"
#include "engine/spsc_ring.hpp"
#include "engine/state_hash.hpp"
#include "engine/types.hpp"
#include "gateways/sim_market.hpp"
#include "gateways/sim_venue.hpp"
#include "gateways/venue_log.hpp"

#include <vector>

namespace sequent {

struct SimExchangeConfig {
  SimMarketConfig market;
  SimVenueConfig venue;
  std::size_t inbox_capacity = 4096;  // rounded up to a power of two
};

class SimExchange {
 public:
  // Cold, allocates. Precondition: validate_sim_market_config(registry, config.market) is ok.
  // The registry must outlive the exchange.
  SimExchange(const InstrumentRegistry& registry, SimExchangeConfig config);

  // Router thread only (the one producer). Queues a kOrderNew/kOrderCancel for the venue; false
  // when the inbox is full. Never blocks, never allocates.
  [[nodiscard]] bool submit(const Event& order) noexcept {
    return inbox_.try_push(order) == PushResult::kOk;
  }

  // Exchange thread only. Writes at most out.size() events and returns how many: first reports
  // for the orders drained from the inbox (and any left from the last poll), then up to
  // max_market_events market events with event_ns <= now_ns, each followed by the reports it
  // caused. Pass now_ns = INT64_MAX to run as fast as possible. Never allocates or blocks.
  [[nodiscard]] std::size_t poll(TimeNs now_ns, std::span<Event> out,
                                 std::size_t max_market_events) noexcept;

  // Exchange thread only. Simulated time of the next market event (kSimNeverNs if none).
  [[nodiscard]] TimeNs next_market_ns() const noexcept { return market_.next_event_ns(); }
  // Exchange thread only. Reports waiting for room in a later poll's out.
  [[nodiscard]] std::size_t pending_reports() const noexcept { return venue_.pending_reports(); }

  // Exchange thread only: read access for statistics and tests.
  [[nodiscard]] const SimMarket& market() const noexcept { return market_; }
  [[nodiscard]] const SimVenue& venue() const noexcept { return venue_; }

  // Exchange thread only. Market then venue state (the inbox is not state: it is input).
  void hash_state(StateHasher& hasher) const noexcept;

  // Cold, before the first poll: every order the venue accepts and every report it emits is
  // appended to `log` before poll() hands the reports out. The log must outlive the exchange.
  void attach_log(VenueLog* log) noexcept { log_ = log; }

  // What the venue knows, for reconciliation after an engine restart.
  struct VenueView {
    std::vector<Event> fills;      // every fill report it emitted, in order
    std::vector<Event> reports;    // every execution report it emitted, in order
    std::vector<Event> open_acks;  // one ack (ExecType::kNew) per order resting now
    Seq max_origin_seq = 0;        // highest origin seq among client order ids it has seen
  };
  // Cold, before the first poll: rebuilds resting orders and id counters from a venue log's
  // contents and returns the venue's view. Fails if more orders rest than max_open_orders.
  Result<VenueView> restore(const VenueLog::Contents& contents);

 private:
  std::size_t drain_logged(std::span<Event> out) noexcept;

  SpscRing<Event> inbox_;
  SimMarket market_;
  SimVenue venue_;
  VenueLog* log_ = nullptr;
};

}  // namespace sequent
