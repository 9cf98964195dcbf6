// StrategyStage: first stage of the core. Builds bars, runs strategies, emits order intents.
//
// Owned by one thread (the strategy thread in `threaded`, the core thread otherwise). For every
// input it forwards the input downstream first, then any intents it caused, so later stages see
// one stream in seq order. Each intent is a derived event (kFlagDerived) carrying the input's
// seq and recv_ns, and a client order id made from that seq (make_client_order_id) whose index
// byte names the strategy (strategy_order_index, engine/types.hpp), so ids are reproducible on
// replay and fills can be attributed without a lookup.
//
// Several strategies: up to kMaxStrategies instances, ids 1..N in configuration order, each with
// its own name, algorithm, parameters, instruments and order sizes. A market event goes to every
// strategy that trades its instrument, in id order. State: per (strategy, instrument) slot a bar
// aggregator, the strategy object, the strategy's own position from its fills and its working
// order; all in archive(). Every checkpoint_every-th input it emits a kCheckpoint carrying its
// state hash; risk and router add theirs as it passes, so a checkpoint is taken at the same point
// of the stream in every topology.
//
// Execution style (per instance, ExecutionStyle below): strategies signal market orders; an
// instance configured with order_type limit or limit_maker turns each market signal into a GTC
// limit order at the slot's reference price (the last trade price of the instrument seen by the
// slot, or the close of a bar input) moved away from the market by limit_offset_bps (buy rounded
// down, sell rounded up to the tick; passive_limit_price). A market signal with no reference
// price yet is dropped and counted (limit_signals_dropped). Signals that are limit orders already
// keep their own type and price. With order_ttl_ms, a resting (GTC limit) working order is
// cancelled once: the first trade or bar of its instrument, or timer, whose event_ns is at least
// its placement event_ns + ttl makes the stage emit one derived kOrderCancel for it (seq = origin
// seq, kFlagDerived, Source::kStrategy); the order stays the slot's working order until its
// terminal report (canceled, or filled if the venue filled it first). A refused cancel
// (kCancelRejected for it) restarts the TTL from the refusal's event_ns: one retry per TTL.
// Hot path: no allocation after construction (strategies and slot tables are built in create()).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/bar_aggregator.hpp"
#include "engine/console_feed.hpp"
#include "engine/event.hpp"
#include "engine/instrument.hpp"
#include "engine/l2_book.hpp"
#include "engine/macd_strategy.hpp"
#include "engine/result.hpp"
#include "engine/strategy.hpp"
#include "engine/trade_id_filter.hpp"

namespace sequent {

struct StrategySlotConfig {
  InstrumentId instrument = kNoInstrument;
  Qty order_qty;
};

// How an instance's market signals reach the venue ([strategy] / [[strategies]] order_type,
// limit_offset_bps, order_ttl_ms). The default is today's behaviour: market orders (IOC).
struct ExecutionStyle {
  OrderType order_type = OrderType::kMarket;  // kMarket, kLimit (GTC) or kLimitMaker (GTC)
  std::int32_t limit_offset_bps = 0;          // 0..kMaxLimitOffsetBps; positive = away from the market
  std::int64_t order_ttl_ms = 0;              // 0 = a resting order rests until filled or cancelled

