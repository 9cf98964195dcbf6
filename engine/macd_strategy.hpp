// MacdCrossStrategy: long on a bullish MACD/signal cross, flat on a bearish one.
//
// Parameters: fast, slow, signal (TA-Lib MACD, see indicators.hpp) and the order quantity. A cross
// is a change of sign of (macd - signal) measured against the last non-zero difference: a bar
// where the two are equal neither starts nor ends a cross. Long-only: buys `qty` when flat,
// sells the whole position when long; does nothing while one of its orders is working. With
// take_profit_bps / stop_loss_bps, each entry carries those exits for the venue to hold; the
// position then goes flat when either is hit (the strategy sees the exit fill).
#pragma once

#include "engine/indicators.hpp"
#include "engine/strategy.hpp"

namespace sequent {

struct MacdParams {
  int fast = 12;
  int slow = 26;
  int signal = 9;
  std::int32_t take_profit_bps = 0;  // optional exits attached to each entry; 0 = none
  std::int32_t stop_loss_bps = 0;
};

class MacdCrossStrategy final : public Strategy {
 public:
  MacdCrossStrategy(MacdParams params, Qty order_qty) noexcept
      : macd_(params.fast, params.slow, params.signal),
        order_qty_(order_qty),
        take_profit_bps_(params.take_profit_bps),
        stop_loss_bps_(params.stop_loss_bps) {}

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
      (void)out.push(Signal{Side::kBuy, order_qty_, OrderType::kMarket, Price{}, take_profit_bps_, stop_loss_bps_});
    } else if (sign < 0 && view.position.is_positive()) {
      (void)out.push(Signal{Side::kSell, view.position, OrderType::kMarket, Price{}, 0, 0});
    }
  }

  bool set_order_qty(Qty qty) noexcept override {
    order_qty_ = qty;
    return true;
  }
  void archive(StateArchive& a) noexcept override {
    a.tag("macd");
    macd_.archive(a);
    a.i32(last_sign_);
    a.fixed(order_qty_);
    a.i32(take_profit_bps_);
    a.i32(stop_loss_bps_);
  }

  const Macd& macd() const noexcept { return macd_; }

 private:
  Macd macd_;
  Qty order_qty_;
  std::int32_t take_profit_bps_;
  std::int32_t stop_loss_bps_;
  int last_sign_ = 0;
};

}  // namespace sequent
