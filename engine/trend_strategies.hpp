// SmaCrossStrategy and KamaTsmomStrategy: the trend-following strategies besides MACD.
//
// sma_cross (fast=10, slow=30): long on a bullish cross of SMA(fast) over SMA(slow), flat on a
//   bearish one. A cross is a change of sign of (fast - slow) against the last non-zero
//   difference: a bar where the two are equal neither starts nor ends a cross.
// kama_tsmom (er_period=10, fast=2, slow=30, lookback=20, threshold=0): KAMA trend filter with a
//   time-series momentum gate: long while close > KAMA(er_period, fast, slow) and the return over
//   `lookback` bars (close / close[lookback bars ago] - 1) exceeds `threshold`; flat otherwise.
// Both are long-only with a fixed order quantity and act only when no order of theirs is working.
#pragma once

#include <memory>

#include "engine/indicators.hpp"
#include "engine/strategy.hpp"

namespace sequent {

class SmaCrossStrategy final : public Strategy {
 public:
  SmaCrossStrategy(int fast, int slow, Qty order_qty) : fast_(fast), slow_(slow), order_qty_(order_qty) {}
  std::string_view name() const noexcept override { return "sma_cross"; }

  void on_bar(const Bar& bar, const StrategyView& view, SignalBuffer& out) noexcept override {
    const double close = bar.close.to_double();
    const bool f = fast_.update(close);
    const bool s = slow_.update(close);
    if (!f || !s) return;
    const double diff = fast_.value() - slow_.value();
    const int sign = diff > 0.0 ? 1 : (diff < 0.0 ? -1 : 0);
    if (sign == 0) return;
    const int previous = last_sign_;
    last_sign_ = sign;
    if (previous == 0 || previous == sign || view.order_pending) return;
    if (sign > 0 && view.position.is_zero()) (void)out.push(Signal{Side::kBuy, order_qty_, OrderType::kMarket, Price{}, 0, 0});
    if (sign < 0 && view.position.is_positive()) (void)out.push(Signal{Side::kSell, view.position, OrderType::kMarket, Price{}, 0, 0});
  }

  bool set_order_qty(Qty qty) noexcept override {
    order_qty_ = qty;
    return true;
  }
  void archive(StateArchive& a) noexcept override {
    a.tag("sma_cross");
    fast_.archive(a);
    slow_.archive(a);
    a.i32(last_sign_);
    a.fixed(order_qty_);
  }

 private:
  Sma fast_, slow_;
  Qty order_qty_;
  int last_sign_ = 0;
};

class KamaTsmomStrategy final : public Strategy {
 public:
  KamaTsmomStrategy(int er_period, int fast, int slow, int lookback, double threshold, Qty order_qty)
      : kama_(er_period, fast, slow), closes_(lookback + 1), lookback_(lookback), threshold_(threshold), order_qty_(order_qty) {}
  std::string_view name() const noexcept override { return "kama_tsmom"; }

  void on_bar(const Bar& bar, const StrategyView& view, SignalBuffer& out) noexcept override {
    const double close = bar.close.to_double();
    const bool kama_ready = kama_.update(close);
    closes_.at(count_) = close;
    ++count_;
    if (!kama_ready || count_ <= lookback_) return;
    const double past = closes_.at(count_ - 1 - lookback_);
    const double momentum = past != 0.0 ? close / past - 1.0 : 0.0;
    const bool want_long = close > kama_.value() && momentum > threshold_;
    if (view.order_pending) return;
    if (want_long && view.position.is_zero()) (void)out.push(Signal{Side::kBuy, order_qty_, OrderType::kMarket, Price{}, 0, 0});
    if (!want_long && view.position.is_positive()) (void)out.push(Signal{Side::kSell, view.position, OrderType::kMarket, Price{}, 0, 0});
  }

  bool set_order_qty(Qty qty) noexcept override {
    order_qty_ = qty;
    return true;
  }
  void archive(StateArchive& a) noexcept override {
    a.tag("kama_tsmom");
    kama_.archive(a);
    closes_.archive(a);
    a.i64(count_);
    a.fixed(order_qty_);
  }

 private:
  Kama kama_;
  IndicatorWindow closes_;  // the last lookback + 1 closes
  std::int64_t lookback_;
  double threshold_;
  Qty order_qty_;
  std::int64_t count_ = 0;
};

}  // namespace sequent
