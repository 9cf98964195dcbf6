// ConsolePublisher: the router-thread side of the console feed (engine/console_feed.hpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "engine/console_feed.hpp"
#include "engine/router_stage.hpp"
#include "engine/spsc_ring.hpp"

namespace sequent {

// The router-thread producer: turns what the router just handled into console updates.
//   derived order/cancel/denial  → order update (+ risk update for a denial)
//   execution report             → order update, and for a fill: fill + position updates
//   admin input                  → admin-applied, status and risk updates; after cancel_all,
//                                  flatten or the kill switch, every open order again
//   market data                  → status every status_interval of event time, a position
//                                  mark per instrument every mark_interval
// Not part of the core's state (it never changes what the core decides).
class ConsolePublisher final : public RouterObserver {
 public:
  ConsolePublisher(SpscRing<ConsoleUpdate>& ring, std::size_t instruments,
                   TimeNs status_interval_ns = 100'000'000, TimeNs mark_interval_ns = 250'000'000);

  void after_event(const Event& e, const RouterStage& router) noexcept override;

  // Updates dropped because the ring was full (any thread).
  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  std::uint64_t published() const noexcept { return published_.load(std::memory_order_relaxed); }
  bool halted() const noexcept { return halted_.load(std::memory_order_relaxed); }

 private:
  void push(const ConsoleUpdate& u) noexcept;
  void on_admin(const Event& e, const RouterStage& router) noexcept;
  void on_exec(const Event& e, const RouterStage& router) noexcept;
  void publish_order(const OrderRecord& r, Seq seq, RejectReason reason) noexcept;
  void publish_position(InstrumentId id, Seq seq, const RouterStage& router) noexcept;
  void publish_status(const Event& e, const RouterStage& router) noexcept;
  void publish_risk(Seq seq, RiskLimitId limit, InstrumentId instrument, std::int64_t value, RejectReason reason) noexcept;
  void publish_open_orders(Seq seq, const RouterStage& router) noexcept;

  SpscRing<ConsoleUpdate>* ring_;
  TimeNs status_interval_ns_, mark_interval_ns_;
  TimeNs next_status_ns_ = 0;
  std::vector<TimeNs> next_mark_ns_;  // by instrument id
  std::uint8_t breaker_ = 0;
  bool strategies_enabled_ = true;
  std::uint64_t rejects_ = 0;
  std::atomic<bool> halted_{false};
  std::atomic<std::uint64_t> dropped_{0}, published_{0};  // single writer: the router thread
};

}  // namespace sequent
