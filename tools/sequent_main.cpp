// The `sequent` program: one binary, one subcommand per job (INTERFACE.md).
#include <CLI/CLI.hpp>

#include <cstdio>

#include "tools/backtest_command.hpp"
#include "tools/console_command.hpp"
#include "tools/indicators_command.hpp"
#include "tools/live_command.hpp"
#include "tools/live_config.hpp"
#include "tools/replay_command.hpp"
#include "tools/token_command.hpp"
#include "tools/venue_sim_command.hpp"

namespace {

constexpr const char* kVersion = "0.1.0";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Sequent: a low-latency, event-sourced trading engine"};
  app.require_subcommand(1);
  app.set_version_flag("--version", kVersion);

  sequent::tools::LiveOptions live;
  CLI::App* live_cmd = app.add_subcommand(
      "live", "Run the headless engine (paper trading on the built-in simulated market by default)");
  live_cmd->add_option("--config", live.config_path, "TOML configuration file (default: built-in paper config)")
      ->check(CLI::ExistingFile);
  live_cmd->add_option("--duration", live.duration_seconds, "Stop after SECONDS (default: run until SIGINT/SIGTERM)")
      ->check(CLI::Range(0.0, 1e9));
  live_cmd->add_option("--journal", live.journal_dir,
                       "Session journal directory (default var/sessions/<UTC timestamp>/; must not hold a session yet)");
  live_cmd->add_flag("--resume", live.resume,
                     "Rebuild state from an existing --journal, reconcile with the venue, and carry on appending");
  live_cmd->add_flag("--confirm-live", live.confirm_live, "Required to start with mode = \"live\" (real money)");
  live_cmd->add_option("--test-kill-at-seq", live.test_kill_at_seq, "Crash tests: SIGKILL the process after this seq")
      ->group("");
  live_cmd->add_option("--pipeline", live.pipeline, "Topology: inline (one thread), fused or threaded");
  live_cmd->add_option("--seed", live.seed, "Seed of the simulated market (default 1)");
  live_cmd->add_option("--console", live.console, "Admin console address HOST:PORT (default 127.0.0.1:8080; port 0 = any free port; off = no console)");
  live_cmd->add_option("--wait", live.wait, "Wait strategy: busy_spin, spin_yield or backoff (default)");
  live_cmd->add_option("--rate", live.rate, "Simulated market events per second (default 1000)")
      ->check(CLI::Range(1.0, 1e6));
  live_cmd->add_option("--events", live.events,
                       "Stop after N inputs; the simulated market runs unpaced from a fixed start time, so an "
                       "inline run is reproducible (tests, benchmarks)")
      ->check(CLI::PositiveNumber);

  sequent::tools::ReplayCommandOptions replay;
  CLI::App* replay_cmd = app.add_subcommand("replay", "Rebuild state from a journal; --verify compares with what the session recorded");
  replay_cmd->add_option("DIR", replay.dir, "Session journal directory")->required();
  replay_cmd->add_option("--to", replay.to, "Stop after this seq");
  replay_cmd->add_flag("--verify", replay.verify,
                       "Regenerate outputs and checkpoints from seq 1 and compare (exit 3 at the first divergence)");
  replay_cmd->add_flag("--json", replay.json, "Print the result as one JSON object");

  CLI::App* journal_cmd = app.add_subcommand("journal", "Inspect or export a session journal");
  journal_cmd->require_subcommand(1);
  std::string info_dir;
  CLI::App* info_cmd = journal_cmd->add_subcommand("info", "Format, session, seq range and record counts");
  info_cmd->add_option("DIR", info_dir, "Session journal directory")->required();
  sequent::tools::ExportCommandOptions exp;
  CLI::App* export_cmd = journal_cmd->add_subcommand("export", "Write the journal as JSON lines (the audit log) to stdout");
  export_cmd->add_option("DIR", exp.dir, "Session journal directory")->required();
  export_cmd->add_option("--from", exp.from, "First seq (default 1)");
  export_cmd->add_option("--to", exp.to, "Last seq (default: the end)");
  export_cmd->add_flag("--outputs", exp.outputs, "Also write the recorded outputs after the input that caused them");
  export_cmd->add_option("--format", exp.format, "Output format: jsonl")->required();

  std::string token_name = "operator", token_role = "viewer";
  CLI::App* token_cmd = app.add_subcommand("token", "Generate a console token (stdout) and its SHA-256 for [[users]] (stderr)");
  token_cmd->add_option("--name", token_name, "User name for the [[users]] snippet (default operator)");
  token_cmd->add_option("--role", token_role, "viewer (default), trader, manager or admin");

