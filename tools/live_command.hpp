// `sequent live`: the headless engine on the built-in simulated market (paper trading).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sequent::tools {

struct LiveOptions {
  std::string config_path;                // empty = built-in paper config
  std::optional<double> duration_seconds; // none = until SIGINT/SIGTERM
  std::optional<std::string> pipeline;    // inline | fused | threaded
  std::optional<std::uint64_t> seed;
  std::optional<std::string> console;     // HOST:PORT
  std::optional<std::string> wait;        // busy_spin | spin_yield | backoff
  std::optional<double> rate;             // simulated market events per second
  // Stop after (at least) this many inputs, with the simulated market unpaced and starting at a
  // fixed time, so an inline run is reproducible bit for bit (tests, benchmarks).
  std::optional<std::uint64_t> events;
  std::string journal_dir;
  bool resume = false;
  bool confirm_live = false;           // --confirm-live: required with mode = "live"
  std::uint64_t test_kill_at_seq = 0;  // tests only: SIGKILL itself right after submitting this seq
};

// Runs the engine; returns the process exit code (INTERFACE.md).
int run_live(const LiveOptions& options);

}  // namespace sequent::tools
