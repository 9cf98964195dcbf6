// BinanceVenue: a local venue that speaks Binance spot's protocol on loopback, for testing the
// Binance gateway without the network. REST (/api/v3/...), WebSocket market streams
// (/stream?streams=..., /ws/<stream>), the WebSocket API (/ws-api/v3) with user-data events, and
// a control API (/sim/state, /sim/faults, /sim/trade). Plain TCP or TLS. See
// docs/venues/binance-venue-sim.md for endpoints, matching rules, faults and limits.
//
// Threading: start() runs everything (accept, sessions, market clock, replay) on one
// io_context thread of its own; the exchange state lives on that thread only. stop() (or the
// destructor) stops it and joins. The public methods are safe from any one controlling thread.
//
//   VenueOptions opt;  opt.listen_port = 0;                   // any free port
//   auto venue = BinanceVenue::start(opt);                   // Result<std::unique_ptr<...>>
//   if (!venue) { std::cerr << venue.error().message; }
//   std::uint16_t port = (*venue)->port();  ...  (*venue)->stop();
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/result.hpp"
#include "gateways/binance_venue/exchange.hpp"

namespace sequent::binance_venue {

struct VenueOptions {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 9443;   // 0 = any free port
  bool tls = false;
  std::string cert_file, key_file;    // PEM, with tls
  std::string replay_path;            // capture `<receive_ns> <json>` per line (plain or .gz); "" = sim
  double replay_speed = 1.0;          // receive-time pacing multiplier; 0 = as fast as clients read
  std::string faults;                 // fault spec armed at start (parse_fault_spec)
  int depth_interval_ms = 100;        // sim: market clock tick and @depth@100ms cadence
  int ping_interval_ms = 20'000;      // server ping frames on every WebSocket
  std::size_t max_backlog = 100'000;  // queued messages per WebSocket before it is dropped as slow
  ExchangeConfig exchange;            // symbols, seed, keys, limits, balances, clock
};

// API key and secret from SEQUENT_VENUE_API_KEY / SEQUENT_VENUE_API_SECRET, else the test
// defaults (kDefaultApiKey / kDefaultApiSecret).
void apply_key_environment(ExchangeConfig& config);

class BinanceVenue {
 public:
  // Binds, loads the replay capture's symbols and snapshot if any, and starts the venue thread.
  // Errors: kInvalidArgument (bad options, fault spec, TLS files), kIo (cannot bind or read).
  static Result<std::unique_ptr<BinanceVenue>> start(VenueOptions options);

  ~BinanceVenue();
  BinanceVenue(const BinanceVenue&) = delete;
  BinanceVenue& operator=(const BinanceVenue&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  // "127.0.0.1:9443" as bound.
  [[nodiscard]] std::string bound_address() const;
  // Stops accepting, closes every connection and joins the venue thread. Idempotent.
  void stop();

  class Impl;

 private:
  explicit BinanceVenue(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sequent::binance_venue
