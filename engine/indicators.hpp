// Streaming indicators: O(1) per update, no allocation, TA-Lib's default definitions.
//
//   Ema ema(20);            ema.update(x) -> true once ready(); ema.value()
//   Macd macd(12, 26, 9);   macd.update(x) -> true once macd(), signal(), hist() are valid
//
// Computed in double (deterministic on one build; -ffp-contract=off keeps the formula order).
// The EMA update is TA-Lib's `prev = ((x - prev) * k) + prev` with k = 2 / (period + 1), seeded
// with the simple average of the first `period` inputs. MACD follows TA-Lib's own seeding: both
// EMAs produce their first value at input index slow-1; the slow EMA is seeded with the mean of
// inputs [0, slow-1] and the fast EMA with the mean of inputs [slow-fast, slow-1]; the signal
// line is an EMA of the MACD values seeded with the mean of the first `signal` of them. The first
// complete output is at input index slow + signal - 2 (33 for 12/26/9), as in TA-Lib.
#pragma once

#include <cstdint>

#include "engine/state_archive.hpp"

namespace sequent {

class Ema {
 public:
  explicit Ema(int period) noexcept : period_(period < 1 ? 1 : period), k_(2.0 / static_cast<double>(period_ + 1)) {}
  // Returns true when value() is valid after this input.
  bool update(double x) noexcept {
    if (count_ < period_) {
      sum_ += x;
      ++count_;
      if (count_ == period_) value_ = sum_ / static_cast<double>(period_);
      return count_ == period_;
    }
    value_ = ((x - value_) * k_) + value_;
    return true;
  }
  bool ready() const noexcept { return count_ >= period_; }
  double value() const noexcept { return value_; }
  int period() const noexcept { return period_; }
  void archive(StateArchive& a) noexcept {
    a.i32(count_);
    a.f64(sum_);
    a.f64(value_);
  }

 private:
  int period_;
  double k_;
  int count_ = 0;
  double sum_ = 0.0;
  double value_ = 0.0;
};

class Macd {
 public:
  // As TA-Lib, a fast period larger than the slow one is swapped.
  Macd(int fast, int slow, int signal) noexcept;
  bool update(double x) noexcept;
  bool ready() const noexcept { return signal_.ready(); }
  double macd() const noexcept { return macd_; }
  double signal() const noexcept { return signal_.value(); }
  double hist() const noexcept { return macd_ - signal_.value(); }
  // Inputs consumed before the first complete output (TA-Lib's lookback).
  int lookback() const noexcept { return slow_ - 1 + signal_.period() - 1; }
  void archive(StateArchive& a) noexcept;

 private:
  int fast_, slow_;
  double k_fast_, k_slow_;
  std::int64_t count_ = 0;
  double fast_sum_ = 0.0, slow_sum_ = 0.0;
  double fast_ema_ = 0.0, slow_ema_ = 0.0;
  double macd_ = 0.0;
  Ema signal_;
};

}  // namespace sequent
