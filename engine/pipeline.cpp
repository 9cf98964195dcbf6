#include "engine/pipeline.hpp"

#include <array>

#include "engine/thread_affinity.hpp"

namespace sequent {

std::string_view to_string(PipelineMode m) noexcept {
  switch (m) {
    case PipelineMode::kInline: return "inline";
    case PipelineMode::kFused: return "fused";
    case PipelineMode::kThreaded: return "threaded";
  }
  return "unknown";
}

bool parse_pipeline_mode(std::string_view name, PipelineMode& out) noexcept {
  if (name == "inline") out = PipelineMode::kInline;
  else if (name == "fused") out = PipelineMode::kFused;
  else if (name == "threaded") out = PipelineMode::kThreaded;
  else return false;
  return true;
}

Pipeline::Pipeline(Core& core, OutputSink& sink, PipelineOptions options)
    : core_(&core), sink_(&sink), options_(options) {
  const std::size_t n = options_.mode == PipelineMode::kThreaded ? 3 : (options_.mode == PipelineMode::kFused ? 1 : 0);
  for (std::size_t i = 0; i < n; ++i) rings_.push_back(std::make_unique<Ring>(options_.ring_capacity));
  done_ = std::make_unique<std::atomic<bool>[]>(n == 0 ? 1 : n);
  for (std::size_t i = 0; i < (n == 0 ? 1 : n); ++i) done_[i].store(false, std::memory_order_relaxed);
  stage_waits_ = std::make_unique<WaitCounter[]>(3);
}

Pipeline::~Pipeline() {
  if (started_ && !finished_) finish();
}

bool Pipeline::prepare_thread(const char* name, int cpu) noexcept {
  name_current_thread(name);
  std::string error;
  bool ok = true;
  try {
    ok = pin_current_thread(cpu, &error);
  } catch (...) {
    ok = false;
  }
  if (!ok) {
    pin_error_ = std::string(name) + ": " + error;
    pin_failed_.store(true, std::memory_order_release);
  }
  ready_.fetch_add(1, std::memory_order_acq_rel);
  return ok;
}

Status Pipeline::start() {
  if (started_) return {};
  started_ = true;
  int expected = 0;
  switch (options_.mode) {
    case PipelineMode::kInline:
      return {};
    case PipelineMode::kFused:
      threads_.emplace_back([this] { run_fused(); });
      expected = 1;
      break;
    case PipelineMode::kThreaded:
      threads_.emplace_back([this] { run_strategy(); });
      threads_.emplace_back([this] { run_risk(); });
      threads_.emplace_back([this] { run_router(); });
      expected = 3;
      break;
  }
  // Cold start-up handshake: wait until every thread has tried to pin itself.
  while (ready_.load(std::memory_order_acquire) < expected) std::this_thread::yield();
  if (pin_failed_.load(std::memory_order_acquire)) {
    finish();
    return Error{ErrorCode::kInvalidArgument, "cannot pin thread " + pin_error_};
  }
  return {};
}

template <class Handle>
void Pipeline::consume(std::size_t index, Handle&& handle) noexcept {
  Ring& ring = *rings_[index];
  WaitStrategy wait(options_.wait, options_.wait_params);
  std::array<Event, 64> batch;
  for (;;) {
    std::size_t n = ring.pop_batch(std::span<Event>(batch.data(), batch.size()));
    if (n == 0) {
      // Acquire pairs with the producer's release store of done_: everything it pushed before
      // setting the flag is visible, so one more pop after seeing it drains the ring.
      if (done_[index].load(std::memory_order_acquire)) {
        n = ring.pop_batch(std::span<Event>(batch.data(), batch.size()));
        if (n == 0) return;
      } else {
        wait.idle(0);
        continue;
      }
    }
    wait.reset();
    for (std::size_t i = 0; i < n; ++i) handle(static_cast<const Event&>(batch[i]));
  }
}

void Pipeline::run_fused() noexcept {
  if (!prepare_thread("seq-core", options_.core_cpu)) return;
  consume(0, [this](const Event& e) {
    core_->process(e, *sink_);
    if (options_.probe != nullptr) [[unlikely]] probe_record(options_.probe->core, e);
  });
}

void Pipeline::run_strategy() noexcept {
  const bool ok = prepare_thread("seq-strategy", options_.strategy_cpu);
  if (ok) {
    consume(0, [this](const Event& e) {
      core_->strategy().on_event(e, [this](const Event& out) { push_waiting(*rings_[1], out, stage_waits_[0]); });
      if (options_.probe != nullptr) [[unlikely]] probe_record(options_.probe->strategy, e);
    });
  }
  done_[1].store(true, std::memory_order_release);  // pairs with the risk thread's acquire
}

void Pipeline::run_risk() noexcept {
  const bool ok = prepare_thread("seq-risk", options_.risk_cpu);
  if (ok) {
    consume(1, [this](const Event& e) {
      core_->risk().on_event(e, [this](const Event& out) { push_waiting(*rings_[2], out, stage_waits_[1]); });
      if (options_.probe != nullptr) [[unlikely]] probe_record(options_.probe->risk, e);
    });
  }
  done_[2].store(true, std::memory_order_release);  // pairs with the router thread's acquire
}

void Pipeline::run_router() noexcept {
  if (!prepare_thread("seq-router", options_.router_cpu)) return;
  consume(2, [this](const Event& e) {
    core_->router().on_event(e, *sink_);
    if (options_.probe != nullptr) [[unlikely]] probe_record(options_.probe->core, e);
  });
}

void Pipeline::finish() {
  if (finished_) return;
  finished_ = true;
  if (!rings_.empty()) done_[0].store(true, std::memory_order_release);  // pairs with stage 0's acquire
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

std::uint64_t Pipeline::backpressure_waits() const noexcept {
  std::uint64_t total = input_wait_.value.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < 3; ++i) total += stage_waits_[i].value.load(std::memory_order_relaxed);
  return total;
}

}  // namespace sequent
