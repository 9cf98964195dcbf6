// The backtest's HTML report: one self-contained page (inline SVG and CSS, no script, no network)
// with the price and the trades' entries and exits, the equity curve and the drawdown, plus the
// report's numbers. Readable offline in any browser. Cold path.
//
// SeriesSampler keeps at most `capacity` evenly spaced points of a series of unknown length in
// fixed memory: when full it drops every other point and doubles its stride, so memory stays flat
// however long the file is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/types.hpp"
#include "replay/report.hpp"

namespace sequent::replay {

struct SeriesPoint {
  TimeNs t = 0;
  double close = 0;
  double equity = 0;
};

class SeriesSampler {
 public:
  explicit SeriesSampler(std::size_t capacity = 4096) : capacity_(capacity < 2 ? 2 : capacity) { points_.reserve(capacity_); }
  void add(TimeNs t, double close, double equity) {
    if (count_++ % stride_ != 0) return;
    if (points_.size() == capacity_) {
      std::size_t w = 0;
      for (std::size_t r = 0; r < points_.size(); r += 2) points_[w++] = points_[r];
      points_.resize(w);
      stride_ *= 2;
      if ((count_ - 1) % stride_ != 0) return;
    }
    points_.push_back(SeriesPoint{t, close, equity});
  }
  const std::vector<SeriesPoint>& points() const noexcept { return points_; }

 private:
  std::size_t capacity_;
  std::uint64_t stride_ = 1;
  std::uint64_t count_ = 0;
  std::vector<SeriesPoint> points_;
};

std::string format_report_html(const BacktestReport& report, const std::vector<SeriesPoint>& series);

}  // namespace sequent::replay