  static constexpr std::int32_t kMaxLimitOffsetBps = 9'999;  // 10'000 would price every buy at 0
  static constexpr std::int64_t kMaxOrderTtlMs = 7LL * 24 * 3'600'000;  // a week
  // False for the default: the slot keeps no execution state (hashes and snapshots as before).
  bool active() const noexcept { return order_type != OrderType::kMarket || order_ttl_ms != 0; }
  friend bool operator==(const ExecutionStyle&, const ExecutionStyle&) = default;
};

// The limit price of a market signal under an offset: buy at ref × (1 − bps/10⁴) rounded down to
// the tick, sell at ref × (1 + bps/10⁴) rounded up. Integer arithmetic (128-bit intermediate);
// 0 when the buy price rounds to nothing. Preconditions: ref > 0, tick > 0, 0 <= bps < 10'000.
constexpr Price passive_limit_price(Price ref, Side side, std::int32_t bps, Price tick) noexcept {
  const Int128 num = static_cast<Int128>(ref.raw()) * (side == Side::kBuy ? 10'000 - bps : 10'000 + bps);
  const Int128 den = static_cast<Int128>(10'000) * tick.raw();
  const Int128 ticks = side == Side::kBuy ? num / den : (num + den - 1) / den;
  return Price::from_raw(static_cast<std::int64_t>(ticks * tick.raw()));
}

// One strategy instance of a multi-strategy stage ([[strategies]] in the configuration).
struct StrategyInstanceConfig {
  std::string name;                          // unique label: console, reports, [risk.strategy.NAME]
  std::string kind = "macd";                 // registered algorithm (make_strategy)
  MacdParams macd;                           // macd defaults before params
  std::vector<std::pair<std::string, std::string>> params;  // named parameters, as below
  TimeNs bar_interval_ns = 0;                // 0 = the stage's bar_interval_ns
  bool enabled = true;
  ExecutionStyle execution;                  // market (default), limit or limit_maker entries
  std::vector<StrategySlotConfig> slots;     // instruments it trades, with its order size
};

struct StrategyStageConfig {
  // The single strategy of a one-strategy engine ([strategy]); it is strategy id 1, named after
  // its algorithm. Ignored when `strategies` is not empty.
  std::string name = "macd";                 // registered strategy name (make_strategy)
  StrategyId strategy_id = 1;                // must be 1 (kept for older callers)
  TimeNs bar_interval_ns = 250'000'000;
  Seq checkpoint_every = 0;                  // emit a kCheckpoint after every N-th input; 0 = never
  MacdParams macd;                           // macd defaults (the live config sets these)
  // Named parameters (backtest --param KEY=VALUE), validated by make_strategy against the
  // strategy's list; they override the defaults above.
  std::vector<std::pair<std::string, std::string>> params;
  bool enabled = true;                       // strategy_start / strategy_stop toggle it
  ExecutionStyle execution;                  // how its market signals are sent (see above)
  // L2 books (kBookLevel inputs), one per instrument, levels per side (fixed at start; see
  // engine/l2_book.hpp for what happens beyond). 0 = keep no books.
  std::size_t book_levels_per_side = 5000;
  std::vector<StrategySlotConfig> slots;     // one per traded instrument
  // Several strategies: ids 1..N in this order (at most kMaxStrategies); replaces the single
  // strategy above when not empty.
  std::vector<StrategyInstanceConfig> strategies;

  // The instances the stage runs: `strategies`, or the single strategy above as one instance.
  std::vector<StrategyInstanceConfig> instances() const;
};

// Registered strategies and their parameters with defaults, for help and error messages:
// "macd(fast=12, slow=26, signal=9, take_profit_pct=0, stop_loss_pct=0)", ...
std::vector<std::string> registered_strategies();

// Builds a strategy by registered name; errors name the unknown strategy or parameter and list
// the valid ones.
Result<std::unique_ptr<Strategy>> make_strategy(const StrategyStageConfig& config, const StrategySlotConfig& slot);
Result<std::unique_ptr<Strategy>> make_strategy(const StrategyInstanceConfig& config, const StrategySlotConfig& slot);

class StrategyStage {
 public:
  // Cold: validates the config against the registry and builds every slot.
  static Result<std::unique_ptr<StrategyStage>> create(const InstrumentRegistry& registry,
                                                       const StrategyStageConfig& config);

  template <class Emit>
  void on_event(const Event& e, Emit&& emit) noexcept {
    emit(e);
    if (e.derived()) return;
    last_seq_ = e.seq();
    out_count_ = 0;
    for (std::uint8_t& n : out_per_strategy_) n = 0;
    switch (e.type()) {
      case EventType::kTrade: on_trade(e); break;
      case EventType::kBar: on_bar_input(e); break;
      case EventType::kExecReport: on_exec(e); break;
      case EventType::kOrderDenied: on_denied(e); break;
      case EventType::kTimer: on_timer(e); break;
      case EventType::kAdmin: on_admin(e); break;
      case EventType::kReconcile: on_reconcile(e); break;
      case EventType::kBookLevel:
        if (e.instrument() < books_.size()) (void)books_[e.instrument()].apply(e);
        break;
      default: break;
    }
    for (std::size_t i = 0; i < out_count_; ++i) emit(static_cast<const Event&>(out_[i]));
    // A gap (an input lost in a crash) takes no checkpoint: the crashed process may have recorded
    // one for that seq already, and replay skips what was recorded for gaps.
    if (checkpoint_every_ != 0 && e.seq() % checkpoint_every_ == 0 && e.type() != EventType::kGap)
      emit(static_cast<const Event&>(make_checkpoint(e)));
  }

  // Hash of the stage's state (FNV-1a over archive(), kHash mode). Owner thread, or any thread
  // once the stage thread is joined.
  std::uint64_t state_hash() const noexcept;
  void archive(StateArchive& a) noexcept;
  std::uint64_t intents() const noexcept { return intents_.load(std::memory_order_relaxed); }
  // Market signals of a limit-style instance dropped for want of a reference price (or whose buy
  // price rounded to 0), and cancels sent because a resting order outlived its order_ttl_ms.
  std::uint64_t limit_signals_dropped() const noexcept { return limit_dropped_.load(std::memory_order_relaxed); }
  std::uint64_t ttl_cancels() const noexcept { return ttl_cancels_.load(std::memory_order_relaxed); }
  bool enabled() const noexcept { return enabled_; }
  // Strategies hosted, ids 1..strategy_count(); names as configured.
  std::size_t strategy_count() const noexcept { return instances_.size(); }
  const std::string& strategy_name(StrategyId id) const noexcept { return instances_[id - 1].name; }
  bool strategy_enabled(StrategyId id) const noexcept { return instances_[id - 1].enabled; }
  // The strategy's own position in an instrument, from its fills (zero when it does not trade it).
  Qty strategy_position(StrategyId id, InstrumentId instrument) const noexcept;
  // The instrument's L2 book as built from kBookLevel inputs; null when books are off.
  const L2Book* book(InstrumentId id) const noexcept { return id < books_.size() ? &books_[id] : nullptr; }

 private:
  struct Instance {
    std::string name;
    bool enabled = true;  // strategy_start / strategy_stop scoped to this strategy
  };
  struct Slot {
    InstrumentId instrument;
    StrategyId sid;  // strategy id, 1..N
    BarAggregator bars;
    std::unique_ptr<Strategy> strategy;
    Qty position;
    ClientOrderId working = 0;  // 0 = none
    bool working_confirmed = false;  // reconciliation: the venue reported `working` open
    bool enabled = true;             // strategy_start / strategy_stop for this instrument
    ExecutionStyle execution;        // the instance's (configuration, not state)
    Price tick;                      // the instrument's tick size
    TimeNs ttl_ns = 0;               // execution.order_ttl_ms in ns
    // Execution state, archived only when execution.active() (so market slots hash as before):
    Price reference;                 // last trade price / bar close seen; 0 = none yet
    TimeNs working_placed_ns = 0;    // event_ns of the input that placed `working`
    Side working_side = Side::kNone;  // side, type, price and qty of `working` (for its cancel)
    OrderType working_type = OrderType::kMarket;
    Price working_price;
    Qty working_qty;
    bool working_rests = false;      // `working` is a GTC limit order: its TTL runs
    bool cancel_sent = false;        // the TTL cancel for `working` has gone out
  };
  // Slots trading one instrument, in strategy id order.
  struct InstrumentSlots {
    std::uint8_t count = 0;
    std::uint16_t slot[kMaxStrategies] = {};
  };

  StrategyStage(const InstrumentRegistry& registry, const StrategyStageConfig& config);
  Slot* slot_for(InstrumentId id, StrategyId strategy) noexcept;
  void on_trade(const Event& e) noexcept;
  void on_bar_input(const Event& e) noexcept;
  void on_exec(const Event& e) noexcept;
  void on_denied(const Event& e) noexcept;
  void on_timer(const Event& e) noexcept;
  void on_admin(const Event& e) noexcept;
  void on_reconcile(const Event& e) noexcept;
  void run_bar(Slot& slot, const Bar& bar, const Event& origin) noexcept;
  void emit_signals(Slot& slot, const Event& origin) noexcept;
  void expire_working(Slot& slot, const Event& origin) noexcept;
  Event make_checkpoint(const Event& origin) const noexcept;

  const InstrumentRegistry* registry_;
  bool enabled_;
  Seq checkpoint_every_;
  std::vector<Instance> instances_;        // by strategy id - 1
  std::vector<Slot> slots_;                // strategy-major
  std::vector<InstrumentSlots> by_instrument_;  // by instrument id
  TradeIdFilter trade_ids_;                     // fills already applied (as in risk and the router)
  std::vector<L2Book> books_;    // by instrument id (empty when book_levels_per_side is 0)
  SignalBuffer signals_;
  Seq last_seq_ = 0;
  bool reconciling_ = false;
  static constexpr std::size_t kMaxOut = 32;            // intents per input, all strategies
  static constexpr unsigned kMaxPerStrategy = 16;       // per strategy per input (4 bits of the id)
  Event out_[kMaxOut];
  std::size_t out_count_ = 0;
  std::uint8_t out_per_strategy_[kMaxStrategies] = {};
  std::atomic<std::uint64_t> intents_{0};  // single writer (owner thread), read by status
  std::atomic<std::uint64_t> limit_dropped_{0};  // same
  std::atomic<std::uint64_t> ttl_cancels_{0};    // same
};

}  // namespace sequent
