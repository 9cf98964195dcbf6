// LineReader and split_fields: a hand-written CSV splitter over one fixed chunk buffer.
//
// Cold-path I/O but per-byte hot: the reader's thread calls next() once per line of a file that
// may hold millions. Lines are views into the chunk buffer, valid until the next call. The buffer
// is allocated once at construction; a line longer than it is an error, so memory never grows
// with the file. No quoting: market-data CSVs hold numbers and plain names only. Every line is
// followed by at least kFieldPadding readable bytes (the buffer has that much slack), so the
// SWAR field parsers of field_parse.hpp may load 8 bytes from any digit in it.
//
//   LineReader lines(std::move(source));
//   std::string_view line;
//   while (auto more = lines.next(line)) { if (!*more) break; ... lines.line_number() ... }
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "engine/result.hpp"
#include "gateways/detail/byte_source.hpp"
#include "gateways/detail/field_parse.hpp"

namespace sequent::detail {

class LineReader {
 public:
  static constexpr std::size_t kDefaultBufferBytes = 256 * 1024;

  // Allocates the chunk buffer (the only allocation).
  explicit LineReader(std::unique_ptr<ByteSource> source, std::size_t buffer_bytes = kDefaultBufferBytes);

  // The next line without its '\n' (and a '\r' before it). Returns false at the end of the data.
  // Errors: the source's (kIo, kCorrupt) and kParse for a line longer than the buffer.
  Result<bool> next(std::string_view& line) {
    const char* nl = static_cast<const char*>(std::memchr(buffer_.get() + begin_, '\n', end_ - begin_));
    if (nl == nullptr) [[unlikely]] return next_slow(line);
    const std::size_t at = static_cast<std::size_t>(nl - buffer_.get());
    emit(at, at + 1, line);
    return true;
  }

  // 1-based number of the line last returned.
  std::uint64_t line_number() const noexcept { return line_number_; }
  // Decompressed bytes consumed so far.
  std::uint64_t bytes() const noexcept { return bytes_; }
  Compression compression() const noexcept { return source_->compression(); }

 private:
  void emit(std::size_t line_end, std::size_t next_begin, std::string_view& line) noexcept {
    std::size_t len = line_end - begin_;
    if (len > 0 && buffer_[begin_ + len - 1] == '\r') --len;
    line = std::string_view(buffer_.get() + begin_, len);
    begin_ = next_begin;
    ++line_number_;
  }
  Result<bool> next_slow(std::string_view& line);

  std::unique_ptr<ByteSource> source_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_;
  std::size_t begin_ = 0;  // first unread byte
  std::size_t end_ = 0;    // one past the last byte read
  bool eof_ = false;
  std::uint64_t line_number_ = 0;
  std::uint64_t bytes_ = 0;
};

inline constexpr std::size_t kMaxFields = 32;
using Fields = std::array<std::string_view, kMaxFields>;

// Splits `line` at commas into `fields`. Returns the number of fields, or kMaxFields + 1 when
// the line has more than kMaxFields (fields then holds the first kMaxFields). Looks for commas
// eight bytes at a time, so `line` must be followed by kFieldPadding readable bytes (every line
// from LineReader is).
inline std::size_t split_fields(std::string_view line, Fields& fields) noexcept {
  constexpr std::uint64_t kCommas = 0x2C2C2C2C2C2C2C2Cull, kLow7 = 0x7F7F7F7F7F7F7F7Full;
  const char* start = line.data();
  const char* const e = start + line.size();
  std::size_t n = 0;
  for (const char* q = start; q < e; q += 8) {
    std::uint64_t v;
    std::memcpy(&v, q, sizeof v);
    const std::uint64_t x = v ^ kCommas;  // comma bytes become zero
    std::uint64_t commas = ~(((x & kLow7) + kLow7) | x | kLow7);  // exact: 0x80 per zero byte
    while (commas != 0) {
      const char* c = q + std::countr_zero(commas) / 8;
      if (c >= e) break;  // a comma in the padding
      if (n == kMaxFields) return kMaxFields + 1;
      fields[n++] = std::string_view(start, static_cast<std::size_t>(c - start));
      start = c + 1;
      commas &= commas - 1;
    }
  }
  if (n == kMaxFields) return kMaxFields + 1;
  fields[n++] = std::string_view(start, static_cast<std::size_t>(e - start));
  return n;
}

}  // namespace sequent::detail
