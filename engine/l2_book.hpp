// L2Book: one instrument's price-level order book, built from kBookLevel events.
//
//   L2Book book(instrument, 2000);           // capacity: price levels per side
//   for (const Event& e : events) book.apply(e);
//   if (book.synced() && !book.crossed()) use(book.best_bid(), book.best_ask());
//
// Storage: per side a flat array of (price, qty) sorted so that the best level is at the END
// (bids ascending, asks descending): almost all venue updates touch the top of the book, so an
// insert or delete moves only the few levels above it (binary search + memmove). Measured on the
// Binance capture (bench/binance_parse_bench BM_L2Book_Apply): 12.2 M levels/s this way round,
// 3.6 M/s with the best level first — Binance's diffs are concentrated near the top. Both arrays
// are reserved at construction and never grow: apply() does not allocate, lock or throw.
//
// Capacity: a new level on a full side is handled like a depth-limited venue feed. If it is
// worse than every level held it is dropped; otherwise the worst level held is evicted to make
// room. Either way levels_dropped() counts it. The top of the book stays exact; the deep tail
// may miss levels that were evicted or dropped earlier. Size the capacity above the venue's
// snapshot depth (Binance REST snapshots go to 5000 a side; the capture uses 1000).
//
// Sync: kBookClear empties the book. The clearing event's last_update_id decides whether the
// book is synced afterwards: a snapshot carries the venue's lastUpdateId (non-zero), the resync
// marker carries 0 (see engine/event.hpp), so after a marker synced() is false until the next
// snapshot. The book is only meaningful after an event with kBookLast (in_message() is false).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/event.hpp"
#include "engine/state_archive.hpp"

namespace sequent {

struct BookLevel {
  Price price;
  Qty qty;
  friend bool operator==(const BookLevel&, const BookLevel&) = default;
};

class L2Book {
 public:
  explicit L2Book(InstrumentId instrument = kNoInstrument, std::size_t capacity_per_side = 5000);

  // Applies one kBookLevel event (other types and other instruments are ignored; returns false
  // for them). qty 0 deletes the level (a delete of an absent level is a no-op, as on Binance).
  bool apply(const Event& e) noexcept;
  // Same, from the payload alone (no instrument check).
  void apply(const BookLevelPayload& level) noexcept;
  void clear() noexcept;

  InstrumentId instrument() const noexcept { return instrument_; }
  std::size_t capacity() const noexcept { return capacity_; }
  bool synced() const noexcept { return synced_; }
  // true between a level without kBookLast and the next kBookLast: mid-message, not consistent.
  bool in_message() const noexcept { return in_message_; }
  std::uint64_t last_update_id() const noexcept { return last_update_id_; }

  bool has_bid() const noexcept { return !bids_.empty(); }
  bool has_ask() const noexcept { return !asks_.empty(); }
  // Precondition: has_bid() / has_ask(). Otherwise a zero level.
  BookLevel best_bid() const noexcept { return bids_.empty() ? BookLevel{} : bids_.back(); }
  BookLevel best_ask() const noexcept { return asks_.empty() ? BookLevel{} : asks_.back(); }
  std::size_t bid_levels() const noexcept { return bids_.size(); }
  std::size_t ask_levels() const noexcept { return asks_.size(); }
  // Best bid >= best ask (both present).
  bool crossed() const noexcept {
    return !bids_.empty() && !asks_.empty() && bids_.back().price >= asks_.back().price;
  }
  // Copies up to out.size() levels of one side, best first; returns how many.
  std::size_t depth(Side side, std::span<BookLevel> out) const noexcept;
  // Quantity at exactly `price` on `side` (0 when absent).
  Qty qty_at(Side side, Price price) const noexcept;

  // Levels refused or evicted because a side was full (see above).
  std::uint64_t levels_dropped() const noexcept { return levels_dropped_; }

  // Hash / snapshot of the whole book (both sides, sync state, last update id). On read, a
  // snapshot with more levels than this book's capacity fails the archive.
  void archive(StateArchive& a);

 private:
  using Levels = std::vector<BookLevel>;
  static void upsert(Levels& levels, bool bid, Price price, Qty qty, std::size_t capacity,
                     std::uint64_t& dropped) noexcept;
  void archive_side(StateArchive& a, Levels& levels);

  InstrumentId instrument_;
  std::size_t capacity_;
  Levels bids_;  // ascending price: best (highest) last
  Levels asks_;  // descending price: best (lowest) last
  std::uint64_t last_update_id_ = 0;
  std::uint64_t levels_dropped_ = 0;
  bool synced_ = false;
  bool in_message_ = false;
};

}  // namespace sequent
