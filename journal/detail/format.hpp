// Journal record format, version 1: key and value encodings, checksums and the wording of
// corruption errors. Shared by the writer and the reader; docs/journal-format.md is the user
// description of the same bytes.
//
// Threading: pure functions, any thread. Hot: the encoders and chain_next run once per record
// on the writer thread and the reader loop (no allocation); the *_error builders are cold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "engine/event.hpp"
#include "engine/result.hpp"

namespace sequent::journal::detail {

inline constexpr std::size_t kEventBytes = sizeof(Event);                   // 128
inline constexpr std::size_t kChecksumBytes = 8;
inline constexpr std::size_t kRecordBytes = kChecksumBytes + kEventBytes;   // journal and outputs value
inline constexpr std::size_t kSeqKeyBytes = 8;                              // big-endian seq
inline constexpr std::size_t kOutputKeyBytes = 12;                          // BE origin seq + BE index
inline constexpr std::size_t kCheckpointBytes = 16;                         // hash + XXH3-64(hash)
inline constexpr std::size_t kTailBytes = 16;                               // last seq + last chain
inline constexpr unsigned kMaxDbs = 8;

// Database names.
inline constexpr const char* kDbJournal = "journal";
inline constexpr const char* kDbOutputs = "outputs";
inline constexpr const char* kDbCheckpoints = "checkpoints";
inline constexpr const char* kDbSnapshots = "snapshots";
inline constexpr const char* kDbMeta = "meta";

// Keys of the meta database.
inline constexpr std::string_view kMetaFormatVersion = "format_version";
inline constexpr std::string_view kMetaBinaryVersion = "binary_version";
inline constexpr std::string_view kMetaSessionStart = "session_start_ns";
inline constexpr std::string_view kMetaInstruments = "instruments";
inline constexpr std::string_view kMetaConfig = "config";
inline constexpr std::string_view kMetaConfigHash = "config_hash";
inline constexpr std::string_view kMetaFirstSeq = "first_seq";
inline constexpr std::string_view kMetaTail = "tail";

// A checkpoint travels through the writer's output ring as an Event of type kNone whose
// reserved2 holds this marker, with the state hash in the first 8 payload bytes (little-endian).
// append_output() refuses events of type kNone, so the encoding cannot be confused with an output.
inline constexpr std::uint16_t kCheckpointMarker = 0xC4EC;

inline void put_be64(unsigned char* p, std::uint64_t v) noexcept {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<unsigned char>(v & 0xFFu);
    v >>= 8;
  }
}
inline std::uint64_t get_be64(const unsigned char* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}
inline void put_be32(unsigned char* p, std::uint32_t v) noexcept {
  for (int i = 3; i >= 0; --i) {
    p[i] = static_cast<unsigned char>(v & 0xFFu);
    v >>= 8;
  }
}
inline std::uint32_t get_be32(const unsigned char* p) noexcept {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | p[i];
  return v;
}
inline void put_le64(unsigned char* p, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) {
    p[i] = static_cast<unsigned char>(v & 0xFFu);
    v >>= 8;
  }
}
inline std::uint64_t get_le64(const unsigned char* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// XXH3 64-bit (XXH3_64bits_withSeed) with the given seed: the record checksum.
std::uint64_t checksum64(const void* data, std::size_t size, std::uint64_t seed) noexcept;

// chain_0: XXH3-64 of the 8-byte little-endian session_start_ns, seed 0. The seed of the first record.
std::uint64_t chain_seed(TimeNs session_start_ns) noexcept;
// chain_n = XXH3-64(the 128 event bytes, seed = chain_{n-1}).
inline std::uint64_t chain_next(std::uint64_t previous, const unsigned char* event_bytes) noexcept {
  return checksum64(event_bytes, kEventBytes, previous);
}

// Writes the 136-byte journal value: chain checksum (LE) then the event bytes. Returns the chain.
inline std::uint64_t encode_record(unsigned char* out, const Event& event, std::uint64_t previous) noexcept {
  std::memcpy(out + kChecksumBytes, &event, kEventBytes);
  const std::uint64_t chain = chain_next(previous, out + kChecksumBytes);
  put_le64(out, chain);
  return chain;
}

// Writes the 136-byte outputs value: XXH3-64(event bytes, seed 0) then the event bytes.
inline void encode_output(unsigned char* out, const Event& event) noexcept {
  std::memcpy(out + kChecksumBytes, &event, kEventBytes);
  put_le64(out, checksum64(out + kChecksumBytes, kEventBytes, 0));
}

inline void encode_output_key(unsigned char* out, Seq origin_seq, std::uint32_t index) noexcept {
  put_be64(out, origin_seq);
  put_be32(out + 8, index);
}

// "journal record seq N: <what>; journal is valid up to seq N-1 (DIR)", kCorrupt.
[[gnu::cold]] Error record_error(const std::string& dir, Seq seq, std::string_view what, Seq valid_up_to);
// "journal DIR: <what>", with the given code.
[[gnu::cold]] Error journal_error(ErrorCode code, const std::string& dir, std::string_view what);
// LMDB's text for an error code plus the symbolic name when it is one of LMDB's own
// ("MDB_MAP_FULL: Environment mapsize limit reached").
std::string lmdb_strerror(int rc);

}  // namespace sequent::journal::detail
