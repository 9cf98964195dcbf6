// `sequent venue-sim --protocol binance ...`: runs a local venue that speaks a real venue's
// protocol on loopback until SIGINT/SIGTERM (docs/venues/binance-venue-sim.md).
#pragma once

#include <cstdint>
#include <string>

namespace sequent::tools {

struct VenueSimOptions {
  std::string protocol;                    // required: "binance"
  std::string listen = "127.0.0.1:9443";   // HOST:PORT (port 0 = any free port)
  bool tls = false;
  std::string cert, key;                   // PEM files, with --tls
  std::string replay;                      // capture file (`<receive_ns> <json>` lines, plain or .gz)
  double speed = 1.0;                      // replay pacing multiplier; 0 = as fast as clients read
  std::uint64_t seed = 1;
  double rate = 20;  // simulated market steps per second, all symbols together
  std::string symbols = "BTCUSDT,ETHUSDT";
  std::string faults;                      // fault spec armed at start
};

// Exit codes: 0 after SIGINT/SIGTERM, 1 runtime failure (cannot listen), 2 bad flags.
int run_venue_sim(const VenueSimOptions& options);

}  // namespace sequent::tools
