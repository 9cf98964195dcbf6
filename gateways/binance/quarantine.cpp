#include "gateways/binance/quarantine.hpp"

namespace sequent::binance {

Quarantine::Quarantine(std::size_t capacity, std::size_t max_bytes)
    : ring_(capacity == 0 ? 1 : capacity), max_bytes_(max_bytes) {}

void Quarantine::add(std::string_view raw, const ParseError& error, TimeNs recv_ns) {
  add(raw, error.message(), recv_ns);
}

void Quarantine::add(std::string_view raw, std::string error, TimeNs recv_ns) {
  Entry& e = ring_[next_];
  e.recv_ns = recv_ns;
  e.error = std::move(error);
  e.bytes.assign(raw.substr(0, max_bytes_));
  e.original_size = raw.size();
  next_ = (next_ + 1) % ring_.size();
  if (size_ < ring_.size()) ++size_;
  ++total_;
}

std::vector<Quarantine::Entry> Quarantine::entries() const {
  std::vector<Entry> out;
  out.reserve(size_);
  const std::size_t start = (next_ + ring_.size() - size_) % ring_.size();
  for (std::size_t k = 0; k < size_; ++k) out.push_back(ring_[(start + k) % ring_.size()]);
  return out;
}

}  // namespace sequent::binance
