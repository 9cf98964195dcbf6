// L2Book: ordering on both sides, update/delete, clear and the resync marker, capacity limits,
// depth(), crossed(), archive round trip, and a randomised comparison against std::map.
#include "engine/l2_book.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>

namespace sequent {
namespace {

Event level(Side side, std::int64_t price_units, std::int64_t qty_units, std::uint8_t flags = kBookLast,
            std::uint64_t u = 1, InstrumentId inst = 3) {
  Event e = make_event(EventType::kBookLevel, Source::kNone, inst, 0);
  e.payload.book.side = side;
  e.payload.book.price = Price::from_units(price_units);
  e.payload.book.qty = Qty::from_units(qty_units);
  e.payload.book.flags = flags;
  e.payload.book.first_update_id = u;
  e.payload.book.last_update_id = u;
  return e;
}

TEST(L2Book, SortsBothSidesAndKeepsTheBestOnTop) {
  L2Book b(3, 16);
  for (int p : {100, 98, 99, 97}) b.apply(level(Side::kBuy, p, p - 90));
  for (int p : {103, 101, 102}) b.apply(level(Side::kSell, p, p - 100));
  EXPECT_EQ(b.best_bid(), (BookLevel{Price::from_units(100), Qty::from_units(10)}));
  EXPECT_EQ(b.best_ask(), (BookLevel{Price::from_units(101), Qty::from_units(1)}));
  BookLevel d[8];
  ASSERT_EQ(b.depth(Side::kBuy, d), 4u);
  EXPECT_EQ(d[0].price, Price::from_units(100));
  EXPECT_EQ(d[1].price, Price::from_units(99));
  EXPECT_EQ(d[3].price, Price::from_units(97));
  ASSERT_EQ(b.depth(Side::kSell, std::span<BookLevel>(d, 2)), 2u);
  EXPECT_EQ(d[1].price, Price::from_units(102));
  EXPECT_FALSE(b.crossed());
  // update, delete, delete of an absent level
  b.apply(level(Side::kBuy, 100, 7));
  EXPECT_EQ(b.best_bid().qty, Qty::from_units(7));
  b.apply(level(Side::kBuy, 100, 0));
  EXPECT_EQ(b.best_bid().price, Price::from_units(99));
  b.apply(level(Side::kSell, 150, 0));
  EXPECT_EQ(b.ask_levels(), 3u);
  EXPECT_EQ(b.qty_at(Side::kSell, Price::from_units(102)), Qty::from_units(2));
  EXPECT_EQ(b.qty_at(Side::kSell, Price::from_units(104)), Qty{});
  b.apply(level(Side::kBuy, 105, 1));
  EXPECT_TRUE(b.crossed());
}

TEST(L2Book, IgnoresOtherInstrumentsAndTypes) {
  L2Book b(3, 4);
  EXPECT_FALSE(b.apply(level(Side::kBuy, 1, 1, kBookLast, 1, 4)));
  Event t = make_event(EventType::kTrade, Source::kNone, 3, 0);
  EXPECT_FALSE(b.apply(t));
  EXPECT_FALSE(b.has_bid());
}

TEST(L2Book, ClearSnapshotAndResyncMarker) {
  L2Book b(3, 16);
  EXPECT_FALSE(b.synced());
  b.apply(level(Side::kBuy, 10, 1, kBookClear, 500));
  EXPECT_TRUE(b.in_message());
  b.apply(level(Side::kSell, 11, 1, kBookLast, 500));
  EXPECT_FALSE(b.in_message());
  EXPECT_TRUE(b.synced());
  EXPECT_EQ(b.last_update_id(), 500u);
  b.apply(level(Side::kBuy, 9, 1, kBookLast, 510));
  EXPECT_EQ(b.last_update_id(), 510u);
  // Resync marker: side none, ids 0, clear|last.
  Event marker = level(Side::kNone, 0, 0, kBookClear | kBookLast, 0);
  b.apply(marker);
  EXPECT_FALSE(b.synced());
  EXPECT_FALSE(b.has_bid());
  EXPECT_FALSE(b.has_ask());
  EXPECT_EQ(b.last_update_id(), 0u);
  // Next snapshot restores it.
  b.apply(level(Side::kBuy, 20, 1, kBookClear | kBookLast, 600));
  EXPECT_TRUE(b.synced());
  EXPECT_EQ(b.bid_levels(), 1u);
}

TEST(L2Book, CapacityDropsWorseLevelsAndEvictsTheWorst) {
  L2Book b(3, 3);
  for (int p : {10, 9, 8}) b.apply(level(Side::kBuy, p, 1));
  b.apply(level(Side::kBuy, 7, 1));  // worse than all: dropped
  EXPECT_EQ(b.levels_dropped(), 1u);
  EXPECT_EQ(b.qty_at(Side::kBuy, Price::from_units(7)), Qty{});
  b.apply(level(Side::kBuy, 11, 1));  // better: 8 is evicted
  EXPECT_EQ(b.levels_dropped(), 2u);
  EXPECT_EQ(b.bid_levels(), 3u);
  EXPECT_EQ(b.best_bid().price, Price::from_units(11));
  EXPECT_EQ(b.qty_at(Side::kBuy, Price::from_units(8)), Qty{});
  b.apply(level(Side::kBuy, 10, 5));  // update in place on a full side
  EXPECT_EQ(b.levels_dropped(), 2u);
  EXPECT_EQ(b.qty_at(Side::kBuy, Price::from_units(10)), Qty::from_units(5));
  for (int p : {20, 21, 22, 19}) b.apply(level(Side::kSell, p, 1));
  EXPECT_EQ(b.best_ask().price, Price::from_units(19));
  EXPECT_EQ(b.qty_at(Side::kSell, Price::from_units(22)), Qty{});  // evicted (worst ask)
}

TEST(L2Book, ArchiveRoundTripAndHash) {
  L2Book a(3, 8);
  for (int p : {10, 9}) a.apply(level(Side::kBuy, p, p));
  a.apply(level(Side::kSell, 12, 2, kBookLast, 77));
  StateArchive w = StateArchive::writer();
  a.archive(w);
  L2Book b(3, 8);
  StateArchive r = StateArchive::reader(w.bytes());
  b.archive(r);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(b.best_bid(), a.best_bid());
  EXPECT_EQ(b.best_ask(), a.best_ask());
  EXPECT_EQ(b.last_update_id(), 77u);
  StateArchive ha = StateArchive::hasher(), hb = StateArchive::hasher();
  a.archive(ha);
  b.archive(hb);
  EXPECT_EQ(ha.hash(), hb.hash());
  b.apply(level(Side::kBuy, 9, 1));
  StateArchive hc = StateArchive::hasher();
  b.archive(hc);
  EXPECT_NE(ha.hash(), hc.hash());
  // A snapshot of a bigger book does not fit a smaller capacity; another instrument fails too.
  L2Book tiny(3, 1);
  StateArchive r2 = StateArchive::reader(w.bytes());
  tiny.archive(r2);
  EXPECT_FALSE(r2.ok());
  L2Book other(4, 8);
  StateArchive r3 = StateArchive::reader(w.bytes());
  other.archive(r3);
  EXPECT_FALSE(r3.ok());
}

TEST(L2Book, RandomUpdatesAgreeWithAMap) {
  std::mt19937_64 rng(20261123);
  L2Book b(3, 1000);
  std::map<std::int64_t, std::int64_t> bids, asks;
  for (int i = 0; i < 200000; ++i) {
    const bool bid = (rng() & 1) != 0;
    const std::int64_t price = bid ? 1000 - static_cast<std::int64_t>(rng() % 300) : 1001 + static_cast<std::int64_t>(rng() % 300);
    const std::int64_t q = (rng() % 3 == 0) ? 0 : 1 + static_cast<std::int64_t>(rng() % 50);
    b.apply(level(bid ? Side::kBuy : Side::kSell, price, q));
    auto& m = bid ? bids : asks;
    if (q == 0) m.erase(price);
    else m[price] = q;
  }
  ASSERT_EQ(b.bid_levels(), bids.size());
  ASSERT_EQ(b.ask_levels(), asks.size());
  EXPECT_EQ(b.levels_dropped(), 0u);
  std::vector<BookLevel> d(1000);
  const std::size_t nb = b.depth(Side::kBuy, d);
  auto it = bids.rbegin();
  for (std::size_t k = 0; k < nb; ++k, ++it) {
    ASSERT_EQ(d[k].price, Price::from_units(it->first));
    ASSERT_EQ(d[k].qty, Qty::from_units(it->second));
  }
  const std::size_t na = b.depth(Side::kSell, d);
  auto ia = asks.begin();
  for (std::size_t k = 0; k < na; ++k, ++ia) {
    ASSERT_EQ(d[k].price, Price::from_units(ia->first));
    ASSERT_EQ(d[k].qty, Qty::from_units(ia->second));
  }
}

}  // namespace
}  // namespace sequent
