// Rate-limit bookkeeping and the server-clock offset: pure logic, no I/O, no clock reads (the
// caller passes times), so both are unit-tested deterministically.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "engine/types.hpp"
#include "gateways/binance/parser.hpp"

namespace sequent::binance {

// What Binance says we have used, from REST response headers (X-MBX-USED-WEIGHT-1M,
// X-MBX-ORDER-COUNT-10S, X-MBX-ORDER-COUNT-1D; names are case-insensitive) or from a WS-API
// response's rateLimits array, against the limits from exchangeInfo.
class RateLimitTracker {
 public:
  struct Counter {
    RateLimitType type = RateLimitType::kUnknown;
    RateInterval interval = RateInterval::kUnknown;
    std::int32_t interval_num = 0;
    std::int64_t limit = 0;  // 0 = unknown
    std::int64_t used = 0;
    TimeNs updated_ns = 0;
  };

  // Sets the limits (exchangeInfo rateLimits). Counters not listed keep limit 0 (unknown).
  void set_limits(std::span<const RateLimitRule> rules) noexcept;
  // One response header. Returns true if it was a rate-limit header we track.
  bool on_header(std::string_view name, std::string_view value, TimeNs now_ns) noexcept;
  // A WS-API response's rateLimits (counts and limits both).
  void on_usage(std::span<const RateLimitUsage> usage, TimeNs now_ns) noexcept;

  // The counter for e.g. (kRequestWeight, kMinute, 1); nullptr if never seen or set.
  const Counter* find(RateLimitType type, RateInterval interval, std::int32_t num) const noexcept;
  // Request weight used in the current minute (X-MBX-USED-WEIGHT-1M), and orders in 10 s / 1 day.
  std::int64_t used_weight_1m() const noexcept { return used(RateLimitType::kRequestWeight, RateInterval::kMinute, 1); }
  std::int64_t orders_10s() const noexcept { return used(RateLimitType::kOrders, RateInterval::kSecond, 10); }
  std::int64_t orders_1d() const noexcept { return used(RateLimitType::kOrders, RateInterval::kDay, 1); }
  // false if adding `cost` to any counter of `type` with a known limit would exceed
  // `fraction` (e.g. 0.9) of that limit.
  bool has_headroom(RateLimitType type, std::int64_t cost, double fraction = 1.0) const noexcept;

 private:
  std::int64_t used(RateLimitType t, RateInterval i, std::int32_t n) const noexcept {
    const Counter* c = find(t, i, n);
    return c == nullptr ? 0 : c->used;
  }
  Counter* slot(RateLimitType type, RateInterval interval, std::int32_t num) noexcept;

  std::array<Counter, 8> counters_{};
  std::size_t n_ = 0;
};

// Estimates (server clock − local clock) from request round trips: for a request sent at local
// t0, answered with serverTime S (ms) and received at local t1, the offset is S − (t0+t1)/2 ± RTT/2.
// Keeps the last N samples and reports the one with the smallest RTT (the tightest bound).
class ServerTimeEstimator {
 public:
  static constexpr std::size_t kWindow = 16;

  // Returns false (sample ignored) when t1 < t0.
  bool add_sample(TimeNs local_send_ns, std::int64_t server_time_ms, TimeNs local_recv_ns) noexcept;
  bool has_estimate() const noexcept { return count_ != 0; }
  // server − local, in ns (0 without samples).
  TimeNs offset_ns() const noexcept;
  // The uncertainty of offset_ns(): half the best sample's RTT plus the 1 ms serverTime resolution.
  TimeNs uncertainty_ns() const noexcept;
  // Server time in ms for a local time (Binance's `timestamp` parameter).
  std::int64_t server_ms(TimeNs local_ns) const noexcept;

 private:
  struct Sample {
    TimeNs offset_ns;
    TimeNs rtt_ns;
  };
  const Sample* best() const noexcept;
  std::array<Sample, kWindow> samples_{};
  std::size_t count_ = 0;
  std::size_t next_ = 0;
};

}  // namespace sequent::binance
