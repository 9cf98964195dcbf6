// LatencyHistogram: log-linear histogram of nanosecond latencies (HdrHistogram-like).
//
// Buckets: values below 16 ns are exact; above, each power of two is split into 16 linear
// sub-buckets, so a reported percentile is within 1/16 (6.25 %) above the true value. Range up
// to 2^40 ns (about 18 minutes); larger values land in the last bucket. Fixed storage, no
// allocation.
//
// Threading: one writer thread calls record(); any thread may call snapshot(). Counters are
// atomics written by the single owner with relaxed load+store (no read-modify-write needed with
// one writer); a snapshot may be torn across buckets by at most the records in flight.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace sequent {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 4;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kMaxExp = 40;
  static constexpr std::size_t kBuckets = static_cast<std::size_t>((kMaxExp - kSubBits + 2) * kSub);

  static constexpr std::size_t bucket_of(std::uint64_t v) noexcept {
    if (v < static_cast<std::uint64_t>(kSub)) return static_cast<std::size_t>(v);
    const int msb = 63 - std::countl_zero(v);  // >= kSubBits
    if (msb > kMaxExp) return kBuckets - 1;
    const std::uint64_t sub = (v >> (msb - kSubBits)) & static_cast<std::uint64_t>(kSub - 1);
    return static_cast<std::size_t>((msb - kSubBits + 1) * kSub) + static_cast<std::size_t>(sub);
  }
  // Largest value that maps to bucket b.
  static constexpr std::uint64_t upper_bound_of(std::size_t b) noexcept {
    if (b < static_cast<std::size_t>(kSub)) return b;
    const int group = static_cast<int>(b / kSub);  // >= 1
    const std::uint64_t sub = b % kSub;
    const int msb = group + kSubBits - 1;
    const std::uint64_t base = (std::uint64_t{1} << msb) | (sub << (msb - kSubBits));
    return base + (std::uint64_t{1} << (msb - kSubBits)) - 1;
  }

  // Owner thread only. Negative values (clock steps) count as 0.
  void record(std::int64_t ns) noexcept {
    const std::uint64_t v = ns < 0 ? 0 : static_cast<std::uint64_t>(ns);
    auto& c = counts_[bucket_of(v)];
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    total_.store(total_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (v > max_.load(std::memory_order_relaxed)) max_.store(v, std::memory_order_relaxed);
  }

  struct Snapshot {
    std::array<std::uint64_t, kBuckets> counts{};
    std::uint64_t total = 0;
    std::uint64_t max = 0;

    // Value at quantile q in [0, 1] (upper edge of its bucket, capped at max); 0 when empty.
    std::uint64_t percentile(double q) const noexcept {
      std::uint64_t sum = 0;
      for (std::uint64_t c : counts) sum += c;
      if (sum == 0) return 0;
      double target_d = q * static_cast<double>(sum);
      std::uint64_t target = static_cast<std::uint64_t>(target_d);
      if (static_cast<double>(target) < target_d || target == 0) ++target;
      std::uint64_t seen = 0;
      for (std::size_t b = 0; b < kBuckets; ++b) {
        seen += counts[b];
        if (seen >= target) {
          const std::uint64_t ub = upper_bound_of(b);
          return ub < max ? ub : max;
        }
      }
      return max;
    }
  };

  // Any thread.
  Snapshot snapshot() const noexcept {
    Snapshot s;
    for (std::size_t b = 0; b < kBuckets; ++b) s.counts[b] = counts_[b].load(std::memory_order_relaxed);
    s.total = total_.load(std::memory_order_relaxed);
    s.max = max_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  std::array<std::atomic<std::uint64_t>, kBuckets> counts_{};
  std::atomic<std::uint64_t> total_{0};
  std::atomic<std::uint64_t> max_{0};
};

}  // namespace sequent
