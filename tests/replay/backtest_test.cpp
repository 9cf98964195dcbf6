// Backtest driver: exact trades, fees and equity on a hand-computed sma_cross run, both fill
// modes, determinism, the journal and its replay, bad input, and every strategy on real data.
#include "replay/backtest.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gateways/market_data_reader.hpp"
#include "journal/journal.hpp"
#include "replay/replay.hpp"

namespace sequent::replay {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("sequent_backtest_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// sma_cross(fast=2, slow=3): the first difference (bar 2) is negative, bar 3 crosses up (buy),
// bar 5 crosses down (sell). Opens of bars 4 and 6 are 12.5 and 9.5; closes of 3 and 5 are 12, 9.
std::string write_sma_file(const fs::path& dir) {
  const fs::path p = dir / "TESTUSDT_1m.csv";
  std::ofstream f(p);
  f << "open_time,open,high,low,close,volume\n";
  const char* rows[] = {"10,10.5,9.5,10", "10,10.5,8.5,9",   "9,9.5,7.5,8",  "8,12.5,7.5,12",
                        "12.5,13.5,12,13", "13,13.5,8.5,9", "9.5,10,7.5,8", "8,8.5,7.5,8"};
  std::int64_t t = 1'747'699'200'000;
  for (const char* r : rows) {
    f << t << "," << r << ",1\n";
    t += 60'000;
  }
  return p.string();
}

BacktestOptions sma_options(const std::string& path) {
  BacktestOptions o;
  o.data_path = path;
  o.strategy = "sma_cross";
  o.params = {{"fast", "2"}, {"slow", "3"}};
  o.cash = Money::from_units(1000);
  return o;
}

TEST(Backtest, NextOpenSmaCrossGivesTheHandComputedTradeFeesAndEquity) {
  const fs::path dir = temp_dir("next_open");
  auto r = run_backtest(sma_options(write_sma_file(dir)));
  ASSERT_TRUE(r) << r.error().message;
  const BacktestReport& rep = r->report;
  EXPECT_EQ(rep.symbol, "TESTUSDT");
  EXPECT_EQ(rep.bars, 8u);
  EXPECT_EQ(iso8601_utc(rep.start_ns), "2025-05-20T00:00:00Z");
  EXPECT_EQ(iso8601_utc(rep.end_ns), "2025-05-20T00:07:00Z");
  ASSERT_EQ(rep.num_trades, 1u);
  const TradeRecord& t = rep.trades[0];
  EXPECT_EQ(t.side, Side::kBuy);
  EXPECT_DOUBLE_EQ(t.qty, 1.0);
  EXPECT_EQ(iso8601_utc(t.entry_time), "2025-05-20T00:04:00Z");
  EXPECT_DOUBLE_EQ(t.entry_price, 12.5);
  EXPECT_EQ(iso8601_utc(t.exit_time), "2025-05-20T00:06:00Z");
  EXPECT_DOUBLE_EQ(t.exit_price, 9.5);
  EXPECT_NEAR(t.fees, 0.0125 + 0.0095, 1e-12);
  EXPECT_NEAR(t.pnl, -3.022, 1e-12);
  EXPECT_DOUBLE_EQ(rep.fees, 0.022);
  EXPECT_DOUBLE_EQ(rep.final_equity, 996.978);
  EXPECT_NEAR(rep.total_return, -0.003022, 1e-12);
  EXPECT_DOUBLE_EQ(rep.exposure, 2.0 / 8.0);
  EXPECT_NEAR(rep.max_drawdown, 4.0 / 1000.4875, 1e-12);
  EXPECT_EQ(rep.win_rate, 0.0);
  EXPECT_EQ(rep.profit_factor, 0.0);
  EXPECT_EQ(rep.orders, 2u);
  EXPECT_EQ(rep.fills, 2u);
  EXPECT_TRUE(std::isfinite(rep.sharpe));
  EXPECT_LT(rep.sharpe, 0.0);
  fs::remove_all(dir);
}

TEST(Backtest, CloseFillModeFillsAtTheSignalBarsClose) {
  const fs::path dir = temp_dir("close");
  BacktestOptions o = sma_options(write_sma_file(dir));
  o.fill = FillMode::kClose;
  auto r = run_backtest(o);
  ASSERT_TRUE(r) << r.error().message;
  const BacktestReport& rep = r->report;
  ASSERT_EQ(rep.num_trades, 1u);
  EXPECT_DOUBLE_EQ(rep.trades[0].entry_price, 12.0);
  EXPECT_EQ(iso8601_utc(rep.trades[0].entry_time), "2025-05-20T00:04:00Z");  // bar 3's close
  EXPECT_DOUBLE_EQ(rep.trades[0].exit_price, 9.0);
  EXPECT_NEAR(rep.trades[0].pnl, -3.021, 1e-12);
  EXPECT_DOUBLE_EQ(rep.final_equity, 996.979);
  EXPECT_DOUBLE_EQ(rep.exposure, 2.0 / 8.0);
  fs::remove_all(dir);
}

TEST(Backtest, SlippageAndFeesAreCharged) {
  const fs::path dir = temp_dir("slippage");
  BacktestOptions o = sma_options(write_sma_file(dir));
  o.fee_bps = 0;
  o.slippage_bps = 100;  // 1 %: buy 12.5 → 12.625, sell 9.5 → 9.405
  auto r = run_backtest(o);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->report.num_trades, 1u);
  EXPECT_DOUBLE_EQ(r->report.trades[0].entry_price, 12.625);
  EXPECT_DOUBLE_EQ(r->report.trades[0].exit_price, 9.405);
  EXPECT_DOUBLE_EQ(r->report.final_equity, 1000 - 12.625 + 9.405);
  fs::remove_all(dir);
}

TEST(Backtest, RunningTwiceGivesTheSameStateHash) {
  const fs::path dir = temp_dir("twice");
  const BacktestOptions o = sma_options(write_sma_file(dir));
  auto a = run_backtest(o);
  auto b = run_backtest(o);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->report.state_hash, b->report.state_hash);
  EXPECT_NE(a->report.state_hash, 0u);
  BacktestOptions c = o;
  c.fill = FillMode::kClose;
  auto d = run_backtest(c);
  ASSERT_TRUE(d);
  EXPECT_NE(d->report.state_hash, a->report.state_hash);
  fs::remove_all(dir);
}

