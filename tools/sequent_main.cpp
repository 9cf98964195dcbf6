// The `sequent` program: one binary, one subcommand per job (INTERFACE.md).
#include <CLI/CLI.hpp>

#include <cstdio>

#include "tools/live_command.hpp"

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
  live_cmd->add_option("--journal", live.journal_dir, "Session journal directory (not available in this build)");
  live_cmd->add_flag("--resume", live.resume, "Rebuild from an existing --journal and carry on (not available in this build)");
  live_cmd->add_option("--pipeline", live.pipeline, "Topology: inline (one thread), fused or threaded");
  live_cmd->add_option("--seed", live.seed, "Seed of the simulated market (default 1)");
  live_cmd->add_option("--console", live.console, "Admin console address HOST:PORT (default 127.0.0.1:8080)");
  live_cmd->add_option("--wait", live.wait, "Wait strategy: busy_spin, spin_yield or backoff (default)");
  live_cmd->add_option("--rate", live.rate, "Simulated market events per second (default 1000)")
      ->check(CLI::Range(1.0, 1e6));
  live_cmd->add_option("--events", live.events,
                       "Stop after N inputs; the simulated market runs unpaced from a fixed start time, so an "
                       "inline run is reproducible (tests, benchmarks)")
      ->check(CLI::PositiveNumber);

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
  return 2;
}
