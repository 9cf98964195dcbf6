// SimRandom: the simulator's own seeded PRNG and samplers (xoshiro256** seeded by splitmix64,
// Box-Muller normals, inverse-CDF exponentials).
//
// Why not <random>: std:: distributions are implementation-defined, so the same seed would give
// different streams on different standard libraries; these functions are fully specified here
// and give bit-identical results on every run of the same build (-ffp-contract=off; std::log,
// std::sqrt, std::cos and std::sin come from the one libm the build links).
//
// Threading: one object per owning thread (the simulated market's), not shared.
// Hot path: header-only and inline, no allocation, no exceptions.
#pragma once

#include <cmath>
#include <cstdint>

#include "engine/state_hash.hpp"

namespace sequent::detail {

// 128-bit product for below() (GCC/Clang extension; __extension__ keeps -Wpedantic quiet).
__extension__ typedef unsigned __int128 SimUInt128;

// splitmix64 (Steele, Lea, Flood): expands one u64 seed into well-mixed state words.
[[nodiscard]] constexpr std::uint64_t splitmix64_next(std::uint64_t& state) noexcept {
  state += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class SimRandom {
 public:
  static constexpr double kTwoPi = 6.283185307179586476925286766559;

  explicit constexpr SimRandom(std::uint64_t seed) noexcept {
    std::uint64_t sm = seed;
    for (std::uint64_t& word : s_)
      word = splitmix64_next(sm);
  }

  // Sets the raw xoshiro state (known-answer tests only; the state must not be all zero).
  constexpr void set_state(std::uint64_t a, std::uint64_t b, std::uint64_t c,
                           std::uint64_t d) noexcept {
    s_[0] = a;
    s_[1] = b;
    s_[2] = c;
    s_[3] = d;
    has_spare_normal_ = false;
    spare_normal_ = 0.0;
  }

  // xoshiro256** (Blackman, Vigna), the reference algorithm.
  [[nodiscard]] constexpr std::uint64_t next_u64() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1), 53 random bits.
  [[nodiscard]] double uniform() noexcept {
    return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
  }
  // Uniform in (0, 1]: safe to take the logarithm of.
  [[nodiscard]] double uniform_open_zero() noexcept {
    return static_cast<double>((next_u64() >> 11) + 1) * 0x1.0p-53;
  }
  // Uniform integer in [0, n) for n > 0 (Lemire's multiply-high; bias < n / 2^64, negligible).
  [[nodiscard]] std::uint64_t below(std::uint64_t n) noexcept {
    return static_cast<std::uint64_t>((static_cast<SimUInt128>(next_u64()) * n) >> 64);
  }
  // True with probability p.
  [[nodiscard]] bool bernoulli(double p) noexcept { return uniform() < p; }
  // Exponential with mean 1 (inverse CDF).
  [[nodiscard]] double exponential() noexcept { return -std::log(uniform_open_zero()); }
  // Standard normal (Box-Muller; the second value of each pair is kept for the next call).
  [[nodiscard]] double normal() noexcept {
    if (has_spare_normal_) {
      has_spare_normal_ = false;
      return spare_normal_;
    }
    const double radius = std::sqrt(-2.0 * std::log(uniform_open_zero()));
    const double angle = kTwoPi * uniform();
    spare_normal_ = radius * std::sin(angle);
    has_spare_normal_ = true;
    return radius * std::cos(angle);
  }

  // Feeds the whole generator state (four words, the spare normal) into a state hash.
  void hash_state(StateHasher& hasher) const noexcept {
    for (std::uint64_t word : s_)
      hasher.add_u64(word);
    hasher.add_bool(has_spare_normal_);
    hasher.add_double(spare_normal_);
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }

  std::uint64_t s_[4] = {};
  double spare_normal_ = 0.0;
  bool has_spare_normal_ = false;
};

}  // namespace sequent::detail