TEST(Backtest, JournalHoldsEveryInputAndReplaysToTheSameStateOrdersAndFills) {
  const fs::path dir = temp_dir("journal");
  BacktestOptions o = sma_options(write_sma_file(dir));
  o.journal_dir = (dir / "session").string();
  auto r = run_backtest(o);
  ASSERT_TRUE(r) << r.error().message;

  auto reader = journal::JournalReader::open(o.journal_dir);
  ASSERT_TRUE(reader) << reader.error().message;
  std::map<EventType, int> inputs;
  int fills = 0;
  ASSERT_TRUE((*reader)->for_each_input(1, journal::kLastSeq, [&](const Event& e) {
    ++inputs[e.type()];
    if (e.type() == EventType::kExecReport && e.payload.exec.exec_type == ExecType::kFill) ++fills;
    return true;
  }).ok());
  EXPECT_EQ(inputs[EventType::kBar], 8);
  EXPECT_EQ(inputs[EventType::kExecReport], 4);  // ack + fill, twice
  EXPECT_EQ(fills, 2);
  int orders = 0;
  ASSERT_TRUE((*reader)->for_each_output(1, journal::kLastSeq, [&](const Event& e, std::uint32_t) {
    orders += e.type() == EventType::kOrderNew ? 1 : 0;
    return true;
  }).ok());
  EXPECT_EQ(orders, 2);

  ASSERT_TRUE(is_backtest_meta((*reader)->meta()));
  auto setup = backtest_setup_from_meta((*reader)->meta());
  ASSERT_TRUE(setup) << setup.error().message;
  auto core = Core::create(*setup->registry, setup->core);
  ASSERT_TRUE(core) << core.error().message;
  auto rep = replay_into(**reader, **core, ReplayOptions{journal::kLastSeq, true});
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_FALSE(rep->divergent_seq.has_value()) << rep->divergence;
  EXPECT_EQ(rep->state_hash, r->report.state_hash);
  EXPECT_EQ(rep->outputs_compared, 2u);
  EXPECT_EQ(rep->checkpoints_compared, 1u);
  fs::remove_all(dir);
}

