// LiveConfig: everything `sequent live` needs, from built-in paper defaults, a TOML file
// (--config) and command-line overrides, in that order. Cold path.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "engine/core.hpp"
#include "engine/instrument.hpp"
#include "engine/pipeline.hpp"
#include "engine/result.hpp"

namespace sequent::tools {

struct LiveConfig {
  std::unique_ptr<InstrumentRegistry> registry;
  CoreConfig core;
  PipelineOptions pipeline;
  std::uint64_t seed = 1;
  double events_per_second = 1000;  // simulated market, all instruments
  int sequencer_cpu = -1;           // fused/threaded: the ingest + sequencer thread
  int venue_cpu = -1;               // fused/threaded: the simulated exchange thread
  std::string console = "127.0.0.1:8080";
  std::string source = "built-in paper defaults";
};

// The built-in paper configuration: BTCUSDT and ETHUSDT on the simulated venue, MACD(12,26,9)
// on 100 ms bars (first signal after 34 bars, about 4 s), small fixed sizes, default limits.
LiveConfig default_paper_config();

// Applies a TOML file on top of cfg. Errors read "FILE:LINE: key: problem".
Status apply_config_file(const std::string& path, LiveConfig& cfg);

}  // namespace sequent::tools
