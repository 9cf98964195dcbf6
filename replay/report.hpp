// Backtest performance: a streaming tracker of cash, position, equity and round-trip trades, the
// report it produces, and the report's text forms (summary, JSON, trades CSV).
//
// Cold-ish: the tracker runs once per fill and once per bar on the backtest's thread and keeps
// O(1) state per bar (running sums, not the equity series), so memory grows with the number of
// round trips only, never with the number of bars. Money is exact (Money) for cash; metrics
// derived from it are doubles. Definitions (docs/backtesting.md "Report"):
//   cash = initial - buys + sells - fees;  equity = cash + position × close (marked each bar);
//   per-bar return r_t = equity_t / equity_{t-1} - 1 (equity_0 = initial cash), for bars whose
//   previous equity is positive (an account at or below zero has no return to speak of);
//   sharpe = mean(r) / stdev(r) × sqrt(periods per year), stdev with n - 1;
//   sortino = mean(r) / sqrt(Σ min(r, 0)² / n) × sqrt(periods per year);
//   periods per year = 365.25 × 86400 s / bar interval (zero risk-free rate);
//   max_drawdown = max over bars of (peak - equity) / peak, peak including the initial cash, and
//   1 once equity is at or below zero (orders are not capped by cash, so an account can borrow);
//   a trade is a round trip from flat to flat (a flip through zero closes one and opens the next);
//   an open position at the end is marked to the last close, not closed, and is not a trade.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/fixed_point.hpp"
#include "engine/types.hpp"

namespace sequent::replay {

struct TradeRecord {
  Side side = Side::kBuy;   // kBuy = long, kSell = short
  double qty = 0;
  TimeNs entry_time = 0;    // first entry fill
  double entry_price = 0;   // quantity-weighted average of the entry fills
  TimeNs exit_time = 0;     // the fill that made the position flat
  double exit_price = 0;    // quantity-weighted average of the exit fills
  double pnl = 0;           // net of fees
  double fees = 0;
};

struct BacktestReport {
  std::string strategy;
  std::vector<std::pair<std::string, std::string>> params;
  std::string symbol;
  std::uint64_t bars = 0;
  TimeNs start_ns = 0;      // first bar's open time
  TimeNs end_ns = 0;        // last bar's open time
  TimeNs interval_ns = 0;
  double initial_cash = 0;
  double final_equity = 0;
  double total_return = 0;  // final_equity / initial_cash - 1
  double sharpe = 0;
  double sortino = 0;
  double max_drawdown = 0;
  double win_rate = 0;      // winning trades / trades (0 without trades)
  double profit_factor = 0; // gross profit / gross loss; +inf with no losing trade (JSON: null)
  std::uint64_t num_trades = 0;
  double fees = 0;
  double exposure = 0;      // fraction of bars closed with a position
  double final_position = 0;
  std::uint64_t orders = 0;
  std::uint64_t fills = 0;
  std::uint64_t state_hash = 0;
  double elapsed_ms = 0;
  std::uint64_t gaps = 0;
  TimeNs largest_gap_ns = 0;
  std::uint64_t bad_lines_skipped = 0;
  std::string first_bad_line;
  std::vector<TradeRecord> trades;
};

class PerformanceTracker {
 public:
  explicit PerformanceTracker(Money initial_cash) noexcept;

  // Every fill, in stream order.
  void on_fill(TimeNs t, Side side, Price price, Qty qty, Money fee);
  // After each bar has been processed (and its fills applied): marks to the close.
  void on_bar_close(TimeNs t, Price close) noexcept;

  Money cash() const noexcept { return cash_; }
  Qty position() const noexcept { return position_; }
  Money equity() const noexcept { return equity_; }

  // Fills the performance fields of `report` (bars, times, cash, equity, ratios, trades).
  void finish(TimeNs interval_ns, BacktestReport& report) const;

 private:
  Money initial_cash_;
  Money cash_;
  Money fees_;
  Qty position_;
  Money equity_;
  double previous_equity_;
  bool ruined_ = false;  // equity reached zero or below: Sharpe and Sortino are undefined (null)
  double peak_;
  double max_drawdown_ = 0;
  std::uint64_t bars_ = 0, bars_in_market_ = 0, returns_ = 0;
  TimeNs first_ns_ = 0, last_ns_ = 0;
  // Welford over per-bar returns, and the downside sum of squares.
  double mean_ = 0, m2_ = 0, downside_sq_ = 0;
  // The round trip in progress.
  bool open_ = false;
  TradeRecord current_;
  double entry_qty_ = 0, entry_value_ = 0, exit_qty_ = 0, exit_value_ = 0, realised_ = 0;
  std::vector<TradeRecord> trades_;
};

// "2025-05-20T00:31:00Z" (seconds; fractions dropped).
std::string iso8601_utc(TimeNs t);
// Human summary: key=value lines, trades left out.
std::string format_summary(const BacktestReport& r);
// One JSON object with every field and the trades; numbers at full precision, non-finite → null.
std::string format_report_json(const BacktestReport& r);
// side,qty,entry_time,entry_price,exit_time,exit_price,pnl,fees
std::string format_trades_csv(const BacktestReport& r);

}  // namespace sequent::replay
