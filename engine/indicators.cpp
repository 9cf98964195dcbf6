#include "engine/indicators.hpp"

namespace sequent {

namespace {
int clamp_period(int p) noexcept { return p < 1 ? 1 : p; }
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

}  // namespace sequent
