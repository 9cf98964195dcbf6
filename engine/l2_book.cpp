#include "engine/l2_book.hpp"

#include <algorithm>
#include <cstring>

namespace sequent {

namespace {

// First index whose level is not "before" price: bids ascending, asks descending.
inline std::size_t position(const std::vector<BookLevel>& levels, bool bid, Price price) noexcept {
  std::size_t lo = 0, hi = levels.size();
  const BookLevel* d = levels.data();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const bool before = bid ? d[mid].price < price : d[mid].price > price;
    if (before) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

}  // namespace

L2Book::L2Book(InstrumentId instrument, std::size_t capacity_per_side)
    : instrument_(instrument), capacity_(capacity_per_side == 0 ? 1 : capacity_per_side) {
  bids_.reserve(capacity_);
  asks_.reserve(capacity_);
}

void L2Book::clear() noexcept {
  bids_.clear();
  asks_.clear();
  last_update_id_ = 0;
  synced_ = false;
  in_message_ = false;
}

bool L2Book::apply(const Event& e) noexcept {
  if (e.type() != EventType::kBookLevel || e.instrument() != instrument_) return false;
  apply(e.payload.book);
  return true;
}

void L2Book::apply(const BookLevelPayload& level) noexcept {
  if ((level.flags & kBookClear) != 0) {
    bids_.clear();
    asks_.clear();
    synced_ = level.last_update_id != 0;
  }
  if (level.side == Side::kBuy) upsert(bids_, true, level.price, level.qty, capacity_, levels_dropped_);
  else if (level.side == Side::kSell) upsert(asks_, false, level.price, level.qty, capacity_, levels_dropped_);
  if (level.last_update_id != 0 || (level.flags & kBookClear) != 0) last_update_id_ = level.last_update_id;
  in_message_ = (level.flags & kBookLast) == 0;
}

void L2Book::upsert(Levels& levels, bool bid, Price price, Qty qty, std::size_t capacity,
                    std::uint64_t& dropped) noexcept {
  std::size_t i = position(levels, bid, price);
  const std::size_t n = levels.size();
  const bool found = i < n && levels[i].price == price;
  if (qty.is_zero() || qty.is_negative()) {
    if (found) {
      BookLevel* d = levels.data();
      std::memmove(d + i, d + i + 1, (n - i - 1) * sizeof(BookLevel));
      levels.pop_back();
    }
    return;
  }
  if (found) {
    levels[i].qty = qty;
    return;
  }
  if (n >= capacity) {
    ++dropped;
    if (i == 0) return;  // worse than every level held
    // Evict the worst level (index 0) and insert at i - 1.
    BookLevel* d = levels.data();
    std::memmove(d, d + 1, (i - 1) * sizeof(BookLevel));
    d[i - 1] = BookLevel{price, qty};
    return;
  }
  levels.push_back(BookLevel{});  // within the reserved capacity: no allocation
  BookLevel* d = levels.data();
  std::memmove(d + i + 1, d + i, (n - i) * sizeof(BookLevel));
  d[i] = BookLevel{price, qty};
}

std::size_t L2Book::depth(Side side, std::span<BookLevel> out) const noexcept {
  const Levels& levels = side == Side::kBuy ? bids_ : asks_;
  if (side != Side::kBuy && side != Side::kSell) return 0;
  const std::size_t n = std::min(out.size(), levels.size());
  for (std::size_t k = 0; k < n; ++k) out[k] = levels[levels.size() - 1 - k];
  return n;
}

Qty L2Book::qty_at(Side side, Price price) const noexcept {
  if (side != Side::kBuy && side != Side::kSell) return Qty{};
  const bool bid = side == Side::kBuy;
  const Levels& levels = bid ? bids_ : asks_;
  const std::size_t i = position(levels, bid, price);
  return i < levels.size() && levels[i].price == price ? levels[i].qty : Qty{};
}

void L2Book::archive_side(StateArchive& a, Levels& levels) {
  std::uint64_t n = levels.size();
  a.u64(n);
  if (a.reading()) {
    levels.clear();
    if (n > capacity_) {
      a.fail();
      return;
    }
    for (std::uint64_t k = 0; k < n && a.ok(); ++k) {
      BookLevel l;
      a.fixed(l.price);
      a.fixed(l.qty);
      levels.push_back(l);
    }
    return;
  }
  for (BookLevel& l : levels) {
    a.fixed(l.price);
    a.fixed(l.qty);
  }
}

void L2Book::archive(StateArchive& a) {
  a.tag("l2book");
  a.expect_count(instrument_);  // a snapshot of another instrument's book fails the read
  a.u64(last_update_id_);
  a.boolean(synced_);
  a.boolean(in_message_);
  a.u64(levels_dropped_);
  archive_side(a, bids_);
  archive_side(a, asks_);
}

}  // namespace sequent
