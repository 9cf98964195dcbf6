// RiskStage: pre-trade checks on every order intent, on risk's own view of the account.
//
// Owned by one thread (the risk thread in `threaded`, the core thread otherwise). Forwards every
// event downstream; turns each kOrderIntent into either a kOrderNew (approved) or a kOrderDenied
// (with a stable RejectReason), both derived events carrying the intent's origin seq. Its view —
// last trade per instrument, its own positions and P&L from fills, the orders it approved that are
// still open, order-rate windows, the kill switch — is built only from the sequenced stream, so a
// replay reproduces every decision. Time comes from the events (the intent's event time), never
// from a clock.
//
// Checks, in this order (docs/risk.md lists each with its reason code and config key):
//   known instrument, whitelist, positive quantity, lot size, tick size (limit orders), a
//   reference price (limit price, else last trade), min notional, max order qty, max order
//   notional, price band against the last trade, kill switch (only position-reducing orders pass
//   while halted), max open orders, orders per second, orders per day, max position qty and
//   notional (counting this order and open orders on the same side), max gross exposure as a
//   fraction of equity (positions and open orders at the last trade).
// Circuit breakers: after every trade or fill risk re-marks its equity; if the day's loss from the
// equity at the trading day's start reaches daily_loss_limit, or the drawdown from the day's peak
// reaches max_drawdown_bps, the breaker trips: new orders are refused (reduce-only, reason
// kRiskBreakerTripped) until an admin `resume`. The trip is deterministic (replay trips at the same
// seq) and is also announced as a derived kAdmin kill_switch event (arg_code 1 = daily loss,
// 2 = drawdown) that the router reports as an output; the live engine feeds it back as an input,
// so the journal records the trip and its cause and the router cancels working orders.
// Per-strategy limits (RiskConfig::per_strategy, [risk.strategy.NAME]) run after the global
// checks, on risk's per-strategy view (positions by strategy book from fills attributed through
// the order's strategy_id, its open orders): max order qty and notional, max position qty and
// notional per instrument (counting the strategy's open orders on the same side), max open
// orders, and a daily loss limit on the strategy's own net P&L that halts only that strategy
// (reduce-only for it, reason kRiskStrategyHalted), announced as a derived kAdmin strategy_halt
// (strategy_id, arg_code 1) that is journaled as an input like the breakers above.
// Hot path: check() and on_event() never allocate; the open-order table and rate window are sized
// at construction.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "engine/console_feed.hpp"
#include "engine/event.hpp"
#include "engine/instrument.hpp"
#include "engine/order_table.hpp"
#include "engine/positions.hpp"
#include "engine/state_archive.hpp"
#include "engine/trade_id_filter.hpp"

namespace sequent {

// Zero means "no limit" for every numeric field.
struct InstrumentRiskLimits {
  Qty max_order_qty;
  Money max_order_notional;
  Qty max_position_qty;          // |position + open orders on the same side + this order|
  Money max_position_notional;   // the same at the reference price
  std::int64_t price_band_bps = 0;  // limit price within this distance of the last trade
  bool allowed = true;           // whitelist: false refuses every order on the instrument

  // Per-order limits only (position, band: none).
  static InstrumentRiskLimits order_limits(Qty max_qty, Money max_notional) noexcept {
    InstrumentRiskLimits l;
    l.max_order_qty = max_qty;
    l.max_order_notional = max_notional;
    return l;
  }
};

// Limits of one strategy ([risk.strategy.NAME]); zero = no limit. Position limits apply to each
// instrument the strategy trades, counting only that strategy's position and open orders.
struct StrategyRiskLimits {
  Qty max_order_qty;
  Money max_order_notional;
  Qty max_position_qty;
  Money max_position_notional;
  std::uint32_t max_open_orders = 0;
  Money daily_loss_limit;  // breaker: the strategy's net P&L this far below its day's start
  bool any() const noexcept {
    return max_order_qty.is_positive() || max_order_notional.is_positive() || max_position_qty.is_positive() ||
           max_position_notional.is_positive() || max_open_orders != 0 || daily_loss_limit.is_positive();
  }
};

struct RiskConfig {
  InstrumentRiskLimits default_limits =
      InstrumentRiskLimits::order_limits(Qty::from_units(1'000'000), Money::from_units(1'000'000));
  std::vector<InstrumentRiskLimits> per_instrument;  // by instrument id; missing = default
  Money initial_equity = Money::from_units(100'000);  // equity at the start of the session
  std::int64_t max_gross_exposure_bps = 0;  // of equity (10000 = 1×); 0 = off
  std::uint32_t max_open_orders = 0;
  std::uint32_t max_orders_per_second = 0;
  std::uint32_t max_orders_per_day = 0;
  TimeNs day_start_offset_ns = 0;           // trading day boundary, after 00:00 UTC
  Money daily_loss_limit;                   // breaker: equity this many below the day's start; 0 = off
  std::int64_t max_drawdown_bps = 0;        // breaker: equity this far below the day's peak; 0 = off
  std::size_t open_order_capacity = 4096;   // risk's open-order table (fixed)
  // By strategy id (1..kMaxStrategies); [0], the system book, is never checked.
  std::array<StrategyRiskLimits, kStrategyBooks> per_strategy{};
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
        on_approved(out);
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
    if (trip_pending_ != 0) [[unlikely]] emit(static_cast<const Event&>(make_trip(e)));
    while (strategy_trip_pending_ != 0) [[unlikely]] emit(static_cast<const Event&>(make_strategy_trip(e)));
  }

