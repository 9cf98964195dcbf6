// Streaming indicators: O(1) per update, no allocation after construction, TA-Lib's default
// definitions, seeding and lookbacks.
//
//   Ema ema(20);            ema.update(x) -> true once ready(); ema.value()
//   Macd macd(12, 26, 9);   macd.update(x) -> true once macd(), signal(), hist() are valid
//   Atr atr(14);            atr.update(high, low, close) -> true from input index lookback() on
//
// Threading: an indicator belongs to one thread (the strategy stage's or a tool's); hot path
// once constructed. Indicators with a window (Sma, Kama, Bbands, Roc) allocate it in
// the constructor, so they are move-only; update() never allocates.
//
// Computed in double (deterministic on one build; -ffp-contract=off keeps the formula order).
// Every update follows TA-Lib's C source operation by operation (ta_SMA.c, ta_EMA.c, ta_MACD.c,
// ta_RSI.c, ta_KAMA.c, ta_ATR.c, ta_BBANDS.c with ta_utility's stddev, ta_ROC.c), so a series
// fed one value at a time gives TA-Lib's batch output bit for bit, including its thresholds:
// TA_IS_ZERO (|v| < 1e-8) in RSI and KAMA, and a variance below 1e-8 giving a zero deviation in
// BBANDS. lookback() is TA-Lib's: the number of inputs before the first valid output, so
// update() first returns true at input index lookback().
//
// The EMA update is TA-Lib's `prev = ((x - prev) * k) + prev` with k = 2 / (period + 1), seeded
// with the simple average of the first `period` inputs. MACD follows TA-Lib's own seeding: both
// EMAs produce their first value at input index slow-1; the slow EMA is seeded with the mean of
// inputs [0, slow-1] and the fast EMA with the mean of inputs [slow-fast, slow-1]; the signal
// line is an EMA of the MACD values seeded with the mean of the first `signal` of them. The first
// complete output is at input index slow + signal - 2 (33 for 12/26/9), as in TA-Lib.
#pragma once

#include <cstdint>
#include <memory>

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
  int lookback() const noexcept { return period_ - 1; }
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

// The last `capacity` inputs, allocated once. Index i is input number i (0-based, counted by
// the owner); slot i % capacity.
class IndicatorWindow {
 public:
  explicit IndicatorWindow(int capacity);
  double& at(std::int64_t i) noexcept {
    // A 32-bit modulo costs a fraction of a 64-bit one (this runs per input on the backtest
    // path); indices past 2^32 inputs fall back to 64 bits.
    if (static_cast<std::uint64_t>(i) <= 0xFFFFFFFFu)
      return data_[static_cast<std::uint32_t>(i) % static_cast<std::uint32_t>(capacity_)];
    return data_[static_cast<std::size_t>(i % capacity_)];
  }
  void archive(StateArchive& a) noexcept;

 private:
  std::unique_ptr<double[]> data_;
  std::int64_t capacity_;
};

// Simple moving average (TA_SMA): a running sum, the mean of the last `period` inputs.
// lookback = period - 1.
class Sma {
 public:
  explicit Sma(int period);
  bool update(double x) noexcept;
  bool ready() const noexcept { return count_ >= period_; }
  double value() const noexcept { return value_; }
  int period() const noexcept { return period_; }
  int lookback() const noexcept { return period_ - 1; }
  void archive(StateArchive& a) noexcept;

 private:
  int period_;
  std::int64_t count_ = 0;
  double sum_ = 0.0;
  double value_ = 0.0;
  IndicatorWindow window_;
};

// Relative strength index (TA_RSI, Wilder, TA-Lib's default non-Metastock seeding): average
// gain and loss seeded with the simple mean of the first `period` changes, then Wilder-smoothed;
// RSI = 100 * gain / (gain + loss), 0 when gain + loss is TA_IS_ZERO. lookback = period (>= 2).
class Rsi {
 public:
  explicit Rsi(int period) noexcept : period_(period < 2 ? 2 : period) {}
  bool update(double x) noexcept;
  bool ready() const noexcept { return count_ > period_; }
  double value() const noexcept { return value_; }
  int lookback() const noexcept { return period_; }
  void archive(StateArchive& a) noexcept;

 private:
  int period_;
  std::int64_t count_ = 0;
  double previous_ = 0.0;
  double gain_ = 0.0, loss_ = 0.0;
  double value_ = 0.0;
};

// Kaufman adaptive moving average (TA_KAMA): efficiency ratio over `period` changes, smoothing
// constant (ER * (2/(fast+1) - 2/(slow+1)) + 2/(slow+1))^2; seeded with the input before its
// first output. TA-Lib fixes fast = 2 and slow = 30. lookback = period (>= 2).
class Kama {
 public:
  explicit Kama(int period, int fast = 2, int slow = 30);
  bool update(double x) noexcept;
  bool ready() const noexcept { return count_ > period_; }
  double value() const noexcept { return value_; }
  int lookback() const noexcept { return period_; }
  void archive(StateArchive& a) noexcept;

 private:
  int period_;
  double const_max_, const_diff_;
  std::int64_t count_ = 0;
  double sum_roc1_ = 0.0;
  double trailing_value_ = 0.0;
  double value_ = 0.0;
  IndicatorWindow window_;  // inputs [i - period, i]
};

// Average true range (TA_ATR, Wilder): TR from input 1 on (the greatest of high - low and the
// distances of high and low from the previous close); the first ATR is the mean of the first
// `period` TRs, then atr = (atr * (period - 1) + tr) / period. lookback = period (period 1 gives
// the true range itself).
class Atr {
 public:
  explicit Atr(int period) noexcept : period_(period < 1 ? 1 : period) {}
  bool update(double high, double low, double close) noexcept;
  bool ready() const noexcept { return count_ > period_; }
  double value() const noexcept { return value_; }
  int lookback() const noexcept { return period_; }
  void archive(StateArchive& a) noexcept;

 private:
  int period_;
  std::int64_t count_ = 0;
  double previous_close_ = 0.0;
  double value_ = 0.0;
};

// Bollinger bands (TA_BBANDS with TA-Lib's default SMA): middle = SMA(period), deviation =
// population standard deviation from the running sum of squares (0 when the variance is below
// 1e-8, as TA-Lib), upper = middle + deviation * deviations_up, lower = middle - deviation *
// deviations_down. lookback = period - 1 (period >= 2).
class Bbands {
 public:
  Bbands(int period, double deviations_up, double deviations_down);
  bool update(double x) noexcept;
  bool ready() const noexcept { return middle_.ready(); }
  double upper() const noexcept { return upper_; }
  double middle() const noexcept { return middle_.value(); }
  double lower() const noexcept { return lower_; }
  int lookback() const noexcept { return middle_.lookback(); }
  void archive(StateArchive& a) noexcept;

 private:
  int period_;
  double deviations_up_, deviations_down_;
  Sma middle_;
  std::int64_t count_ = 0;
  double sum_squares_ = 0.0;
  double upper_ = 0.0, lower_ = 0.0;
  IndicatorWindow window_;
};

// Rate of change (TA_ROC): ((x / x[i - period]) - 1) * 100, 0 when x[i - period] is 0.
// lookback = period.
class Roc {
 public:
  explicit Roc(int period);
  bool update(double x) noexcept;
  bool ready() const noexcept { return count_ > period_; }
  double value() const noexcept { return value_; }
  int lookback() const noexcept { return period_; }
  void archive(StateArchive& a) noexcept;

 private:
  int period_;
  std::int64_t count_ = 0;
  double value_ = 0.0;
  IndicatorWindow window_;  // the last `period` inputs
};

}  // namespace sequent
