// JournalWriter: the group-commit LMDB writer (see journal.hpp for the contract and
// docs/journal-format.md for the bytes).
//
// Design:
//   - Two SPSC rings feed one writer thread: `inputs_` (producer: the sequencer thread, via
//     append()) and `outputs_` (producer: the router thread, via append_output() and
//     append_checkpoint(); a checkpoint is an Event of type kNone tagged with kCheckpointMarker).
//   - The writer thread owns everything below "writer-thread state": it pops up to
//     kMaxBatchEvents from each ring into preallocated batches, writes them in one LMDB write
//     transaction (journal records with MDB_APPEND|MDB_RESERVE, encoded in place), updates meta
//     `tail`, commits, and only then publishes durable_seq_ (release; pairs with the acquire in
//     durable_seq()). Batches stay in memory until the commit succeeds, so MDB_MAP_FULL can be
//     retried after growing the map.
//   - txn_mutex_ serialises the writer thread's transactions and map resizes with the cold
//     write_snapshot(): mdb_env_set_mapsize needs no transaction open in this process.
//   - Failure: fail() records the first error (error_mutex_) and stores failed_ (release; pairs
//     with the acquire in append*/failed()). The writer thread then stops; appends return false.
//
// Hot: append*/try_push (no allocation, lock or syscall). Cold: everything else. The writer
// thread is an I/O thread: its syscalls are the point of it.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "engine/latency_histogram.hpp"
#include "engine/spsc_ring.hpp"
#include "engine/wait_strategy.hpp"
#include "journal/detail/format.hpp"
#include "journal/detail/lmdb_env.hpp"
#include "journal/journal.hpp"

