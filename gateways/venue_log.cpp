#include "gateways/venue_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/state_hash.hpp"

namespace sequent {

namespace {

constexpr char kMagic[8] = {'S', 'E', 'Q', 'V', 'L', 'O', 'G', '1'};

std::uint64_t checksum(const unsigned char* bytes, std::size_t n) noexcept {
  StateHasher h;
  for (std::size_t i = 0; i < n; ++i) h.add_byte(bytes[i]);
  return h.value();
}

bool write_all(int fd, const void* data, std::size_t n) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<VenueLog>> VenueLog::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Error{ErrorCode::kIo, "venue log " + path + ": " + std::strerror(errno)};
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size == 0 && !write_all(fd, kMagic, sizeof(kMagic))) {
    ::close(fd);
    return Error{ErrorCode::kIo, "venue log " + path + ": cannot write: " + std::strerror(errno)};
  }
  return std::unique_ptr<VenueLog>(new VenueLog(fd));
}

VenueLog::~VenueLog() {
  if (fd_ >= 0) ::close(fd_);
}

void VenueLog::append(Kind kind, const Event& e) noexcept {
  if (failed_) return;
  unsigned char rec[kRecordBytes] = {};
  const auto k = static_cast<std::uint32_t>(kind);
  for (int i = 0; i < 4; ++i) rec[i] = static_cast<unsigned char>(k >> (8 * i));
  std::memcpy(rec + 8, &e, sizeof(Event));
  const std::uint64_t sum = checksum(rec, 136);
  for (int i = 0; i < 8; ++i) rec[136 + i] = static_cast<unsigned char>(sum >> (8 * i));
  if (!write_all(fd_, rec, sizeof(rec))) failed_ = true;
}

Result<VenueLog::Contents> VenueLog::read(const std::string& path) {
  Contents out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return out;
    return Error{ErrorCode::kIo, "venue log " + path + ": " + std::strerror(errno)};
  }
  std::string data;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (data.empty()) return out;
  if (data.size() < sizeof(kMagic) || std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0)
    return Error{ErrorCode::kCorrupt, "venue log " + path + ": not a venue log (bad magic)"};
  std::size_t pos = sizeof(kMagic);
  std::size_t index = 0;
  while (data.size() - pos >= kRecordBytes) {
    const auto* rec = reinterpret_cast<const unsigned char*>(data.data() + pos);
    std::uint64_t stored = 0;
    for (int i = 0; i < 8; ++i) stored |= static_cast<std::uint64_t>(rec[136 + i]) << (8 * i);
    if (stored != checksum(rec, 136))
      return Error{ErrorCode::kCorrupt, "venue log " + path + ": record " + std::to_string(index) + ": checksum mismatch"};
    std::uint32_t kind = 0;
    for (int i = 0; i < 4; ++i) kind |= static_cast<std::uint32_t>(rec[i]) << (8 * i);
    Event e;
    std::memcpy(&e, rec + 8, sizeof(Event));
    if (kind == static_cast<std::uint32_t>(Kind::kOrder)) out.orders.push_back(e);
    else if (kind == static_cast<std::uint32_t>(Kind::kReport)) out.reports.push_back(e);
    else return Error{ErrorCode::kCorrupt, "venue log " + path + ": record " + std::to_string(index) + ": unknown kind"};
    pos += kRecordBytes;
    ++index;
  }
  out.torn_tail_bytes = data.size() - pos;
  return out;
}

}  // namespace sequent
