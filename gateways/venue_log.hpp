// VenueLog: the simulated venue's own persistent record, so the venue outlives an engine crash.
//
// A real venue keeps its orders and fills whatever happens to our process; the simulated one
// gets the same property from this append-only file, which the exchange thread writes *before*
// handing the corresponding reports to the engine: every order it accepted and every execution
// report it emitted. On restart, SimExchange::restore() rebuilds the venue's resting orders and
// id counters from it, and the engine reconciles against the venue's view (open orders and fills).
//
// File: 8-byte magic "SEQVLOG1", then fixed 144-byte records: u32 kind (1 order, 2 report), u32
// zero, the 128-byte Event, u64 FNV-1a of the previous 136 bytes (little-endian). A partial last
// record (a crash mid-write) is ignored: the venue never acted on it. A checksum mismatch anywhere
// else is corruption. Threading: one writer (the exchange thread); read() is cold and standalone.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/event.hpp"
#include "engine/result.hpp"

namespace sequent {

class VenueLog {
 public:
  enum class Kind : std::uint32_t { kOrder = 1, kReport = 2 };
  static constexpr std::size_t kRecordBytes = 144;

  // Cold. Creates the file (and writes the magic) or opens it for appending.
  static Result<std::unique_ptr<VenueLog>> open(const std::string& path);
  ~VenueLog();
  VenueLog(const VenueLog&) = delete;
  VenueLog& operator=(const VenueLog&) = delete;

  // Exchange thread. One write(2) per record (the simulated venue's I/O, not the engine's hot
  // path). On failure the log stops and failed() turns true.
  void append(Kind kind, const Event& e) noexcept;
  bool failed() const noexcept { return failed_; }

  struct Contents {
    std::vector<Event> orders;    // kOrderNew / kOrderCancel as the venue received them
    std::vector<Event> reports;   // execution reports as the venue emitted them
    std::size_t torn_tail_bytes = 0;
  };
  // Cold. A missing file is an empty venue. Error (kCorrupt) names the bad record.
  static Result<Contents> read(const std::string& path);

 private:
  explicit VenueLog(int fd) noexcept : fd_(fd) {}
  int fd_ = -1;
  bool failed_ = false;
};

}  // namespace sequent
