// LMDB plumbing shared by the journal writer and reader. Cold: open, meta, sanity checks.
#include "journal/detail/lmdb_env.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace sequent::journal::detail {
namespace {

// LMDB 0.9.x on a 64-bit little-endian host (lmdb/libraries/liblmdb/mdb.c): pages 0 and 1 are
// meta pages; a page starts with a 16-byte header (PAGEHDRSZ) and MDB_meta follows it:
//   +0 mm_magic u32, +4 mm_version u32, +8 mm_address, +16 mm_mapsize, +24 mm_dbs[2] (2 x 48
//   bytes; mm_psize is mm_dbs[0].md_pad, a u32 at +24), +120 mm_last_pg u64, +128 mm_txnid u64.
constexpr std::size_t kPageHeaderBytes = 16;
constexpr std::size_t kMetaMagicAt = kPageHeaderBytes + 0;
constexpr std::size_t kMetaPageSizeAt = kPageHeaderBytes + 24;
constexpr std::size_t kMetaLastPageAt = kPageHeaderBytes + 120;
constexpr std::size_t kMetaTxnIdAt = kPageHeaderBytes + 128;
constexpr std::size_t kMetaEnd = kPageHeaderBytes + 136;
constexpr std::uint32_t kLmdbMagic = 0xBEEFC0DE;

struct LmdbMeta {
  bool valid = false;
  std::uint32_t page_size = 0;
  std::uint64_t last_page = 0;
  std::uint64_t txn_id = 0;
};

template <class T>
T load_native(const unsigned char* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

LmdbMeta parse_meta(const unsigned char* page) noexcept {
  LmdbMeta m;
  if (load_native<std::uint32_t>(page + kMetaMagicAt) != kLmdbMagic) return m;
  m.page_size = load_native<std::uint32_t>(page + kMetaPageSizeAt);
  m.last_page = load_native<std::uint64_t>(page + kMetaLastPageAt);
  m.txn_id = load_native<std::uint64_t>(page + kMetaTxnIdAt);
  m.valid = m.page_size >= 512 && m.page_size <= 65536 && std::has_single_bit(m.page_size);
  return m;
}

bool read_at(int fd, unsigned char* out, std::size_t size, off_t offset) noexcept {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out + done, size - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Status check_data_file(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Error{ErrorCode::kInvalidArgument,
                 "no journal in " + dir + ": the directory does not exist; check the journal path"};
  }
  const std::string path = dir + "/data.mdb";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return Error{ErrorCode::kCorrupt, "no journal in " + dir + ": " + path + " does not exist"};
    }
    return Error{ErrorCode::kIo, "journal " + dir + ": cannot open " + path + ": " + std::strerror(err)};
  }
  FdCloser closer{fd};
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    return Error{ErrorCode::kIo, "journal " + dir + ": cannot stat " + path + ": " + std::strerror(errno)};
  }
  const auto file_bytes = static_cast<std::uint64_t>(st.st_size);
  const std::string truncated = "journal " + dir + ": " + path + " is truncated (" + std::to_string(file_bytes) + " bytes";
  unsigned char page[kMetaEnd];
  if (file_bytes < kMetaEnd || !read_at(fd, page, kMetaEnd, 0)) {
    return Error{ErrorCode::kCorrupt, truncated + ", smaller than LMDB's meta pages); restore it from a copy"};
  }
  const LmdbMeta meta0 = parse_meta(page);
  if (!meta0.valid) {
    return Error{ErrorCode::kCorrupt, "journal " + dir + ": " + path +
                                          " is not an LMDB environment (bad magic or page size in meta page 0)"};
  }
  if (file_bytes < 2ull * meta0.page_size || !read_at(fd, page, kMetaEnd, static_cast<off_t>(meta0.page_size))) {
    return Error{ErrorCode::kCorrupt, truncated + ", smaller than LMDB's two meta pages); restore it from a copy"};
  }
  const LmdbMeta meta1 = parse_meta(page);
  // LMDB uses the meta page with the higher txn id; be conservative and require the pages of both.
  std::uint64_t last_page = meta0.last_page;
  if (meta1.valid && meta1.page_size == meta0.page_size && meta1.last_page > last_page) last_page = meta1.last_page;
  const std::uint64_t needed = (last_page + 1) * meta0.page_size;
  if (file_bytes < needed) {
    return Error{ErrorCode::kCorrupt, truncated + ", but LMDB's meta page says its data reaches page " +
                                          std::to_string(last_page) + ", " + std::to_string(needed) +
                                          " bytes); restore it from a copy"};
  }
  return {};
}

