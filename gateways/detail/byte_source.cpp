// Plain, gzip (zlib) and zip (minizip) byte sources. Cold path; see byte_source.hpp.
#include "gateways/detail/byte_source.hpp"

#include <algorithm>

#include <thread>

#include <mutex>

#include <condition_variable>

#include <unzip.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

namespace sequent::detail {

namespace {

// zlib's internal input buffer. 128 KiB halves the read(2) calls of the 8 KiB default and is
// the size past which larger buffers stop helping inflate on our files.
constexpr unsigned kGzipBufferBytes = 128 * 1024;

Error io_error(const std::string& path, const char* what) {
  return Error{ErrorCode::kIo, path + ": " + what + ": " + std::strerror(errno)};
}

class PlainSource final : public ByteSource {
 public:
  PlainSource(std::FILE* f, std::string path) : file_(f), path_(std::move(path)) {}
  ~PlainSource() override { std::fclose(file_); }
  Result<std::size_t> read(char* out, std::size_t capacity) override {
    const std::size_t n = std::fread(out, 1, capacity, file_);
    if (n == 0 && std::ferror(file_)) return io_error(path_, "read failed");
    return n;
  }
  Compression compression() const noexcept override { return Compression::kNone; }

 private:
  std::FILE* file_;
  std::string path_;
};

class GzipSource final : public ByteSource {
 public:
  GzipSource(gzFile f, std::string path) : file_(f), path_(std::move(path)) {}
  ~GzipSource() override { gzclose(file_); }
  Result<std::size_t> read(char* out, std::size_t capacity) override {
    const unsigned want = capacity > std::numeric_limits<int>::max() ? std::numeric_limits<int>::max()
                                                                      : static_cast<unsigned>(capacity);
    const int n = gzread(file_, out, want);
    if (n > 0) return static_cast<std::size_t>(n);  // a stream error shows on the next call
    int code = Z_OK;
    const char* message = gzerror(file_, &code);
    if (n < 0 || code != Z_OK) {
      if (code == Z_ERRNO) return io_error(path_, "read failed");
      // Z_BUF_ERROR at the end is zlib's "unexpected end of file": a truncated download.
      return Error{ErrorCode::kCorrupt, path_ + ": damaged gzip data (" + message +
                                            "); download the file again or check it with 'gzip -t'"};
    }
    return static_cast<std::size_t>(n);
  }
  Compression compression() const noexcept override { return Compression::kGzip; }

 private:
  gzFile file_;
  std::string path_;
};

class ZipSource final : public ByteSource {
 public:
  ZipSource(unzFile f, std::string path) : file_(f), path_(std::move(path)) {}
  ~ZipSource() override {
    if (entry_open_) unzCloseCurrentFile(file_);
    unzClose(file_);
  }
  Status start() {
    for (int rc = unzGoToFirstFile(file_); rc == UNZ_OK; rc = unzGoToNextFile(file_)) {
      char name[512];
      unz_file_info64 info{};
      if (unzGetCurrentFileInfo64(file_, &info, name, sizeof name, nullptr, 0, nullptr, 0) != UNZ_OK) break;
      const std::size_t len = std::strlen(name);
      if (len > 0 && name[len - 1] == '/') continue;  // a directory entry
      if (unzOpenCurrentFile(file_) != UNZ_OK) {
        return Error{ErrorCode::kCorrupt, path_ + ": cannot open zip entry '" + name + "'"};
      }
      entry_open_ = true;
      return {};
    }
    return Error{ErrorCode::kCorrupt, path_ + ": zip archive holds no file entry"};
  }
  Result<std::size_t> read(char* out, std::size_t capacity) override {
    if (!entry_open_) return std::size_t{0};
    const unsigned want = capacity > std::numeric_limits<int>::max() ? std::numeric_limits<int>::max()
                                                                      : static_cast<unsigned>(capacity);
    const int n = unzReadCurrentFile(file_, out, want);
    if (n < 0) return Error{ErrorCode::kCorrupt, path_ + ": damaged zip data (minizip error " + std::to_string(n) + ")"};
    if (n == 0) {
      entry_open_ = false;
      if (unzCloseCurrentFile(file_) == UNZ_CRCERROR) {
        return Error{ErrorCode::kCorrupt, path_ + ": zip entry fails its CRC check; download the file again"};
      }
    }
    return static_cast<std::size_t>(n);
  }
  Compression compression() const noexcept override { return Compression::kZip; }

