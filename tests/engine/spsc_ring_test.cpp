#include "engine/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "engine/event.hpp"
#include "engine/wait_strategy.hpp"

namespace sequent {
namespace {

template <class T>
concept RingAccepts = requires { typename SpscRing<T>; };

TEST(SpscRing, RefusesNonTriviallyCopyableElements) {
  static_assert(RingAccepts<Event>);
  static_assert(RingAccepts<std::uint64_t>);
  static_assert(!RingAccepts<std::string>, "a std::string must not be able to enter a ring");
  static_assert(!RingAccepts<std::vector<int>>);
  SUCCEED();
}

TEST(SpscRing, RoundsCapacityUpToAPowerOfTwo) {
  EXPECT_EQ(SpscRing<int>(1).capacity(), 2u);
  EXPECT_EQ(SpscRing<int>(5).capacity(), 8u);
  EXPECT_EQ(SpscRing<int>(1024).capacity(), 1024u);
}

TEST(SpscRing, PopsInPushOrder) {
  SpscRing<int> ring(8);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(ring.try_push(i), PushResult::kOk);
  for (int i = 0; i < 5; ++i) {
    int v = -1;
    ASSERT_TRUE(ring.try_pop(v));
    EXPECT_EQ(v, i);
  }
  int v = -1;
  EXPECT_FALSE(ring.try_pop(v));
}

TEST(SpscRing, RejectsPushWhenFull) {
  SpscRing<int> ring(4);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(ring.try_push(i), PushResult::kOk);
  EXPECT_EQ(ring.try_push(99), PushResult::kFull);
  EXPECT_EQ(ring.size_approx(), 4u);
  int v = -1;
  ASSERT_TRUE(ring.try_pop(v));
  EXPECT_EQ(v, 0);
  EXPECT_EQ(ring.try_push(4), PushResult::kOk);
  EXPECT_EQ(ring.try_push(5), PushResult::kFull);
}

TEST(SpscRing, WrapsAroundManyTimesKeepingOrder) {
  SpscRing<std::uint64_t> ring(4);
  std::uint64_t next_in = 0, next_out = 0;
  for (int round = 0; round < 1000; ++round) {
    const int pushes = 1 + round % 4;
    for (int i = 0; i < pushes; ++i) ASSERT_EQ(ring.try_push(next_in++), PushResult::kOk);
    std::uint64_t v = 0;
    while (ring.try_pop(v)) ASSERT_EQ(v, next_out++);
  }
  EXPECT_EQ(next_in, next_out);
}

TEST(SpscRing, PopBatchTakesAtMostWhatIsThereInOrder) {
  SpscRing<int> ring(16);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(ring.try_push(i), PushResult::kOk);
  int out[4];
  EXPECT_EQ(ring.pop_batch(std::span<int>(out, 4)), 4u);
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(out[3], 3);
  int big[32];
  EXPECT_EQ(ring.pop_batch(std::span<int>(big, 32)), 6u);
  EXPECT_EQ(big[0], 4);
  EXPECT_EQ(big[5], 9);
  EXPECT_EQ(ring.pop_batch(std::span<int>(big, 32)), 0u);
  // The batch released its slots: the ring is writable to capacity again.
  for (int i = 0; i < 16; ++i) ASSERT_EQ(ring.try_push(i), PushResult::kOk);
}

// Two threads, 10 million sequenced events through a small ring (so it is full and empty many
// times): the consumer checks dense order and an order-sensitive checksum. Runs under TSan.
TEST(SpscRingConcurrency, TenMillionSequencedEventsArriveInOrder) {
  constexpr std::uint64_t kCount = 10'000'000;
  SpscRing<Event> ring(1024);
  std::uint64_t producer_sum = 0;
  std::thread producer([&] {
    WaitStrategy wait(WaitKind::kSpinYield);
    std::uint64_t sum = 0;
    for (std::uint64_t s = 1; s <= kCount; ++s) {
      Event e = make_event(EventType::kTrade, Source::kSimMarket, 0, static_cast<TimeNs>(s));
      e.header.seq = s;
      e.payload.trade.price = Price::from_raw(static_cast<std::int64_t>(s * 7));
      sum = sum * 31 + s;
      while (ring.try_push(e) != PushResult::kOk) wait.idle(0);
    }
    producer_sum = sum;
  });
  std::uint64_t expected = 1, sum = 0;
  bool in_order = true;
  WaitStrategy wait(WaitKind::kSpinYield);
  Event batch[64];
  while (expected <= kCount) {
    const std::size_t n = ring.pop_batch(std::span<Event>(batch, 64));
    wait.idle(n);
    for (std::size_t i = 0; i < n; ++i) {
      const Event& e = batch[i];
      if (e.seq() != expected || e.payload.trade.price.raw() != static_cast<std::int64_t>(expected * 7)) in_order = false;
      sum = sum * 31 + e.seq();
      ++expected;
    }
  }
  producer.join();
  EXPECT_TRUE(in_order);
  EXPECT_EQ(sum, producer_sum);
  EXPECT_EQ(expected, kCount + 1);
}

}  // namespace
}  // namespace sequent