Result<EnvPtr> open_env(const std::string& dir, unsigned flags, std::uint64_t map_size) {
  MDB_env* raw = nullptr;
  if (const int rc = mdb_env_create(&raw); rc != 0) {
    return journal_error(ErrorCode::kIo, dir, "mdb_env_create failed: " + lmdb_strerror(rc));
  }
  EnvPtr env(raw);
  int rc = mdb_env_set_maxdbs(raw, kMaxDbs);
  if (rc == 0 && map_size != 0) rc = mdb_env_set_mapsize(raw, static_cast<std::size_t>(map_size));
  if (rc == 0) rc = mdb_env_open(raw, dir.c_str(), flags, 0644);
  if (rc != 0) {
    return Error{rc == EACCES || rc == EROFS ? ErrorCode::kIo : ErrorCode::kCorrupt,
                 "journal " + dir + ": cannot open the LMDB environment: " + lmdb_strerror(rc)};
  }
  return env;
}

Result<TxnPtr> begin_txn(MDB_env* env, unsigned flags, const std::string& dir) {
  MDB_txn* raw = nullptr;
  int rc = mdb_txn_begin(env, nullptr, flags, &raw);
  if (rc == MDB_MAP_RESIZED && (flags & MDB_RDONLY) != 0) {
    // Another process grew the map; adopt its size (we hold no transaction here) and retry.
    rc = mdb_env_set_mapsize(env, 0);
    if (rc == 0) rc = mdb_txn_begin(env, nullptr, flags, &raw);
  }
  if (rc != 0) return journal_error(ErrorCode::kIo, dir, "cannot begin a transaction: " + lmdb_strerror(rc));
  return TxnPtr(raw);
}

Result<Dbis> open_dbis(MDB_txn* txn, bool create, const std::string& dir) {
  Dbis dbis;
  const struct {
    const char* name;
    MDB_dbi* dbi;
  } wanted[] = {{kDbJournal, &dbis.journal},
                {kDbOutputs, &dbis.outputs},
                {kDbCheckpoints, &dbis.checkpoints},
                {kDbSnapshots, &dbis.snapshots},
                {kDbMeta, &dbis.meta}};
  for (const auto& w : wanted) {
    const int rc = mdb_dbi_open(txn, w.name, create ? MDB_CREATE : 0u, w.dbi);
    if (rc == MDB_NOTFOUND) {
      return journal_error(ErrorCode::kCorrupt, dir,
                           std::string("database `") + w.name + "` is missing: not a Sequent journal, or a damaged one");
    }
    if (rc != 0) {
      return journal_error(ErrorCode::kCorrupt, dir,
                           std::string("cannot open database `") + w.name + "`: " + lmdb_strerror(rc));
    }
  }
  return dbis;
}

namespace {

int get_meta(MDB_txn* txn, MDB_dbi dbi, std::string_view key, MDB_val* out) {
  MDB_val k{key.size(), const_cast<char*>(key.data())};
  return mdb_get(txn, dbi, &k, out);
}

std::string as_string(const MDB_val& v) { return std::string(static_cast<const char*>(v.mv_data), v.mv_size); }

}  // namespace