// Limit entries ([strategy] order_type = "limit" through --config): the sma_cross signals of the
// hand-computed file become limit orders at the signal bar's close. The buy at 12 rests from bar 4
// and fills at its limit (bar 4 opens at 12.5 and trades down to 12); the sell at 9 fills at bar
// 6's open, 9.5, which is above it.
TEST(Backtest, LimitEntriesRestAtTheSignalBarsCloseAndFillAtTheLimitOrABetterOpen) {
  const fs::path dir = temp_dir("limit");
  BacktestOptions o = sma_options(write_sma_file(dir));
  o.execution.order_type = OrderType::kLimit;
  auto r = run_backtest(o);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->report.num_trades, 1u);
  const TradeRecord& t = r->report.trades[0];
  EXPECT_EQ(iso8601_utc(t.entry_time), "2025-05-20T00:04:00Z");
  EXPECT_DOUBLE_EQ(t.entry_price, 12.0);
  EXPECT_EQ(iso8601_utc(t.exit_time), "2025-05-20T00:06:00Z");
  EXPECT_DOUBLE_EQ(t.exit_price, 9.5);
  EXPECT_NEAR(t.fees, 0.012 + 0.0095, 1e-12);
  fs::remove_all(dir);
}

// With a 10 % offset the buy (at 10.8) is never reached; its one-bar TTL cancels it at bar 4 (after
// the venue had bar 4 to fill it), the cancel and its confirmation are journaled, and the journal
// replays to the same state.
TEST(Backtest, ALimitEntryOutlivingItsTtlIsCancelledAndTheJournalReplays) {
  const fs::path dir = temp_dir("limit_ttl");
  BacktestOptions o = sma_options(write_sma_file(dir));
  o.execution.order_type = OrderType::kLimit;
  o.execution.limit_offset_bps = 1000;
  o.execution.order_ttl_ms = 60'000;
  o.journal_dir = (dir / "session").string();
  auto r = run_backtest(o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->report.num_trades, 0u);
  EXPECT_EQ(r->report.orders, 1u);
  EXPECT_EQ(r->report.fills, 0u);
  auto reader = journal::JournalReader::open(o.journal_dir);
  ASSERT_TRUE(reader) << reader.error().message;
  int canceled = 0, cancel_rejected = 0;
  Seq bar4 = 0, bars = 0;
  ASSERT_TRUE((*reader)->for_each_input(1, journal::kLastSeq, [&](const Event& e) {
    if (e.type() == EventType::kBar && bars++ == 4) bar4 = e.seq();  // bars count from 0, as above
    if (e.type() == EventType::kExecReport) {
      canceled += e.payload.exec.exec_type == ExecType::kCanceled ? 1 : 0;
      cancel_rejected += e.payload.exec.exec_type == ExecType::kCancelRejected ? 1 : 0;
    }
    return true;
  }).ok());
  EXPECT_EQ(canceled, 1);
  EXPECT_EQ(cancel_rejected, 0);
  std::vector<Event> outputs;
  ASSERT_TRUE((*reader)->for_each_output(1, journal::kLastSeq, [&](const Event& e, std::uint32_t) {
    outputs.push_back(e);
    return true;
  }).ok());
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(outputs[0].type(), EventType::kOrderNew);
  EXPECT_EQ(outputs[0].payload.order.order_type, OrderType::kLimit);
  EXPECT_EQ(outputs[0].payload.order.price, Price::from_raw(10'80000000)) << "12 × 0.9";
  EXPECT_EQ(outputs[1].type(), EventType::kOrderCancel);
  EXPECT_EQ(outputs[1].seq(), bar4) << "cancelled by bar 4, one bar after it was placed";
  EXPECT_EQ(outputs[1].payload.order.client_order_id, outputs[0].payload.order.client_order_id);
  auto setup = backtest_setup_from_meta((*reader)->meta());
  ASSERT_TRUE(setup) << setup.error().message;
  EXPECT_EQ(setup->core.strategy.execution, o.execution) << "the journal's meta carries the execution style";
  auto core = Core::create(*setup->registry, setup->core);
  ASSERT_TRUE(core) << core.error().message;
  auto rep = replay_into(**reader, **core, ReplayOptions{journal::kLastSeq, true});
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_FALSE(rep->divergent_seq.has_value()) << rep->divergence;
  EXPECT_EQ(rep->state_hash, r->report.state_hash);
  fs::remove_all(dir);
}

// A copy of a backtest journal as a crashed-then-resumed session would have left it: every
// input, the outputs for which `keep(output)` holds (a crash cuts the record of outputs short),
// no checkpoints and, when `resume` is set, the reconciliation window a --resume journals next,
// naming the crashed session's last durable seq.
struct CrashedCopy {
  Result<ReplayReport> report = Error{ErrorCode::kInvalidArgument, "not run"};
  Seq last_input = 0;
  std::vector<Seq> order_seqs;  // origin seqs of the orders in the original record
};
CrashedCopy replay_crashed_copy(const fs::path& dir, const std::function<bool(const Event&, const CrashedCopy&)>& keep, bool resume) {
  CrashedCopy out;
  BacktestOptions o = sma_options(write_sma_file(dir));
  o.journal_dir = (dir / "original").string();
  auto r = run_backtest(o);
  EXPECT_TRUE(r) << r.error().message;
  auto original = journal::JournalReader::open(o.journal_dir);
  EXPECT_TRUE(original) << original.error().message;
  std::vector<Event> inputs, outputs;
  EXPECT_TRUE((*original)->for_each_input(1, journal::kLastSeq, [&](const Event& e) {
    inputs.push_back(e);
    return true;
  }).ok());
  EXPECT_TRUE((*original)->for_each_output(1, journal::kLastSeq, [&](const Event& e, std::uint32_t) {
    outputs.push_back(e);
    if (e.type() == EventType::kOrderNew) out.order_seqs.push_back(e.seq());
    return true;
  }).ok());
  out.last_input = inputs.back().seq();
  const std::string copy = (dir / "crashed").string();
  {
    auto w = journal::JournalWriter::open(copy, (*original)->meta(), journal::WriterOptions{});
    EXPECT_TRUE(w) << w.error().message;
    for (const Event& e : inputs) EXPECT_TRUE((*w)->append(e));
    for (const Event& e : outputs) {
      if (keep(e, out)) {
        EXPECT_TRUE((*w)->append_output(e));
      }
    }
    if (resume) {
      Event begin = make_event(EventType::kReconcile, Source::kReconcile, kNoInstrument, inputs.back().header.event_ns);
      begin.header.seq = out.last_input + 1;
      begin.payload.reconcile.phase = ReconcilePhase::kBegin;
      begin.payload.reconcile.last_durable_seq = out.last_input;
      Event end = begin;
      end.header.seq = out.last_input + 2;
      end.payload.reconcile.phase = ReconcilePhase::kEnd;
      EXPECT_TRUE((*w)->append(begin));
      EXPECT_TRUE((*w)->append(end));
    }
    EXPECT_TRUE((*w)->close().ok());
  }
  auto reader = journal::JournalReader::open(copy);
  EXPECT_TRUE(reader) << reader.error().message;
  auto setup = backtest_setup_from_meta((*reader)->meta());
  EXPECT_TRUE(setup) << setup.error().message;
  auto core = Core::create(*setup->registry, setup->core);
  EXPECT_TRUE(core) << core.error().message;
  out.report = replay_into(**reader, **core, ReplayOptions{journal::kLastSeq, true});
  return out;
}

// The record of a killed session's outputs is a prefix: the order its last durable inputs made
// may never have been recorded (or sent). The resume's reconciliation window accepts that tail.
TEST(ReplayVerify, OutputsACrashedSessionHadNotRecordedAreAcceptedAtItsResume) {
  const fs::path dir = temp_dir("crash_tail");
  CrashedCopy c = replay_crashed_copy(
      dir, [](const Event& e, const CrashedCopy& cc) { return e.seq() < cc.order_seqs.back(); }, true);
  ASSERT_EQ(c.order_seqs.size(), 2u);
  ASSERT_TRUE(c.report) << c.report.error().message;
  EXPECT_FALSE(c.report->divergent_seq.has_value()) << c.report->divergence;
  EXPECT_EQ(c.report->outputs_compared, 1u);
  EXPECT_EQ(c.report->unrecorded_at_crash, 1u);
  fs::remove_all(dir);
}

// Without a resume naming it, the same missing tail is a divergence (as before).
TEST(ReplayVerify, AnUnrecordedTailWithoutAResumeIsADivergence) {
  const fs::path dir = temp_dir("crash_tail_no_resume");
  CrashedCopy c = replay_crashed_copy(
      dir, [](const Event& e, const CrashedCopy& cc) { return e.seq() < cc.order_seqs.back(); }, false);
  ASSERT_TRUE(c.report) << c.report.error().message;
  ASSERT_TRUE(c.report->divergent_seq.has_value());
  EXPECT_EQ(*c.report->divergent_seq, c.order_seqs.back());
  EXPECT_NE(c.report->divergence.find("order_new was not recorded"), std::string::npos) << c.report->divergence;
  fs::remove_all(dir);
}

// A hole (an output missing before one that was recorded) is never a crash's prefix: divergence,
// resume or not.
TEST(ReplayVerify, AMissingOutputBeforeARecordedOneIsADivergenceEvenAtAResume) {
  const fs::path dir = temp_dir("hole");
  CrashedCopy c = replay_crashed_copy(
      dir, [](const Event& e, const CrashedCopy& cc) { return e.seq() != cc.order_seqs.front(); }, true);
  ASSERT_TRUE(c.report) << c.report.error().message;
  ASSERT_TRUE(c.report->divergent_seq.has_value());
  EXPECT_EQ(*c.report->divergent_seq, c.order_seqs.front());
  fs::remove_all(dir);
}

TEST(Backtest, EquityFileHasOneRowPerBar) {
  const fs::path dir = temp_dir("equity");
  BacktestOptions o = sma_options(write_sma_file(dir));
  o.equity_path = (dir / "equity.csv").string();
  auto r = run_backtest(o);
  ASSERT_TRUE(r) << r.error().message;
  std::ifstream f(o.equity_path);
  std::string line, last;
  int rows = 0;
  std::getline(f, line);
  EXPECT_EQ(line, "time,close,position,cash,equity");
  while (std::getline(f, line)) {
    ++rows;
    last = line;
  }
  EXPECT_EQ(rows, 8);
  EXPECT_EQ(last, "2025-05-20T00:07:00Z,8,0,996.978,996.978");
  fs::remove_all(dir);
}

TEST(Backtest, MalformedLineFailsNamingFileLineAndColumnUnlessSkipped) {
  const fs::path dir = temp_dir("bad");
  const fs::path p = dir / "BAD_1m.csv";
  {
    std::ofstream f(p);
    f << "open_time,open,high,low,close,volume\n1747699200000,1,2,0.5,1,1\n1747699260000,1,abc,0.5,1,1\n"
         "1747699320000,1,2,0.5,1,1\n1747699500000,1,2,0.5,1,1\n";
  }
  BacktestOptions o;
  o.data_path = p.string();
  auto r = run_backtest(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
  EXPECT_NE(r.error().message.find("BAD_1m.csv:3"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("column high"), std::string::npos) << r.error().message;
  o.skip_bad_lines = true;
  auto s = run_backtest(o);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->report.bars, 3u);
  EXPECT_EQ(s->report.bad_lines_skipped, 1u);
  EXPECT_EQ(s->report.gaps, 1u);  // 00:02 → 00:05
  fs::remove_all(dir);
}

TEST(Backtest, UnknownStrategyOrParameterListsTheValidOnes) {
  BacktestOptions o;
  o.data_path = "/nonexistent.csv";
  o.strategy = "nope";
  auto r = run_backtest(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("sma_cross"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("kama_tsmom"), std::string::npos) << r.error().message;
  o.strategy = "sma_cross";
  o.params = {{"fastt", "3"}};
  auto p = run_backtest(o);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("valid: fast, slow"), std::string::npos) << p.error().message;
}

TEST(Backtest, SymbolComesFromTheFileName) {
  EXPECT_EQ(symbol_from_path("../shared/data/crypto_1m/binance_spot_BTCUSDT_1m_20250520_20250818.csv.gz"), "BTCUSDT");
  EXPECT_EQ(symbol_from_path("yahoo_ORCL_daily_1995_2014.csv"), "ORCL");
  EXPECT_EQ(symbol_from_path("dir/bt_index_daily_2006.csv"), "bt_index_daily_2006");
}

// A quantity worth half the cash at the file's first open, so the account never borrows.
Qty half_the_cash_at_first_open(const std::string& path, Money cash) {
  auto reader = MarketDataReader::open(path, ReaderOptions{});
  Event e;
  if (!reader || !(*reader)->next(e).ok()) return Qty::from_units(1);
  const double q = cash.to_double() * 0.5 / e.payload.bar.open.to_double();
  return Qty::from_raw(static_cast<std::int64_t>(q * 1e4) * 10'000);
}

// Real data: every strategy over every bar file, with the README's row counts.
TEST(BacktestRealData, EveryStrategyOverEveryFileGivesASensibleReport) {
  const std::map<std::string, std::uint64_t> rows = {
      {"crypto_1m/binance_spot_BTCUSDT_1m_20250520_20250818.csv.gz", 130'708},
      {"crypto_1m/binance_spot_ETHUSDT_1m_20250520_20250818.csv.gz", 130'708},
      {"crypto_1m/binance_spot_BTCUSDT_1m_20240726_20240825.csv.gz", 43'209},
      {"crypto_1m/binance_spot_ETHUSDT_1m_20240726_20240825.csv.gz", 43'208},
      {"crypto_1m/binance_um_FILUSDT_1m_2023-08_2023-11.csv.gz", 175'680},
      {"crypto_1m/binance_um_NEARUSDT_1m_2023-08_2023-10.csv.gz", 132'480},
      {"equity_daily/yahoo_ORCL_daily_1995_2014.csv", 5'036},
      {"equity_daily/yahoo_NVDA_daily_1999_2014.csv", 4'012},
      {"equity_daily/yahoo_YHOO_daily_1996_2015.csv", 4'965},
      {"equity_daily/bt_index_daily_2005_2006.csv", 512},
      {"equity_daily/bt_index_daily_2006.csv", 255},
      {"equity_daily/bt_index_5min_2006-01.csv", 2'142},
  };
  const std::string base = "../shared/data/";
  if (!fs::exists(base + "crypto_1m") || !fs::exists(base + "equity_daily"))
    GTEST_SKIP() << "no " << base << "crypto_1m or " << base << "equity_daily";
  std::size_t files = 0;
  for (const char* folder : {"crypto_1m", "equity_daily"}) {
    for (const auto& entry : fs::directory_iterator(base + folder)) {
      const std::string rel = std::string(folder) + "/" + entry.path().filename().string();
      ++files;
      for (const char* strategy : {"macd", "sma_cross", "kama_tsmom"}) {
        BacktestOptions o;
        o.data_path = entry.path().string();
        o.strategy = strategy;
        o.qty = half_the_cash_at_first_open(o.data_path, o.cash);
        auto r = run_backtest(o);
        ASSERT_TRUE(r) << rel << " " << strategy << ": " << r.error().message;
        const BacktestReport& rep = r->report;
        SCOPED_TRACE(rel + " " + strategy);
        if (rows.count(rel) != 0) {
          EXPECT_EQ(rep.bars, rows.at(rel));
        }
        for (double v : {rep.final_equity, rep.total_return, rep.win_rate, rep.fees, rep.exposure})
          EXPECT_TRUE(std::isfinite(v));
        // Sharpe and Sortino are null exactly when the account was wiped out (drawdown 1).
        EXPECT_EQ(std::isfinite(rep.sharpe), rep.max_drawdown < 1.0);
        EXPECT_EQ(std::isfinite(rep.sortino), rep.max_drawdown < 1.0);
        EXPECT_GE(rep.max_drawdown, 0.0);
        EXPECT_LE(rep.max_drawdown, 1.0);
        EXPECT_GT(rep.num_trades, 0u);
        EXPECT_EQ(rep.fills, 2 * rep.num_trades + (rep.final_position != 0 ? 1 : 0));
        EXPECT_GE(rep.exposure, 0.0);
        EXPECT_LE(rep.exposure, 1.0);
      }
    }
  }
  EXPECT_EQ(files, rows.size());
}

TEST(BacktestRealData, MacdWithTakeProfitAndStopLossExitsThroughTheVenue) {
  const std::string path = "../shared/data/crypto_1m/binance_spot_BTCUSDT_1m_20240726_20240825.csv.gz";
  if (!fs::exists(path)) GTEST_SKIP() << "no " << path;
  BacktestOptions o;
  o.data_path = path;
  o.strategy = "macd";
  o.params = {{"take_profit_pct", "0.5"}, {"stop_loss_pct", "0.3"}};
  auto r = run_backtest(o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GT(r->report.num_trades, 0u);
  int take_profits = 0, stops = 0;
  for (const TradeRecord& t : r->report.trades) {
    take_profits += std::fabs(t.exit_price - t.entry_price * 1.005) < 1e-6 ? 1 : 0;
    stops += std::fabs(t.exit_price - t.entry_price * 0.997) < 1e-6 ? 1 : 0;
  }
  EXPECT_GT(take_profits, 0);
  EXPECT_GT(stops, 0);
  BacktestOptions plain = o;
  plain.params.clear();
  auto p = run_backtest(plain);
  ASSERT_TRUE(p);
  EXPECT_NE(p->report.final_equity, r->report.final_equity);
}

}  // namespace
}  // namespace sequent::replay
