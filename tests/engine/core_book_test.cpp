// The L2 book lives in the core: kBookLevel inputs build it in the strategy stage, it is part of
// the state hash and the snapshot, and a resync marker empties it until the next snapshot.
#include <gtest/gtest.h>

#include <vector>

#include "engine/core.hpp"

namespace sequent {
namespace {

Price px(std::string_view s) { Price p; EXPECT_EQ(parse_decimal(s, p), ParseStatus::kOk); return p; }
Qty q(std::string_view s) { Qty v; EXPECT_EQ(parse_decimal(s, v), ParseStatus::kOk); return v; }

class Null final : public OutputSink {
 public:
  void on_output(const Event&) noexcept override {}
};

struct BookFixture {
  InstrumentRegistry registry;
  Seq seq = 1;
  BookFixture() { (void)registry.add("BTCUSDT", "binance", px("0.01"), q("0.00001"), Money::from_units(5)); }
  Event level(Side side, std::string_view price, std::string_view qty, std::uint8_t flags, std::uint64_t u) {
    Event e = make_event(EventType::kBookLevel, Source::kVenueMarket, 0, 0);
    e.header.seq = seq++;
    e.payload.book.side = side;
    e.payload.book.price = px(price);
    e.payload.book.qty = q(qty);
    e.payload.book.flags = flags;
    e.payload.book.first_update_id = u;
    e.payload.book.last_update_id = u;
    return e;
  }
  // A snapshot (clear + levels), then one diff that moves the touch.
  std::vector<Event> stream() {
    return {level(Side::kBuy, "100.00", "1", kBookClear, 10), level(Side::kBuy, "99.99", "2", 0, 10),
            level(Side::kSell, "100.02", "3", 0, 10), level(Side::kSell, "100.03", "4", kBookLast, 10),
            level(Side::kBuy, "100.01", "0.5", 0, 11), level(Side::kSell, "100.02", "0", kBookLast, 11)};
  }
};

TEST(CoreBook, BookLevelsBuildTheBookInTheCoreAndItIsHashedState) {
  BookFixture f;
  auto core = Core::create(f.registry, CoreConfig{});
  ASSERT_TRUE(core);
  Null sink;
  const std::uint64_t empty = (*core)->state_hash();
  for (const Event& e : f.stream()) (*core)->process(e, sink);
  const L2Book* book = (*core)->strategy().book(0);
  ASSERT_NE(book, nullptr);
  EXPECT_TRUE(book->synced());
  EXPECT_EQ(book->best_bid().price, px("100.01"));
  EXPECT_EQ(book->best_bid().qty, q("0.5"));
  EXPECT_EQ(book->best_ask().price, px("100.03"));
  EXPECT_FALSE(book->crossed());
  EXPECT_NE((*core)->state_hash(), empty);

  // Snapshot and restore into a fresh core: the same book and the same hash.
  auto restored = Core::create(f.registry, CoreConfig{});
  ASSERT_TRUE(restored);
  ASSERT_TRUE((*restored)->restore((*core)->snapshot()).ok());
  EXPECT_EQ((*restored)->state_hash(), (*core)->state_hash());
  const L2Book* rb = (*restored)->strategy().book(0);
  EXPECT_EQ(rb->ask_levels(), book->ask_levels());
  EXPECT_EQ(rb->bid_levels(), book->bid_levels());
  EXPECT_EQ(rb->best_ask().qty, q("4"));
  EXPECT_EQ(book->best_ask().qty, q("4"));
}

TEST(CoreBook, ResyncMarkerEmptiesTheBookUntilTheNextSnapshot) {
  BookFixture f;
  auto core = Core::create(f.registry, CoreConfig{});
  ASSERT_TRUE(core);
  Null sink;
  for (const Event& e : f.stream()) (*core)->process(e, sink);
  Event marker = f.level(Side::kNone, "0", "0", kBookClear | kBookLast, 0);
  (*core)->process(marker, sink);
  const L2Book* book = (*core)->strategy().book(0);
  EXPECT_FALSE(book->synced());
  EXPECT_FALSE(book->has_bid());
  (*core)->process(f.level(Side::kBuy, "98", "1", kBookClear | kBookLast, 20), sink);
  EXPECT_TRUE(book->synced());
  EXPECT_EQ(book->best_bid().price, px("98"));
}

}  // namespace
}  // namespace sequent