  sequent::tools::ConsoleOptions console;
  CLI::App* console_cmd = app.add_subcommand(
      "console", "Admin console client: send one COMMAND and print the reply, or an interactive prompt without one");
  console_cmd->add_option("URL", console.url, "ws://HOST:PORT or wss://HOST:PORT")->required();
  console_cmd->add_option("--token", console.token,
                          "Bearer token (visible to other users in ps: prefer the SEQUENT_CONSOLE_TOKEN environment variable)");
  console_cmd->add_option("--count", console.count, "subscribe: exit after N updates (default: until Ctrl-C)")
      ->check(CLI::PositiveNumber);
  console_cmd->add_flag("--insecure", console.insecure, "wss: do not verify the server's TLS certificate");
  console_cmd->add_option("COMMAND", console.command,
                          "OP [key=value ...] [channels ...], e.g. kill_switch reason=\"fat finger\", or a raw JSON object");
  console_cmd->footer(
      "Exit status: 0 ok, 1 error reply (code and message on stderr), 2 usage or connection error.\n"
      "Protocol: docs/console-protocol.md");

  std::string check_path;
  CLI::App* check_cmd = app.add_subcommand("check-config", "Validate a configuration file and print it fully resolved");
  check_cmd->add_option("FILE", check_path, "TOML configuration file")->required();

  sequent::tools::IndicatorsOptions indicators;
  CLI::App* indicators_cmd = app.add_subcommand(
      "indicators", "Compute TA-Lib-compatible indicators over a bar file: one CSV row per bar");
  indicators_cmd->add_option("--data", indicators.data, "Bar file: Binance klines, OHLCV CSV (plain, .gz or .zip)")
      ->required()
      ->check(CLI::ExistingFile);
  indicators_cmd->add_option("--indicator", indicators.specs,
                             "SPEC, repeatable: sma:20 ema:20 macd:12,26,9 rsi:14 kama:30 atr:14 bbands:20,2 roc:10")
      ->required();
  indicators_cmd->add_option("--out", indicators.out, "CSV file to write")->required();

  sequent::tools::BacktestCommandOptions bt;
  CLI::App* backtest_cmd = app.add_subcommand("backtest", "Run a strategy over a bar file with simulated fills and report");
  backtest_cmd->add_option("--data", bt.data, "Bar file: Binance klines, OHLCV CSV (plain, .gz or .zip)")->required();
  backtest_cmd->add_option("--symbol", bt.symbol, "Instrument symbol (default: from the file name, e.g. BTCUSDT)");
  backtest_cmd->add_option("--strategy", bt.strategy, "Strategy: macd, sma_cross or kama_tsmom")->required();
  backtest_cmd->add_option("--param", bt.params, "KEY=VALUE strategy parameter, repeatable");
  backtest_cmd->add_option("--qty", bt.qty, "Order quantity (default 1)");
  backtest_cmd->add_option("--cash", bt.cash, "Initial cash (default 100000)");
  backtest_cmd->add_option("--fee-bps", bt.fee_bps, "Fee in basis points of notional per fill (default 10)");
  backtest_cmd->add_option("--slippage-bps", bt.slippage_bps, "Slippage against the taker in basis points (default 0)");
  backtest_cmd->add_option("--fill", bt.fill, "Market order fills: next_open (default) or close");
  backtest_cmd->add_option("--journal", bt.journal, "Record the run as a session journal in DIR");
  backtest_cmd->add_option("--report", bt.report, "Write the report as JSON");
  backtest_cmd->add_option("--trades", bt.trades, "Write the round-trip trades as CSV");
  backtest_cmd->add_option("--equity", bt.equity, "Write the per-bar equity as CSV");
  backtest_cmd->add_option("--html", bt.html, "Write a self-contained HTML report (price with trades, equity, drawdown)");
  backtest_cmd->add_flag("--skip-bad-lines", bt.skip_bad_lines, "Count and skip malformed lines instead of stopping");
  backtest_cmd->add_option("--config", bt.config, "TOML configuration: its [risk] limits and breakers apply to the backtest")
      ->check(CLI::ExistingFile);
  backtest_cmd->add_option("--bar-seconds", bt.bar_seconds, "Trade files: bar length the strategy builds from trades (default 60)");

