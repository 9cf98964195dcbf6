// InputQueue: the many-producer entrance to the sequencer (console sessions, timers, the core's
// own feedback such as risk denials), built on moodycamel::ConcurrentQueue.
//
// Producers: any thread calls push(); it is lock-free but may allocate when the queue grows, so
// it belongs to cold producers only (hot market data comes through a gateway's SPSC ring).
// Consumer: the sequencer's thread, through InputSource::poll(). Order is FIFO per producer
// thread; the sequencer's stamp fixes the one total order that everything downstream sees.
#pragma once

#include <concurrentqueue/concurrentqueue.h>

#include <atomic>
#include <cstdint>

#include "engine/sequencer.hpp"

namespace sequent {

class InputQueue final : public InputSource {
 public:
  // Any thread. May allocate. Returns false only if memory is exhausted.
  bool push(const Event& e) {
    const bool ok = queue_.enqueue(e);
    if (ok) pushed_.fetch_add(1, std::memory_order_relaxed);
    return ok;
  }

  // Sequencer thread only.
  std::size_t poll(std::span<Event> out) noexcept override {
    return queue_.try_dequeue_bulk(out.data(), out.size());
  }

  std::uint64_t pushed() const noexcept { return pushed_.load(std::memory_order_relaxed); }

 private:
  moodycamel::ConcurrentQueue<Event> queue_;
  std::atomic<std::uint64_t> pushed_{0};
};

}  // namespace sequent
