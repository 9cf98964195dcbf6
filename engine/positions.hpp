// Position and P&L for one instrument, in fixed point.
//
// apply_fill() follows the usual average-cost rules: adding to a position moves the average entry
// price (rounded half to even at 8 decimals); reducing realises (price - average) × closed qty;
// crossing through zero realises the closed part and opens the rest at the fill price. Fees are
// kept apart from realised P&L: net = realised + unrealised - fees. Unrealised P&L is marked to
// the last trade price seen. Owned by the router stage's thread.
#pragma once

#include "engine/fixed_point.hpp"
#include "engine/state_archive.hpp"
#include "engine/types.hpp"

namespace sequent {

class Position {
 public:
  void apply_fill(Side side, Price price, Qty qty, Money fee) noexcept;
  void mark(Price last) noexcept { last_price_ = last; }

  Qty qty() const noexcept { return qty_; }                // signed: > 0 long, < 0 short
  Price average_price() const noexcept { return avg_price_; }
  Money realised() const noexcept { return realised_; }    // gross of fees
  Money fees() const noexcept { return fees_; }
  Price last_price() const noexcept { return last_price_; }
  Money unrealised() const noexcept;                       // 0 until a price is known
  Money net_pnl() const noexcept { return realised_ + unrealised() - fees_; }
  Qty bought() const noexcept { return bought_; }
  Qty sold() const noexcept { return sold_; }
  void archive(StateArchive& a) noexcept;

 private:
  Qty qty_;
  Price avg_price_;
  Money realised_;
  Money fees_;
  Price last_price_;
  Qty bought_, sold_;
};

}  // namespace sequent
