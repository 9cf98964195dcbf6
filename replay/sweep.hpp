// Parameter sweeps: one backtest per point of a grid, in parallel, ranked by a metric.
//
// The data file is read once into memory and shared read-only by the worker threads; each point
// runs its own BacktestSession (own core, venue and tracker) over the same bars, so every row is
// exactly what `sequent backtest` gives for those parameters. Cold path apart from the sessions.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/result.hpp"
#include "replay/backtest.hpp"

namespace sequent::replay {

// KEY=START:STOP:STEP, inclusive of STOP when it falls on a step.
struct SweepAxis {
  std::string key;
  double start = 0, stop = 0, step = 1;
};
Result<SweepAxis> parse_sweep_axis(const std::string& spec);

struct SweepOptions {
  BacktestOptions base;          // every backtest option; base.params are fixed parameters
  std::vector<SweepAxis> grid;
  unsigned jobs = 0;             // 0: the number of online CPUs
  std::string rank = "sharpe";   // metric to rank by (max_drawdown ranks ascending)
};

struct SweepRow {
  std::vector<std::pair<std::string, std::string>> params;  // fixed then grid, in option order
  BacktestReport report;
  bool ok = true;
  std::string error;  // a point whose parameters the strategy refuses (e.g. fast >= slow)
};

// Metrics a sweep can rank by and writes as columns.
const std::vector<std::string>& sweep_metrics();

// Runs the grid. progress(done, total) is called from the calling thread about every 200 ms.
Result<std::vector<SweepRow>> run_sweep(const SweepOptions& options,
                                        const std::function<void(std::size_t, std::size_t)>& progress);

// CSV with one row per point, ranked: the parameter columns, then sweep_metrics(), then state_hash.
std::string sweep_csv(const std::vector<SweepRow>& rows, const SweepOptions& options);

}  // namespace sequent::replay
