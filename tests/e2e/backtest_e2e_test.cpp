// End-to-end: `sequent backtest` through the binary: stdout summary, the JSON report with every
// field INTERFACE.md lists, trades and equity CSV, and exit 2 naming the problem for an unknown
// strategy, an unknown parameter, a bad --fill and a malformed data line.
#include <gtest/gtest.h>

#include "tests/e2e/sequent_runner.hpp"
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#ifndef SEQUENT_BINARY
#error "SEQUENT_BINARY must name the sequent executable"
#endif

namespace {

using namespace sequent::e2e;
CommandResult run(const std::string& args) { return run_sequent(args); }

// sma_cross(2, 3) buys after bar 3 and sells after bar 5 (see tests/replay/backtest_test.cpp).
std::string write_bars(const std::string& name, bool bad_line = false) {
  const std::string p = temp_path(name);
  std::ofstream f(p);
  f << "open_time,open,high,low,close,volume\n";
  const char* rows[] = {"10,10.5,9.5,10", "10,10.5,8.5,9",   "9,9.5,7.5,8",  "8,12.5,7.5,12",
                        "12.5,13.5,12,13", "13,13.5,8.5,9", "9.5,10,7.5,8", "8,8.5,7.5,8"};
  std::int64_t t = 1'747'699'200'000;
  for (const char* r : rows) {
    f << t << "," << r << ",1\n";
    t += 60'000;
  }
  if (bad_line) f << t << ",8,x,7.5,8,1\n";
  return p;
}

TEST(BacktestCommand, WritesSummaryReportTradesAndEquity) {
  const std::string data = write_bars("TESTUSDT_1m.csv");
  const std::string report = temp_path("report.json"), trades = temp_path("trades.csv"), equity = temp_path("equity.csv");
  const CommandResult r = run("backtest --data " + data + " --strategy sma_cross --param fast=2 --param slow=3 --cash 1000 --report " +
                              report + " --trades " + trades + " --equity " + equity);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("final_equity=996.978"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("num_trades=1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("state_hash="), std::string::npos) << r.out;
  const std::string json = slurp(report);
  for (const char* key : {"strategy", "params", "symbol", "bars", "start", "end", "initial_cash", "final_equity", "total_return",
                          "sharpe", "sortino", "max_drawdown", "win_rate", "profit_factor", "num_trades", "fees", "exposure",
                          "state_hash", "elapsed_ms", "trades", "side", "qty", "entry_time", "entry_price", "exit_time",
                          "exit_price", "pnl"}) {
    EXPECT_NE(json.find("\"" + std::string(key) + "\":"), std::string::npos) << key << "\n" << json;
  }
  EXPECT_NE(json.find("\"symbol\": \"TESTUSDT\""), std::string::npos);
  EXPECT_NE(json.find("\"params\": {\"fast\": \"2\", \"slow\": \"3\"}"), std::string::npos) << json;
  EXPECT_NE(json.find("\"start\": \"2025-05-20T00:00:00Z\""), std::string::npos);
  EXPECT_NE(json.find("\"entry_time\": \"2025-05-20T00:04:00Z\", \"entry_price\": 12.5"), std::string::npos) << json;
  const std::string csv = slurp(trades);
  EXPECT_EQ(csv.rfind("side,qty,entry_time,entry_price,exit_time,exit_price,pnl,fees\n"
                      "long,1,2025-05-20T00:04:00Z,12.5,2025-05-20T00:06:00Z,9.5,-3.02",
                      0),
            0u)
      << csv;
  const std::string eq = slurp(equity);
  EXPECT_EQ(eq.rfind("time,close,position,cash,equity\n", 0), 0u);
  EXPECT_NE(eq.find("2025-05-20T00:07:00Z,8,0,996.978,996.978\n"), std::string::npos) << eq;
}

TEST(BacktestCommand, CloseFillModeChangesTheFillPrices) {
  const std::string data = write_bars("CLOSE_1m.csv");
  const CommandResult r = run("backtest --data " + data + " --strategy sma_cross --param fast=2 --param slow=3 --cash 1000 --fill close");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("final_equity=996.979"), std::string::npos) << r.out;
}

TEST(BacktestCommand, UnknownStrategyExitsTwoNamingTheValidOnes) {
  const std::string data = write_bars("UNKNOWN_1m.csv");
  const CommandResult r = run("backtest --data " + data + " --strategy momentum");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown strategy 'momentum'"), std::string::npos) << r.err;
  for (const char* name : {"macd(", "sma_cross(", "kama_tsmom("}) EXPECT_NE(r.err.find(name), std::string::npos) << r.err;
}

TEST(BacktestCommand, UnknownParameterOrFillModeExitsTwo) {
  const std::string data = write_bars("PARAM_1m.csv");
  const CommandResult p = run("backtest --data " + data + " --strategy sma_cross --param speed=3");
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_NE(p.err.find("unknown parameter 'speed' (valid: fast, slow)"), std::string::npos) << p.err;
  const CommandResult f = run("backtest --data " + data + " --strategy sma_cross --fill later");
  EXPECT_EQ(f.exit_code, 2);
  EXPECT_NE(f.err.find("next_open or close"), std::string::npos) << f.err;
}

TEST(BacktestCommand, MalformedLineExitsTwoUnlessSkipped) {
  const std::string data = write_bars("BADLINE_1m.csv", true);
  const CommandResult r = run("backtest --data " + data + " --strategy sma_cross");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("BADLINE_1m.csv:10: column high"), std::string::npos) << r.err;
  const CommandResult s = run("backtest --data " + data + " --strategy sma_cross --skip-bad-lines");
  EXPECT_EQ(s.exit_code, 0) << s.err;
  EXPECT_NE(s.out.find("bad_lines_skipped=1"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("bars=8"), std::string::npos) << s.out;
}

TEST(BacktestCommand, JournalIsWrittenAndReadable) {
  const std::string data = write_bars("JOURNAL_1m.csv");
  const std::string dir = temp_path("journal");
  std::filesystem::remove_all(dir);
  const CommandResult r = run("backtest --data " + data + " --strategy sma_cross --param fast=2 --param slow=3 --journal " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const CommandResult info = run("journal info " + dir);
  EXPECT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("12"), std::string::npos) << info.out;  // 8 bars + 2 acks + 2 fills
  const CommandResult again = run("backtest --data " + data + " --strategy sma_cross --journal " + dir);
  EXPECT_EQ(again.exit_code, 2);
  std::filesystem::remove_all(dir);
}

TEST(BacktestCommand, ReplayVerifiesABacktestJournalToTheSameStateHash) {
  const std::string data = write_bars("VERIFY_1m.csv");
  const std::string dir = temp_path("verify");
  std::filesystem::remove_all(dir);
  const CommandResult r = run("backtest --data " + data + " --strategy sma_cross --param fast=2 --param slow=3 --journal " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto hash_at = r.out.find("state_hash=");
  ASSERT_NE(hash_at, std::string::npos) << r.out;
  const std::string hash = r.out.substr(hash_at + 11, 16);
  const CommandResult verify = run("replay " + dir + " --verify");
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_NE(verify.out.find("state_hash=" + hash), std::string::npos) << verify.out;
  std::filesystem::remove_all(dir);
}

TEST(SweepCommand, EveryRowEqualsTheSingleBacktestAndRowsAreRanked) {
  const std::string data = write_bars("SWEEP_1m.csv");
  const std::string out = temp_path("sweep.csv");
  const CommandResult r = run("sweep --data " + data + " --strategy sma_cross --grid fast=1:3:1 --grid slow=3:5:1 --cash 1000 --jobs 2 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream csv(slurp(out));
  std::string header, line;
  std::getline(csv, header);
  EXPECT_EQ(header.rfind("rank,fast,slow,total_return,sharpe,", 0), 0u) << header;
  std::vector<std::string> rows;
  while (std::getline(csv, line)) rows.push_back(line);
  ASSERT_EQ(rows.size(), 9u);
  double previous = 1e300;
  for (const std::string& row : rows) {
    std::vector<std::string> f;
    std::stringstream ss(row);
    std::string cell;
    while (std::getline(ss, cell, ',')) f.push_back(cell);
    ASSERT_GE(f.size(), 14u) << row;
    if (f[3].empty()) continue;  // a point the strategy refuses (fast >= slow) has no metrics
    const double sharpe = f[4].empty() ? -1e300 : std::stod(f[4]);
    EXPECT_LE(sharpe, previous) << "rows must be ranked by sharpe";
    previous = sharpe;
    // The same point through `sequent backtest` gives the same state hash.
    const CommandResult single =
        run("backtest --data " + data + " --strategy sma_cross --param fast=" + f[1] + " --param slow=" + f[2] + " --cash 1000");
    ASSERT_EQ(single.exit_code, 0) << single.err;
    EXPECT_NE(single.out.find("state_hash=" + f[13]), std::string::npos) << row << "\n" << single.out;
  }
  std::filesystem::remove(out);
}

TEST(SweepCommand, BadGridOrRankExitsTwo) {
  const std::string data = write_bars("SWEEP_BAD_1m.csv");
  const std::string out = temp_path("sweep_bad.csv");
  const CommandResult g = run("sweep --data " + data + " --strategy sma_cross --grid fast=5:1:1 --out " + out);
  EXPECT_EQ(g.exit_code, 2);
  EXPECT_NE(g.err.find("--grid fast=5:1:1"), std::string::npos) << g.err;
  const CommandResult k = run("sweep --data " + data + " --strategy sma_cross --grid fast=1:2:1 --rank luck --out " + out);
  EXPECT_EQ(k.exit_code, 2);
  EXPECT_NE(k.err.find("--rank luck"), std::string::npos) << k.err;
}

TEST(BacktestCommand, WritesASelfContainedHtmlReport) {
  const std::string data = write_bars("HTML_1m.csv");
  const std::string html = temp_path("report.html");
  const CommandResult r = run("backtest --data " + data + " --strategy sma_cross --param fast=2 --param slow=3 --html " + html);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string page = slurp(html);
  EXPECT_EQ(page.rfind("<!doctype html>", 0), 0u);
  EXPECT_NE(page.find("Equity"), std::string::npos);
  EXPECT_NE(page.find("Drawdown"), std::string::npos);
  std::filesystem::remove(html);
}

// Trade ticks: the strategy builds bars from trades; a market order decided on trade N fills at
// trade N+1's price.
TEST(BacktestCommand, TradeFilesFillAtTheNextTradesPrice) {
  const std::string data = temp_path("TRADES_ticks.csv");
  {
    std::ofstream f(data);
    f << "timestamp_ms,trade_id,side,price,amount\n";
    // One trade a second; prices fall then rise so a fast/slow SMA cross happens on 1 s bars.
    const double prices[] = {100, 99, 98, 97, 96, 95, 96, 98, 101, 105, 110, 116, 123, 131, 140, 130, 118, 104, 90, 80};
    const long long start_ms = 1'700'000'000'000;
    for (int i = 0; i < 20; ++i) f << start_ms + 1000LL * i << "," << i + 1 << ",buy," << prices[i] << ",1\n";
  }
  const std::string trades = temp_path("ticks_trades.csv");
  const CommandResult r = run("backtest --data " + data + " --strategy sma_cross --param fast=2 --param slow=3 --bar-seconds 1 --qty 1 --fee-bps 0 --trades " + trades);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string csv = slurp(trades);
  // The buy is decided when the 1 s bar of the trade at 98 closes (on the trade at 101, the
  // first of the next bar), and fills at the following trade's price: 105 (the round trip's entry).
  EXPECT_NE(csv.find(",105,"), std::string::npos) << csv << r.out;
  EXPECT_NE(r.out.find("num_trades=1"), std::string::npos) << r.out;
  std::filesystem::remove(data);
  std::filesystem::remove(trades);
}

TEST(BacktestCommand, RealTradeCaptureRunsAndReplays) {
  const std::string data = "../shared/data/ticks_l2/binance_spot_BTCUSDT_20240808_2359_trades.csv.gz";
  if (!std::filesystem::exists(data)) GTEST_SKIP() << "no data at " << data;
  const std::string dir = temp_path("tick_journal");
  std::filesystem::remove_all(dir);
  const CommandResult r = run("backtest --data " + data +
                              " --strategy macd --param fast=3 --param slow=6 --param signal=3 --bar-seconds 5 --qty 0.1 --journal " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("bars=131"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("num_trades=0"), std::string::npos) << r.out;
  EXPECT_EQ(run("replay " + dir + " --verify").exit_code, 0);
  std::filesystem::remove_all(dir);
}

TEST(BacktestCommand, TheBacktestExampleConfigApplies) {
  const std::string data = write_bars("EXAMPLE_1m.csv");
  const CommandResult r = run("backtest --data " + data + " --strategy sma_cross --param fast=2 --param slow=3 --config config/backtest.toml");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(BacktestCommand, TightDailyLossLimitTripsTheBreakerAndStopsNewExposure) {
  const std::string data = "../shared/data/crypto_1m/binance_spot_BTCUSDT_1m_20250520_20250818.csv.gz";
  if (!std::filesystem::exists(data)) GTEST_SKIP() << "no data at " << data;
  const std::string config = temp_path("tight.toml");
  {
    std::ofstream f(config);
    f << "[risk]\ndaily_loss_limit = \"200\"\n";
  }
  const std::string dir = temp_path("tight_journal");
  std::filesystem::remove_all(dir);
  const CommandResult r = run("backtest --data " + data + " --strategy sma_cross --qty 0.1 --config " + config + " --journal " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const CommandResult exp = run("journal export " + dir + " --outputs --format jsonl");
  ASSERT_EQ(exp.exit_code, 0);
  std::istringstream lines(exp.out);
  std::string line;
  bool tripped = false;
  std::uint64_t buys_after = 0, orders_before = 0;
  while (std::getline(lines, line)) {
    if (line.find("\"type\":\"admin\"") != std::string::npos && line.find("daily_loss_limit") != std::string::npos) tripped = true;
    if (line.rfind("{\"output\":\"order_new\"", 0) != 0) continue;
    if (!tripped) ++orders_before;
    else if (line.find("\"side\":\"buy\"") != std::string::npos) ++buys_after;
  }
  EXPECT_TRUE(tripped) << "the trip is journaled as an input with its cause";
  EXPECT_GT(orders_before, 0u);
  EXPECT_EQ(buys_after, 0u) << "no new exposure after the breaker trips";
  EXPECT_EQ(run("replay " + dir + " --verify").exit_code, 0);
  std::filesystem::remove(config);
  std::filesystem::remove_all(dir);
}

}  // namespace

// [strategy] order_type / limit_offset_bps / order_ttl_ms in --config: the --strategy's entries are
// limit orders at the bar venue; a 10 % offset is never reached and the one-bar TTL cancels the
// entry, journaled; replay --verify rebuilds the same engine from the journal's meta.
TEST(BacktestCommand, LimitEntriesFromTheConfigRestExpireAndReplay) {
  const std::string data = write_bars("LIMIT_1m.csv");
  const std::string config = temp_path("limit_backtest.toml");
  {
    std::ofstream f(config);
    f << "[strategy]\norder_type = \"limit\"\nlimit_offset_bps = 1000\norder_ttl_ms = 60000\n";
  }
  const std::string dir = temp_path("limit_backtest_journal");
  std::filesystem::remove_all(dir);
  const CommandResult r =
      run("backtest --data " + data + " --strategy sma_cross --param fast=2 --param slow=3 --config " + config + " --journal " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("num_trades=0"), std::string::npos) << r.out;
  const CommandResult exp = run("journal export " + dir + " --outputs --format jsonl");
  ASSERT_EQ(exp.exit_code, 0) << exp.err;
  EXPECT_NE(exp.out.find("{\"output\":\"order_new\""), std::string::npos);
  EXPECT_NE(exp.out.find("\"order_type\":\"limit\",\"tif\":\"gtc\",\"price\":\"10.8\""), std::string::npos) << exp.out;
  EXPECT_NE(exp.out.find("{\"output\":\"order_cancel\""), std::string::npos) << exp.out;
  EXPECT_NE(exp.out.find("\"exec_type\":\"canceled\""), std::string::npos) << exp.out;
  const CommandResult verify = run("replay " + dir + " --verify");
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_EQ(field(verify.out, "state_hash"), field(r.out, "state_hash"));
  // A bad value is a config error, as for sequent live.
  {
    std::ofstream f(config);
    f << "[strategy]\norder_type = \"iceberg\"\n";
  }
  const CommandResult bad = run("backtest --data " + data + " --strategy sma_cross --config " + config);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find(":2: strategy.order_type"), std::string::npos) << bad.err;
  std::filesystem::remove_all(dir);
}
