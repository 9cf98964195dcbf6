// Sequencer: gives every input its seq and receive time, in one total order.
//
// Owned by exactly one thread (the ingest/sequencer thread in threaded and fused topologies, the
// only thread in inline). Inputs come from InputSources: a gateway's SPSC ring, the many-producer
// queue for console sessions and the core's own feedback, a file reader, a replay. Each poll()
// visits the sources in registration order (a fixed order keeps inline runs reproducible),
// takes up to kBatch events from each, stamps seq (dense, from first_seq) and recv_ns (from the
// injected Clock), and hands each stamped event to the sink, which journals it and pushes it into
// the pipeline. Hot path: no allocation, no locks; sources are virtual because the call is per
// batch, not per event.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <span>
#include <vector>

#include "engine/clock.hpp"
#include "engine/event.hpp"

namespace sequent {

class InputSource {
 public:
  virtual ~InputSource() = default;
  // Moves up to out.size() pending inputs into out and returns how many. Never blocks.
  // Called only by the sequencer's thread.
  virtual std::size_t poll(std::span<Event> out) noexcept = 0;
};

class Sequencer {
 public:
  static constexpr std::size_t kBatch = 64;

  explicit Sequencer(const Clock& clock, Seq first_seq = 1) noexcept : clock_(&clock), next_seq_(first_seq) {}

  // Cold: register before the first poll(). Sources are polled in this order.
  void add_source(InputSource& source) { sources_.push_back(&source); }

  // Stamps one input: seq, recv_ns. Clears the derived flag (inputs are never derived).
  void stamp(Event& e) noexcept {
    e.header.seq = next_seq_++;
    e.header.recv_ns = clock_->now_ns();
    e.header.flags = static_cast<std::uint8_t>(e.header.flags & ~kFlagDerived);
    // Read by status/metrics threads; the value is informational, so relaxed is enough.
    last_seq_.store(e.header.seq, std::memory_order_relaxed);
  }

  // Polls every source once; calls sink(const Event&) for each stamped event in seq order and
  // returns how many were sequenced.
  template <class Sink>
  std::size_t poll(Sink&& sink) noexcept {
    std::size_t total = 0;
    for (InputSource* source : sources_) {
      const std::size_t n = source->poll(std::span<Event>(batch_.data(), batch_.size()));
      for (std::size_t i = 0; i < n; ++i) {
        stamp(batch_[i]);
        sink(static_cast<const Event&>(batch_[i]));
      }
      total += n;
    }
    return total;
  }

  // Polls one source that need not be registered (e.g. inputs that must all go first).
  template <class Sink>
  std::size_t poll_one(InputSource& source, Sink&& sink) noexcept {
    const std::size_t n = source.poll(std::span<Event>(batch_.data(), batch_.size()));
    for (std::size_t i = 0; i < n; ++i) {
      stamp(batch_[i]);
      sink(static_cast<const Event&>(batch_[i]));
    }
    return n;
  }

  Seq next_seq() const noexcept { return next_seq_; }
  // Any thread: the last seq stamped (approximate while running).
  Seq last_seq() const noexcept { return last_seq_.load(std::memory_order_relaxed); }

 private:
  const Clock* clock_;
  Seq next_seq_;
  std::atomic<Seq> last_seq_{0};
  std::vector<InputSource*> sources_;
  std::array<Event, kBatch> batch_{};
};

}  // namespace sequent
