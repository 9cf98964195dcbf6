#include "tools/backtest_command.hpp"

#include <unistd.h>

#include <chrono>

#include "replay/sweep.hpp"
#include "tools/live_config.hpp"

#include <cstdio>
#include <filesystem>

#include "replay/backtest.hpp"
#include "replay/report.hpp"

namespace sequent::tools {

namespace {

int fail(const std::string& message, int code) {
  std::fprintf(stderr, "sequent backtest: %s\n", message.c_str());
  return code;
}

bool write_file(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

}  // namespace

static Result<replay::BacktestOptions> to_backtest_options(const BacktestCommandOptions& options) {
  replay::BacktestOptions o;
  o.data_path = options.data;
  o.symbol = options.symbol;
  o.strategy = options.strategy;
  for (const std::string& kv : options.params) {
    const std::size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return Error{ErrorCode::kInvalidArgument, "--param: expected KEY=VALUE, was '" + kv + "'"};
    o.params.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  if (parse_decimal(options.qty, o.qty) != ParseStatus::kOk || !o.qty.is_positive())
    return Error{ErrorCode::kInvalidArgument, "--qty: expected a positive decimal with at most 8 decimals, was '" + options.qty + "'"};
  if (parse_decimal(options.cash, o.cash) != ParseStatus::kOk || !o.cash.is_positive())
    return Error{ErrorCode::kInvalidArgument, "--cash: expected a positive decimal, was '" + options.cash + "'"};
  o.fee_bps = options.fee_bps;
  o.slippage_bps = options.slippage_bps;
  auto fill = replay::parse_fill_mode(options.fill);
  if (!fill) return fill.error();
  o.fill = *fill;
  o.skip_bad_lines = options.skip_bad_lines;
  o.journal_dir = options.journal;
  o.equity_path = options.equity;
  o.collect_series = !options.html.empty();
  if (!(options.bar_seconds > 0) || options.bar_seconds > 86'400 * 366)
    return Error{ErrorCode::kInvalidArgument, "--bar-seconds: expected a positive number of seconds"};
  o.bar_interval_ns = static_cast<TimeNs>(options.bar_seconds * 1e9);
  if (!options.config.empty()) {
    // Start from no limits at all (not the paper defaults): only what the file says applies.
    LiveConfig cfg = default_paper_config();
    cfg.core.risk = RiskConfig{};
    cfg.core.risk.default_limits = InstrumentRiskLimits{};
    cfg.core.risk.per_instrument.assign(cfg.registry->size(), InstrumentRiskLimits{});
    if (Status s = apply_config_file(options.config, cfg); !s.ok()) return s.error();
    // A backtest runs the one strategy --strategy names (strategy 1); several strategies are a
    // live/paper configuration.
    if (!cfg.core.strategy.strategies.empty())
      return Error{ErrorCode::kInvalidArgument, "--config " + options.config +
                                                    ": [[strategies]] configures several strategies for `sequent live`; a backtest runs "
                                                    "the one --strategy names (use a [strategy] file, or none)"};
    for (const StrategyRiskLimits& l : cfg.core.risk.per_strategy)
      if (l.any())
        return Error{ErrorCode::kInvalidArgument, "--config " + options.config +
                                                      ": [risk.strategy.NAME] limits are for `sequent live` with several strategies; a "
                                                      "backtest runs one strategy: put its limits in [risk]"};
    o.risk = cfg.core.risk;
    // [strategy] order_type / limit_offset_bps / order_ttl_ms: how the --strategy's entries are
    // sent (the rest of [strategy] is for `sequent live`; --strategy and --param pick the algorithm).
    o.execution = cfg.core.strategy.execution;
  }
  return o;
}

int run_backtest_command(const BacktestCommandOptions& options) {
  auto parsed = to_backtest_options(options);
  if (!parsed) return fail(parsed.error().message, 2);
  const replay::BacktestOptions& o = *parsed;
  if (!o.journal_dir.empty() && std::filesystem::exists(o.journal_dir + "/data.mdb"))
    return fail("--journal: " + o.journal_dir + " already holds a session; use another directory", 2);

  auto result = replay::run_backtest(o);
  if (!result) return fail(result.error().message, exit_code_for(result.error().code));
  const replay::BacktestReport& r = result->report;
  std::fputs(replay::format_summary(r).c_str(), stdout);
  if (!options.report.empty() && !write_file(options.report, replay::format_report_json(r)))
    return fail("--report " + options.report + ": cannot write", 1);
  if (!options.trades.empty() && !write_file(options.trades, replay::format_trades_csv(r)))
    return fail("--trades " + options.trades + ": cannot write", 1);
  if (!options.html.empty() && !write_file(options.html, replay::format_report_html(r, result->series)))
    return fail("--html " + options.html + ": cannot write", 1);
  return 0;
}

int run_sweep_command(const BacktestCommandOptions& backtest, const SweepCommandOptions& sweep) {
  auto base = to_backtest_options(backtest);
  if (!base) return fail(base.error().message, 2);
  if (!backtest.journal.empty() || !backtest.report.empty() || !backtest.trades.empty() || !backtest.equity.empty() ||
      !backtest.html.empty())
    return fail("sweep: --journal, --report, --trades and --equity belong to single backtests; run `sequent backtest` for a row", 2);
  replay::SweepOptions o;
  o.base = *base;
  o.jobs = sweep.jobs;
  o.rank = sweep.rank;
  for (const std::string& g : sweep.grid) {
    auto axis = replay::parse_sweep_axis(g);
    if (!axis) return fail(axis.error().message, 2);
    o.grid.push_back(*axis);
  }
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  const auto t0 = std::chrono::steady_clock::now();
  auto rows = replay::run_sweep(o, [&](std::size_t done, std::size_t total) {
    if (!tty) return;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double rate = s > 0 ? static_cast<double>(done) / s : 0;
    const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
    std::fprintf(stderr, "\rsweep: %zu/%zu points, %.1f points/s, ETA %.0f s   ", done, total, rate, eta);
  });
  if (tty) std::fputc('\n', stderr);
  if (!rows) return fail(rows.error().message, exit_code_for(rows.error().code));
  if (!rows->empty() && !rows->front().ok) return fail("sweep: no grid point is valid: " + rows->front().error, 2);
  if (!write_file(sweep.out, replay::sweep_csv(*rows, o))) return fail("--out " + sweep.out + ": cannot write", 1);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "sweep: %zu points in %.2f s, ranked by %s, written to %s\n", rows->size(), s, o.rank.c_str(), sweep.out.c_str());
  return 0;
}

}  // namespace sequent::tools
