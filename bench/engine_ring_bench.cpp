// SPSC ring against its peers, in one run: sequent::SpscRing, boost::lockfree::spsc_queue and
// moodycamel::ConcurrentQueue used single-producer single-consumer. Same 128-byte Event, same
// threads, same pinning (producer and consumer on different CPUs when there are two), and the
// three are registered interleaved (ring, boost, moodycamel, ring, ...) with repetitions so machine
// drift hits all of them alike.
//
//   BM_<Queue>_Throughput: one producer thread pushes N events, the benchmark thread pops them;
//                          items_per_second is messages/s.
//   BM_<Queue>_PingPong:   two queues, a round trip per message; p50/p99 round-trip ns are
//                          reported as counters from a log-linear histogram.
#include <benchmark/benchmark.h>
#include <boost/lockfree/spsc_queue.hpp>
#include <concurrentqueue/concurrentqueue.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "engine/event.hpp"
#include "engine/latency_histogram.hpp"
#include "engine/spsc_ring.hpp"
#include "engine/thread_affinity.hpp"
#include "engine/wait_strategy.hpp"

namespace {

using sequent::Event;

constexpr std::size_t kCapacity = 1u << 14;

int producer_cpu() { return sequent::online_cpu_count() > 1 ? 1 : -1; }
int consumer_cpu() { return sequent::online_cpu_count() > 1 ? 0 : -1; }

struct SequentQueue {
  sequent::SpscRing<Event> q{kCapacity};
  bool push(const Event& e) { return q.try_push(e) == sequent::PushResult::kOk; }
  bool pop(Event& e) { return q.try_pop(e); }
};

struct BoostQueue {
  boost::lockfree::spsc_queue<Event, boost::lockfree::capacity<kCapacity>> q;
  bool push(const Event& e) { return q.push(e); }
  bool pop(Event& e) { return q.pop(e); }
};

struct MoodycamelQueue {
  moodycamel::ConcurrentQueue<Event> q{kCapacity};
  moodycamel::ProducerToken* token = nullptr;
  bool push(const Event& e) { return token ? q.try_enqueue(*token, e) : q.try_enqueue(e); }
  bool pop(Event& e) { return q.try_dequeue(e); }
};

template <class Queue>
void Throughput(benchmark::State& state) {
  const std::int64_t n = 1 << 20;
  std::string err;
  sequent::pin_current_thread(consumer_cpu(), &err);
  for (auto _ : state) {
    auto queue = std::make_unique<Queue>();
    std::atomic<bool> go{false};
    std::thread producer([&] {
      std::string e2;
      sequent::pin_current_thread(producer_cpu(), &e2);
      Event e = sequent::make_event(sequent::EventType::kTrade, sequent::Source::kSimMarket, 0, 0);
      while (!go.load(std::memory_order_acquire)) sequent::cpu_relax();
      for (std::int64_t i = 1; i <= n; ++i) {
        e.header.seq = static_cast<sequent::Seq>(i);
        while (!queue->push(e)) sequent::cpu_relax();
      }
    });
    Event out;
    go.store(true, std::memory_order_release);
    std::uint64_t sum = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      while (!queue->pop(out)) sequent::cpu_relax();
      sum += out.header.seq;
    }
    producer.join();
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * static_cast<std::int64_t>(sizeof(Event)));
}

template <class Queue>
void PingPong(benchmark::State& state) {
  const int n = 100'000;
  std::string err;
  sequent::pin_current_thread(consumer_cpu(), &err);
  sequent::LatencyHistogram hist;
  for (auto _ : state) {
    auto ping = std::make_unique<Queue>();
    auto pong = std::make_unique<Queue>();
    std::thread echo([&] {
      std::string e2;
      sequent::pin_current_thread(producer_cpu(), &e2);
      Event e;
      for (int i = 0; i < n; ++i) {
        while (!ping->pop(e)) sequent::cpu_relax();
        while (!pong->push(e)) sequent::cpu_relax();
      }
    });
    Event e = sequent::make_event(sequent::EventType::kTrade, sequent::Source::kSimMarket, 0, 0);
    for (int i = 0; i < n; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      while (!ping->push(e)) sequent::cpu_relax();
      while (!pong->pop(e)) sequent::cpu_relax();
      hist.record(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
    }
    echo.join();
  }
  const auto snap = hist.snapshot();
  state.counters["rtt_p50_ns"] = static_cast<double>(snap.percentile(0.50));
  state.counters["rtt_p99_ns"] = static_cast<double>(snap.percentile(0.99));
  state.counters["rtt_p999_ns"] = static_cast<double>(snap.percentile(0.999));
  state.SetItemsProcessed(state.iterations() * n);
}

// Interleaved registration: each repetition runs the three queues back to back.
void register_all() {
  for (const char* kind : {"Throughput", "PingPong"}) {
    const bool tp = std::string(kind) == "Throughput";
    auto reg = [&](const std::string& name, void (*fn)(benchmark::State&)) {
      benchmark::RegisterBenchmark(name.c_str(), fn)->Unit(benchmark::kMillisecond)->UseRealTime();
    };
    reg(std::string("BM_SpscRing_") + kind, tp ? &Throughput<SequentQueue> : &PingPong<SequentQueue>);
    reg(std::string("BM_BoostSpscQueue_") + kind, tp ? &Throughput<BoostQueue> : &PingPong<BoostQueue>);
    reg(std::string("BM_MoodycamelQueue_") + kind, tp ? &Throughput<MoodycamelQueue> : &PingPong<MoodycamelQueue>);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
