// LineReader's refill path: compacts the buffer and reads the next chunk. See line_reader.hpp.
#include "gateways/detail/line_reader.hpp"

#include <string>

namespace sequent::detail {

LineReader::LineReader(std::unique_ptr<ByteSource> source, std::size_t buffer_bytes)
    // Zeroed, with kFieldPadding bytes of slack after the usable capacity.
    : source_(std::move(source)), buffer_(new char[buffer_bytes + kFieldPadding]()), capacity_(buffer_bytes) {}

Result<bool> LineReader::next_slow(std::string_view& line) {
  for (;;) {
    const char* nl = static_cast<const char*>(std::memchr(buffer_.get() + begin_, '\n', end_ - begin_));
    if (nl != nullptr) {
      const std::size_t at = static_cast<std::size_t>(nl - buffer_.get());
      emit(at, at + 1, line);
      return true;
    }
    if (eof_) {
      if (begin_ == end_) return false;
      emit(end_, end_, line);  // a last line without '\n'
      return true;
    }
    // Keep the partial line, move it to the front, read behind it.
    const std::size_t partial = end_ - begin_;
    if (partial == capacity_) {
      return Error{ErrorCode::kParse, "line " + std::to_string(line_number_ + 1) + " is longer than " +
                                          std::to_string(capacity_) + " bytes; is this a CSV file?"};
    }
    if (begin_ > 0) {
      std::memmove(buffer_.get(), buffer_.get() + begin_, partial);
      begin_ = 0;
      end_ = partial;
    }
    Result<std::size_t> n = source_->read(buffer_.get() + end_, capacity_ - end_);
    if (!n) return n.error();
    if (*n == 0) eof_ = true;
    end_ += *n;
    bytes_ += *n;
  }
}

}  // namespace sequent::detail
