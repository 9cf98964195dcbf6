// Streaming indicators, step by step as TA-Lib's C functions (see indicators.hpp).
#include "engine/indicators.hpp"

#include <cmath>

namespace sequent {

namespace {
int clamp_period(int p) noexcept { return p < 1 ? 1 : p; }

// TA-Lib's TA_IS_ZERO and TA_IS_ZERO_OR_NEG (ta_utility.h).
bool ta_is_zero(double v) noexcept { return -0.00000001 < v && v < 0.00000001; }
bool ta_is_zero_or_neg(double v) noexcept { return v < 0.00000001; }
}  // namespace

Macd::Macd(int fast, int slow, int signal) noexcept
    : fast_(clamp_period(fast < slow ? fast : slow)),
      slow_(clamp_period(fast < slow ? slow : fast)),
      k_fast_(2.0 / static_cast<double>(fast_ + 1)),
      k_slow_(2.0 / static_cast<double>(slow_ + 1)),
      signal_(signal) {}

bool Macd::update(double x) noexcept {
  const std::int64_t index = count_++;
  if (index < slow_) {
    slow_sum_ += x;
    if (index >= slow_ - fast_) fast_sum_ += x;
    if (index < slow_ - 1) return false;
    slow_ema_ = slow_sum_ / static_cast<double>(slow_);
    fast_ema_ = fast_sum_ / static_cast<double>(fast_);
  } else {
    slow_ema_ = ((x - slow_ema_) * k_slow_) + slow_ema_;
    fast_ema_ = ((x - fast_ema_) * k_fast_) + fast_ema_;
  }
  macd_ = fast_ema_ - slow_ema_;
  return signal_.update(macd_);
}

void Macd::archive(StateArchive& a) noexcept {
  a.i64(count_);
  a.f64(fast_sum_);
  a.f64(slow_sum_);
  a.f64(fast_ema_);
  a.f64(slow_ema_);
  a.f64(macd_);
  signal_.archive(a);
}

IndicatorWindow::IndicatorWindow(int capacity)
    : data_(new double[static_cast<std::size_t>(clamp_period(capacity))]()), capacity_(clamp_period(capacity)) {}

void IndicatorWindow::archive(StateArchive& a) noexcept {
  for (std::int64_t i = 0; i < capacity_; ++i) a.f64(data_[static_cast<std::size_t>(i)]);
}

Sma::Sma(int period) : period_(clamp_period(period)), window_(period_) {}

// TA_INT_SMA: the running total gains the new input, the output is total / period, then the
// input leaving the window is taken out.
bool Sma::update(double x) noexcept {
  const std::int64_t i = count_++;
  window_.at(i) = x;
  sum_ += x;
  if (i < period_ - 1) return false;
  value_ = sum_ / period_;
  sum_ -= window_.at(i + 1);  // input i - period + 1
  return true;
}

void Sma::archive(StateArchive& a) noexcept {
  a.i64(count_);
  a.f64(sum_);
  a.f64(value_);
  window_.archive(a);
}

bool Rsi::update(double x) noexcept {
  const std::int64_t i = count_++;
  if (i == 0) {
    previous_ = x;
    return false;
  }
  const double change = x - previous_;
  previous_ = x;
  if (i > period_) {
    loss_ *= (period_ - 1);
    gain_ *= (period_ - 1);
  }
  if (change < 0) {
    loss_ -= change;
  } else {
    gain_ += change;
  }
  if (i < period_) return false;
  loss_ /= period_;
  gain_ /= period_;
  const double total = gain_ + loss_;
  value_ = !ta_is_zero(total) ? 100.0 * (gain_ / total) : 0.0;
  return true;
}

void Rsi::archive(StateArchive& a) noexcept {
  a.i64(count_);
  a.f64(previous_);
  a.f64(gain_);
  a.f64(loss_);
  a.f64(value_);
}

Kama::Kama(int period, int fast, int slow)
    : period_(period < 2 ? 2 : period),
      const_max_(2.0 / (clamp_period(slow) + 1.0)),
      const_diff_(2.0 / (clamp_period(fast) + 1.0) - const_max_),
      window_(period_ + 1) {}

bool Kama::update(double x) noexcept {
  const std::int64_t i = count_++;
  window_.at(i) = x;
  if (i == 0) return false;
  if (i < period_) {
    sum_roc1_ += std::fabs(window_.at(i - 1) - x);
    return false;
  }
  const double oldest = window_.at(i - period_);  // input i - period
  if (i == period_) {
    sum_roc1_ += std::fabs(window_.at(i - 1) - x);
    value_ = window_.at(i - 1);  // the input before the first output seeds KAMA
  } else {
    sum_roc1_ -= std::fabs(trailing_value_ - oldest);
    sum_roc1_ += std::fabs(x - window_.at(i - 1));
  }
  trailing_value_ = oldest;
  const double period_roc = x - oldest;
  double ratio = 1.0;
  if (!(sum_roc1_ <= period_roc || ta_is_zero(sum_roc1_))) ratio = std::fabs(period_roc / sum_roc1_);
  double smoothing = (ratio * const_diff_) + const_max_;
  smoothing *= smoothing;
  value_ = ((x - value_) * smoothing) + value_;
  return true;
}

void Kama::archive(StateArchive& a) noexcept {
  a.i64(count_);
  a.f64(sum_roc1_);
  a.f64(trailing_value_);
  a.f64(value_);
  window_.archive(a);
}

bool Atr::update(double high, double low, double close) noexcept {
  const std::int64_t i = count_++;
  const double previous_close = previous_close_;
  previous_close_ = close;
  if (i == 0) return false;
  // TA_TRANGE
  double true_range = high - low;
  const double to_high = std::fabs(previous_close - high);
  if (to_high > true_range) true_range = to_high;
  const double to_low = std::fabs(previous_close - low);
  if (to_low > true_range) true_range = to_low;
  if (i < period_) {
    value_ += true_range;  // the running total of TA_INT_SMA until the first output
    return false;
  }
  if (i == period_) {
    value_ = (value_ + true_range) / period_;
    return true;
  }
  value_ *= period_ - 1;
  value_ += true_range;
  value_ /= period_;
  return true;
}

void Atr::archive(StateArchive& a) noexcept {
  a.i64(count_);
  a.f64(previous_close_);
  a.f64(value_);
}

Bbands::Bbands(int period, double deviations_up, double deviations_down)
    : period_(period < 2 ? 2 : period),
      deviations_up_(deviations_up),
      deviations_down_(deviations_down),
      middle_(period_),
      window_(period_) {}

// TA_INT_stddev_using_precalc_ma: the same running-total pattern as the SMA, on squares.
bool Bbands::update(double x) noexcept {
  const std::int64_t i = count_++;
  window_.at(i) = x;
  double square = x;
  square *= square;
  sum_squares_ += square;
  if (!middle_.update(x)) return false;
  double variance = sum_squares_ / period_;
  double leaving = window_.at(i + 1);  // input i - period + 1
  leaving *= leaving;
  sum_squares_ -= leaving;
  double mean = middle_.value();
  mean *= mean;
  variance -= mean;
  const double deviation = !ta_is_zero_or_neg(variance) ? std::sqrt(variance) : 0.0;
  upper_ = middle_.value() + (deviation * deviations_up_);
  lower_ = middle_.value() - (deviation * deviations_down_);
  return true;
}

void Bbands::archive(StateArchive& a) noexcept {
  a.i64(count_);
  a.f64(sum_squares_);
  a.f64(upper_);
  a.f64(lower_);
  middle_.archive(a);
  window_.archive(a);
}

Roc::Roc(int period) : period_(clamp_period(period)), window_(period_) {}

bool Roc::update(double x) noexcept {
  const std::int64_t i = count_++;
  double& slot = window_.at(i);  // holds input i - period until overwritten below
  const double base = slot;
  slot = x;
  if (i < period_) return false;
  value_ = base != 0.0 ? ((x / base) - 1.0) * 100.0 : 0.0;
  return true;
}

void Roc::archive(StateArchive& a) noexcept {
  a.i64(count_);
  a.f64(value_);
  window_.archive(a);
}

}  // namespace sequent
