#include "engine/bar_aggregator.hpp"

namespace sequent {

TimeNs BarAggregator::bucket_start(TimeNs ts) const noexcept {
  TimeNs r = ts % interval_ns_;
  if (r < 0) r += interval_ns_;  // floor for pre-epoch times
  return ts - r;
}

void BarAggregator::start(TimeNs ts, Price price, Qty qty) noexcept {
  open_ = true;
  bar_.open_ns = bucket_start(ts);
  bar_.interval_ns = interval_ns_;
  bar_.open = bar_.high = bar_.low = bar_.close = price;
  bar_.volume = qty;
  bar_.trades = 1;
}

bool BarAggregator::on_trade(TimeNs ts, Price price, Qty qty, Bar& done) noexcept {
  if (!open_) {
    start(ts, price, qty);
    return false;
  }
  if (ts >= bar_.open_ns + interval_ns_) {
    done = bar_;
    start(ts, price, qty);
    return true;
  }
  if (price > bar_.high) bar_.high = price;
  if (price < bar_.low) bar_.low = price;
  bar_.close = price;
  bar_.volume += qty;
  ++bar_.trades;
  return false;
}

bool BarAggregator::on_time(TimeNs ts, Bar& done) noexcept {
  if (!open_ || ts < bar_.open_ns + interval_ns_) return false;
  done = bar_;
  open_ = false;
  return true;
}

void BarAggregator::archive(StateArchive& a) noexcept {
  a.i64(interval_ns_);
  a.boolean(open_);
  a.i64(bar_.open_ns);
  a.i64(bar_.interval_ns);
  a.fixed(bar_.open);
  a.fixed(bar_.high);
  a.fixed(bar_.low);
  a.fixed(bar_.close);
  a.fixed(bar_.volume);
  a.u32(bar_.trades);
}

}  // namespace sequent
