// Backoff: reconnect delays that double from min to max with "equal jitter" (half fixed, half
// uniformly random) drawn from a seeded RNG, so a fleet of gateways does not reconnect in
// lock-step while tests stay reproducible.
//
//   Backoff b({.min_ms = 100, .max_ms = 30'000, .seed = 7});
//   on failure:  timer.expires_after(ms(b.next_ms()));
//   on success:  b.reset();
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>

namespace sequent::binance_net {

struct BackoffParams {
  std::int64_t min_ms = 100;
  std::int64_t max_ms = 30'000;
  std::uint64_t seed = 1;
};

class Backoff {
 public:
  explicit Backoff(BackoffParams p = {}) noexcept : p_(p), rng_(p.seed) {}

  // The next delay: base = min(max, min × 2^attempt), delay in [base/2, base]. Never allocates.
  std::int64_t next_ms() noexcept {
    const std::int64_t lo = std::max<std::int64_t>(1, p_.min_ms);
    std::int64_t base = lo;
    for (std::uint32_t i = 0; i < attempt_ && base < p_.max_ms; ++i) base *= 2;
    base = std::min(base, std::max(lo, p_.max_ms));
    ++attempt_;
    const std::int64_t half = base / 2;
    std::uniform_int_distribution<std::int64_t> jitter(0, base - half);
    return half + jitter(rng_);
  }
  void reset() noexcept { attempt_ = 0; }
  std::uint32_t attempts() const noexcept { return attempt_; }

 private:
  BackoffParams p_;
  std::mt19937_64 rng_;
  std::uint32_t attempt_ = 0;
};

}  // namespace sequent::binance_net
