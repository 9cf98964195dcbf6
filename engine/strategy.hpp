// Strategy: the on-bar / on-trade / on-fill interface a trading strategy implements.
//
// A strategy sees market data and its own fills for one instrument and answers with signals
// (buy/sell a quantity, market or limit). It never sends orders itself: the strategy stage turns
// signals into order intents that pre-trade risk checks. Strategies are deterministic functions
// of what they are shown (no clock, no unseeded randomness) and hash their whole state.
//
// Virtual dispatch is used because it happens once per bar or per trade of the strategy's own
// instrument, not per ring slot; adding a strategy = one file implementing this plus one line in
// make_strategy() (strategy_stage.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/bar_aggregator.hpp"
#include "engine/fixed_point.hpp"
#include "engine/state_archive.hpp"
#include "engine/types.hpp"

namespace sequent {

// What a strategy may know about its own trading when it decides.
struct StrategyView {
  Qty position;          // signed, from the strategy's own fills
  bool order_pending;    // an order of this strategy is still working
};

struct Signal {
  Side side = Side::kNone;
  Qty qty;
  OrderType order_type = OrderType::kMarket;
  Price limit_price;     // limit orders only
  std::int32_t take_profit_bps = 0;  // optional exits relative to the fill price; 0 = none
  std::int32_t stop_loss_bps = 0;
};

// Fixed-capacity output of one callback: at most kMax signals.
class SignalBuffer {
 public:
  static constexpr std::size_t kMax = 4;
  bool push(const Signal& s) noexcept {
    if (n_ == kMax) return false;
    items_[n_++] = s;
    return true;
  }
  std::size_t size() const noexcept { return n_; }
  const Signal& operator[](std::size_t i) const noexcept { return items_[i]; }
  void clear() noexcept { n_ = 0; }

 private:
  Signal items_[kMax];
  std::size_t n_ = 0;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string_view name() const noexcept = 0;
  // A time bar of the strategy's instrument completed.
  virtual void on_bar(const Bar& bar, const StrategyView& view, SignalBuffer& out) noexcept = 0;
  // A trade of the strategy's instrument (tick strategies); default: ignore.
  virtual void on_trade(Price /*price*/, Qty /*qty*/, const StrategyView& /*view*/, SignalBuffer& /*out*/) noexcept {}
  // One of the strategy's orders filled (qty signed by side); default: ignore.
  virtual void on_fill(Price /*price*/, Qty /*signed_qty*/) noexcept {}
  // An operator changed the entry order size (set_strategy_param order_qty); false = the
  // strategy has no such parameter. Takes effect from the next signal.
  virtual bool set_order_qty(Qty /*qty*/) noexcept { return false; }
  // Hash, snapshot and restore the strategy's whole mutable state (state_archive.hpp).
  virtual void archive(StateArchive& a) noexcept = 0;
};

}  // namespace sequent
