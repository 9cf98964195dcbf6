// Journal record format helpers: checksums and error wording. See format.hpp.
#include "journal/detail/format.hpp"

#include <lmdb.h>

// Inlined (header-only) xxHash: the checksum runs once per record on the append and replay paths.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace sequent::journal::detail {

std::uint64_t checksum64(const void* data, std::size_t size, std::uint64_t seed) noexcept {
  return XXH3_64bits_withSeed(data, size, seed);
}

std::uint64_t chain_seed(TimeNs session_start_ns) noexcept {
  unsigned char bytes[8];
  put_le64(bytes, static_cast<std::uint64_t>(session_start_ns));
  return XXH3_64bits_withSeed(bytes, sizeof bytes, 0);
}

Error record_error(const std::string& dir, Seq seq, std::string_view what, Seq valid_up_to) {
  std::string message = "journal record seq " + std::to_string(seq) + ": ";
  message += what;
  message += "; journal is valid up to seq " + std::to_string(valid_up_to) + " (" + dir + ")";
  return Error{ErrorCode::kCorrupt, std::move(message)};
}

Error journal_error(ErrorCode code, const std::string& dir, std::string_view what) {
  std::string message = "journal " + dir + ": ";
  message += what;
  return Error{code, std::move(message)};
}

std::string lmdb_strerror(int rc) {
  const char* name = nullptr;
  switch (rc) {
    case MDB_KEYEXIST: name = "MDB_KEYEXIST"; break;
    case MDB_NOTFOUND: name = "MDB_NOTFOUND"; break;
    case MDB_PAGE_NOTFOUND: name = "MDB_PAGE_NOTFOUND"; break;
    case MDB_CORRUPTED: name = "MDB_CORRUPTED"; break;
    case MDB_PANIC: name = "MDB_PANIC"; break;
    case MDB_VERSION_MISMATCH: name = "MDB_VERSION_MISMATCH"; break;
    case MDB_INVALID: name = "MDB_INVALID"; break;
    case MDB_MAP_FULL: name = "MDB_MAP_FULL"; break;
    case MDB_DBS_FULL: name = "MDB_DBS_FULL"; break;
    case MDB_READERS_FULL: name = "MDB_READERS_FULL"; break;
    case MDB_TXN_FULL: name = "MDB_TXN_FULL"; break;
    case MDB_CURSOR_FULL: name = "MDB_CURSOR_FULL"; break;
    case MDB_PAGE_FULL: name = "MDB_PAGE_FULL"; break;
    case MDB_MAP_RESIZED: name = "MDB_MAP_RESIZED"; break;
    case MDB_INCOMPATIBLE: name = "MDB_INCOMPATIBLE"; break;
    case MDB_BAD_TXN: name = "MDB_BAD_TXN"; break;
    case MDB_BAD_VALSIZE: name = "MDB_BAD_VALSIZE"; break;
    default: break;
  }
  std::string text = mdb_strerror(rc);
  if (name == nullptr) return text;
  return std::string(name) + ": " + text;
}

}  // namespace sequent::journal::detail