 private:
  unzFile file_;
  std::string path_;
  bool entry_open_ = false;
};

}  // namespace

namespace {

// Decompresses ahead on its own thread into a fixed ring of chunks, so inflating (zlib is about
// three quarters of reading a gzip kline file) overlaps with the caller's parsing and backtest.
// Memory is fixed: kChunks × kChunkBytes. The caller's thread and the inflating thread meet only
// under the mutex (a cold path: file I/O, once per 256 KiB).
class PrefetchSource final : public ByteSource {
 public:
  explicit PrefetchSource(std::unique_ptr<ByteSource> inner)
      : inner_(std::move(inner)), compression_(inner_->compression()), worker_([this] { run(); }) {}

  ~PrefetchSource() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    worker_.join();
  }

  Result<std::size_t> read(char* out, std::size_t capacity) override {
    std::size_t written = 0;
    while (written < capacity) {
      if (offset_ == current_.size) {
        if (have_current_) release_current();
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return filled_ > 0 || done_; });
        if (filled_ == 0) {
          if (!error_.message.empty()) return error_;
          return written;
        }
        current_ = chunks_[head_];
        have_current_ = true;
        offset_ = 0;
        if (current_.size == 0) return written;  // cannot happen: empty chunks are not queued
      }
      const std::size_t n = std::min(capacity - written, current_.size - offset_);
      std::memcpy(out + written, current_.data.get() + offset_, n);
      offset_ += n;
      written += n;
      if (written > 0 && offset_ == current_.size) break;  // hand back what we have, as a read() would
    }
    return written;
  }

  Compression compression() const noexcept override { return compression_; }

 private:
  static constexpr std::size_t kChunks = 4;
  static constexpr std::size_t kChunkBytes = 256 * 1024;
  struct Chunk {
    std::shared_ptr<char[]> data;
    std::size_t size = 0;
  };

  void release_current() {
    std::lock_guard<std::mutex> lock(mutex_);
    head_ = (head_ + 1) % kChunks;
    --filled_;
    have_current_ = false;
    current_.size = 0;
    offset_ = 0;
    changed_.notify_all();
  }

  void run() {
    for (std::size_t i = 0; i < kChunks; ++i) chunks_[i].data = std::shared_ptr<char[]>(new char[kChunkBytes]);
    std::size_t tail = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return filled_ < kChunks || stop_; });
        if (stop_) return;
      }
      // The slot at tail is free (filled_ < kChunks), and only this thread writes free slots.
      auto n = inner_->read(chunks_[tail].data.get(), kChunkBytes);
      std::lock_guard<std::mutex> lock(mutex_);
      if (!n) {
        error_ = n.error();
        done_ = true;
        changed_.notify_all();
        return;
      }
      if (*n == 0) {
        done_ = true;
        changed_.notify_all();
        return;
      }
      chunks_[tail].size = *n;
      tail = (tail + 1) % kChunks;
      ++filled_;
      changed_.notify_all();
    }
  }

  std::unique_ptr<ByteSource> inner_;
  Compression compression_;
  std::mutex mutex_;
  std::condition_variable changed_;
  Chunk chunks_[kChunks];
  std::size_t head_ = 0, filled_ = 0;  // under mutex_
  bool done_ = false, stop_ = false;   // under mutex_
  Error error_;                        // under mutex_, before done_
  Chunk current_;                      // caller's thread: the chunk being copied out
  bool have_current_ = false;
  std::size_t offset_ = 0;
  std::thread worker_;                 // last: starts after every member above exists
};

}  // namespace

Result<std::unique_ptr<ByteSource>> ByteSource::open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return io_error(path, "cannot open");
  unsigned char magic[4] = {};
  const std::size_t got = std::fread(magic, 1, sizeof magic, f);
  if (got < sizeof magic && std::ferror(f)) {
    std::fclose(f);
    return io_error(path, "read failed");
  }
  if (got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    std::fclose(f);
    gzFile gz = gzopen(path.c_str(), "rb");
    if (gz == nullptr) return io_error(path, "cannot open");
    gzbuffer(gz, kGzipBufferBytes);
    return std::unique_ptr<ByteSource>(new PrefetchSource(std::unique_ptr<ByteSource>(new GzipSource(gz, path))));
  }
  if (got == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4) {
    std::fclose(f);
    unzFile zip = unzOpen64(path.c_str());
    if (zip == nullptr) return Error{ErrorCode::kCorrupt, path + ": not a readable zip archive"};
    auto source = std::make_unique<ZipSource>(zip, path);
    if (Status s = source->start(); !s) return s.error();
    return std::unique_ptr<ByteSource>(new PrefetchSource(std::move(source)));
  }
  std::rewind(f);
  return std::unique_ptr<ByteSource>(new PlainSource(f, path));
}

}  // namespace sequent::detail