Result<StoredMeta> read_meta(MDB_txn* txn, MDB_dbi meta, const std::string& dir) {
  StoredMeta stored;
  MDB_val v{};
  int rc = get_meta(txn, meta, kMetaFormatVersion, &v);
  if (rc != 0 || v.mv_size != 4) {
    return journal_error(ErrorCode::kCorrupt, dir,
                         rc != 0 ? "meta has no format_version: not a Sequent journal, or its meta database was damaged"
                                 : "meta format_version is " + std::to_string(v.mv_size) + " bytes, expected 4");
  }
  std::uint32_t version = 0;
  for (int i = 3; i >= 0; --i) version = (version << 8) | static_cast<const unsigned char*>(v.mv_data)[i];
  if (version > kFormatVersion) {
    return Error{ErrorCode::kInvalidArgument, "journal " + dir + " was written by format version " +
                                                  std::to_string(version) + "; this sequent reads up to version " +
                                                  std::to_string(kFormatVersion) + ": upgrade sequent"};
  }
  if (version == 0) return journal_error(ErrorCode::kCorrupt, dir, "meta format_version is 0, which no sequent writes");
  stored.meta.format_version = version;

  rc = get_meta(txn, meta, kMetaSessionStart, &v);
  if (rc != 0 || v.mv_size != 8) {
    return journal_error(ErrorCode::kCorrupt, dir, "meta session_start_ns is missing or not 8 bytes (it seeds the checksum chain)");
  }
  stored.meta.session_start_ns = static_cast<TimeNs>(get_le64(static_cast<const unsigned char*>(v.mv_data)));

  rc = get_meta(txn, meta, kMetaTail, &v);
  if (rc != 0 || v.mv_size != kTailBytes) {
    return journal_error(ErrorCode::kCorrupt, dir, "meta tail is missing or not 16 bytes (it records the last committed seq)");
  }
  stored.tail_seq = get_le64(static_cast<const unsigned char*>(v.mv_data));
  stored.tail_chain = get_le64(static_cast<const unsigned char*>(v.mv_data) + 8);

  if (get_meta(txn, meta, kMetaFirstSeq, &v) == 0) {
    if (v.mv_size != 8) return journal_error(ErrorCode::kCorrupt, dir, "meta first_seq is not 8 bytes");
    stored.first_seq = get_le64(static_cast<const unsigned char*>(v.mv_data));
    stored.has_first_seq = true;
    if (stored.first_seq == 0) return journal_error(ErrorCode::kCorrupt, dir, "meta first_seq is 0; seqs start at 1");
  }
  // Descriptive keys: absent reads as empty / 0.
  if (get_meta(txn, meta, kMetaBinaryVersion, &v) == 0) stored.meta.binary_version = as_string(v);
  if (get_meta(txn, meta, kMetaInstruments, &v) == 0) stored.meta.instruments = as_string(v);
  if (get_meta(txn, meta, kMetaConfig, &v) == 0) stored.meta.config = as_string(v);
  if (get_meta(txn, meta, kMetaConfigHash, &v) == 0 && v.mv_size == 8) {
    stored.meta.config_hash = get_le64(static_cast<const unsigned char*>(v.mv_data));
  }
  return stored;
}

int put_meta(MDB_txn* txn, MDB_dbi meta, std::string_view key, const void* data, std::size_t size) {
  MDB_val k{key.size(), const_cast<char*>(key.data())};
  MDB_val v{size, const_cast<void*>(data)};
  return mdb_put(txn, meta, &k, &v, 0);
}

int write_new_meta(MDB_txn* txn, MDB_dbi meta, const SessionMeta& session) {
  unsigned char version[4];
  for (int i = 0; i < 4; ++i) version[i] = static_cast<unsigned char>(kFormatVersion >> (8 * i));
  unsigned char start[8];
  put_le64(start, static_cast<std::uint64_t>(session.session_start_ns));
  unsigned char hash[8];
  put_le64(hash, session.config_hash);
  unsigned char tail[kTailBytes];
  put_le64(tail, 0);
  put_le64(tail + 8, chain_seed(session.session_start_ns));
  int rc = put_meta(txn, meta, kMetaFormatVersion, version, sizeof version);
  if (rc == 0) rc = put_meta(txn, meta, kMetaBinaryVersion, session.binary_version.data(), session.binary_version.size());
  if (rc == 0) rc = put_meta(txn, meta, kMetaSessionStart, start, sizeof start);
  if (rc == 0) rc = put_meta(txn, meta, kMetaInstruments, session.instruments.data(), session.instruments.size());
  if (rc == 0) rc = put_meta(txn, meta, kMetaConfig, session.config.data(), session.config.size());
  if (rc == 0) rc = put_meta(txn, meta, kMetaConfigHash, hash, sizeof hash);
  if (rc == 0) rc = put_meta(txn, meta, kMetaTail, tail, sizeof tail);
  return rc;
}

}  // namespace sequent::journal::detail