  sequent::tools::BacktestCommandOptions sw_bt;
  sequent::tools::SweepCommandOptions sw;
  CLI::App* sweep_cmd = app.add_subcommand("sweep", "Run a backtest per point of a parameter grid, in parallel, ranked");
  sweep_cmd->add_option("--data", sw_bt.data, "Bar file: Binance klines, OHLCV CSV (plain, .gz or .zip)")->required();
  sweep_cmd->add_option("--symbol", sw_bt.symbol, "Instrument symbol (default: from the file name)");
  sweep_cmd->add_option("--strategy", sw_bt.strategy, "Strategy: macd, sma_cross or kama_tsmom")->required();
  sweep_cmd->add_option("--grid", sw.grid, "KEY=START:STOP:STEP, repeatable (one axis each)")->required();
  sweep_cmd->add_option("--param", sw_bt.params, "KEY=VALUE fixed strategy parameter, repeatable");
  sweep_cmd->add_option("--jobs", sw.jobs, "Worker threads (default: the number of cores)");
  sweep_cmd->add_option("--rank", sw.rank, "Metric to rank by (default sharpe; max_drawdown and fees rank ascending)");
  sweep_cmd->add_option("--out", sw.out, "CSV file to write")->required();
  sweep_cmd->add_option("--qty", sw_bt.qty, "Order quantity (default 1)");
  sweep_cmd->add_option("--cash", sw_bt.cash, "Initial cash (default 100000)");
  sweep_cmd->add_option("--fee-bps", sw_bt.fee_bps, "Fee in basis points of notional per fill (default 10)");
  sweep_cmd->add_option("--slippage-bps", sw_bt.slippage_bps, "Slippage against the taker in basis points (default 0)");
  sweep_cmd->add_option("--fill", sw_bt.fill, "Market order fills: next_open (default) or close");
  sweep_cmd->add_flag("--skip-bad-lines", sw_bt.skip_bad_lines, "Count and skip malformed lines instead of stopping");
  sweep_cmd->add_option("--config", sw_bt.config, "TOML configuration: its [risk] limits and breakers apply")
      ->check(CLI::ExistingFile);
  sweep_cmd->add_option("--bar-seconds", sw_bt.bar_seconds, "Trade files: bar length the strategy builds from trades (default 60)");

  sequent::tools::VenueSimOptions venue_sim;
  CLI::App* venue_sim_cmd = app.add_subcommand(
      "venue-sim", "Run a local venue speaking a real venue's protocol on loopback (until SIGINT/SIGTERM)");
  venue_sim_cmd->add_option("--protocol", venue_sim.protocol, "Venue protocol: binance (Binance spot REST + WebSocket)")
      ->required();
  venue_sim_cmd->add_option("--listen", venue_sim.listen, "HOST:PORT to listen on (default 127.0.0.1:9443; port 0 = any)");
  venue_sim_cmd->add_flag("--tls", venue_sim.tls, "Serve HTTPS/WSS (needs --cert and --key)");
  venue_sim_cmd->add_option("--cert", venue_sim.cert, "TLS certificate chain (PEM)");
  venue_sim_cmd->add_option("--key", venue_sim.key, "TLS private key (PEM)");
  venue_sim_cmd->add_option("--replay", venue_sim.replay,
                            "Re-serve a websocket capture (`<receive_ns> <json>` lines, plain or .gz) instead of the "
                            "simulated market")
      ->check(CLI::ExistingFile);
  venue_sim_cmd->add_option("--speed", venue_sim.speed, "Replay pacing multiplier (default 1; 0 = as fast as clients read)");
  venue_sim_cmd->add_option("--seed", venue_sim.seed, "Seed of the simulated market (default 1)");
  venue_sim_cmd->add_option("--rate", venue_sim.rate, "Simulated market steps per second, all symbols (default 20)");
  venue_sim_cmd->add_option("--symbols", venue_sim.symbols, "Comma-separated symbols (default BTCUSDT,ETHUSDT)");
  venue_sim_cmd->add_option("--faults", venue_sim.faults,
                            "Faults armed at start: JSON object or key=value list, e.g. drop_depth=1,reject_429=3");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "sequent: %s\nRun 'sequent --help' for usage.\n", e.what());
    return 2;
  }
  if (live_cmd->parsed()) return sequent::tools::run_live(live);
  if (replay_cmd->parsed()) return sequent::tools::run_replay(replay);
  if (console_cmd->parsed()) return sequent::tools::run_console(console);
  if (token_cmd->parsed()) return sequent::tools::run_token_command(token_name, token_role);
  if (check_cmd->parsed()) {
    sequent::tools::LiveConfig cfg = sequent::tools::default_paper_config();
    if (sequent::Status s = sequent::tools::apply_config_file(check_path, cfg); !s.ok()) {
      std::fprintf(stderr, "sequent check-config: %s\n", s.error().message.c_str());
      return 2;
    }
    std::fputs(sequent::tools::resolved_config_text(cfg).c_str(), stdout);
    return 0;
  }
  if (info_cmd->parsed()) return sequent::tools::run_journal_info(info_dir);
  if (export_cmd->parsed()) return sequent::tools::run_journal_export(exp);
  if (indicators_cmd->parsed()) return sequent::tools::run_indicators(indicators);
  if (backtest_cmd->parsed()) return sequent::tools::run_backtest_command(bt);
  if (sweep_cmd->parsed()) return sequent::tools::run_sweep_command(sw_bt, sw);
  if (venue_sim_cmd->parsed()) return sequent::tools::run_venue_sim(venue_sim);
  return 2;
}
