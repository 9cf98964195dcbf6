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

void Macd::hash_into(StateHasher& h) const noexcept {
  h.add_i64(count_);
  h.add_double(fast_sum_);
  h.add_double(slow_sum_);
  h.add_double(fast_ema_);
  h.add_double(slow_ema_);
  h.add_double(macd_);
  signal_.hash_into(h);
}

}  // namespace sequent
