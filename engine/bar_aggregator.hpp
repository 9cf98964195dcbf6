// BarAggregator: builds time bars from trades, for one instrument (part of the core's state).
//
// A bar covers [open_ns, open_ns + interval_ns) with open_ns a multiple of interval_ns since the
// epoch: a trade exactly on a boundary opens the next bar. A bar is complete when the first
// trade at or after its end arrives (on_trade returns it), or when a timer at or after its end
// is seen (on_time). Intervals without trades produce no bar. Trades older than the current
// bar (out-of-order timestamps) are folded into the current bar rather than reopening a closed
// one, so a bar once emitted never changes. Owned by the strategy stage's thread; no allocation.
#pragma once

#include "engine/fixed_point.hpp"
#include "engine/state_archive.hpp"
#include "engine/types.hpp"

namespace sequent {

struct Bar {
  TimeNs open_ns = 0;
  TimeNs interval_ns = 0;
  Price open, high, low, close;
  Qty volume;
  std::uint32_t trades = 0;
};

class BarAggregator {
 public:
  explicit BarAggregator(TimeNs interval_ns = 1'000'000'000) noexcept : interval_ns_(interval_ns) {}

  // Adds a trade; if it starts a new bar, writes the completed previous bar into done and
  // returns true.
  [[nodiscard]] bool on_trade(TimeNs ts, Price price, Qty qty, Bar& done) noexcept;
  // Closes the open bar if ts is at or past its end; returns true and writes it into done.
  [[nodiscard]] bool on_time(TimeNs ts, Bar& done) noexcept;

  bool has_open_bar() const noexcept { return open_; }
  const Bar& current() const noexcept { return bar_; }
  TimeNs interval_ns() const noexcept { return interval_ns_; }
  void archive(StateArchive& a) noexcept;

 private:
  TimeNs bucket_start(TimeNs ts) const noexcept;
  void start(TimeNs ts, Price price, Qty qty) noexcept;

  TimeNs interval_ns_;
  bool open_ = false;
  Bar bar_{};
};

}  // namespace sequent
