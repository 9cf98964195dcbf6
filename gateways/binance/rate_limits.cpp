#include "gateways/binance/rate_limits.hpp"

#include <cctype>
#include <limits>

namespace sequent::binance {

namespace {

bool iprefix(std::string_view s, std::string_view prefix) noexcept {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

bool parse_int(std::string_view s, std::int64_t& out) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  if (s.empty() || s.size() > 18) return false;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

// "1M" → (1, minute), "10S" → (10, second).
bool parse_interval(std::string_view s, std::int32_t& num, RateInterval& interval) noexcept {
  if (s.size() < 2) return false;
  switch (std::toupper(static_cast<unsigned char>(s.back()))) {
    case 'S': interval = RateInterval::kSecond; break;
    case 'M': interval = RateInterval::kMinute; break;
    case 'H': interval = RateInterval::kHour; break;
    case 'D': interval = RateInterval::kDay; break;
    default: return false;
  }
  std::int64_t n = 0;
  if (!parse_int(s.substr(0, s.size() - 1), n) || n <= 0 || n > 1'000'000) return false;
  num = static_cast<std::int32_t>(n);
  return true;
}

}  // namespace

RateLimitTracker::Counter* RateLimitTracker::slot(RateLimitType type, RateInterval interval, std::int32_t num) noexcept {
  for (std::size_t i = 0; i < n_; ++i) {
    Counter& c = counters_[i];
    if (c.type == type && c.interval == interval && c.interval_num == num) return &c;
  }
  if (n_ == counters_.size()) return nullptr;  // more distinct counters than Binance has
  Counter& c = counters_[n_++];
  c = Counter{type, interval, num, 0, 0, 0};
  return &c;
}

const RateLimitTracker::Counter* RateLimitTracker::find(RateLimitType type, RateInterval interval,
                                                        std::int32_t num) const noexcept {
  for (std::size_t i = 0; i < n_; ++i) {
    const Counter& c = counters_[i];
    if (c.type == type && c.interval == interval && c.interval_num == num) return &c;
  }
  return nullptr;
}

void RateLimitTracker::set_limits(std::span<const RateLimitRule> rules) noexcept {
  for (const RateLimitRule& r : rules)
    if (Counter* c = slot(r.type, r.interval, r.interval_num)) c->limit = r.limit;
}

bool RateLimitTracker::on_header(std::string_view name, std::string_view value, TimeNs now_ns) noexcept {
  RateLimitType type;
  std::string_view rest;
  if (iprefix(name, "X-MBX-USED-WEIGHT-")) {
    type = RateLimitType::kRequestWeight;
    rest = name.substr(18);
  } else if (iprefix(name, "X-MBX-ORDER-COUNT-")) {
    type = RateLimitType::kOrders;
    rest = name.substr(18);
  } else {
    return false;
  }
  std::int32_t num = 0;
  RateInterval interval = RateInterval::kUnknown;
  std::int64_t used = 0;
  if (!parse_interval(rest, num, interval) || !parse_int(value, used)) return false;
  Counter* c = slot(type, interval, num);
  if (c == nullptr) return false;
  c->used = used;
  c->updated_ns = now_ns;
  return true;
}

void RateLimitTracker::on_usage(std::span<const RateLimitUsage> usage, TimeNs now_ns) noexcept {
  for (const RateLimitUsage& u : usage) {
    Counter* c = slot(u.type, u.interval, u.interval_num);
    if (c == nullptr) continue;
    c->used = u.count;
    if (u.limit != 0) c->limit = u.limit;
    c->updated_ns = now_ns;
  }
}

bool RateLimitTracker::has_headroom(RateLimitType type, std::int64_t cost, double fraction) const noexcept {
  for (std::size_t i = 0; i < n_; ++i) {
    const Counter& c = counters_[i];
    if (c.type != type || c.limit <= 0) continue;
    if (static_cast<double>(c.used + cost) > fraction * static_cast<double>(c.limit)) return false;
  }
  return true;
}

bool ServerTimeEstimator::add_sample(TimeNs local_send_ns, std::int64_t server_time_ms, TimeNs local_recv_ns) noexcept {
  if (local_recv_ns < local_send_ns) return false;
  const TimeNs rtt = local_recv_ns - local_send_ns;
  const TimeNs mid = local_send_ns + rtt / 2;
  samples_[next_] = Sample{server_time_ms * 1'000'000 - mid, rtt};
  next_ = (next_ + 1) % kWindow;
  if (count_ < kWindow) ++count_;
  return true;
}

const ServerTimeEstimator::Sample* ServerTimeEstimator::best() const noexcept {
  const Sample* b = nullptr;
  for (std::size_t i = 0; i < count_; ++i)
    if (b == nullptr || samples_[i].rtt_ns < b->rtt_ns) b = &samples_[i];
  return b;
}

TimeNs ServerTimeEstimator::offset_ns() const noexcept {
  const Sample* b = best();
  return b == nullptr ? 0 : b->offset_ns;
}

TimeNs ServerTimeEstimator::uncertainty_ns() const noexcept {
  const Sample* b = best();
  return b == nullptr ? std::numeric_limits<TimeNs>::max() : b->rtt_ns / 2 + 1'000'000;
}

std::int64_t ServerTimeEstimator::server_ms(TimeNs local_ns) const noexcept {
  const TimeNs t = local_ns + offset_ns();
  return t >= 0 ? t / 1'000'000 : -((-t + 999'999) / 1'000'000);
}

}  // namespace sequent::binance