namespace sequent::journal {

using namespace detail;

namespace {

// Upper bound on events taken from one ring per transaction. Larger batches amortise the commit;
// Measured (docs/benchmarks.md): 2048 (280 KB of records) keeps LMDB's dirty-page list short
// and, under kBatch, the commit p99 below 1 ms at saturation; 1024 halves kBatch throughput,
// 8192 and 16384 gain nothing under kNone and push the kBatch commit p99 to 2-9 ms.
constexpr std::size_t kMaxBatchEvents = 2048;

std::int64_t steady_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct alignas(kCacheLine) PaddedCounter {
  std::atomic<std::uint64_t> value{0};  // written by one thread only (load + store, no RMW)
  void bump() noexcept { value.store(value.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
};

// Where the next output goes: per-origin index counting, and the highest key written so far
// (keys above it can use MDB_APPEND).
struct OutputCursorState {
  bool any = false;
  Seq max_origin = 0;
  std::uint32_t max_index = 0;
  bool has_current = false;
  Seq current_origin = 0;
  std::uint32_t current_next = 0;
};

}  // namespace

struct JournalWriter::Impl {
  Impl(JournalWriter& owner_in, const WriterOptions& options_in)
      : owner(owner_in), options(options_in), inputs(options_in.ring_capacity), outputs(options_in.ring_capacity) {}
  ~Impl() {
    if (data_fd >= 0) ::close(data_fd);
    if (dir_fd >= 0) ::close(dir_fd);  // releases the flock
  }

  JournalWriter& owner;
  std::string dir;
  WriterOptions options;
  EnvPtr env;
  Dbis dbis;
  StoredMeta stored;
  Seq last_seq_at_open = 0;
  int dir_fd = -1;   // the session directory, flock'ed: one writer per session directory
  int data_fd = -1;  // data.mdb, for cover_last_page()

  // Writer-thread state (write_snapshot touches map_size_bytes/file_bytes under txn_mutex only).
  Seq last_seq = 0;
  std::uint64_t chain = 0;
  bool first_seq_written = false;
  OutputCursorState output_state;
  std::uint64_t map_size_bytes = 0;
  std::uint64_t page_size = 4096;
  std::uint64_t file_bytes = 0;
  std::vector<Event> input_batch;
  std::vector<Event> output_batch;

  SpscRing<Event> inputs;
  SpscRing<Event> outputs;
  PaddedCounter input_waits;   // sequencer thread
  PaddedCounter output_waits;  // router thread

  std::thread thread;
  std::atomic<bool> stop{false};    // close() → writer thread: drain and exit
  std::atomic<bool> closed{false};  // close() → producers: appends after close return false
  std::mutex close_mutex;
  bool joined = false;
  std::mutex txn_mutex;
  mutable std::mutex error_mutex;
  Error error;

  std::atomic<std::uint64_t> commits{0};
  std::atomic<std::uint64_t> input_count{0};
  std::atomic<std::uint64_t> output_count{0};
  LatencyHistogram commit_latency;

  void run() noexcept;
  std::size_t poll() noexcept;
  void commit_batch(std::size_t input_n, std::size_t output_n) noexcept;
  int write_txn(std::size_t input_n, std::size_t output_n, Seq base, std::uint64_t* chain_out,
                OutputCursorState* state_out) noexcept;
  int next_output_key(MDB_txn* txn, OutputCursorState& state, Seq origin, std::uint32_t* index, bool* append) noexcept;
  bool grow_map(int* rc) noexcept;
  void cover_last_page() noexcept;
  [[gnu::cold]] void fail(ErrorCode code, std::string message) noexcept;
  [[gnu::cold, gnu::noinline]] bool push_slow(SpscRing<Event>& ring, const Event& event, PaddedCounter& waits) noexcept;
};

void JournalWriter::Impl::fail(ErrorCode code, std::string message) noexcept {
  {
    std::lock_guard lock(error_mutex);
    if (error.message.empty()) error = Error{code, std::move(message)};
  }
  owner.failed_.store(true, std::memory_order_release);  // pairs with the acquire in failed()/append*()
}

bool JournalWriter::Impl::push_slow(SpscRing<Event>& ring, const Event& event, PaddedCounter& waits) noexcept {
  waits.bump();
  WaitStrategy wait(WaitKind::kBackoff);
  for (;;) {
    if (owner.failed_.load(std::memory_order_acquire) || closed.load(std::memory_order_acquire)) return false;
    wait.idle(0);
    if (ring.try_push(event) == PushResult::kOk) return true;
  }
}

void JournalWriter::Impl::run() noexcept {
  WaitStrategy wait(WaitKind::kBackoff);
  for (;;) {
    // Read stop before draining: everything pushed before close() set it is then seen below.
    const bool stopping = stop.load(std::memory_order_acquire);
    const std::size_t work = poll();
    if (owner.failed_.load(std::memory_order_acquire)) return;
    if (work == 0 && stopping) return;
    wait.idle(work);
  }
}

std::size_t JournalWriter::Impl::poll() noexcept {
  const std::size_t input_n = inputs.pop_batch(std::span<Event>(input_batch));
  const std::size_t output_n = outputs.pop_batch(std::span<Event>(output_batch));
  if (input_n + output_n == 0) return 0;
  commit_batch(input_n, output_n);
  return input_n + output_n;
}

void JournalWriter::Impl::commit_batch(std::size_t input_n, std::size_t output_n) noexcept {
  // Inputs must continue the journal densely. Commit the valid prefix, then fail on the first
  // out-of-order seq (a sequencer bug): the journal stays consistent up to the last good seq.
  const Seq base = first_seq_written ? last_seq + 1 : (input_n != 0 ? input_batch[0].header.seq : 1);
  std::size_t valid_n = input_n;
  if (base == 0) valid_n = 0;
  for (std::size_t i = 0; i < valid_n; ++i) {
    if (input_batch[i].header.seq != base + i) [[unlikely]] {
      valid_n = i;
      break;
    }
  }

  std::uint64_t new_chain = chain;
  OutputCursorState new_state = output_state;
  {
    std::lock_guard lock(txn_mutex);
    for (;;) {
      new_chain = chain;
      new_state = output_state;
      int rc = write_txn(valid_n, output_n, base, &new_chain, &new_state);
      if (rc == 0) break;
      const Seq at = valid_n != 0 ? base : last_seq + 1;
      if (rc == MDB_MAP_FULL && grow_map(&rc)) continue;
      std::string message = "journal commit at seq " + std::to_string(at) + ": " + lmdb_strerror(rc);
      if (rc == MDB_MAP_FULL) {
        message += " (map size " + std::to_string(map_size_bytes) + " bytes has reached max_map_size " +
                   std::to_string(options.max_map_size) + "; raise the journal's max_map_size or free disk space)";
      }
      message += "; the journal is readable up to seq " + std::to_string(last_seq);
      fail(ErrorCode::kIo, std::move(message));
      return;
    }
    cover_last_page();
  }

  const std::int64_t now = steady_now_ns();
  chain = new_chain;
  output_state = new_state;
  commits.store(commits.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  output_count.store(output_count.load(std::memory_order_relaxed) + output_n, std::memory_order_relaxed);
  if (valid_n != 0) {
    last_seq = base + valid_n - 1;
    first_seq_written = true;
    input_count.store(input_count.load(std::memory_order_relaxed) + valid_n, std::memory_order_relaxed);
    owner.durable_seq_.store(last_seq, std::memory_order_release);  // pairs with durable_seq()'s acquire
  }
  owner.last_commit_ns_.store(now, std::memory_order_release);

  if (valid_n != input_n) [[unlikely]] {
    const Seq got = input_batch[valid_n].header.seq;
    fail(ErrorCode::kInternal,
         "journal append: seq " + std::to_string(got) +
             (got == 0 ? std::string(" is not a valid seq (seqs start at 1)")
                                                        : " arrived where seq " + std::to_string(base + valid_n) +
                                                              " was expected") +
             "; inputs must be appended in order, each one more than the last (a sequencer bug); the journal is "
             "valid up to seq " + std::to_string(last_seq));
  }
}

int JournalWriter::Impl::write_txn(std::size_t input_n, std::size_t output_n, Seq base, std::uint64_t* chain_out,
                                   OutputCursorState* state_out) noexcept {
  MDB_txn* raw = nullptr;
  int rc = mdb_txn_begin(env.get(), nullptr, 0, &raw);
  if (rc != 0) return rc;
  TxnPtr txn(raw);
  unsigned char key_bytes[kOutputKeyBytes];
  MDB_val key{kSeqKeyBytes, key_bytes};
  MDB_val value{};

  std::uint64_t running = *chain_out;
  for (std::size_t i = 0; i < input_n; ++i) {
    put_be64(key_bytes, base + i);
    key.mv_size = kSeqKeyBytes;
    value = MDB_val{kRecordBytes, nullptr};
    rc = mdb_put(raw, dbis.journal, &key, &value, MDB_APPEND | MDB_RESERVE);
    if (rc != 0) return rc;
    running = encode_record(static_cast<unsigned char*>(value.mv_data), input_batch[i], running);
  }

  for (std::size_t i = 0; i < output_n; ++i) {
    const Event& e = output_batch[i];
    if (e.header.type == EventType::kNone && e.header.reserved2 == kCheckpointMarker) {
      unsigned char record[kCheckpointBytes];
      std::memcpy(record, e.payload.bytes, 8);  // written little-endian by append_checkpoint
      put_le64(record + 8, checksum64(record, 8, 0));
      put_be64(key_bytes, e.header.seq);
      key.mv_size = kSeqKeyBytes;
      value = MDB_val{kCheckpointBytes, record};
      rc = mdb_put(raw, dbis.checkpoints, &key, &value, 0);
      if (rc != 0) return rc;
      continue;
    }
    std::uint32_t index = 0;
    bool append = false;
    rc = next_output_key(raw, *state_out, e.header.seq, &index, &append);
    if (rc != 0) return rc;
    encode_output_key(key_bytes, e.header.seq, index);
    key.mv_size = kOutputKeyBytes;
    value = MDB_val{kRecordBytes, nullptr};
    rc = mdb_put(raw, dbis.outputs, &key, &value, (append ? MDB_APPEND : MDB_NOOVERWRITE) | MDB_RESERVE);
    if (rc != 0) return rc;
    encode_output(static_cast<unsigned char*>(value.mv_data), e);
  }

  if (input_n != 0) {
    unsigned char tail[kTailBytes];
    put_le64(tail, base + input_n - 1);
    put_le64(tail + 8, running);
    rc = put_meta(raw, dbis.meta, kMetaTail, tail, sizeof tail);
    if (rc == 0 && !first_seq_written) {
      unsigned char first[8];
      put_le64(first, base);
      rc = put_meta(raw, dbis.meta, kMetaFirstSeq, first, sizeof first);
    }
    if (rc != 0) return rc;
  }

  const std::int64_t start = steady_now_ns();
  rc = mdb_txn_commit(txn.release());  // frees the transaction whether or not it succeeds
  if (rc != 0) return rc;
  commit_latency.record(steady_now_ns() - start);
  *chain_out = running;
  return 0;
}

int JournalWriter::Impl::next_output_key(MDB_txn* txn, OutputCursorState& state, Seq origin, std::uint32_t* index,
                                         bool* append) noexcept {
  if (state.has_current && origin == state.current_origin) {
    *index = state.current_next;
  } else if (!state.any || origin > state.max_origin) {
    *index = 0;
  } else {
    // Cold: an origin at or below the highest already written (resume, or out-of-order origins):
    // continue after the highest index stored for it.
    MDB_cursor* raw = nullptr;
    int rc = mdb_cursor_open(txn, dbis.outputs, &raw);
    if (rc != 0) return rc;
    CursorPtr cursor(raw);
    unsigned char probe[kOutputKeyBytes];
    encode_output_key(probe, origin + 1, 0);
    MDB_val key{kOutputKeyBytes, probe};
    MDB_val value{};
    rc = mdb_cursor_get(raw, &key, &value, MDB_SET_RANGE);
    rc = rc == 0 ? mdb_cursor_get(raw, &key, &value, MDB_PREV) : mdb_cursor_get(raw, &key, &value, MDB_LAST);
    *index = 0;
    if (rc == 0 && key.mv_size == kOutputKeyBytes && get_be64(static_cast<const unsigned char*>(key.mv_data)) == origin) {
      *index = get_be32(static_cast<const unsigned char*>(key.mv_data) + 8) + 1;
    } else if (rc != 0 && rc != MDB_NOTFOUND) {
      return rc;
    }
  }
  state.has_current = true;
  state.current_origin = origin;
  state.current_next = *index + 1;
  *append = !state.any || origin > state.max_origin || (origin == state.max_origin && *index > state.max_index);
  if (*append) {
    state.any = true;
    state.max_origin = origin;
    state.max_index = *index;
  }
  return 0;
}

bool JournalWriter::Impl::grow_map(int* rc) noexcept {
  // Only called with txn_mutex held and no transaction open in this process, as
  // mdb_env_set_mapsize requires.
  if (map_size_bytes >= options.max_map_size) return false;
  const std::uint64_t doubled = map_size_bytes * 2;
  const std::uint64_t next = doubled > options.max_map_size ? options.max_map_size : doubled;
  const int set = mdb_env_set_mapsize(env.get(), static_cast<std::size_t>(next));
  if (set != 0) {
    *rc = set;
    return false;
  }
  MDB_envinfo info{};
  mdb_env_info(env.get(), &info);
  map_size_bytes = info.me_mapsize;
  return true;
}

void JournalWriter::Impl::cover_last_page() noexcept {
  // LMDB may leave data.mdb shorter than (last page + 1) * page size when the final pages are
  // free (mdb.c: "the file may be shorter if the freeDB lists the final pages"). The reader
  // refuses such a file as truncated (it cannot tell the two apart), so extend it with zeros:
  // those pages are free, LMDB overwrites them when it reuses them. One fstat per commit that
  // grew the file; a failure here only costs that guarantee, never data, so it is not fatal.
  MDB_envinfo info{};
  if (mdb_env_info(env.get(), &info) != 0) return;
  const std::uint64_t needed = (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * page_size;
  if (needed <= file_bytes) return;
  struct stat st{};
  if (::fstat(data_fd, &st) != 0) return;
  file_bytes = static_cast<std::uint64_t>(st.st_size);
  if (file_bytes < needed && ::ftruncate(data_fd, static_cast<off_t>(needed)) == 0) file_bytes = needed;
}

// ---- public API ------------------------------------------------------------------------------

JournalWriter::JournalWriter() = default;

JournalWriter::~JournalWriter() {
  if (impl_) (void)close();
}

Result<std::unique_ptr<JournalWriter>> JournalWriter::open(const std::string& dir, const SessionMeta& meta,
                                                           const WriterOptions& options) {
  if (options.ring_capacity < 2 || options.initial_map_size == 0 || options.max_map_size < options.initial_map_size) {
    return journal_error(ErrorCode::kInvalidArgument, dir,
                         "writer options: need ring_capacity >= 2 (was " + std::to_string(options.ring_capacity) +
                             ") and 0 < initial_map_size <= max_map_size (were " +
                             std::to_string(options.initial_map_size) + " and " + std::to_string(options.max_map_size) +
                             ")");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return journal_error(ErrorCode::kIo, dir, "cannot create the directory: " + ec.message() + "; check the path and permissions");
  const bool resume = std::filesystem::exists(dir + "/data.mdb", ec);
  if (resume) {
    if (Status s = check_data_file(dir); !s) return s.error();
  }

  std::unique_ptr<JournalWriter> writer(new JournalWriter());
  writer->impl_ = std::make_unique<Impl>(*writer, options);
  Impl& im = *writer->impl_;
  im.dir = dir;

  // Taken before LMDB opens anything: a second writer in this process must not open (and then
  // close) the environment, which would drop the first one's LMDB file locks.
  im.dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (im.dir_fd < 0 || ::flock(im.dir_fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK) {
      return journal_error(ErrorCode::kInvalidArgument, dir,
                           "another JournalWriter has this journal open; one writer per session directory");
    }
    return journal_error(ErrorCode::kIo, dir, std::string("cannot lock the directory: ") + std::strerror(err));
  }

  // MDB_NOSYNC for kNone: commits reach the page cache only. kBatch keeps LMDB's default (the
  // data pages and then the meta page are synced at every commit). MDB_WRITEMAP and
  // MDB_NOMEMINIT were measured and declined: see docs/journal-format.md ("LMDB settings").
  const unsigned flags = options.durability == Durability::kNone ? MDB_NOSYNC : 0u;
  auto env = open_env(dir, flags, options.initial_map_size);
  if (!env) return env.error();
  im.env = std::move(*env);

  im.data_fd = ::open((dir + "/data.mdb").c_str(), O_RDWR | O_CLOEXEC);
  if (im.data_fd < 0) {
    return journal_error(ErrorCode::kIo, dir, std::string("cannot open data.mdb: ") + std::strerror(errno));
  }

  auto txn = begin_txn(im.env.get(), resume ? MDB_RDONLY : 0u, dir);
  if (!txn) return txn.error();
  auto dbis = open_dbis(txn->get(), !resume, dir);
  if (!dbis) return dbis.error();
  im.dbis = *dbis;
  if (!resume) {
    if (const int rc = write_new_meta(txn->get(), im.dbis.meta, meta); rc != 0) {
      return journal_error(ErrorCode::kIo, dir, "cannot write meta: " + lmdb_strerror(rc));
    }
    if (const int rc = mdb_txn_commit(txn->release()); rc != 0) {
      return journal_error(ErrorCode::kIo, dir, "cannot commit meta: " + lmdb_strerror(rc));
    }
    im.stored.meta = meta;
    im.stored.meta.format_version = kFormatVersion;
    im.chain = chain_seed(meta.session_start_ns);
  } else {
    // Resume: keep the stored meta (it describes the records already written), verify the whole
    // chain, and continue after its last record.
    auto stored = read_meta(txn->get(), im.dbis.meta, dir);
    if (!stored) return stored.error();
    im.stored = std::move(*stored);
    auto end = walk_chain(txn->get(), im.dbis.journal, im.stored, kLastSeq, kLastSeq, dir, [](const Event&) { return true; });
    if (!end) return end.error();
    im.last_seq = end->last_seq;
    im.chain = end->chain;
    im.first_seq_written = im.stored.has_first_seq;
    im.last_seq_at_open = end->last_seq;
    MDB_cursor* raw = nullptr;
    if (mdb_cursor_open(txn->get(), im.dbis.outputs, &raw) == 0) {
      CursorPtr cursor(raw);
      MDB_val key{};
      MDB_val value{};
      if (mdb_cursor_get(raw, &key, &value, MDB_LAST) == 0 && key.mv_size == kOutputKeyBytes) {
        im.output_state.any = true;
        im.output_state.max_origin = get_be64(static_cast<const unsigned char*>(key.mv_data));
        im.output_state.max_index = get_be32(static_cast<const unsigned char*>(key.mv_data) + 8);
      }
    }
    // Read-only transaction: commit keeps the database handles open (abort would close them).
    if (const int rc = mdb_txn_commit(txn->release()); rc != 0) {
      return journal_error(ErrorCode::kIo, dir, "cannot end the verification transaction: " + lmdb_strerror(rc));
    }
  }
  writer->durable_seq_.store(im.last_seq, std::memory_order_release);

  MDB_envinfo info{};
  mdb_env_info(im.env.get(), &info);
  im.map_size_bytes = info.me_mapsize;
  MDB_stat stat{};
  mdb_env_stat(im.env.get(), &stat);
  im.page_size = stat.ms_psize;
  const std::size_t batch = options.ring_capacity < kMaxBatchEvents ? options.ring_capacity : kMaxBatchEvents;
  im.input_batch.resize(batch);
  im.output_batch.resize(batch);
  // The stall watchdog measures from here until the first commit: a writer that never manages
  // one is as stalled as one that stopped.
  writer->last_commit_ns_.store(steady_now_ns(), std::memory_order_release);
  im.thread = std::thread([&im] { im.run(); });
  return writer;
}

bool JournalWriter::stalled(Seq last_appended, std::int64_t now_steady_ns, std::int64_t limit_ns) const noexcept {
  if (last_appended <= durable_seq()) return false;  // nothing waits: an idle writer is not stalled
  return now_steady_ns - last_commit_steady_ns() > limit_ns;
}

bool JournalWriter::append(const Event& input) noexcept {
  if (failed_.load(std::memory_order_acquire) || impl_->closed.load(std::memory_order_relaxed)) [[unlikely]] {
    return false;
  }
  if (impl_->inputs.try_push(input) == PushResult::kOk) [[likely]] return true;
  return impl_->push_slow(impl_->inputs, input, impl_->input_waits);
}

bool JournalWriter::append_output(const Event& output) noexcept {
  if (failed_.load(std::memory_order_acquire) || impl_->closed.load(std::memory_order_relaxed)) [[unlikely]] {
    return false;
  }
  if (output.header.type == EventType::kNone) [[unlikely]] {
    impl_->fail(ErrorCode::kInternal, "journal append_output: event of type kNone (origin seq " +
                                          std::to_string(output.header.seq) +
                                          ") is not an output; the router must journal only typed events (a bug)");
    return false;
  }
  if (impl_->outputs.try_push(output) == PushResult::kOk) [[likely]] return true;
  return impl_->push_slow(impl_->outputs, output, impl_->output_waits);
}

bool JournalWriter::append_checkpoint(Seq seq, std::uint64_t state_hash) noexcept {
  if (failed_.load(std::memory_order_acquire) || impl_->closed.load(std::memory_order_relaxed)) [[unlikely]] {
    return false;
  }
  Event marker;  // zeroed payload
  marker.header = EventHeader{};
  marker.header.seq = seq;
  marker.header.type = EventType::kNone;
  marker.header.reserved2 = kCheckpointMarker;
  put_le64(marker.payload.bytes, state_hash);
  if (impl_->outputs.try_push(marker) == PushResult::kOk) [[likely]] return true;
  return impl_->push_slow(impl_->outputs, marker, impl_->output_waits);
}

Status JournalWriter::write_snapshot(Seq seq, const std::string& bytes) {
  Impl& im = *impl_;
  std::lock_guard lock(im.txn_mutex);
  for (;;) {
    MDB_txn* raw = nullptr;
    int rc = mdb_txn_begin(im.env.get(), nullptr, 0, &raw);
    if (rc == 0) {
      TxnPtr txn(raw);
      unsigned char key_bytes[kSeqKeyBytes];
      put_be64(key_bytes, seq);
      MDB_val key{kSeqKeyBytes, key_bytes};
      MDB_val value{kChecksumBytes + bytes.size(), nullptr};
      rc = mdb_put(raw, im.dbis.snapshots, &key, &value, MDB_RESERVE);
      if (rc == 0) {
        auto* out = static_cast<unsigned char*>(value.mv_data);
        put_le64(out, checksum64(bytes.data(), bytes.size(), 0));
        if (!bytes.empty()) std::memcpy(out + kChecksumBytes, bytes.data(), bytes.size());
        rc = mdb_txn_commit(txn.release());
      }
    }
    if (rc == 0) break;
    if (rc == MDB_MAP_FULL && im.grow_map(&rc)) continue;
    return journal_error(ErrorCode::kIo, im.dir,
                         "snapshot at seq " + std::to_string(seq) + " (" + std::to_string(bytes.size()) +
                             " bytes): " + lmdb_strerror(rc) +
                             (rc == MDB_MAP_FULL ? "; raise the journal's max_map_size or free disk space" : ""));
  }
  im.cover_last_page();
  return {};
}

std::string JournalWriter::error() const {
  std::lock_guard lock(impl_->error_mutex);
  return impl_->error.message;
}

Seq JournalWriter::last_seq_at_open() const noexcept { return impl_->last_seq_at_open; }

WriterStats JournalWriter::stats() const noexcept {
  WriterStats s;
  s.commits = impl_->commits.load(std::memory_order_relaxed);
  s.inputs = impl_->input_count.load(std::memory_order_relaxed);
  s.outputs = impl_->output_count.load(std::memory_order_relaxed);
  const LatencyHistogram::Snapshot latency = impl_->commit_latency.snapshot();
  s.commit_p50_ns = latency.percentile(0.50);
  s.commit_p99_ns = latency.percentile(0.99);
  s.commit_max_ns = latency.max;
  return s;
}

std::uint64_t JournalWriter::backpressure_waits() const noexcept {
  return impl_->input_waits.value.load(std::memory_order_relaxed) +
         impl_->output_waits.value.load(std::memory_order_relaxed);
}

Status JournalWriter::close() {
  Impl& im = *impl_;
  {
    std::lock_guard lock(im.close_mutex);
    if (!im.joined) {
      im.closed.store(true, std::memory_order_release);  // pairs with push_slow's acquire
      im.stop.store(true, std::memory_order_release);    // pairs with run()'s acquire
      if (im.thread.joinable()) im.thread.join();
      im.joined = true;
    }
  }
  if (failed()) {
    std::lock_guard lock(im.error_mutex);
    return im.error;
  }
  return {};
}

}  // namespace sequent::journal
