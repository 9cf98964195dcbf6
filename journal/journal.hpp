// The session journal: every sequenced input, every output and the core's checkpoints, in one
// LMDB environment per session directory. See docs/journal-format.md for the byte layout.
//
//   auto w = JournalWriter::open(dir, meta, WriterOptions{});   // start-up (cold)
//   sequencer thread:  w->append(input);                          // hot: SPSC ring, no syscall
//   router thread:     w->append_output(order); w->append_checkpoint(seq, hash);
//   any thread:        w->durable_seq();                          // acquire load
//   shutdown:          w->close();                                 // drain, commit, join
//
//   auto r = JournalReader::open(dir);                             // read-only, verifies layout
//   r->for_each_input(1, kLastSeq, [&](const Event& e) { ...; return true; });
//
// Threads: JournalWriter owns one writer thread (group commit: it takes everything pending from
// its rings, writes it in one LMDB write transaction, commits, then publishes durable_seq with a
// release store). append() has exactly one producer thread; append_output()/append_checkpoint()
// exactly one other producer thread. JournalReader is single-threaded.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/event.hpp"
#include "engine/result.hpp"

namespace sequent::journal {

// Version of the record layout and databases. A journal with a higher version is refused.
inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr Seq kLastSeq = ~Seq{0};

enum class Durability : std::uint8_t {
  kNone,   // no fsync (MDB_NOSYNC): survives a process crash, not an OS crash or power loss
  kBatch,  // fsync every group-commit transaction
};

// Written once when the journal is created; read back by replay, info and resume.
struct SessionMeta {
  std::uint32_t format_version = kFormatVersion;
  std::string binary_version;       // e.g. "sequent 0.1.0"
  TimeNs session_start_ns = 0;
  std::string instruments;          // one line per instrument: "id symbol venue tick lot min_notional"
  std::string config;               // the resolved configuration, as text
  std::uint64_t config_hash = 0;    // XXH64 (seed 0) of `config`
};

struct WriterOptions {
  Durability durability = Durability::kBatch;
  std::size_t ring_capacity = 1u << 16;     // per producer ring, events
  std::uint64_t initial_map_size = 1ull << 30;  // grown (doubled) when full
  std::uint64_t max_map_size = 1ull << 40;
};

struct Checkpoint {
  Seq seq = 0;
  std::uint64_t state_hash = 0;
};

struct WriterStats {
  std::uint64_t commits = 0;
  std::uint64_t inputs = 0;
  std::uint64_t outputs = 0;
  // Time spent in mdb_txn_commit (under kBatch: the fsyncs), over all commits so far; p50/p99
  // are upper bucket edges of a log-linear histogram (within 6.25 %).
  std::uint64_t commit_p50_ns = 0;
  std::uint64_t commit_p99_ns = 0;
  std::uint64_t commit_max_ns = 0;
};

class JournalWriter {
 public:
  // Creates the session directory and environment, or (resume) opens an existing journal,
  // verifies it end to end and continues its checksum chain after its last record. Errors:
  // kCorrupt naming the first bad seq, kInvalidArgument for a newer format version, kIo.
  static Result<std::unique_ptr<JournalWriter>> open(const std::string& dir, const SessionMeta& meta,
                                                     const WriterOptions& options);
  ~JournalWriter();

  // Sequencer thread only. Queues one input (seq must be last_seq()+1, +2, ... in order).
  // Waits while the ring is full (back-pressure, counted). Returns false once the writer has
  // failed: the caller must stop trading (kill switch).
  bool append(const Event& input) noexcept;
  // Router thread only: an output (orders, cancels, denials), keyed by its origin seq and its
  // index among that input's outputs; and a checkpoint of the core's state hash.
  bool append_output(const Event& output) noexcept;
  bool append_checkpoint(Seq seq, std::uint64_t state_hash) noexcept;
  // Cold, any time the engine is quiescent: a full-state snapshot at seq.
  Status write_snapshot(Seq seq, const std::string& bytes);

  // Any thread. Highest seq committed (and, under kBatch, synced).
  Seq durable_seq() const noexcept { return durable_seq_.load(std::memory_order_acquire); }
  // Any thread. Time of the last successful commit (steady clock ns), for stall detection.
  std::int64_t last_commit_steady_ns() const noexcept { return last_commit_ns_.load(std::memory_order_acquire); }
  // Any thread. True when inputs up to last_appended wait to be committed and the writer has
  // not committed anything for more than limit_ns (counted from open() until the first commit).
  bool stalled(Seq last_appended, std::int64_t now_steady_ns, std::int64_t limit_ns) const noexcept;
  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }
  // Cold: the failure, once failed() (e.g. "journal commit at seq 18231: MDB_MAP_FULL ...").
  std::string error() const;
  // Last seq already in the journal when it was opened (0 for a new journal).
  Seq last_seq_at_open() const noexcept;
  WriterStats stats() const noexcept;
  std::uint64_t backpressure_waits() const noexcept;

  // Drains both rings, commits, stops the thread. Idempotent. Returns the writer's error, if any.
  Status close();

 private:
  JournalWriter();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<Seq> durable_seq_{0};
  std::atomic<std::int64_t> last_commit_ns_{0};
  std::atomic<bool> failed_{false};
  friend struct Impl;
};

struct JournalInfo {
  SessionMeta meta;
  Seq first_seq = 0;
  Seq last_seq = 0;
  std::uint64_t inputs = 0;
  std::uint64_t outputs = 0;
  std::uint64_t checkpoints = 0;
  std::uint64_t snapshots = 0;
  std::uint64_t file_bytes = 0;
};

class JournalReader {
 public:
  // Opens read-only. Refuses (kCorrupt) a missing or truncated environment, and
  // (kInvalidArgument) a journal written by a newer format version, with a message saying so.
  static Result<std::unique_ptr<JournalReader>> open(const std::string& dir);
  ~JournalReader();

  const SessionMeta& meta() const noexcept;
  Result<JournalInfo> info();

  // Calls fn for each input with from <= seq <= to, in seq order, verifying as it goes: keys
  // dense, key == event seq, chained checksum. The chain is verified from seq 1 even when
  // `from` is later. fn returns false to stop early. Error: kCorrupt, message "journal record
  // seq N: <what>; journal is valid up to seq N-1".
  Status for_each_input(Seq from, Seq to, const std::function<bool(const Event&)>& fn);
  // Outputs in key order (origin seq, index); each record's checksum verified.
  Status for_each_output(Seq from, Seq to, const std::function<bool(const Event&, std::uint32_t index)>& fn);
  Result<std::vector<Checkpoint>> checkpoints();
  // Latest snapshot with seq <= at_or_before, if any.
  Result<std::optional<std::pair<Seq, std::string>>> latest_snapshot(Seq at_or_before);

 private:
  JournalReader();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sequent::journal
