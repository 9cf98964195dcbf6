// Quarantine: the last N messages that failed to parse, with the error, for the operator and
// the incident report. Cold path (only bad input lands here): copies and allocates freely, but
// is bounded: N entries, each message truncated to max_bytes.
//
//   if (parser.parse(bytes, m) != ParseErrc::kOk) quarantine.add(bytes, parser.error(), now);
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/types.hpp"
#include "gateways/binance/parser.hpp"

namespace sequent::binance {

class Quarantine {
 public:
  struct Entry {
    TimeNs recv_ns = 0;
    std::string error;       // ParseError::message()
    std::string bytes;       // the raw message, truncated to max_bytes
    std::size_t original_size = 0;
  };

  explicit Quarantine(std::size_t capacity = 64, std::size_t max_bytes = 4096);

  void add(std::string_view raw, const ParseError& error, TimeNs recv_ns);
  void add(std::string_view raw, std::string error, TimeNs recv_ns);
  // Oldest first.
  std::vector<Entry> entries() const;
  std::size_t size() const noexcept { return size_; }
  std::uint64_t total() const noexcept { return total_; }  // ever added, including overwritten

 private:
  std::vector<Entry> ring_;
  std::size_t max_bytes_;
  std::size_t next_ = 0;
  std::size_t size_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace sequent::binance
