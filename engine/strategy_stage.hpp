// StrategyStage: first stage of the core. Builds bars, runs strategies, emits order intents.
//
// Owned by one thread (the strategy thread in `threaded`, the core thread otherwise). For every
// input it forwards the input downstream first, then any intents it caused, so later stages see
// one stream in seq order. Each intent is a derived event (kFlagDerived) carrying the input's
// seq and recv_ns, and a client order id made from that seq (make_client_order_id), so ids are
// reproducible on replay. State: per slot (instrument) a bar aggregator, a strategy, the
// strategy's own position from its fills and its working order; all in archive(). Every
// checkpoint_every-th input it emits a kCheckpoint carrying its state hash; risk and router add
// theirs as it passes, so a checkpoint is taken at the same point of the stream in every topology.
// Hot path: no allocation after construction (strategies are built in the constructor).
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

namespace sequent {

struct StrategySlotConfig {
  InstrumentId instrument = kNoInstrument;
  Qty order_qty;
};

struct StrategyStageConfig {
  std::string name = "macd";                 // registered strategy name (make_strategy)
  StrategyId strategy_id = 1;
  TimeNs bar_interval_ns = 250'000'000;
  Seq checkpoint_every = 0;                  // emit a kCheckpoint after every N-th input; 0 = never
  MacdParams macd;                           // macd defaults (the live config sets these)
  // Named parameters (backtest --param KEY=VALUE), validated by make_strategy against the
  // strategy's list; they override the defaults above.
  std::vector<std::pair<std::string, std::string>> params;
  bool enabled = true;                       // strategy_start / strategy_stop toggle it
  // L2 books (kBookLevel inputs), one per instrument, levels per side (fixed at start; see
  // engine/l2_book.hpp for what happens beyond). 0 = keep no books.
  std::size_t book_levels_per_side = 5000;
  std::vector<StrategySlotConfig> slots;     // one per traded instrument
};

// Registered strategies and their parameters with defaults, for help and error messages:
// "macd(fast=12, slow=26, signal=9, take_profit_pct=0, stop_loss_pct=0)", ...
std::vector<std::string> registered_strategies();

// Builds a strategy by registered name; errors name the unknown strategy or parameter and list
// the valid ones.
Result<std::unique_ptr<Strategy>> make_strategy(const StrategyStageConfig& config, const StrategySlotConfig& slot);

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
  bool enabled() const noexcept { return enabled_; }
  // The instrument's L2 book as built from kBookLevel inputs; null when books are off.
  const L2Book* book(InstrumentId id) const noexcept { return id < books_.size() ? &books_[id] : nullptr; }

 private:
  struct Slot {
    InstrumentId instrument;
    BarAggregator bars;
    std::unique_ptr<Strategy> strategy;
    Qty position;
    ClientOrderId working = 0;  // 0 = none
    bool working_confirmed = false;  // reconciliation: the venue reported `working` open
    std::uint64_t max_trade_id = 0;  // fills at or below it are duplicates (as in the router)
    bool enabled = true;             // strategy_start / strategy_stop for this instrument
  };

  StrategyStage(const InstrumentRegistry& registry, const StrategyStageConfig& config);
  Slot* slot_for(InstrumentId id) noexcept;
  void on_trade(const Event& e) noexcept;
  void on_bar_input(const Event& e) noexcept;
  void on_exec(const Event& e) noexcept;
  void on_denied(const Event& e) noexcept;
  void on_timer(const Event& e) noexcept;
  void on_admin(const Event& e) noexcept;
  void on_reconcile(const Event& e) noexcept;
  void run_bar(Slot& slot, const Bar& bar, const Event& origin) noexcept;
  void emit_signals(Slot& slot, const Event& origin) noexcept;
  Event make_checkpoint(const Event& origin) const noexcept;

  const InstrumentRegistry* registry_;
  StrategyId strategy_id_;
  bool enabled_;
  Seq checkpoint_every_;
  std::vector<Slot> slots_;
  std::vector<int> slot_index_;  // by instrument id; -1 = not traded
  std::vector<L2Book> books_;    // by instrument id (empty when book_levels_per_side is 0)
  SignalBuffer signals_;
  Seq last_seq_ = 0;
  bool reconciling_ = false;
  static constexpr std::size_t kMaxOut = 8;
  Event out_[kMaxOut];
  std::size_t out_count_ = 0;
  std::atomic<std::uint64_t> intents_{0};  // single writer (owner thread), read by status
};

}  // namespace sequent
