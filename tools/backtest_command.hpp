// `sequent backtest`: one strategy over one bar file through the real core and the simulated
// BarVenue (INTERFACE.md). Cold path apart from replay::run_backtest's loop; single-threaded.
//
//   sequent backtest --data BTCUSDT-1m.csv.gz --strategy sma_cross --param fast=20 --report r.json
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sequent::tools {

struct BacktestCommandOptions {
  std::string data;
  std::string symbol;
  std::string strategy;
  std::vector<std::string> params;  // KEY=VALUE
  std::string qty = "1";
  std::string cash = "100000";
  std::int64_t fee_bps = 10;
  std::int64_t slippage_bps = 0;
  std::string fill = "next_open";
  std::string journal;
  std::string report;
  std::string trades;
  std::string equity;
  std::string html;
  bool skip_bad_lines = false;
  double bar_seconds = 60;  // trade files: the strategy's bar length
  std::string config;       // TOML: its [risk] limits apply to the backtest
};

// Runs the command; returns the process exit code (2 for bad usage, data or strategy).
int run_backtest_command(const BacktestCommandOptions& options);

// `sequent sweep`: every backtest option plus the grid (KEY=START:STOP:STEP ...).
struct SweepCommandOptions {
  std::vector<std::string> grid;
  unsigned jobs = 0;
  std::string rank = "sharpe";
  std::string out;
};
int run_sweep_command(const BacktestCommandOptions& backtest, const SweepCommandOptions& sweep);

}  // namespace sequent::tools
