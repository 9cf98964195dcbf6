// Journal benchmarks: the group-commit writer end to end (append → writer thread → commit →
// durable_seq) under both durability modes, commit latency at a paced rate, the verifying reader,
// and raw LMDB peers doing the same work without the journal (same 136-byte records, same run).
//
//   journal_bench                                  # everything, a few seconds per benchmark
//   journal_bench --benchmark_filter=Replay        # one group
//
// Single-threaded driver (the producer) plus the writer's own thread. Temporary journals go to
// $SEQUENT_BENCH_DIR or /tmp and are removed afterwards. Results and the machine: docs/benchmarks.md.
#include <benchmark/benchmark.h>
#include <lmdb.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "engine/event.hpp"
#include "engine/latency_histogram.hpp"
#include "journal/journal.hpp"

namespace {

using sequent::Event;
using sequent::Seq;
using sequent::Status;
using namespace sequent::journal;

std::string bench_dir(const std::string& name) {
  const char* base = std::getenv("SEQUENT_BENCH_DIR");
  static int counter = 0;
  const std::string dir = std::string(base ? base : "/tmp") + "/sequent_journal_bench_" + name + "_" +
                          std::to_string(::getpid()) + "_" + std::to_string(counter++);
  std::filesystem::remove_all(dir);
  return dir;
}

Event input_event(Seq seq) {
  Event e = sequent::make_event(sequent::EventType::kTrade, sequent::Source::kSimMarket, 0,
                                static_cast<sequent::TimeNs>(seq * 1000));
  e.header.seq = seq;
  e.header.recv_ns = static_cast<sequent::TimeNs>(seq * 1000 + 5);
  e.payload.trade.trade_id = seq;
  return e;
}

SessionMeta bench_meta() {
  SessionMeta m;
  m.binary_version = "sequent bench";
  m.session_start_ns = 1'700'000'000'000'000'000;
  return m;
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void report_writer(benchmark::State& state, const JournalWriter& w, std::uint64_t inputs) {
  const WriterStats s = w.stats();
  state.counters["commits"] = static_cast<double>(s.commits);
  state.counters["events_per_commit"] = s.commits ? static_cast<double>(inputs) / static_cast<double>(s.commits) : 0;
  state.counters["commit_p50_us"] = static_cast<double>(s.commit_p50_ns) / 1e3;
  state.counters["commit_p99_us"] = static_cast<double>(s.commit_p99_ns) / 1e3;
  state.counters["commit_max_us"] = static_cast<double>(s.commit_max_ns) / 1e3;
  state.counters["backpressure_waits"] = static_cast<double>(w.backpressure_waits());
}

// Arg 0: durability (0 none, 1 batch). Items: events from the first append until durable_seq
// reaches the last one. One fresh journal per iteration (created and removed untimed).
void BM_JournalWriter_Append(benchmark::State& state) {
  const auto durability = state.range(0) == 0 ? Durability::kNone : Durability::kBatch;
  const Seq count = durability == Durability::kNone ? 4'000'000 : 1'000'000;
  std::uint64_t total = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string dir = bench_dir("append");
    WriterOptions options;
    options.durability = durability;
    auto w = JournalWriter::open(dir, bench_meta(), options);
    if (!w) {
      state.SkipWithError(w.error().message.c_str());
      break;
    }
    Event e = input_event(1);
    state.ResumeTiming();
    for (Seq s = 1; s <= count; ++s) {
      e.header.seq = s;
      e.payload.trade.trade_id = s;
      if (!(*w)->append(e)) break;
    }
    while ((*w)->durable_seq() < count && !(*w)->failed()) std::this_thread::yield();
    state.PauseTiming();
    if ((*w)->failed()) state.SkipWithError((*w)->error().c_str());
    report_writer(state, **w, count);
    (void)(*w)->close();
    w->reset();
    std::filesystem::remove_all(dir);
    total += count;
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
}
BENCHMARK(BM_JournalWriter_Append)->ArgName("batch")->Arg(0)->Arg(1)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

// Durability batch at a paced input rate (arg: events/s) for one second: commit time as the
// writer records it (mdb_txn_commit incl. fsyncs), and append → durable latency of sampled
// events measured by the producer (includes the writer's wake-up and batching delay).
void BM_JournalWriter_CommitLatency(benchmark::State& state) {
  const auto rate = static_cast<std::int64_t>(state.range(0));
  const std::int64_t duration_ns = 1'000'000'000;
  for (auto _ : state) {
    const std::string dir = bench_dir("latency");
    WriterOptions options;
    options.durability = Durability::kBatch;
    auto w = JournalWriter::open(dir, bench_meta(), options);
    if (!w) {
      state.SkipWithError(w.error().message.c_str());
      break;
    }
    sequent::LatencyHistogram durable_latency;
    const std::int64_t start = now_ns();
    Seq seq = 0;
    Seq sampled = 0;
    std::int64_t sampled_at = 0;
    for (;;) {
      const std::int64_t now = now_ns();
      if (now - start >= duration_ns) break;
      const auto due = static_cast<Seq>((now - start) * rate / 1'000'000'000);
      while (seq < due) {
        if (!(*w)->append(input_event(++seq))) break;
        if (sampled == 0 && seq % 64 == 0) {
          sampled = seq;
          sampled_at = now_ns();
        }
      }
      if (sampled != 0 && (*w)->durable_seq() >= sampled) {
        durable_latency.record(now_ns() - sampled_at);
        sampled = 0;
      }
    }
    while ((*w)->durable_seq() < seq && !(*w)->failed()) std::this_thread::yield();
    if ((*w)->failed()) state.SkipWithError((*w)->error().c_str());
    report_writer(state, **w, seq);
    const auto snap = durable_latency.snapshot();
    state.counters["durable_p50_us"] = static_cast<double>(snap.percentile(0.50)) / 1e3;
    state.counters["durable_p99_us"] = static_cast<double>(snap.percentile(0.99)) / 1e3;
    state.counters["events"] = static_cast<double>(seq);
    (void)(*w)->close();
    w->reset();
    std::filesystem::remove_all(dir);
  }
}
BENCHMARK(BM_JournalWriter_CommitLatency)->ArgName("rate")->Arg(500'000)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// The peer: raw LMDB puts of the same 136-byte records (8-byte BE keys, MDB_APPEND), no chain,
// no ring, no thread. Args: env flags variant (0 default/sync, 1 NOSYNC, 2 NOSYNC|WRITEMAP,
// 3 WRITEMAP/sync), records per transaction.
void BM_LmdbRaw_Append(benchmark::State& state) {
  const int variant = static_cast<int>(state.range(0));
  const auto per_txn = static_cast<std::size_t>(state.range(1));
  const unsigned flags = variant == 1 ? MDB_NOSYNC : variant == 2 ? (MDB_NOSYNC | MDB_WRITEMAP) : variant == 3 ? MDB_WRITEMAP : 0u;
  const bool sync = variant == 0 || variant == 3;
  const std::size_t count = sync ? 256'000 : 4'000'000;
  unsigned char value[136];
  std::memset(value, 0x5A, sizeof value);
  std::uint64_t total = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string dir = bench_dir("raw");
    std::filesystem::create_directories(dir);
    MDB_env* env = nullptr;
    mdb_env_create(&env);
    mdb_env_set_maxdbs(env, 8);
    mdb_env_set_mapsize(env, std::size_t{1} << 30);
    if (mdb_env_open(env, dir.c_str(), flags, 0644) != 0) {
      state.SkipWithError("mdb_env_open failed");
      break;
    }
    MDB_txn* txn = nullptr;
    MDB_dbi dbi = 0;
    mdb_txn_begin(env, nullptr, 0, &txn);
    mdb_dbi_open(txn, "journal", MDB_CREATE, &dbi);
    mdb_txn_commit(txn);
    state.ResumeTiming();
    int rc = 0;
    for (std::size_t done = 0; done < count && rc == 0;) {
      rc = mdb_txn_begin(env, nullptr, 0, &txn);
      for (std::size_t i = 0; i < per_txn && done < count && rc == 0; ++i, ++done) {
        unsigned char key[8];
        std::uint64_t k = done + 1;
        for (int b = 7; b >= 0; --b, k >>= 8) key[b] = static_cast<unsigned char>(k);
        MDB_val kv{sizeof key, key};
        MDB_val vv{sizeof value, value};
        rc = mdb_put(txn, dbi, &kv, &vv, MDB_APPEND);
      }
      rc = rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
    }
    state.PauseTiming();
    if (rc != 0) state.SkipWithError(mdb_strerror(rc));
    mdb_env_close(env);
    std::filesystem::remove_all(dir);
    total += count;
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
}
BENCHMARK(BM_LmdbRaw_Append)
    ->ArgNames({"flags", "per_txn"})
    ->Args({1, 16384})
    ->Args({2, 16384})
    ->Args({0, 256})
    ->Args({3, 256})
    ->Args({0, 4096})
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// A journal of kReplayRecords written once for the replay benchmarks, removed at exit.
constexpr Seq kReplayRecords = 4'000'000;
struct ReplayJournal {
  std::string dir = bench_dir("replay");
  bool ok = false;
  ReplayJournal() {
    WriterOptions options;
    options.durability = Durability::kNone;
    auto w = JournalWriter::open(dir, bench_meta(), options);
    if (!w) return;
    for (Seq s = 1; s <= kReplayRecords; ++s) {
      if (!(*w)->append(input_event(s))) return;
    }
    ok = static_cast<bool>((*w)->close());
  }
  ~ReplayJournal() { std::filesystem::remove_all(dir); }
};
ReplayJournal& replay_journal() {
  static ReplayJournal journal;
  return journal;
}

// Items: records read and verified (chain, density, key == seq) from the page cache through
// for_each_input with a light callback.
void BM_JournalReader_Replay(benchmark::State& state) {
  ReplayJournal& journal = replay_journal();
  if (!journal.ok) {
    state.SkipWithError("could not write the replay journal");
    return;
  }
  auto r = JournalReader::open(journal.dir);
  if (!r) {
    state.SkipWithError(r.error().message.c_str());
    return;
  }
  std::uint64_t total = 0;
  for (auto _ : state) {
    std::uint64_t sum = 0;
    Status st = (*r)->for_each_input(1, kLastSeq, [&](const Event& e) {
      sum += e.payload.trade.trade_id;
      return true;
    });
    if (!st) state.SkipWithError(st.error().message.c_str());
    benchmark::DoNotOptimize(sum);
    total += kReplayRecords;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
}
BENCHMARK(BM_JournalReader_Replay)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

// The peer: a raw LMDB cursor scan of the same journal database copying each value out, no
// verification.
void BM_LmdbRaw_Scan(benchmark::State& state) {
  ReplayJournal& journal = replay_journal();
  if (!journal.ok) {
    state.SkipWithError("could not write the replay journal");
    return;
  }
  MDB_env* env = nullptr;
  mdb_env_create(&env);
  mdb_env_set_maxdbs(env, 8);
  if (mdb_env_open(env, journal.dir.c_str(), MDB_RDONLY, 0644) != 0) {
    state.SkipWithError("mdb_env_open failed");
    mdb_env_close(env);
    return;
  }
  std::uint64_t total = 0;
  for (auto _ : state) {
    MDB_txn* txn = nullptr;
    MDB_dbi dbi = 0;
    MDB_cursor* cursor = nullptr;
    mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
    mdb_dbi_open(txn, "journal", 0, &dbi);
    mdb_cursor_open(txn, dbi, &cursor);
    MDB_val k{};
    MDB_val v{};
    Event e;
    std::uint64_t sum = 0;
    std::uint64_t n = 0;
    for (int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      std::memcpy(&e, static_cast<const unsigned char*>(v.mv_data) + 8, sizeof e);
      sum += e.payload.trade.trade_id;
      ++n;
    }
    mdb_cursor_close(cursor);
    mdb_txn_abort(txn);
    benchmark::DoNotOptimize(sum);
    total += n;
  }
  mdb_env_close(env);
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
}
BENCHMARK(BM_LmdbRaw_Scan)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
