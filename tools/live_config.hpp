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
#include "journal/journal.hpp"

namespace sequent::tools {

enum class OperatingMode { kPaper, kAdvisory, kLive };

// Console users: roles in increasing power; a token is stored only as its SHA-256 (hex).
enum class Role { kViewer, kTrader, kManager, kAdmin };
std::string_view to_string(Role r) noexcept;

struct UserConfig {
  std::string name;
  Role role = Role::kViewer;
  std::string token_sha256;  // 64 lower-case hex digits
};

// [console]: the admin console server (docs/console-protocol.md).
struct ConsoleSettings {
  bool enabled = true;
  std::string tls_cert, tls_key;  // both or neither: serve https/wss
  std::size_t max_frame_bytes = 64 * 1024;
  double rate_limit_per_s = 20;
  std::size_t max_connections = 256;
  std::size_t max_backlog = 4096;  // messages queued for one client before it is cut off
};

// [venue]: where orders go. "sim": the built-in simulated market and venue (paper, advisory);
// "binance": Binance spot's protocol at the configured endpoints (live with --confirm-live, or
// advisory for market data and decisions without orders).
struct VenueSettings {
  std::string kind = "sim";
  std::string rest_url = "https://api.binance.com";
  std::string ws_market_url = "wss://stream.binance.com:9443";
  std::string ws_api_url = "wss://ws-api.binance.com:443/ws-api/v3";
  std::string api_key_env = "BINANCE_API_KEY";      // names of environment variables, not secrets
  std::string api_secret_env = "BINANCE_API_SECRET";
  std::int64_t recv_window_ms = 5000;
  bool tls_verify = true;
  std::string tls_ca_file;
  int error_limit = 5;  // live: this many consecutive venue errors downgrade to advisory (0 = never)
  // Connections are replaced this long after opening, before Binance's 24-hour cut (the market
  // stream make-before-break); tests set it short to force rotations.
  std::int64_t rotate_after_ms = 23LL * 3'600'000 + 30 * 60'000;
};

struct LiveConfig {
  std::unique_ptr<InstrumentRegistry> registry;
  // paper: the simulated venue fills orders; advisory: strategies and risk run and every decision
  // is journaled, but no order leaves the router; live: a real venue (needs --confirm-live).
  OperatingMode mode = OperatingMode::kPaper;
  CoreConfig core;
  PipelineOptions pipeline;
  std::uint64_t seed = 1;
  double events_per_second = 1000;  // simulated market, all instruments
  int sequencer_cpu = -1;           // fused/threaded: the ingest + sequencer thread
  int venue_cpu = -1;               // fused/threaded: the simulated exchange thread
  int console_cpu = -1;             // the console server's io thread
  std::string console = "127.0.0.1:8080";
  ConsoleSettings console_settings;
  VenueSettings venue;
  // Journal: on by default, in var/sessions/<UTC timestamp>/ unless a directory is given.
  bool journal_enabled = true;
  std::string journal_dir;
  journal::Durability durability = journal::Durability::kBatch;
  bool gate_orders = false;          // release an order only once its origin seq is durable
  std::int64_t stall_limit_ms = 2000;  // journal not committing for this long → kill switch
  std::string source = "built-in paper defaults";
  // Simulated market start price per instrument id (from [[instruments]] sim_start_price); 0 =
  // the built-in default (BTCUSDT, ETHUSDT).
  std::vector<Price> sim_start_prices;
  std::vector<UserConfig> users;  // [[users]]: who may use the admin console, and as what
};

// The built-in paper configuration: BTCUSDT and ETHUSDT on the simulated venue, MACD(12,26,9)
// on 100 ms bars (first signal after 34 bars, about 4 s), small fixed sizes, default limits.
LiveConfig default_paper_config();

// Applies a TOML file on top of cfg. Errors read "FILE:LINE: key: problem".
Status apply_config_file(const std::string& path, LiveConfig& cfg);
// Same, from text; `name` stands for the file in messages (e.g. "DIR (journal meta)").
Status apply_config_text(const std::string& text, const std::string& name, LiveConfig& cfg);

// The fully resolved configuration as TOML that apply_config_text reads back to the same
// settings. Stored in the journal's meta so replay rebuilds the same core.
std::string resolved_config_text(const LiveConfig& cfg);
// One line per instrument: "id symbol venue tick lot min_notional" (journal meta).
std::string instruments_text(const InstrumentRegistry& registry);

}  // namespace sequent::tools
