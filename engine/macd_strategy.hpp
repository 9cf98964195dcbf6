// MacdCrossStrategy: long on a bullish MACD/signal cross, flat on a bearish one.
//
// Parameters: fast, slow, signal (TA-Lib MACD, see indicators.hpp) and the order quantity. A cross
// is a change of sign of (macd - signal) measured against the last non-zero difference: a bar
// where the two are equal neither starts nor ends a cross. Long-only: buys `qty` when flat,
// sells the whole position when long; does nothing while one of its orders is working.
#pragma once

#include "engine/indicators.hpp"
#include "engine/strategy.hpp"

namespace sequent {

struct MacdParams {
  int fast = 12;
  int slow = 26;
  int signal = 9;
};

class MacdCrossStrategy final : public Strategy {
 public:
  MacdCrossStrategy(MacdParams params, Qty order_qty) noexcept
      : macd_(params.fast, params.slow, params.signal), order_qty_(order_qty) {}

  std::string_view name() const noexcept override { return "macd"; }

  void on_bar(const Bar& bar, const StrategyView& view, SignalBuffer& out) noexcept override {
    if (!macd_.update(bar.close.to_double())) return;
    const double diff = macd_.hist();
    const int sign = diff > 0.0 ? 1 : (diff < 0.0 ? -1 : 0);
    if (sign == 0) return;
    const int previous = last_sign_;
    last_sign_ = sign;
    if (previous == 0 || previous == sign || view.order_pending) return;
    if (sign > 0 && view.position.is_zero()) {
      (void)out.push(Signal{Side::kBuy, order_qty_, OrderType::kMarket, Price{}});
    } else if (sign < 0 && view.position.is_positive()) {
      (void)out.push(Signal{Side::kSell, view.position, OrderType::kMarket, Price{}});
    }
  }

  void archive(StateArchive& a) noexcept override {
    a.tag("macd");
    macd_.archive(a);
    a.i32(last_sign_);
    a.fixed(order_qty_);
  }

  const Macd& macd() const noexcept { return macd_; }

 private:
  Macd macd_;
  Qty order_qty_;
  int last_sign_ = 0;
};

}  // namespace sequent