  // Applies an operator's set_risk_limit (also reached through on_event for kAdmin inputs):
  // instrument limits for one instrument, or the defaults with kNoInstrument; global limits only
  // with kNoInstrument. False (nothing changes) for an unknown limit, a negative value, an
  // instrument-scoped global limit or a rate above what the approval ring can track.
  bool set_limit(RiskLimitId limit, InstrumentId instrument, std::int64_t value) noexcept;
  const InstrumentRiskLimits& limits(InstrumentId id) const noexcept { return limits_for(id); }
  const RiskConfig& config() const noexcept { return config_; }
  static constexpr std::size_t kRateWindowCapacity = 4096;  // approval times kept (at least)

  // Pure decision on the current view; kNone = approved.
  RejectReason check(const Event& intent) const noexcept;

  bool halted() const noexcept { return halted_; }
  // 0 = off, 1 = daily loss, 2 = drawdown.
  std::uint8_t breaker() const noexcept { return breaker_; }
  std::uint64_t approved() const noexcept { return approved_.load(std::memory_order_relaxed); }
  std::uint64_t denied() const noexcept { return denied_total_.load(std::memory_order_relaxed); }
  std::uint64_t denied_for(RejectReason r) const noexcept;
  std::size_t open_orders() const noexcept { return open_.size(); }
  const Position& position(InstrumentId id) const noexcept { return positions_[id]; }
  // Risk's per-strategy view: positions by strategy book, open orders, the strategy breaker.
  const StrategyPositions& strategy_positions() const noexcept { return books_; }
  std::uint32_t strategy_open_orders(StrategyId id) const noexcept { return s_open_count_[book_of(id)]; }
  bool strategy_halted(StrategyId id) const noexcept { return id != 0 && ((static_cast<unsigned>(strategy_halted_) >> book_of(id)) & 1u) != 0; }
  const StrategyRiskLimits& strategy_limits(StrategyId id) const noexcept { return config_.per_strategy[book_of(id)]; }
  Money equity() const noexcept;
  std::uint64_t state_hash() const noexcept;
  void archive(StateArchive& a);

 private:
  void observe(const Event& e) noexcept;
  void update_breakers(TimeNs t) noexcept;
  Event make_trip(const Event& origin) noexcept;
  Event make_strategy_trip(const Event& origin) noexcept;
  void update_strategy_breakers(TimeNs t) noexcept;
  RejectReason check_strategy(const Event& intent, Int128 order_notional, Price ref) const noexcept;
  void refresh_strategy_flags() noexcept;
  void drop_open(ClientOrderId id) noexcept;
  void release_open(const OrderRecord& r) noexcept;  // its working quantity leaves the aggregates
  void on_exec(const Event& e) noexcept;
  void on_venue_open(const Event& e) noexcept;
  void on_reconcile(const Event& e) noexcept;
  void on_approved(const Event& order) noexcept;
  void count_denial(RejectReason r) noexcept;
  const InstrumentRiskLimits& limits_for(InstrumentId id) const noexcept;
  std::int64_t day_of(TimeNs t) const noexcept;
  bool second_window_full(TimeNs t) const noexcept;
  // Moves an open order's working quantity by delta (negative on fills and when it ends) in the
  // running aggregates, so check() never scans the open-order table.
  void adjust_open(const OrderRecord& r, std::int64_t delta) noexcept;

  const InstrumentRegistry* registry_;
  RiskConfig config_;
  std::vector<std::uint8_t> own_limits_;  // by instrument id: 1 = per_instrument[id] applies
  std::vector<Price> last_price_;    // by instrument id; 0 = none yet
  std::vector<Position> positions_;  // by instrument id: risk's own view from fills
  OrderTable open_;                  // orders risk approved and the venue has not finished
  TradeIdFilter trade_ids_;          // fills already applied (reconciliation repeats some)
  bool reconciling_ = false;         // inside a kReconcile begin/end window
  std::vector<std::int64_t> open_buy_, open_sell_;  // by instrument: working quantity (raw)
  Int128 open_notional_e16_ = 0;     // Σ price × working quantity over open orders, raw × raw (exact)
  std::vector<TimeNs> recent_;       // ring of the last max_orders_per_second approval times
  std::size_t recent_head_ = 0, recent_count_ = 0;
  std::int64_t day_ = INT64_MIN;     // trading day of orders_today_
  std::uint32_t orders_today_ = 0;
  bool halted_ = false;
  std::uint8_t breaker_ = 0;       // cause of a tripped breaker; 0 = none
  std::uint8_t trip_pending_ = 0;  // a trip to announce after the current input
  std::int64_t breaker_day_ = INT64_MIN;
  Money day_start_equity_, day_peak_equity_;
  Seq last_seq_ = 0;
  // Per strategy (index = book: 0 system, 1.. strategy id).
  StrategyPositions books_;
  std::vector<std::int64_t> s_open_buy_, s_open_sell_;  // [book × instruments + instrument], raw
  std::array<std::uint32_t, kStrategyBooks> s_open_count_{};
  std::uint8_t strategy_halted_ = 0;        // bit per strategy id: its breaker is on
  std::uint8_t strategy_trip_pending_ = 0;  // bit per strategy id: a trip to announce
  std::uint8_t strategy_loss_mask_ = 0;     // not state (from limits): strategies with a loss limit
  bool strategy_checks_ = false;            // not state: any per-strategy limit or halt applies
  std::int64_t strategy_day_ = INT64_MIN;
  std::array<Money, kStrategyBooks> strategy_day_start_{};  // the strategy's net P&L at the day's start
  static constexpr std::size_t kReasonSlots = 32;  // index = reason code - 100 (risk reasons)
  std::array<std::uint64_t, kReasonSlots> denials_{};
  std::atomic<std::uint64_t> approved_{0};      // single writer: owner thread
  std::atomic<std::uint64_t> denied_total_{0};  // single writer: owner thread
};

}  // namespace sequent
