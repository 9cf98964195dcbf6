// The backtest driver: one bar file through the same Core the live engine runs, with the
// simulated BarVenue filling its orders, on one thread.
//
//   BacktestOptions o;  o.data_path = "BTCUSDT-1m.csv.gz";  o.strategy = "sma_cross";
//   Result<BacktestResult> r = run_backtest(o);          // cold: opens, runs, reports
//   if (!r) { fprintf(stderr, "%s\n", r.error().message.c_str()); return exit_code_for(r.error().code); }
//   fputs(format_summary(r->report).c_str(), stdout);
//
// Per bar: (1) the venue fills what the bar's open and range reach (next_open market orders,
// limits, bracket exits) and those reports are sequenced and processed first; (2) the bar is
// sequenced and processed; the router's new orders go to the venue (close mode: filled at once at
// this bar's close, the reports sequenced right after the bar); (3) equity is marked to the close.
// The sequencer's clock is a ManualClock set to each input's event time, so two runs give the same
// inputs, outputs and state hash bit for bit. With a journal directory every input, output and a
// final checkpoint are journaled (durability none), and meta.config holds a [backtest] section
// from which backtest_setup_from_meta() rebuilds the same Core for `replay --verify`.
// Memory: fixed apart from the list of round-trip trades (the equity series is streamed).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/clock.hpp"
#include "engine/core.hpp"
#include "engine/instrument.hpp"
#include "engine/result.hpp"
#include "engine/sequencer.hpp"
#include "gateways/bar_venue.hpp"
#include "journal/journal.hpp"
#include "replay/html_report.hpp"
#include "replay/report.hpp"

namespace sequent::replay {

struct BacktestOptions {
  std::string data_path;
  std::string symbol;                 // empty: from the file name (e.g. BTCUSDT)
  std::string strategy = "sma_cross";
  std::vector<std::pair<std::string, std::string>> params;
  Qty qty = Qty::from_units(1);       // order quantity of the strategy slot
  Money cash = Money::from_units(100'000);
  std::int64_t fee_bps = 10;
  std::int64_t slippage_bps = 0;
  FillMode fill = FillMode::kNextOpen;
  bool skip_bad_lines = false;
  std::string journal_dir;            // empty: no journal
  std::string equity_path;            // empty: no equity CSV (time,close,position,cash,equity)
  bool collect_series = false;        // keep a downsampled price/equity series (HTML report)
  // Trade files: the strategy's time bars are built from the trades with this length, and the
  // equity series (and so the ratios) is sampled once per bar. Ignored for bar files.
  TimeNs bar_interval_ns = 60'000'000'000;
  // Pre-trade risk for the backtest (from --config): the common limits apply to the backtest's
  // instrument; initial equity is always --cash. Absent: no limits.
  std::optional<RiskConfig> risk;
  // How the strategy's market signals are sent (from --config [strategy] order_type,
  // limit_offset_bps, order_ttl_ms): limit entries rest at the bar venue from the next bar and
  // their TTL runs in bar time (bar open times).
  ExecutionStyle execution;
};

// What a backtest's Core is built from (also rebuilt from a journal's meta).
struct BacktestSetup {
  std::unique_ptr<InstrumentRegistry> registry;
  CoreConfig core;
  BarVenueConfig venue;
};

// Registry with one instrument (`symbol`, venue "backtest", tick 0.00000001, lot 0.00000001,
// no minimum notional) and the Core configuration: the strategy slot, risk limits off apart from
// initial equity = cash. Errors: unknown strategy or parameter (kInvalidArgument, listing the
// valid ones).
Result<BacktestSetup> make_backtest_setup(const BacktestOptions& options, const std::string& symbol);

// The [backtest] text stored in the journal's meta.config, and its inverse.
std::string backtest_meta_config(const BacktestOptions& options, const std::string& symbol);
bool is_backtest_meta(const journal::SessionMeta& meta);
Result<BacktestSetup> backtest_setup_from_meta(const journal::SessionMeta& meta);

// Symbol guessed from a data file name: the first all-capitals token ("binance_spot_BTCUSDT_1m_..."
// → BTCUSDT, "yahoo_ORCL_daily..." → ORCL), else the file's stem.
std::string symbol_from_path(const std::string& path);

// Parses "next_open" / "close".
Result<FillMode> parse_fill_mode(const std::string& text);

struct BacktestResult {
  BacktestReport report;
  std::vector<SeriesPoint> series;  // collect_series only: at most 4096 evenly spaced bars
};

// Opens the data file, runs the whole backtest and returns the report. Errors: kInvalidArgument
// (strategy, parameter, options), kParse ("file:line: column NAME: problem" from the reader),
// kIo / kCorrupt (file, journal).
Result<BacktestResult> run_backtest(const BacktestOptions& options);

// The engine loop itself, for callers that hold bars already (benchmarks, tests): feed every bar
// with on_bar(), then finish(). Single-threaded; not copyable.
class BacktestSession {
 public:
  static Result<std::unique_ptr<BacktestSession>> create(const BacktestOptions& options, const std::string& symbol,
                                                          journal::JournalWriter* journal = nullptr);
  ~BacktestSession();
  BacktestSession(const BacktestSession&) = delete;
  BacktestSession& operator=(const BacktestSession&) = delete;
  // Hot: one bar (kBar of instrument 0). No allocation in steady state.
  void on_bar(const Event& bar) noexcept;
  // Hot: one trade (kTrade of instrument 0) of a trade file. The venue sees it as a bar with
  // open = high = low = close = the trade price, so a market order decided on trade N fills at
  // trade N+1's price; the strategy sees the trade itself and builds its bars from trades.
  void on_trade(const Event& trade) noexcept;
  // After the last trade: closes the equity sample of the last bar.
  void finish_trades() noexcept;
  // Writes the final checkpoint to the journal (if any) and the performance report fields.
  void finish(TimeNs interval_ns, BacktestReport& report);

  void set_equity_file(std::FILE* f) noexcept { equity_ = f; }
  void set_sampler(SeriesSampler* s) noexcept { sampler_ = s; }
  const Core& core() const noexcept { return *core_; }
  std::uint64_t inputs() const noexcept { return sequencer_.next_seq() - 1; }

 private:
  class Sink;
  BacktestSession(BacktestSetup setup, journal::JournalWriter* journal, Money cash);
  void input(Event& e) noexcept;
  void venue_sees(const Event& bar) noexcept;
  void close_sample(TimeNs t, Price close) noexcept;
  void drain(const Event& bar) noexcept;

  BacktestSetup setup_;
  std::unique_ptr<Core> core_;
  BarVenue venue_;
  ManualClock clock_;
  Sequencer sequencer_;
  journal::JournalWriter* journal_;
  std::unique_ptr<Sink> sink_;
  PerformanceTracker tracker_;
  std::vector<Event> reports_, outputs_;
  std::FILE* equity_ = nullptr;
  SeriesSampler* sampler_ = nullptr;
  TimeNs sample_bucket_ = INT64_MIN;  // trade files: the bar whose equity is pending
  Event last_trade_{};
  std::uint64_t orders_ = 0, fills_ = 0;
};

}  // namespace sequent::replay
