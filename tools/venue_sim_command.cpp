#include "tools/venue_sim_command.hpp"

#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <cstdio>

#include "gateways/binance_venue/binance_venue.hpp"

namespace sequent::tools {

namespace {

int usage_error(const std::string& message) {
  std::fprintf(stderr, "sequent venue-sim: %s\n", message.c_str());
  return 2;
}

}  // namespace

int run_venue_sim(const VenueSimOptions& options) {
  if (options.protocol != "binance")
    return usage_error("--protocol: unsupported protocol '" + options.protocol + "' (supported: binance)");
  binance_venue::VenueOptions venue;
  const std::size_t colon = options.listen.rfind(':');
  unsigned port = 0;
  if (colon == std::string::npos || colon == 0 ||
      std::from_chars(options.listen.data() + colon + 1, options.listen.data() + options.listen.size(), port).ec !=
          std::errc() ||
      colon + 1 == options.listen.size() || port > 65535)
    return usage_error("--listen: expected HOST:PORT (e.g. 127.0.0.1:9443), got '" + options.listen + "'");
  venue.listen_host = options.listen.substr(0, colon);
  venue.listen_port = static_cast<std::uint16_t>(port);
  if (options.tls && (options.cert.empty() || options.key.empty())) return usage_error("--tls needs --cert FILE and --key FILE");
  if (!options.tls && (!options.cert.empty() || !options.key.empty())) return usage_error("--cert/--key need --tls");
  if (options.speed < 0) return usage_error("--speed must be >= 0 (0 = as fast as clients read)");
  venue.tls = options.tls;
  venue.cert_file = options.cert;
  venue.key_file = options.key;
  venue.replay_path = options.replay;
  venue.replay_speed = options.speed;
  venue.faults = options.faults;
  venue.exchange.seed = options.seed;
  if (!(options.rate > 0 && options.rate <= 100'000)) {
    std::fprintf(stderr, "sequent venue-sim: --rate: expected 0 < rate <= 100000 market steps per second, was %g\n", options.rate);
    return 2;
  }
  venue.exchange.market_events_per_second = options.rate;
  venue.exchange.symbols.clear();
  std::size_t pos = 0;
  while (pos <= options.symbols.size()) {
    std::size_t comma = options.symbols.find(',', pos);
    if (comma == std::string::npos) comma = options.symbols.size();
    if (comma > pos) venue.exchange.symbols.push_back(options.symbols.substr(pos, comma - pos));
    pos = comma + 1;
  }
  if (venue.exchange.symbols.empty()) return usage_error("--symbols: give at least one symbol, e.g. BTCUSDT");
  binance_venue::apply_key_environment(venue.exchange);

  // Block the stop signals before the venue thread starts, so only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto started = binance_venue::BinanceVenue::start(std::move(venue));
  if (!started) {
    std::fprintf(stderr, "sequent venue-sim: %s\n", started.error().message.c_str());
    return exit_code_for(started.error().code);
  }
  std::fprintf(stderr, "sequent venue-sim: protocol=binance listen=%s tls=%d mode=%s\n",
               (*started)->bound_address().c_str(), options.tls ? 1 : 0, options.replay.empty() ? "sim" : "replay");
  std::fflush(stderr);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  (*started)->stop();
  return 0;
}

}  // namespace sequent::tools
