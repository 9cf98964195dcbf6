// JournalReader: read-only, verifying access to a session journal (see journal.hpp and
// docs/journal-format.md).
//
// Threading: one thread (LMDB read transactions are per thread). Each call runs in its own read
// transaction and sees the journal as of that moment, so a reader may follow a live writer in
// another process. Cold except the for_each_input loop (detail::walk_chain), which is the replay
// path: one cursor, one memcpy into an aligned Event and one XXH3-64 per record, no allocation.
#include <cerrno>
#include <filesystem>

#include "journal/detail/format.hpp"
#include "journal/detail/lmdb_env.hpp"
#include "journal/journal.hpp"

namespace sequent::journal {

using namespace detail;

struct JournalReader::Impl {
  std::string dir;
  EnvPtr env;
  Dbis dbis;
  StoredMeta stored;

  Result<TxnPtr> begin() { return begin_txn(env.get(), MDB_RDONLY, dir); }
};

JournalReader::JournalReader() = default;
JournalReader::~JournalReader() = default;

Result<std::unique_ptr<JournalReader>> JournalReader::open(const std::string& dir) {
  if (Status s = check_data_file(dir); !s) return s.error();
  auto env = open_env(dir, MDB_RDONLY, 0);
  if (!env && env.error().code == ErrorCode::kIo) {
    // A read-only directory (an archived session) where lock.mdb cannot be opened: read without
    // LMDB's lock table. Safe only when no writer is running, which a read-only directory implies.
    env = open_env(dir, MDB_RDONLY | MDB_NOLOCK, 0);
  }
  if (!env) return env.error();
  std::unique_ptr<JournalReader> reader(new JournalReader());
  reader->impl_ = std::make_unique<Impl>();
  Impl& im = *reader->impl_;
  im.dir = dir;
  im.env = std::move(*env);
  auto txn = im.begin();
  if (!txn) return txn.error();
  auto dbis = open_dbis(txn->get(), false, dir);
  if (!dbis) return dbis.error();
  im.dbis = *dbis;
  auto stored = read_meta(txn->get(), im.dbis.meta, dir);
  if (!stored) return stored.error();
  im.stored = std::move(*stored);
  // Commit (not abort) keeps the database handles open for later transactions.
  if (const int rc = mdb_txn_commit(txn->release()); rc != 0) {
    return journal_error(ErrorCode::kIo, dir, "cannot end the open transaction: " + lmdb_strerror(rc));
  }
  return reader;
}

const SessionMeta& JournalReader::meta() const noexcept { return impl_->stored.meta; }

Result<JournalInfo> JournalReader::info() {
  Impl& im = *impl_;
  auto txn = im.begin();
  if (!txn) return txn.error();
  auto stored = read_meta(txn->get(), im.dbis.meta, im.dir);  // the tail may have moved
  if (!stored) return stored.error();
  JournalInfo info;
  info.meta = stored->meta;
  const struct {
    MDB_dbi dbi;
    std::uint64_t* count;
  } counted[] = {{im.dbis.journal, &info.inputs},
                 {im.dbis.outputs, &info.outputs},
                 {im.dbis.checkpoints, &info.checkpoints},
                 {im.dbis.snapshots, &info.snapshots}};
  for (const auto& c : counted) {
    MDB_stat st{};
    if (const int rc = mdb_stat(txn->get(), c.dbi, &st); rc != 0) {
      return journal_error(ErrorCode::kCorrupt, im.dir, "cannot read database statistics: " + lmdb_strerror(rc));
    }
    *c.count = st.ms_entries;
  }
  MDB_cursor* raw = nullptr;
  if (const int rc = mdb_cursor_open(txn->get(), im.dbis.journal, &raw); rc != 0) {
    return journal_error(ErrorCode::kIo, im.dir, "cannot open a cursor: " + lmdb_strerror(rc));
  }
  CursorPtr cursor(raw);
  MDB_val key{};
  MDB_val value{};
  if (mdb_cursor_get(raw, &key, &value, MDB_FIRST) == 0 && key.mv_size == kSeqKeyBytes) {
    info.first_seq = get_be64(static_cast<const unsigned char*>(key.mv_data));
  }
  if (mdb_cursor_get(raw, &key, &value, MDB_LAST) == 0 && key.mv_size == kSeqKeyBytes) {
    info.last_seq = get_be64(static_cast<const unsigned char*>(key.mv_data));
  }
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(im.dir + "/data.mdb", ec);
  info.file_bytes = ec ? 0 : static_cast<std::uint64_t>(bytes);
  return info;
}

Status JournalReader::for_each_input(Seq from, Seq to, const std::function<bool(const Event&)>& fn) {
  Impl& im = *impl_;
  auto txn = im.begin();
  if (!txn) return txn.error();
  auto stored = read_meta(txn->get(), im.dbis.meta, im.dir);  // the tail may have moved
  if (!stored) return stored.error();
  auto end = walk_chain(txn->get(), im.dbis.journal, *stored, from, to, im.dir, fn);
  if (!end) return end.error();
  return {};
}

Status JournalReader::for_each_output(Seq from, Seq to,
                                      const std::function<bool(const Event&, std::uint32_t index)>& fn) {
  Impl& im = *impl_;
  auto txn = im.begin();
  if (!txn) return txn.error();
  MDB_cursor* raw = nullptr;
  if (const int rc = mdb_cursor_open(txn->get(), im.dbis.outputs, &raw); rc != 0) {
    return journal_error(ErrorCode::kIo, im.dir, "cannot open a cursor on outputs: " + lmdb_strerror(rc));
  }
  CursorPtr cursor(raw);
  unsigned char start[kOutputKeyBytes];
  encode_output_key(start, from, 0);
  MDB_val key{kOutputKeyBytes, start};
  MDB_val value{};
  Event event;
  int rc = mdb_cursor_get(raw, &key, &value, MDB_SET_RANGE);
  for (; rc == 0; rc = mdb_cursor_get(raw, &key, &value, MDB_NEXT)) {
    const auto* k = static_cast<const unsigned char*>(key.mv_data);
    if (key.mv_size != kOutputKeyBytes) {
      return journal_error(ErrorCode::kCorrupt, im.dir,
                           "output record: wrong size (key of " + std::to_string(key.mv_size) + " bytes, expected 12)");
    }
    const Seq origin = get_be64(k);
    const std::uint32_t index = get_be32(k + 8);
    if (origin > to) break;
    const std::string where = "journal output origin seq " + std::to_string(origin) + " index " + std::to_string(index) + ": ";
    if (value.mv_size != kRecordBytes) {
      return Error{ErrorCode::kCorrupt, where + "wrong size (" + std::to_string(value.mv_size) + " bytes, expected 136) (" + im.dir + ")"};
    }
    const auto* bytes = static_cast<const unsigned char*>(value.mv_data);
    if (checksum64(bytes + kChecksumBytes, kEventBytes, 0) != get_le64(bytes)) {
      return Error{ErrorCode::kCorrupt, where + "checksum mismatch (" + im.dir + ")"};
    }
    std::memcpy(&event, bytes + kChecksumBytes, kEventBytes);
    if (event.header.seq != origin) {
      return Error{ErrorCode::kCorrupt, where + "key/seq mismatch (the event inside says seq " +
                                            std::to_string(event.header.seq) + ") (" + im.dir + ")"};
    }
    if (!fn(event, index)) return {};
  }
  if (rc != 0 && rc != MDB_NOTFOUND) {
    return journal_error(ErrorCode::kCorrupt, im.dir, "outputs unreadable: " + lmdb_strerror(rc));
  }
  return {};
}

Result<std::vector<Checkpoint>> JournalReader::checkpoints() {
  Impl& im = *impl_;
  auto txn = im.begin();
  if (!txn) return txn.error();
  MDB_cursor* raw = nullptr;
  if (const int rc = mdb_cursor_open(txn->get(), im.dbis.checkpoints, &raw); rc != 0) {
    return journal_error(ErrorCode::kIo, im.dir, "cannot open a cursor on checkpoints: " + lmdb_strerror(rc));
  }
  CursorPtr cursor(raw);
  std::vector<Checkpoint> out;
  MDB_val key{};
  MDB_val value{};
  int rc = mdb_cursor_get(raw, &key, &value, MDB_FIRST);
  for (; rc == 0; rc = mdb_cursor_get(raw, &key, &value, MDB_NEXT)) {
    const auto* v = static_cast<const unsigned char*>(value.mv_data);
    const Seq seq = key.mv_size == kSeqKeyBytes ? get_be64(static_cast<const unsigned char*>(key.mv_data)) : 0;
    if (key.mv_size != kSeqKeyBytes || value.mv_size != kCheckpointBytes) {
      return journal_error(ErrorCode::kCorrupt, im.dir,
                           "checkpoint at seq " + std::to_string(seq) + ": wrong size (key " + std::to_string(key.mv_size) +
                               " bytes, value " + std::to_string(value.mv_size) + " bytes; expected 8 and 16)");
    }
    if (checksum64(v, 8, 0) != get_le64(v + 8)) {
      return journal_error(ErrorCode::kCorrupt, im.dir, "checkpoint at seq " + std::to_string(seq) + ": checksum mismatch");
    }
    out.push_back(Checkpoint{seq, get_le64(v)});
  }
  if (rc != MDB_NOTFOUND) return journal_error(ErrorCode::kCorrupt, im.dir, "checkpoints unreadable: " + lmdb_strerror(rc));
  return out;
}

Result<std::optional<std::pair<Seq, std::string>>> JournalReader::latest_snapshot(Seq at_or_before) {
  Impl& im = *impl_;
  auto txn = im.begin();
  if (!txn) return txn.error();
  MDB_cursor* raw = nullptr;
  if (const int rc = mdb_cursor_open(txn->get(), im.dbis.snapshots, &raw); rc != 0) {
    return journal_error(ErrorCode::kIo, im.dir, "cannot open a cursor on snapshots: " + lmdb_strerror(rc));
  }
  CursorPtr cursor(raw);
  // Find the last key <= at_or_before: the first key > it, then step back (or the last key).
  unsigned char probe[kSeqKeyBytes];
  MDB_val key{kSeqKeyBytes, probe};
  MDB_val value{};
  int rc = 0;
  if (at_or_before == kLastSeq) {
    rc = mdb_cursor_get(raw, &key, &value, MDB_LAST);
  } else {
    put_be64(probe, at_or_before + 1);
    rc = mdb_cursor_get(raw, &key, &value, MDB_SET_RANGE);
    rc = rc == 0 ? mdb_cursor_get(raw, &key, &value, MDB_PREV) : mdb_cursor_get(raw, &key, &value, MDB_LAST);
  }
  if (rc == MDB_NOTFOUND) return std::optional<std::pair<Seq, std::string>>{};
  if (rc != 0) return journal_error(ErrorCode::kCorrupt, im.dir, "snapshots unreadable: " + lmdb_strerror(rc));
  if (key.mv_size != kSeqKeyBytes || value.mv_size < kChecksumBytes) {
    return journal_error(ErrorCode::kCorrupt, im.dir, "snapshot record: wrong size (key " + std::to_string(key.mv_size) +
                                                          " bytes, value " + std::to_string(value.mv_size) + " bytes)");
  }
  const Seq seq = get_be64(static_cast<const unsigned char*>(key.mv_data));
  if (seq > at_or_before) return std::optional<std::pair<Seq, std::string>>{};
  const auto* v = static_cast<const unsigned char*>(value.mv_data);
  const std::size_t size = value.mv_size - kChecksumBytes;
  if (checksum64(v + kChecksumBytes, size, 0) != get_le64(v)) {
    return journal_error(ErrorCode::kCorrupt, im.dir, "snapshot at seq " + std::to_string(seq) + ": checksum mismatch");
  }
  return std::optional<std::pair<Seq, std::string>>{
      std::pair<Seq, std::string>{seq, std::string(reinterpret_cast<const char*>(v + kChecksumBytes), size)}};
}

}  // namespace sequent::journal
