// Position and P&L for one instrument, in fixed point.
//
// apply_fill() follows the usual average-cost rules: adding to a position moves the average entry
// price (rounded half to even at 8 decimals); reducing realises (price - average) × closed qty;
// crossing through zero realises the closed part and opens the rest at the fill price. Fees are
// kept apart from realised P&L: net = realised + unrealised - fees. Unrealised P&L is marked to
// the last trade price seen. Owned by the router stage's thread.
#pragma once

#include <cstddef>
#include <vector>

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

// Positions by (strategy book, instrument). Book 0 is the system book (the router's own orders
// for it, fills no strategy can be attributed), books 1..kMaxStrategies the strategies by id.
// Every fill goes to exactly one book, so over books the positions of an instrument sum to its
// per-instrument Position (quantity, realised, fees; unrealised up to rounding of each book's
// average price). Sized at construction; no allocation afterwards.
class StrategyPositions {
 public:
  explicit StrategyPositions(std::size_t instruments)
      : instruments_(instruments), books_(instruments * kStrategyBooks) {}

  void apply_fill(StrategyId strategy, InstrumentId id, Side side, Price price, Qty qty, Money fee) noexcept {
    if (id < instruments_) books_[book_of(strategy) * instruments_ + id].apply_fill(side, price, qty, fee);
  }
  void mark(InstrumentId id, Price last) noexcept {
    if (id >= instruments_) return;
    for (std::size_t b = 0; b < kStrategyBooks; ++b) books_[b * instruments_ + id].mark(last);
  }
  // The strategy's position in one instrument (an id out of range reads the system book).
  const Position& at(StrategyId strategy, InstrumentId id) const noexcept {
    return books_[book_of(strategy) * instruments_ + id];
  }
  std::size_t instrument_count() const noexcept { return instruments_; }
  // Totals over the strategy's instruments.
  Money net_pnl(StrategyId strategy) const noexcept;
  Money realised(StrategyId strategy) const noexcept;
  Money unrealised(StrategyId strategy) const noexcept;
  Money fees(StrategyId strategy) const noexcept;
  // True when the book holds no fill at all (nothing bought or sold in any instrument).
  bool empty(StrategyId strategy) const noexcept;
  void archive(StateArchive& a) noexcept;

 private:
  std::size_t instruments_;
  std::vector<Position> books_;  // [book × instruments + instrument]
};

}  // namespace sequent
