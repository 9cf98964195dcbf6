// `sequent live` trading Binance spot's protocol end to end against `sequent venue-sim --protocol
// binance` on loopback: orders placed and filled through the WebSocket API, the journal replays
// bit for bit, the venue's own record of our fills matches the engine's position (also after a
// kill -9 and --resume, when reconciliation must find what filled while the engine was down),
// credentials never leave the environment, and a ban (HTTP 418) downgrades the session to advisory.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/e2e/sequent_runner.hpp"
#include "tests/e2e/venue_process.hpp"
#include "tests/gateways/binance_venue_client.hpp"

namespace sequent::e2e {
namespace {

constexpr const char* kKey = "e2eKey6f1d2cA9";
constexpr const char* kSecret = "e2eSecret9a8b7c6d5eQ";

struct Venue {
  Running proc;
  std::uint16_t port = 0;
  explicit Venue(const std::vector<std::string>& extra = {}) {
    ::setenv("SEQUENT_VENUE_API_KEY", kKey, 1);
    ::setenv("SEQUENT_VENUE_API_SECRET", kSecret, 1);
    ::setenv("SEQUENT_E2E_BINANCE_KEY", kKey, 1);
    ::setenv("SEQUENT_E2E_BINANCE_SECRET", kSecret, 1);
    std::vector<std::string> args = {"venue-sim", "--protocol", "binance", "--listen", "127.0.0.1:0", "--seed", "3",
                                     "--rate", "400", "--symbols", "BTCUSDT"};
    args.insert(args.end(), extra.begin(), extra.end());
    proc = start_venue(args);
    const std::string listen = field(proc.line, "listen");
    if (!listen.empty()) port = static_cast<std::uint16_t>(std::stoi(listen.substr(listen.rfind(':') + 1)));
  }
  ~Venue() {
    if (proc.pid > 0) (void)stop_venue(proc.pid);
  }
  // The venue's record of our orders: executed quantity bought minus sold (decimal text → double).
  double net_executed() const {
    const auto state = test::http_request(port, test::http::verb::get, "/sim/state");
    double net = 0;
    std::size_t at = 0;
    while ((at = state.body.find("\"side\":\"", at)) != std::string::npos) {
      const bool buy = state.body.compare(at + 8, 3, "BUY") == 0;
      const std::size_t q = state.body.find("\"executedQty\":\"", at);
      if (q == std::string::npos) break;
      net += (buy ? 1 : -1) * std::strtod(state.body.c_str() + q + 15, nullptr);
      at = q;
    }
    return net;
  }
};

std::string write_config(const std::string& name, std::uint16_t port, const std::string& mode = "live") {
  const std::string path = temp_path(name + ".toml");
  std::ofstream f(path);
  const std::string base = "127.0.0.1:" + std::to_string(port);
  f << "[session]\nmode = \"" << mode << "\"\n\n"
    << "[[instruments]]\nsymbol = \"BTCUSDT\"\nvenue = \"binance\"\ntick_size = \"0.01\"\nlot_size = \"0.00001\"\nmin_notional = \"5\"\n\n"
    << "[strategy]\nname = \"macd\"\nbar_interval_ms = 20\nfast = 3\nslow = 6\nsignal = 3\n\n[strategy.qty]\nBTCUSDT = \"0.001\"\n\n"
    << "[venue]\nkind = \"binance\"\nrest_url = \"http://" << base << "\"\nws_market_url = \"ws://" << base
    << "\"\nws_api_url = \"ws://" << base << "/ws-api/v3\"\napi_key_env = \"SEQUENT_E2E_BINANCE_KEY\"\n"
    << "api_secret_env = \"SEQUENT_E2E_BINANCE_SECRET\"\nerror_limit = 3\n";
  return path;
}

// `position instrument=BTCUSDT qty=...` from `sequent replay DIR`.
double replayed_position(const std::string& dir) {
  const CommandResult r = run_sequent("replay " + dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::size_t at = r.out.find("position instrument=BTCUSDT qty=");
  if (at == std::string::npos) return 0;
  return std::strtod(r.out.c_str() + at + 32, nullptr);
}

TEST(BinanceLiveE2e, TradesThroughTheVenueProtocolAndReplaysBitForBit) {
  Venue venue;
  ASSERT_GT(venue.port, 0) << venue.proc.line;
  const std::string dir = temp_path("binance_live_journal");
  std::filesystem::remove_all(dir);
  const std::string config = write_config("binance_live", venue.port);
  const CommandResult r = run_sequent("live --config " + config + " --confirm-live --duration 5 --journal " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("LIVE trading on venue binance"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("connected to binance"), std::string::npos) << r.err;
  const std::string final_line = r.out.substr(r.out.rfind("final "));
  const long orders = std::strtol(field(final_line, "orders").c_str(), nullptr, 10);
  const long fills = std::strtol(field(final_line, "fills").c_str(), nullptr, 10);
  EXPECT_GT(orders, 0) << final_line;
  EXPECT_GT(fills, 0) << final_line;
  // The journal reproduces the session, and the engine's position is what the venue executed.
  const CommandResult verify = run_sequent("replay " + dir + " --verify");
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NEAR(replayed_position(dir), venue.net_executed(), 1e-9);
  // Secrets stay in the environment: not in the output, the resolved config or the journal.
  const CommandResult exported = run_sequent("journal export " + dir + " --outputs --format jsonl");
  const CommandResult info = run_sequent("journal info " + dir);
  for (const std::string* text : {&r.out, &r.err, &exported.out, &info.out}) {
    EXPECT_EQ(text->find(kSecret), std::string::npos);
    EXPECT_EQ(text->find(kKey), std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST(BinanceLiveE2e, KillNineThenResumeReconcilesWithTheVenue) {
  Venue venue;
  ASSERT_GT(venue.port, 0) << venue.proc.line;
  const std::string dir = temp_path("binance_resume_journal");
  std::filesystem::remove_all(dir);
  const std::string config = write_config("binance_resume", venue.port);
  // Dies mid-stream (SIGKILL at a seq well after the first orders); the venue lives on.
  const CommandResult crash =
      run_sequent("live --config " + config + " --confirm-live --duration 30 --journal " + dir + " --test-kill-at-seq 20000");
  ASSERT_TRUE(crash.killed) << crash.exit_code << crash.err;
  const CommandResult resumed = run_sequent("live --resume --confirm-live --duration 2 --journal " + dir);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("reconciling with the venue"), std::string::npos) << resumed.err;
  const CommandResult verify = run_sequent("replay " + dir + " --verify");
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  // Whatever filled before, during or after the crash, the rebuilt position is the venue's.
  EXPECT_NEAR(replayed_position(dir), venue.net_executed(), 1e-9);
  std::filesystem::remove_all(dir);
}

TEST(BinanceLiveE2e, ABanMidSessionDowngradesToAdvisoryAndSaysSo) {
  Venue venue;
  ASSERT_GT(venue.port, 0) << venue.proc.line;
  const std::string dir = temp_path("binance_ban_journal"), err_file = temp_path("binance_ban_err.txt");
  std::filesystem::remove_all(dir);
  // The engine in the background; once the venue has seen its first order, the venue bans the key.
  const std::string command = std::string(SEQUENT_BINARY) + " live --config " + write_config("binance_ban", venue.port) +
                              " --confirm-live --duration 6 --console 127.0.0.1:0 --journal " + dir + " >/dev/null 2>" + err_file;
  std::vector<std::string> all = {"/bin/sh", "-c", command};
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv.data(), environ), 0);
  bool traded = false;
  for (int i = 0; i < 400 && !traded; ++i) {  // bounded wait for a condition, not a timing assumption
    traded = test::http_request(venue.port, test::http::verb::get, "/sim/state").body.find("\"orderId\"") != std::string::npos;
    if (!traded) ::usleep(25'000);
  }
  ASSERT_TRUE(traded) << "no order reached the venue";
  EXPECT_EQ(test::http_request(venue.port, test::http::verb::post, "/sim/faults", "ban_418=true").status, 200u);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const std::string err = slurp(err_file);
  EXPECT_NE(err.find("downgraded to advisory"), std::string::npos) << err;
  const CommandResult exported = run_sequent("journal export " + dir + " --format jsonl");
  EXPECT_NE(exported.out.find("\"command\":\"downgrade_to_advisory\""), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(BinanceLiveE2e, ABannedKeyCannotStartASession) {
  Venue venue({"--faults", "ban_418=true"});
  ASSERT_GT(venue.port, 0) << venue.proc.line;
  const CommandResult r = run_sequent("live --config " + write_config("binance_banned", venue.port) + " --confirm-live --duration 2");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("418"), std::string::npos) << r.err;
}

TEST(BinanceLiveE2e, RefusesModesThatDoNotFitTheVenue) {
  const std::string live_sim = temp_path("live_sim.toml");
  std::ofstream(live_sim) << "[session]\nmode = \"live\"\n";
  CommandResult r = run_sequent("live --config " + live_sim + " --confirm-live --events 10");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("needs a real venue"), std::string::npos) << r.err;
  r = run_sequent("live --config " + write_config("binance_paper", 9, "paper") + " --events 10");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("paper trading uses the simulated venue"), std::string::npos) << r.err;
  const std::string bad = temp_path("venue_secret.toml");
  std::ofstream(bad) << "[venue]\nkind = \"binance\"\napi_secret_env = \"abc def=123\"\n";
  r = run_sequent("check-config " + bad);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("venue.api_secret_env"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sequent::e2e
