// LMDB plumbing shared by JournalWriter and JournalReader: RAII handles, the pre-open sanity
// check of data.mdb, opening the five databases, reading meta, and the verifying walk over the
// `journal` database (the one chain check used by the reader, the writer's resume and the tests'
// expectations).
//
// Threading: an MDB_txn and its cursors belong to the thread that began it; everything here runs
// on the caller's thread. Cold except walk_chain's loop, which is the reader's hot loop (no
// allocation per record).
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "engine/event.hpp"
#include "engine/result.hpp"
#include "journal/detail/format.hpp"
#include "journal/journal.hpp"

namespace sequent::journal::detail {

struct EnvCloser {
  void operator()(MDB_env* env) const noexcept { mdb_env_close(env); }
};
struct TxnAborter {
  void operator()(MDB_txn* txn) const noexcept { mdb_txn_abort(txn); }
};
struct CursorCloser {
  void operator()(MDB_cursor* cursor) const noexcept { mdb_cursor_close(cursor); }
};
using EnvPtr = std::unique_ptr<MDB_env, EnvCloser>;
using TxnPtr = std::unique_ptr<MDB_txn, TxnAborter>;  // release() before mdb_txn_commit
using CursorPtr = std::unique_ptr<MDB_cursor, CursorCloser>;

struct Dbis {
  MDB_dbi journal = 0;
  MDB_dbi outputs = 0;
  MDB_dbi checkpoints = 0;
  MDB_dbi snapshots = 0;
  MDB_dbi meta = 0;
};

// What the meta database says, decoded and checked.
struct StoredMeta {
  SessionMeta meta;
  Seq first_seq = 1;           // meta `first_seq`, or 1 when absent (nothing appended yet)
  bool has_first_seq = false;
  Seq tail_seq = 0;            // meta `tail`: last seq committed and its chain checksum
  std::uint64_t tail_chain = 0;
};

// Where a verifying walk stopped.
struct ChainEnd {
  Seq last_seq = 0;            // last verified record (first_seq - 1 when none)
  std::uint64_t chain = 0;     // its chain checksum (chain_0 when none)
  std::uint64_t records = 0;
};

// Before LMDB maps the file: DIR exists (else kInvalidArgument), DIR/data.mdb exists (else
// kCorrupt "no journal in DIR"), its meta pages carry LMDB's magic and a sane page size, and the
// file holds every page up to the newest meta page's mm_last_pg (else kCorrupt "truncated"), so a
// truncated file is refused instead of faulting (SIGBUS) when a reader touches a missing page.
Status check_data_file(const std::string& dir);

// mdb_env_create + maxdbs + mapsize (0 keeps LMDB's / the file's) + mdb_env_open(dir, flags).
Result<EnvPtr> open_env(const std::string& dir, unsigned flags, std::uint64_t map_size);

// Begins a transaction; for a read-only transaction, adopts a map grown by another process
// (MDB_MAP_RESIZED) and retries once.
Result<TxnPtr> begin_txn(MDB_env* env, unsigned flags, const std::string& dir);

// Opens (create: creates) the five databases in txn. A missing database is kCorrupt.
Result<Dbis> open_dbis(MDB_txn* txn, bool create, const std::string& dir);

// Decodes meta. Missing format_version, session_start_ns or tail: kCorrupt. A format version
// above kFormatVersion: kInvalidArgument "journal DIR was written by format version N; ...".
Result<StoredMeta> read_meta(MDB_txn* txn, MDB_dbi meta, const std::string& dir);

// Writes every meta key of a new journal (tail = (0, chain_0), no first_seq yet).
int write_new_meta(MDB_txn* txn, MDB_dbi meta, const SessionMeta& session);
int put_meta(MDB_txn* txn, MDB_dbi meta, std::string_view key, const void* data, std::size_t size);

// Walks `journal` from its first record, verifying each: key of 8 bytes, keys dense from
// stored.first_seq, value of 136 bytes, key == event seq, chain checksum. Calls fn(const Event&)
// (returning false stops the walk) for records with from <= seq <= to. Having walked past the
// last record (to not reached), checks the end against meta `tail`, so records deleted from the
// end are caught. Errors: kCorrupt with record_error's wording.
template <class Fn>
Result<ChainEnd> walk_chain(MDB_txn* txn, MDB_dbi journal, const StoredMeta& stored, Seq from, Seq to,
                            const std::string& dir, Fn&& fn) {
  MDB_cursor* raw = nullptr;
  if (const int rc = mdb_cursor_open(txn, journal, &raw); rc != 0) {
    return journal_error(ErrorCode::kIo, dir, "cannot open a cursor on the journal database: " + lmdb_strerror(rc));
  }
  CursorPtr cursor(raw);
  ChainEnd end{stored.first_seq - 1, chain_seed(stored.meta.session_start_ns), 0};
  Seq expected = stored.first_seq;
  Event event;
  MDB_val key{};
  MDB_val value{};
  int rc = mdb_cursor_get(raw, &key, &value, MDB_FIRST);
  for (; rc == 0; rc = mdb_cursor_get(raw, &key, &value, MDB_NEXT), ++expected) {
    const Seq valid = expected - 1;
    if (key.mv_size != kSeqKeyBytes) [[unlikely]] {
      return record_error(dir, expected, "wrong size (key of " + std::to_string(key.mv_size) + " bytes, expected 8)", valid);
    }
    const Seq seq = get_be64(static_cast<const unsigned char*>(key.mv_data));
    if (seq != expected) [[unlikely]] {
      if (seq > expected) return record_error(dir, expected, "missing (gap after seq " + std::to_string(valid) + ")", valid);
      return record_error(dir, expected,
                          "key/seq mismatch (found key " + std::to_string(seq) + " before first_seq " +
                              std::to_string(stored.first_seq) + ")",
                          valid);
    }
    if (value.mv_size != kRecordBytes) [[unlikely]] {
      return record_error(dir, seq, "wrong size (" + std::to_string(value.mv_size) + " bytes, expected 136)", valid);
    }
    const auto* bytes = static_cast<const unsigned char*>(value.mv_data);
    std::memcpy(&event, bytes + kChecksumBytes, kEventBytes);
    if (event.header.seq != seq) [[unlikely]] {
      return record_error(dir, seq, "key/seq mismatch (the event inside says seq " + std::to_string(event.header.seq) + ")",
                          valid);
    }
    const std::uint64_t chain = chain_next(end.chain, bytes + kChecksumBytes);
    if (chain != get_le64(bytes)) [[unlikely]] return record_error(dir, seq, "checksum mismatch", valid);
    end.last_seq = seq;
    end.chain = chain;
    ++end.records;
    if (seq >= from && !fn(static_cast<const Event&>(event))) return end;
    if (seq >= to) return end;
  }
  if (rc != MDB_NOTFOUND) {
    return record_error(dir, expected, "unreadable (LMDB: " + lmdb_strerror(rc) + ")", expected - 1);
  }
  if (end.last_seq < stored.tail_seq) {
    return record_error(dir, end.last_seq + 1,
                        "missing (the journal ends at seq " + std::to_string(end.last_seq) + " but meta tail records seq " +
                            std::to_string(stored.tail_seq) + ": records were removed from the end)",
                        end.last_seq);
  }
  if (end.last_seq > stored.tail_seq) {
    return record_error(dir, stored.tail_seq + 1,
                        "beyond the last committed seq " + std::to_string(stored.tail_seq) + " recorded in meta tail",
                        stored.tail_seq);
  }
  if (end.chain != stored.tail_chain) {
    return record_error(dir, end.last_seq, "checksum mismatch (differs from meta tail)", end.last_seq - 1);
  }
  return end;
}

}  // namespace sequent::journal::detail
