// RiskStage: pre-trade checks on every order intent, on risk's own view of the market.
//
// Owned by one thread (the risk thread in `threaded`, the core thread otherwise). Forwards every
// event downstream; turns each kOrderIntent into either a kOrderNew (approved) or a kOrderDenied
// (with a stable RejectReason), both derived events carrying the intent's origin seq. Its view
// (last trade price per instrument, halted flag) is built only from the sequenced stream, so a
// replay reproduces every decision. Checks in this first version: known instrument, positive
// quantity, max order quantity, max order notional (against the limit price, or the last trade
// for market orders), and the kill switch (admin kill_switch / resume). The risk issue extends
// the same stage with position, exposure, rate and price-band limits.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "engine/event.hpp"
#include "engine/instrument.hpp"
#include "engine/state_archive.hpp"

namespace sequent {

struct InstrumentRiskLimits {
  Qty max_order_qty;          // 0 = no limit
  Money max_order_notional;   // 0 = no limit
};

struct RiskConfig {
  InstrumentRiskLimits default_limits{Qty::from_units(1'000'000), Money::from_units(1'000'000)};
  std::vector<InstrumentRiskLimits> per_instrument;  // by instrument id; missing = default
};

class RiskStage {
 public:
  RiskStage(const InstrumentRegistry& registry, RiskConfig config);

  template <class Emit>
  void on_event(const Event& e, Emit&& emit) noexcept {
    if (e.type() == EventType::kOrderIntent) {
      Event out = e;
      const RejectReason reason = check(e);
      out.header.source = Source::kRisk;
      if (reason == RejectReason::kNone) {
        out.header.type = EventType::kOrderNew;
        approved_.store(approved_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      } else {
        out.header.type = EventType::kOrderDenied;
        out.payload.order.reason = reason;
        count_denial(reason);
      }
      emit(static_cast<const Event&>(out));
      return;
    }
    if (e.type() == EventType::kCheckpoint) {
      Event out = e;
      out.payload.checkpoint.risk_hash = state_hash();
      emit(static_cast<const Event&>(out));
      return;
    }
    if (!e.derived()) observe(e);
    emit(e);
  }

  // Pure decision on the current view; kNone = approved.
  RejectReason check(const Event& intent) const noexcept;

  bool halted() const noexcept { return halted_; }
  std::uint64_t approved() const noexcept { return approved_.load(std::memory_order_relaxed); }
  std::uint64_t denied() const noexcept { return denied_total_.load(std::memory_order_relaxed); }
  std::uint64_t denied_for(RejectReason r) const noexcept;
  std::uint64_t state_hash() const noexcept;
  void archive(StateArchive& a) noexcept;

 private:
  void observe(const Event& e) noexcept;
  void count_denial(RejectReason r) noexcept;
  const InstrumentRiskLimits& limits_for(InstrumentId id) const noexcept;

  const InstrumentRegistry* registry_;
  RiskConfig config_;
  std::vector<Price> last_price_;  // by instrument id; 0 = none yet
  bool halted_ = false;
  Seq last_seq_ = 0;
  static constexpr std::size_t kReasonSlots = 16;  // index = reason code % 100, risk reasons only
  std::array<std::uint64_t, kReasonSlots> denials_{};
  std::atomic<std::uint64_t> approved_{0};      // single writer: owner thread
  std::atomic<std::uint64_t> denied_total_{0};  // single writer: owner thread
};

}  // namespace sequent
