// Position and P&L for one instrument, in fixed point.
//
// apply_fill() follows the usual average-cost rules: adding to a position moves the average entry
// price (rounded half to even at 8 decimals); reducing realises (price - average) × closed qty;
// crossing through zero realises the closed part and opens the rest at the fill price. Fees are
// kept apart from realised P&L: net = realised + unrealised - fees. Unrealised P&L is marked to
// the last trade price seen. Owned by the router stage's thread.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
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
      : instruments_(instruments), books_(instruments * kStrategyBooks), marks_(instruments) {}

  void apply_fill(StrategyId strategy, InstrumentId id, Side side, Price price, Qty qty, Money fee) noexcept {
    if (id >= instruments_) return;
    const std::size_t b = book_of(strategy);
    Mark& m = marks_[id];
    Position& p = books_[b * instruments_ + id];
    if (((static_cast<unsigned>(m.used) >> b) & 1u) == 0) {  // first fill of this book: it starts at the instrument's mark
      m.used |= 1u << b;
      p.mark(m.last);
    }
    p.apply_fill(side, price, qty, fee);
  }
  // Marks the instrument's books that ever had a fill (a trade touches one book per strategy
  // trading the instrument, not every book).
  void mark(InstrumentId id, Price last) noexcept {
    if (id >= instruments_) return;
    Mark& m = marks_[id];
    m.last = last;
    for (std::uint32_t u = m.used; u != 0; u &= u - 1)
      books_[static_cast<std::size_t>(std::countr_zero(u)) * instruments_ + id].mark(last);
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
  // One strategy's books summed over the instruments, by a Position getter.
  Money sum(StrategyId strategy, Money (Position::*get)() const noexcept) const noexcept {
    Money total;
    for (std::size_t i = 0; i < instruments_; ++i) total += (books_[book_of(strategy) * instruments_ + i].*get)();
    return total;
  }
  struct Mark {
    Price last;              // the instrument's last trade
    std::uint32_t used = 0;  // bit per book that has had a fill
  };
  std::size_t instruments_;
  std::vector<Position> books_;  // [book × instruments + instrument]
  std::vector<Mark> marks_;      // by instrument
};

}  // namespace sequent
