// SpscRing<T>: bounded single-producer single-consumer ring for trivially copyable T.
//
// Design (after rigtorp/SPSCQueue):
//   - capacity is a power of two; head_ and tail_ are free-running 64-bit counters (they never
//     wrap in practice: 2^64 events at 1e9/s is 584 years), slot = counter & mask_.
//   - tail_ (next slot to write) is written only by the producer thread; head_ (next slot to
//     read) only by the consumer thread. Each sits on its own cache line together with the
//     owner's cached copy of the other side's counter, so the common case touches no shared
//     line: the producer re-reads head_ only when its cached copy says the ring is full, the
//     consumer re-reads tail_ only when its copy says it is empty.
//   - ordering: the producer writes the slot, then stores tail_ with release; the consumer loads
//     tail_ with acquire before reading slots (pairs with that release). The consumer reads
//     slots, then stores head_ with release; the producer loads head_ with acquire before
//     reusing those slots. Nothing else is shared, and no fences are used (TSan models these).
//   - the slot array is padded by a cache line on each side so neighbouring allocations never
//     share a line with the first or last slot.
//
// Threading: exactly one producer thread calls try_push/push_wait; exactly one consumer thread
// calls try_pop/pop_batch/front/pop. size_approx/empty may be called from either.
// Hot path: nothing here allocates, locks, throws or makes a syscall after construction.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <type_traits>

namespace sequent {

inline constexpr std::size_t kCacheLine = 64;

enum class PushResult : std::uint8_t { kOk = 0, kFull = 1 };

template <class T>
concept RingElement = std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T>;

template <RingElement T>
class SpscRing {
 public:
  // Allocates capacity slots (rounded up to a power of two, at least 2). Cold: call at start-up.
  explicit SpscRing(std::size_t capacity)
      : mask_(std::bit_ceil(capacity < 2 ? std::size_t{2} : capacity) - 1),
        storage_(new T[mask_ + 1 + 2 * kPadding]),
        slots_(storage_.get() + kPadding) {}

  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  std::size_t capacity() const noexcept { return mask_ + 1; }

  // Producer only. Never blocks, never allocates.
  [[nodiscard]] PushResult try_push(const T& value) noexcept {
    const std::uint64_t tail = producer_.tail.load(std::memory_order_relaxed);
    if (tail - producer_.cached_head > mask_) {
      // Pairs with the consumer's release store of head in pop()/pop_batch().
      producer_.cached_head = consumer_.head.load(std::memory_order_acquire);
      if (tail - producer_.cached_head > mask_) return PushResult::kFull;
    }
    slots_[tail & mask_] = value;
    // Publishes the slot; pairs with the consumer's acquire load of tail.
    producer_.tail.store(tail + 1, std::memory_order_release);
    return PushResult::kOk;
  }

  // Consumer only. Copies the oldest element into out; false when empty.
  [[nodiscard]] bool try_pop(T& out) noexcept {
    const std::uint64_t head = consumer_.head.load(std::memory_order_relaxed);
    if (head == consumer_.cached_tail) {
      // Pairs with the producer's release store of tail in try_push().
      consumer_.cached_tail = producer_.tail.load(std::memory_order_acquire);
      if (head == consumer_.cached_tail) return false;
    }
    out = slots_[head & mask_];
    // Hands the slot back; pairs with the producer's acquire load of head.
    consumer_.head.store(head + 1, std::memory_order_release);
    return true;
  }

  // Consumer only. Copies up to out.size() oldest elements, releases their slots with one
  // store, and returns how many were copied (0 when empty).
  [[nodiscard]] std::size_t pop_batch(std::span<T> out) noexcept {
    const std::uint64_t head = consumer_.head.load(std::memory_order_relaxed);
    std::uint64_t available = consumer_.cached_tail - head;
    if (available < out.size()) {
      consumer_.cached_tail = producer_.tail.load(std::memory_order_acquire);
      available = consumer_.cached_tail - head;
    }
    const std::size_t n = available < out.size() ? static_cast<std::size_t>(available) : out.size();
    for (std::size_t i = 0; i < n; ++i) out[i] = slots_[(head + i) & mask_];
    if (n != 0) consumer_.head.store(head + n, std::memory_order_release);
    return n;
  }

  // Approximate when called concurrently; exact when both sides are quiescent.
  std::size_t size_approx() const noexcept {
    const std::uint64_t head = consumer_.head.load(std::memory_order_acquire);
    const std::uint64_t tail = producer_.tail.load(std::memory_order_acquire);
    return static_cast<std::size_t>(tail - head);
  }
  bool empty_approx() const noexcept { return size_approx() == 0; }

 private:
  static constexpr std::size_t kPadding = (kCacheLine - 1) / sizeof(T) + 1;

  const std::size_t mask_;
  std::unique_ptr<T[]> storage_;
  T* const slots_;

  struct alignas(kCacheLine) ProducerSide {
    std::atomic<std::uint64_t> tail{0};  // written by the producer only
    std::uint64_t cached_head = 0;       // producer's copy of consumer head
  };
  struct alignas(kCacheLine) ConsumerSide {
    std::atomic<std::uint64_t> head{0};  // written by the consumer only
    std::uint64_t cached_tail = 0;       // consumer's copy of producer tail
  };
  ProducerSide producer_;
  ConsumerSide consumer_;

  static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "ring counters must be lock-free");
  static_assert(sizeof(ProducerSide) == kCacheLine && sizeof(ConsumerSide) == kCacheLine,
                "each side's counter and cache must own exactly one cache line");
};

}  // namespace sequent
