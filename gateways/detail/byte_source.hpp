// ByteSource: the decompressed bytes of a market-data file, read in caller-sized chunks.
//
// Cold path (file I/O). One ByteSource belongs to one reader and is called from one thread;
// compressed sources inflate ahead on a thread of their own (a fixed ring of 4 × 256 KiB chunks),
// so decompression overlaps with the caller's work. The compression is detected from the file's first bytes, not its name: gzip
// (1f 8b, read with zlib, multi-member files included), zip (PK\3\4, read with minizip: the first
// file entry, as in Binance's public-data archives) or plain. Memory is fixed at open: zlib's and
// minizip's own buffers plus nothing per byte read, so any file length streams in constant memory.
//
//   auto src = detail::ByteSource::open("BTCUSDT-1m-2025-01.zip");
//   char buf[65536];
//   for (;;) { auto n = (*src)->read(buf, sizeof buf); if (!n || *n == 0) break; ... }
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/result.hpp"

namespace sequent::detail {

enum class Compression : std::uint8_t { kNone = 0, kGzip = 1, kZip = 2 };

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  ByteSource() = default;
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  // Opens `path` and detects its compression. Errors: kIo (cannot open or read the file),
  // kCorrupt (a zip without a file entry).
  static Result<std::unique_ptr<ByteSource>> open(const std::string& path);

  // Reads up to `capacity` decompressed bytes into `out`; 0 means the end of the data. Errors:
  // kIo (read failure), kCorrupt (damaged gzip stream, zip CRC mismatch). Never allocates.
  virtual Result<std::size_t> read(char* out, std::size_t capacity) = 0;

  virtual Compression compression() const noexcept = 0;
};

}  // namespace sequent::detail
