// `sequent venue-sim --protocol binance` as a user runs it: the bound-address line on stderr,
// /api/v3/time over HTTP, a stream subscription over WebSocket, SIGTERM -> exit 0; bad flags -> 2.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "tests/e2e/sequent_runner.hpp"
#include "tests/e2e/venue_process.hpp"
#include "tests/gateways/binance_venue_client.hpp"

extern char** environ;

namespace sequent::e2e {
namespace {

TEST(VenueSimE2e, ServesTimeAndAStreamUntilSigterm) {
  Running venue = start_venue({"venue-sim", "--protocol", "binance", "--listen", "127.0.0.1:0", "--seed", "7"});
  ASSERT_GT(venue.pid, 0);
  const std::string listen = field(venue.line, "listen");
  ASSERT_FALSE(listen.empty()) << "stderr line: " << venue.line;
  EXPECT_EQ(field(venue.line, "protocol"), "binance");
  EXPECT_EQ(venue.line.find("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"), std::string::npos)
      << "the API key is never printed";
  const auto port = static_cast<std::uint16_t>(std::stoi(listen.substr(listen.rfind(':') + 1)));

  test::HttpResult time = test::http_request(port, test::http::verb::get, "/api/v3/time");
  EXPECT_EQ(time.status, 200u);
  EXPECT_TRUE(time.body.starts_with("{\"serverTime\":")) << time.body;
  EXPECT_EQ(time.header("x-mbx-used-weight-1m"), "1");
  {
    test::WsClient ws(port, "/stream?streams=btcusdt@trade");
    auto m = ws.read();
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->starts_with("{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",")) << *m;
  }
  EXPECT_EQ(stop_venue(venue.pid), 0);
}

TEST(VenueSimE2e, BadFlagsExitTwoWithAClearMessage) {
  CommandResult r = run_sequent("venue-sim --protocol kraken");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unsupported protocol 'kraken' (supported: binance)"), std::string::npos) << r.err;
  r = run_sequent("venue-sim --protocol binance --listen nowhere");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--listen"), std::string::npos) << r.err;
  r = run_sequent("venue-sim --protocol binance --listen 127.0.0.1:0 --faults explode=1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown fault 'explode'"), std::string::npos) << r.err;
  r = run_sequent("venue-sim --protocol binance --listen 127.0.0.1:0 --symbols btc");
  EXPECT_EQ(r.exit_code, 2);
  r = run_sequent("venue-sim --protocol binance --tls");
  EXPECT_EQ(r.exit_code, 2);
  r = run_sequent("venue-sim");
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace sequent::e2e
