// Pipeline: runs the Core's stages in one of three topologies over the same stage objects.
//
//   inline    submit() calls Core::process on the caller's thread: no rings, no other threads
//             (backtests, replay, tests, and the single-threaded live engine).
//   fused     submit() pushes into one SPSC ring; one core thread runs all three stages as plain
//             calls (ingest/sequencer on one core, the core on the other).
//   threaded  one thread per stage, SPSC rings input → strategy → risk → router.
//
// Threading contract: one input thread (the sequencer's) calls start(), submit() and finish();
// stage threads are private. A full ring is back-pressure, never a drop: submit() and the stage
// threads wait on the next ring with their wait strategy, and count every wait that found the
// ring full (backpressure_waits()). finish() marks the input done, lets every stage drain its ring
// in order, and joins: after it returns, the core's state may be read from the calling thread
// (thread join is the happens-before edge).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/clock.hpp"
#include "engine/core.hpp"
#include "engine/latency_histogram.hpp"
#include "engine/event.hpp"
#include "engine/result.hpp"
#include "engine/spsc_ring.hpp"
#include "engine/wait_strategy.hpp"

namespace sequent {

enum class PipelineMode : std::uint8_t { kInline, kFused, kThreaded };
std::string_view to_string(PipelineMode m) noexcept;
bool parse_pipeline_mode(std::string_view name, PipelineMode& out) noexcept;

// Optional measurement (latency harness): after a stage has handled an input, the time since the
// sequencer stamped it (clock->now_ns() - recv_ns) goes into that stage's histogram. Each
// histogram has one writer: the thread running that stage (in inline and fused, all stages run on
// one thread and only `core` is recorded). Off (nullptr) in normal runs: one predictable branch.
struct StageLatencyProbe {
  const Clock* clock = nullptr;
  LatencyHistogram strategy;  // threaded only
  LatencyHistogram risk;      // threaded only
  LatencyHistogram core;      // the router stage done: the whole core (every topology)
};

struct PipelineOptions {
  PipelineMode mode = PipelineMode::kInline;
  std::size_t ring_capacity = 1u << 16;  // events per ring (power of two)
  WaitKind wait = WaitKind::kBackoff;
  WaitParams wait_params;
  int core_cpu = -1;      // fused: the thread running all stages; -1 = not pinned
  int strategy_cpu = -1;  // threaded
  int risk_cpu = -1;
  int router_cpu = -1;
  StageLatencyProbe* probe = nullptr;
};

class Pipeline {
 public:
  Pipeline(Core& core, OutputSink& sink, PipelineOptions options);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Cold: starts the stage threads (none for inline). Fails if a thread cannot be pinned.
  Status start();

  // Input thread only. Inline: processes now. Otherwise waits while the first ring is full.
  void submit(const Event& input) noexcept {
    if (options_.mode == PipelineMode::kInline) {
      core_->process(input, *sink_);
      if (options_.probe != nullptr) [[unlikely]] probe_record(options_.probe->core, input);
      return;
    }
    push_waiting(*rings_[0], input, input_wait_);
  }

  // Input thread only: no more input; drains every stage and joins. Idempotent.
  void finish();

  PipelineMode mode() const noexcept { return options_.mode; }
  // Any thread.
  std::uint64_t backpressure_waits() const noexcept;
  std::size_t ring_count() const noexcept { return rings_.size(); }
  std::size_t ring_occupancy(std::size_t i) const noexcept { return rings_[i]->size_approx(); }
  std::size_t ring_capacity() const noexcept { return rings_.empty() ? 0 : rings_[0]->capacity(); }

 private:
  using Ring = SpscRing<Event>;

  struct alignas(kCacheLine) WaitCounter {
    std::atomic<std::uint64_t> value{0};  // single writer: the pushing thread
  };

  void push_waiting(Ring& ring, const Event& e, WaitCounter& counter) noexcept {
    if (ring.try_push(e) == PushResult::kOk) [[likely]] return;
    counter.value.store(counter.value.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    WaitStrategy wait(options_.wait, options_.wait_params);
    while (ring.try_push(e) != PushResult::kOk) wait.idle(0);
  }

  void probe_record(LatencyHistogram& h, const Event& e) noexcept {
    if (!e.derived()) h.record(options_.probe->clock->now_ns() - e.header.recv_ns);
  }

  // Stage thread bodies. `index` is the ring the thread consumes.
  void run_fused() noexcept;
  void run_strategy() noexcept;
  void run_risk() noexcept;
  void run_router() noexcept;
  template <class Handle>
  void consume(std::size_t index, Handle&& handle) noexcept;
  bool prepare_thread(const char* name, int cpu) noexcept;

  Core* core_;
  OutputSink* sink_;
  PipelineOptions options_;
  std::vector<std::unique_ptr<Ring>> rings_;
  // done_[i]: the producer of rings_[i] will push nothing more (release; consumers acquire).
  std::unique_ptr<std::atomic<bool>[]> done_;
  WaitCounter input_wait_;
  std::unique_ptr<WaitCounter[]> stage_waits_;
  std::vector<std::thread> threads_;
  std::atomic<int> ready_{0};
  std::atomic<bool> pin_failed_{false};
  std::string pin_error_;  // written before pin_failed_ (release), read after (acquire)
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace sequent
