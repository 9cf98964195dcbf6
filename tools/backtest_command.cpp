#include "tools/backtest_command.hpp"

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

int run_backtest_command(const BacktestCommandOptions& options) {
  replay::BacktestOptions o;
  o.data_path = options.data;
  o.symbol = options.symbol;
  o.strategy = options.strategy;
  for (const std::string& kv : options.params) {
    const std::size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return fail("--param: expected KEY=VALUE, was '" + kv + "'", 2);
    o.params.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  if (parse_decimal(options.qty, o.qty) != ParseStatus::kOk || !o.qty.is_positive())
    return fail("--qty: expected a positive decimal with at most 8 decimals, was '" + options.qty + "'", 2);
  if (parse_decimal(options.cash, o.cash) != ParseStatus::kOk || !o.cash.is_positive())
    return fail("--cash: expected a positive decimal, was '" + options.cash + "'", 2);
  o.fee_bps = options.fee_bps;
  o.slippage_bps = options.slippage_bps;
  auto fill = replay::parse_fill_mode(options.fill);
  if (!fill) return fail(fill.error().message, 2);
  o.fill = *fill;
  o.skip_bad_lines = options.skip_bad_lines;
  o.journal_dir = options.journal;
  o.equity_path = options.equity;
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
  return 0;
}

}  // namespace sequent::tools
