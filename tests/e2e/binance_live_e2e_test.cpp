// `sequent live` trading Binance spot's protocol end to end against `sequent venue-sim --protocol
// binance` on loopback: orders placed and filled through the WebSocket API, the journal replays
// bit for bit, the venue's own record of our fills matches the engine's position (also after a
// kill -9 and --resume, when reconciliation must find what filled while the engine was down),
// credentials never leave the environment, and a ban (HTTP 418) downgrades the session to advisory.
// Faults the session must SURVIVE (trading goes on, nothing downgraded, the journal still replays
// and the position is still the venue's): market-data and WS-API disconnects, a dropped depth
// message (resync from a fresh snapshot, journaled), and a 429 with Retry-After (back-off, with the
// venue itself counting any request sent inside the window). Faults are armed at run time through
// the venue's control API (POST /sim/faults); every wait polls an observable condition against a
// generous deadline that only decides failure.
#include <gtest/gtest.h>

#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

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

// The first unsigned integer after `key` (e.g. "\"reject_429\":") at or after `anchor` in `text`;
// -1 when absent.
long long json_number(const std::string& text, const std::string& key, const std::string& anchor = "") {
  std::size_t at = anchor.empty() ? 0 : text.find(anchor);
  if (at == std::string::npos) return -1;
  at = text.find(key, at);
  if (at == std::string::npos) return -1;
  return std::strtoll(text.c_str() + at + key.size(), nullptr, 10);
}
std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// The venue's /sim/state, read for the figures the tests poll.
struct VenueState {
  std::string body;
  std::size_t orders() const { return occurrences(body, "{\"orderId\":"); }
  std::size_t fills() const { return occurrences(body, "{\"tradeId\":"); }
  long long applied(const std::string& fault) const { return json_number(body, "\"" + fault + "\":", "\"applied\":"); }
  long long connections(const std::string& kind) const { return json_number(body, "\"" + kind + "\":", "\"connections\":"); }
  long long stream(const std::string& counter) const { return json_number(body, "\"" + counter + "\":", "\"streams\":"); }
};
VenueState venue_state(std::uint16_t port) {
  return VenueState{test::http_request(port, test::http::verb::get, "/sim/state").body};
}

// Polls `pred` on the venue's state until it holds; false after a deadline that only decides
// failure (a healthy run meets each condition in well under a second or two).
bool wait_for_venue(std::uint16_t port, const std::function<bool(const VenueState&)>& pred, VenueState* last = nullptr) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    VenueState s = venue_state(port);
    const bool ok = pred(s);
    if (last != nullptr) *last = std::move(s);
    if (ok) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval, not a synchronisation
  }
}

// `sequent live` in the background (stdout and stderr to files), stopped with SIGINT.
struct LiveProcess {
  pid_t pid = -1;
  std::string out_file, err_file;
  LiveProcess(const std::string& name, const std::vector<std::string>& args) {
    out_file = temp_path(name + "_out.txt");
    err_file = temp_path(name + "_err.txt");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> all = {SEQUENT_BINARY};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid, SEQUENT_BINARY, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
  }
  // SIGINT (the operator's Ctrl-C: a clean stop) and the exit code; -1 when killed by a signal.
  int stop() {
    if (pid <= 0) return -1;
    ::kill(pid, SIGINT);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  ~LiveProcess() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  std::string err() const { return slurp(err_file); }
  std::string out() const { return slurp(out_file); }
};

// A journal directory removed now (a previous run's) and again when the test ends, pass or fail.
struct RemovedOnExit {
  std::string path;
  explicit RemovedOnExit(std::string p) : path(std::move(p)) { std::filesystem::remove_all(path); }
  ~RemovedOnExit() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  RemovedOnExit(const RemovedOnExit&) = delete;
  RemovedOnExit& operator=(const RemovedOnExit&) = delete;
};

// A live session against `venue` until the test stops it: journal in `dir`.
std::vector<std::string> live_args(const std::string& config, const std::string& dir) {
  return {"live", "--config", config, "--confirm-live", "--duration", "60", "--journal", dir, "--console", "127.0.0.1:0"};
}

constexpr const char* kMacdStrategy =
    "[strategy]\nname = \"macd\"\nbar_interval_ms = 20\nfast = 3\nslow = 6\nsignal = 3\n\n[strategy.qty]\nBTCUSDT = \"0.001\"\n\n";

std::string write_config(const std::string& name, std::uint16_t port, const std::string& mode = "live",
                         const std::string& venue_extra = "", const std::string& strategy = kMacdStrategy) {
  const std::string path = temp_path(name + ".toml");
  std::ofstream f(path);
  const std::string base = "127.0.0.1:" + std::to_string(port);
  f << "[session]\nmode = \"" << mode << "\"\n\n"
    << "[[instruments]]\nsymbol = \"BTCUSDT\"\nvenue = \"binance\"\ntick_size = \"0.01\"\nlot_size = \"0.00001\"\nmin_notional = \"5\"\n\n"
    << strategy << "[venue]\nkind = \"binance\"\nrest_url = \"http://" << base << "\"\nws_market_url = \"ws://" << base
    << "\"\nws_api_url = \"ws://" << base << "/ws-api/v3\"\napi_key_env = \"SEQUENT_E2E_BINANCE_KEY\"\n"
    << "api_secret_env = \"SEQUENT_E2E_BINANCE_SECRET\"\nerror_limit = 3\n" << venue_extra;
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
  const RemovedOnExit cleanup(dir);
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
}

TEST(BinanceLiveE2e, KillNineThenResumeReconcilesWithTheVenue) {
  Venue venue;
  ASSERT_GT(venue.port, 0) << venue.proc.line;
  const std::string dir = temp_path("binance_resume_journal");
  const RemovedOnExit cleanup(dir);
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
}

TEST(BinanceLiveE2e, ABanMidSessionDowngradesToAdvisoryAndSaysSo) {
  Venue venue;
  ASSERT_GT(venue.port, 0) << venue.proc.line;
  const std::string dir = temp_path("binance_ban_journal"), err_file = temp_path("binance_ban_err.txt");
  const RemovedOnExit cleanup(dir);
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
}

// What every survived fault must leave: a clean stop, no downgrade (said or journaled), a journal
// that replays bit for bit, and the engine's position equal to what the venue executed for us.
void expect_session_survived(LiveProcess& live, const std::string& dir, const Venue& venue) {
  ASSERT_EQ(live.stop(), 0) << live.err();
  const std::string err = live.err();
  EXPECT_EQ(err.find("downgraded to advisory"), std::string::npos) << err;
  EXPECT_EQ(err.find("ALERT"), std::string::npos) << err;
  const CommandResult exported = run_sequent("journal export " + dir + " --format jsonl");
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(exported.out.find("\"command\":\"downgrade_to_advisory\""), std::string::npos);
  const CommandResult verify = run_sequent("replay " + dir + " --verify");
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NEAR(replayed_position(dir), venue.net_executed(), 1e-9)
      << "venue: " << venue_state(venue.port).body << "\njournal:\n"
      << run_sequent("journal export " + dir + " --outputs --format jsonl").out << "\nerr:\n" << err;
}

TEST(BinanceLiveE2e, SurvivesMarketDataAndWsApiDisconnects) {
  Venue venue;
  ASSERT_GT(venue.port, 0) << venue.proc.line;
  const std::string dir = temp_path("binance_disconnect_journal");
  const RemovedOnExit cleanup(dir);
  LiveProcess live("binance_disconnect", live_args(write_config("binance_disconnect", venue.port), dir));
  VenueState s;
  ASSERT_TRUE(wait_for_venue(venue.port, [](const VenueState& v) { return v.orders() >= 2 && v.fills() >= 2; }, &s))
      << "no trading before the fault\n" << live.err();
  const std::size_t orders_before = s.orders(), fills_before = s.fills();
  const long long market_before = s.connections("market"), api_before = s.connections("api");
  ASSERT_GE(market_before, 1);
  ASSERT_GE(api_before, 1);
  // Both connections drop at once: the market streams close, the user-data stream is terminated
  // and the WS-API connection closes (orders and their reports travel there).
  const auto r = test::http_request(venue.port, test::http::verb::post, "/sim/faults",
                                    "disconnect_streams=true,disconnect_user_stream=true");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_GE(VenueState{r.body}.applied("disconnect_streams"), 1);
  EXPECT_GE(VenueState{r.body}.applied("disconnect_user_stream"), 1);
  // The gateway reconnects both (with back-off) and trading goes on: more orders and fills after
  // the disconnect than before it. Orders the venue took after the fault came over the new
  // WS-API connection (the closed one is not read any more).
  ASSERT_TRUE(wait_for_venue(venue.port, [&](const VenueState& v) {
    return v.connections("market") > market_before && v.connections("api") > api_before &&
           v.orders() > 2 * orders_before && v.fills() > 2 * fills_before;
  }, &s)) << "orders " << orders_before << " -> " << s.orders() << ", fills " << fills_before << " -> " << s.fills()
          << ", market connections " << market_before << " -> " << s.connections("market") << ", api " << api_before
          << " -> " << s.connections("api") << "\n" << live.err();
  std::printf("disconnect: orders %zu -> %zu, fills %zu -> %zu, connections market %lld -> %lld, api %lld -> %lld\n",
              orders_before, s.orders(), fills_before, s.fills(), market_before, s.connections("market"), api_before,
              s.connections("api"));
  expect_session_survived(live, dir, venue);
}

TEST(BinanceLiveE2e, DroppedDepthMessageResyncsAndTheResyncIsJournaled) {
  Venue venue;
  ASSERT_GT(venue.port, 0) << venue.proc.line;
  const std::string dir = temp_path("binance_resync_journal");
  const RemovedOnExit cleanup(dir);
  LiveProcess live("binance_resync", live_args(write_config("binance_resync", venue.port), dir));
  VenueState s;
  ASSERT_TRUE(wait_for_venue(venue.port, [](const VenueState& v) { return v.orders() >= 1 && v.stream("depth_snapshots") >= 1; }, &s))
      << live.err();
  const long long snapshots_before = s.stream("depth_snapshots");
  // One depth diff is not sent (its ids still advance): the next one the gateway sees leaves a gap.
  ASSERT_EQ(test::http_request(venue.port, test::http::verb::post, "/sim/faults", "drop_depth=1").status, 200u);
  ASSERT_TRUE(wait_for_venue(venue.port, [&](const VenueState& v) {
    return v.applied("drop_depth") == 1 && v.stream("depth_snapshots") > snapshots_before;
  }, &s)) << "no fresh snapshot after the gap\n" << live.err();
  // ...and trading continues on the resynced book.
  const std::size_t orders_at_resync = s.orders();
  ASSERT_TRUE(wait_for_venue(venue.port, [&](const VenueState& v) { return v.orders() >= orders_at_resync + 2; }))
      << live.err();
  expect_session_survived(live, dir, venue);
  // The resync is an input of the journal: the marker (book emptied, no level, ids 0), then the
  // fresh snapshot's first level (kBookClear with its lastUpdateId), never a level in between.
  const CommandResult exported = run_sequent("journal export " + dir + " --format jsonl");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::istringstream lines(exported.out);
  std::string line;
  int markers = 0, levels_after_marker_before_snapshot = 0;
  bool snapshot_after_marker = false;
  while (std::getline(lines, line)) {
    if (line.find("\"type\":\"book_level\"") == std::string::npos) continue;
    const bool marker = line.find("\"side\":\"none\"") != std::string::npos &&
                        line.find("\"last_update_id\":0,\"flags\":3") != std::string::npos;
    if (marker) {
      ++markers;
      continue;
    }
    if (markers == 0 || snapshot_after_marker) continue;
    if (json_number(line, "\"flags\":") & 1) {
      EXPECT_GT(json_number(line, "\"last_update_id\":"), 0) << line;
      snapshot_after_marker = true;
    } else {
      ++levels_after_marker_before_snapshot;
    }
  }
  std::printf("resync: %d marker(s), snapshots served %lld\n", markers, s.stream("depth_snapshots"));
  EXPECT_EQ(markers, 1);
  EXPECT_TRUE(snapshot_after_marker);
  EXPECT_EQ(levels_after_marker_before_snapshot, 0);
}

TEST(BinanceLiveE2e, A429BacksOffForRetryAfterThenTradesOn) {
  Venue venue;
  ASSERT_GT(venue.port, 0) << venue.proc.line;
  const std::string dir = temp_path("binance_429_journal");
  const RemovedOnExit cleanup(dir);
  LiveProcess live("binance_429", live_args(write_config("binance_429", venue.port), dir));
  ASSERT_TRUE(wait_for_venue(venue.port, [](const VenueState& v) { return v.orders() >= 2; })) << live.err();
  // The next request (an order, a snapshot, whatever comes) is answered 429 -1003 with
  // Retry-After: 1 (and the WS API's data.retryAfter).
  ASSERT_EQ(test::http_request(venue.port, test::http::verb::post, "/sim/faults", "reject_429=1").status, 200u);
  VenueState s;
  ASSERT_TRUE(wait_for_venue(venue.port, [](const VenueState& v) { return v.applied("reject_429") == 1; }, &s)) << live.err();
  // Trading resumes once Retry-After has run out...
  const std::size_t orders_at_429 = s.orders();
  ASSERT_TRUE(wait_for_venue(venue.port, [&](const VenueState& v) { return v.orders() >= orders_at_429 + 3; }, &s))
      << live.err();
  // ...and not before: the venue saw no request the gateway made inside the window, and never
  // had to limit or ban it for real.
  std::printf("429: orders at the 429 %zu, after %zu; inside_retry_after %lld\n", orders_at_429, s.orders(),
              s.applied("inside_retry_after"));
  EXPECT_EQ(s.applied("inside_retry_after"), 0) << s.body;
  EXPECT_EQ(s.applied("rate_limit_429"), 0);
  EXPECT_EQ(s.applied("rate_limit_418"), 0);
  expect_session_survived(live, dir, venue);
}

// Rotation before Binance's 24-hour cut, forced every 300 ms (venue.rotate_after_ms), through the
// whole path: the market stream rotates make-before-break, so the journal holds an unbroken depth
// sequence (one snapshot, every diff's U = previous u + 1, no resync marker) and every trade once.
// Advisory mode (market data and decisions, no orders): the WS API, which still rotates by
// reopening, is not in play.
TEST(BinanceLiveE2e, MarketStreamRotationLosesNothingThroughTheJournal) {
  Venue venue;
  ASSERT_GT(venue.port, 0) << venue.proc.line;
  const std::string dir = temp_path("binance_rotation_journal");
  const RemovedOnExit cleanup(dir);
  const std::string config = write_config("binance_rotation", venue.port, "advisory", "rotate_after_ms = 300\n");
  const CommandResult r = run_sequent("live --config " + config + " --duration 3 --journal " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const VenueState s = venue_state(venue.port);
  EXPECT_GE(s.connections("market"), 4) << "too few rotations";  // the first connection + rotations
  const CommandResult exported = run_sequent("journal export " + dir + " --format jsonl");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::istringstream lines(exported.out);
  std::string line;
  long long prev_u = -1, prev_trade = -1;
  int snapshots = 0, markers = 0, diffs = 0, gaps = 0, trades = 0, trade_gaps = 0;
  bool in_snapshot = false;
  while (std::getline(lines, line)) {
    if (line.find("\"type\":\"trade\"") != std::string::npos) {
      const long long t = json_number(line, "\"trade_id\":");
      if (prev_trade >= 0 && t != prev_trade + 1) ++trade_gaps;
      prev_trade = t;
      ++trades;
      continue;
    }
    if (line.find("\"type\":\"book_level\"") == std::string::npos) continue;
    const long long flags = json_number(line, "\"flags\":");
    const long long first = json_number(line, "\"first_update_id\":"), last = json_number(line, "\"last_update_id\":");
    if (line.find("\"side\":\"none\"") != std::string::npos && last == 0) {
      ++markers;
      continue;
    }
    if (flags & 1) in_snapshot = true;
    if ((flags & 2) == 0) continue;
    if (in_snapshot) {
      in_snapshot = false;
      ++snapshots;
    } else if (diffs++ > 0 && first != prev_u + 1) {
      ++gaps;
    }
    prev_u = last;
  }
  std::printf("rotation: %lld market connections, %d diffs, %d trades, %d snapshot(s)\n", s.connections("market"), diffs,
              trades, snapshots);
  EXPECT_EQ(markers, 0);
  EXPECT_EQ(snapshots, 1);
  EXPECT_EQ(gaps, 0);
  EXPECT_GT(diffs, 5);
  EXPECT_GT(trades, 5);
  EXPECT_EQ(trade_gaps, 0);
  const CommandResult verify = run_sequent("replay " + dir + " --verify");
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

// ---- limit entries and cancels --------------------------------------------------------------------

// One order of the venue's /sim/state.
struct VenueOrder {
  std::string client_order_id, side, type, tif, status;
  double price = 0, executed = 0;
};
std::string json_string(const std::string& object, const std::string& key) {
  const std::size_t at = object.find("\"" + key + "\":\"");
  if (at == std::string::npos) return "";
  const std::size_t from = at + key.size() + 4;
  return object.substr(from, object.find('"', from) - from);
}
std::vector<VenueOrder> venue_orders(const VenueState& s) {
  std::vector<VenueOrder> out;
  for (std::size_t at = s.body.find("{\"orderId\":"); at != std::string::npos; at = s.body.find("{\"orderId\":", at + 1)) {
    const std::string o = s.body.substr(at, s.body.find('}', at) - at);
    out.push_back(VenueOrder{json_string(o, "clientOrderId"), json_string(o, "side"), json_string(o, "type"),
                             json_string(o, "timeInForce"), json_string(o, "status"),
                             std::strtod(json_string(o, "price").c_str(), nullptr),
                             std::strtod(json_string(o, "executedQty").c_str(), nullptr)});
  }
  return out;
}
long long open_orders(const VenueState& s) { return json_number(s.body, "\"openOrders\":"); }
std::size_t count_status(const std::vector<VenueOrder>& orders, const std::string& status) {
  std::size_t n = 0;
  for (const VenueOrder& o : orders) n += o.status == status ? 1 : 0;
  return n;
}

// A console user made with `sequent token`: the token, and the [[users]] table for the config.
struct ConsoleUser {
  std::string token, table;
};
ConsoleUser console_user(const std::string& role) {
  const CommandResult r = run_sequent("token --name e2e_" + role + " --role " + role);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ConsoleUser u;
  const std::size_t t = r.out.find("token=");
  if (t != std::string::npos) u.token = r.out.substr(t + 6, 64);
  const std::size_t users = r.err.find("[[users]]");
  if (users != std::string::npos) u.table = r.err.substr(users) + "\n";
  return u;
}
// The console's WebSocket URL from `sequent live`'s stderr ("console on http://127.0.0.1:PORT"), polled
// until the line appears; "" after a deadline that only decides failure.
std::string console_url(const LiveProcess& live) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    const std::string err = live.err();
    const std::size_t at = err.find("console on ");
    if (at != std::string::npos) {
      const std::size_t from = at + 11;
      const std::string address = err.substr(from, err.find_first_of(" \n", from) - from);  // http://HOST:PORT
      return address.rfind("http://", 0) == 0 ? "ws://" + address.substr(7) : address;
    }
    if (std::chrono::steady_clock::now() > deadline) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval, not a synchronisation
  }
}
CommandResult console(const std::string& url, const ConsoleUser& user, const std::string& command) {
  return run_sequent("console " + url + " --token " + user.token + " " + command);
}

// Two strategies with limit entries far from the market (3 % and 4 % below it, so they rest): a
// GTC limit and a limit-maker order rest at the venue; a print at one's price fills it there; the
// operator stops the strategies and cancels everything through `sequent console`; the venue ends
// with no open order, every unfilled order CANCELED, and the engine's position is what it executed.
TEST(BinanceLiveE2e, LimitEntriesRestAtTheVenueAndCancelAllCancelsThemThere) {
  Venue venue;
  ASSERT_GT(venue.port, 0) << venue.proc.line;
  const std::string dir = temp_path("binance_limit_journal");
  const RemovedOnExit cleanup(dir);
  const ConsoleUser trader = console_user("trader");
  ASSERT_FALSE(trader.token.empty());
  const std::string strategies =
      "[[strategies]]\nname = \"macd_limit\"\nkind = \"macd\"\ninstruments = [\"BTCUSDT\"]\nqty = \"0.001\"\n"
      "params = { fast = 3, slow = 6, signal = 3 }\nbar_interval_ms = 20\norder_type = \"limit\"\nlimit_offset_bps = 300\n\n"
      "[[strategies]]\nname = \"sma_maker\"\nkind = \"sma_cross\"\ninstruments = [\"BTCUSDT\"]\nqty = \"0.002\"\n"
      "params = { fast = 2, slow = 5 }\nbar_interval_ms = 20\norder_type = \"limit_maker\"\nlimit_offset_bps = 400\n\n" +
      trader.table + "\n";
  LiveProcess live("binance_limit", live_args(write_config("binance_limit", venue.port, "live", "", strategies), dir));
  const std::string url = console_url(live);
  ASSERT_FALSE(url.empty()) << live.err();
  // Both strategies' entries rest: GTC LIMIT and LIMIT_MAKER, priced below the market.
  VenueState s;
  ASSERT_TRUE(wait_for_venue(venue.port, [](const VenueState& v) { return open_orders(v) >= 2; }, &s))
      << "no resting orders\n" << s.body << "\n" << live.err();
  std::vector<VenueOrder> orders = venue_orders(s);
  bool limit = false, maker = false;
  double highest_bid = 0;
  for (const VenueOrder& o : orders) {
    if (o.status != "NEW") continue;
    EXPECT_EQ(o.side, "BUY");
    limit = limit || (o.type == "LIMIT" && o.tif == "GTC");
    maker = maker || o.type == "LIMIT_MAKER";
    highest_bid = std::max(highest_bid, o.price);
  }
  EXPECT_TRUE(limit) << s.body;
  EXPECT_TRUE(maker) << s.body;
  // The operator: strategies off (no new entries), then cancel_all for one strategy (the
  // limit-maker one): its entries are cancelled at the venue, the other's still rest. Then a
  // print fills the other's entry, and a plain cancel_all cancels whatever is left.
  CommandResult c = console(url, trader, "strategy_stop");
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  c = console(url, trader, "cancel_all strategy=nobody");
  EXPECT_NE(c.exit_code, 0);
  EXPECT_NE((c.out + c.err).find("unknown_strategy"), std::string::npos) << c.out << c.err;
  c = console(url, trader, "cancel_all strategy=sma_maker");
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  ASSERT_TRUE(wait_for_venue(venue.port, [](const VenueState& v) {
    std::size_t maker_open = 0;
    for (const VenueOrder& o : venue_orders(v)) maker_open += o.type == "LIMIT_MAKER" && o.status == "NEW" ? 1 : 0;
    return maker_open == 0;
  }, &s)) << "limit-maker entries still open after cancel_all strategy=sma_maker\n" << s.body;
  std::size_t limit_open = 0;
  for (const VenueOrder& o : venue_orders(s)) limit_open += o.type == "LIMIT" && o.status == "NEW" ? 1 : 0;
  EXPECT_GE(limit_open, 1u) << "the other strategy's entry is untouched\n" << s.body;
  // A print at the LIMIT entry's price (the higher bid: 300 bps below the market, the maker's
  // 400) fills it as a maker fill.
  highest_bid = 0;
  for (const VenueOrder& o : venue_orders(s))
    if (o.type == "LIMIT" && o.status == "NEW") highest_bid = std::max(highest_bid, o.price);
  char trade[128];
  std::snprintf(trade, sizeof(trade), "symbol=BTCUSDT&price=%.2f&qty=0.01", highest_bid);
  const auto t = test::http_request(venue.port, test::http::verb::post, "/sim/trade", trade);
  ASSERT_EQ(t.status, 200u) << t.body;
  ASSERT_TRUE(wait_for_venue(venue.port, [](const VenueState& v) { return v.fills() >= 1; }, &s)) << s.body;
  c = console(url, trader, "cancel_all");
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  EXPECT_NE(c.out.find("\"seq\""), std::string::npos) << c.out;
  ASSERT_TRUE(wait_for_venue(venue.port, [](const VenueState& v) {
    const std::vector<VenueOrder> all = venue_orders(v);
    return open_orders(v) == 0 && count_status(all, "NEW") == 0 && count_status(all, "PARTIALLY_FILLED") == 0;
  }, &s)) << "orders still open after cancel_all\n" << s.body << "\n" << live.err();
  orders = venue_orders(s);
  std::printf("cancel_all: %zu orders at the venue, %zu canceled, %zu filled\n", orders.size(), count_status(orders, "CANCELED"),
              count_status(orders, "FILLED"));
  EXPECT_GE(count_status(orders, "CANCELED"), 1u) << s.body;
  EXPECT_GE(count_status(orders, "FILLED"), 1u) << s.body;
  for (const VenueOrder& o : orders)
    EXPECT_TRUE(o.status == "CANCELED" || o.status == "FILLED") << o.client_order_id << " " << o.status;
  expect_session_survived(live, dir, venue);
  EXPECT_GT(replayed_position(dir), 0.0) << "the filled entry is the engine's position";
}

// A resting entry with order_ttl_ms: the engine cancels its own stale order at the venue once,
// the strategy enters again afterwards, and the journal holds one cancel per expired order.
TEST(BinanceLiveE2e, AnOrderTtlCancelsTheEnginesOwnStaleOrderAtTheVenue) {
  Venue venue;
  ASSERT_GT(venue.port, 0) << venue.proc.line;
  const std::string dir = temp_path("binance_ttl_journal");
  const RemovedOnExit cleanup(dir);
  const std::string strategy =
      "[strategy]\nname = \"macd\"\nbar_interval_ms = 20\nfast = 3\nslow = 6\nsignal = 3\norder_type = \"limit\"\n"
      "limit_offset_bps = 300\norder_ttl_ms = 300\n\n[strategy.qty]\nBTCUSDT = \"0.001\"\n\n";
  LiveProcess live("binance_ttl", live_args(write_config("binance_ttl", venue.port, "live", "", strategy), dir));
  VenueState s;
  ASSERT_TRUE(wait_for_venue(venue.port, [](const VenueState& v) {
    const std::vector<VenueOrder> all = venue_orders(v);
    return count_status(all, "CANCELED") >= 2 && all.size() >= 3;
  }, &s)) << "no expired orders\n" << s.body << "\n" << live.err();
  // /metrics counts the strategy's own TTL cancels.
  const std::string url = console_url(live);
  ASSERT_FALSE(url.empty()) << live.err();
  const std::string metrics =
      test::http_request(static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1))), test::http::verb::get, "/metrics").body;
  const long long ttl_cancels = json_number(metrics, "\nsequent_strategy_ttl_cancels_total ");
  EXPECT_GE(ttl_cancels, 2) << metrics;
  expect_session_survived(live, dir, venue);
  s = venue_state(venue.port);
  const std::vector<VenueOrder> orders = venue_orders(s);
  EXPECT_LE(open_orders(s), 1) << "at most the latest entry is still resting";
  for (const VenueOrder& o : orders) {
    EXPECT_EQ(o.type, "LIMIT");
    EXPECT_EQ(o.tif, "GTC");
  }
  // One cancel per expired order, each for an order the engine placed, none twice.
  const CommandResult exported = run_sequent("journal export " + dir + " --outputs --format jsonl");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::vector<std::string> cancelled;
  std::istringstream lines(exported.out);
  std::string line;
  while (std::getline(lines, line))
    if (line.find("\"output\":\"order_cancel\"") != std::string::npos)
      cancelled.push_back(std::to_string(json_number(line, "\"client_order_id\":")));
  std::vector<std::string> unique = cancelled;
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  EXPECT_EQ(unique.size(), cancelled.size()) << "a second cancel for the same order";
  EXPECT_GE(cancelled.size(), count_status(orders, "CANCELED"));
  EXPECT_GE(count_status(orders, "CANCELED"), 2u);
  EXPECT_EQ(occurrences(exported.out, "\"exec_type\":\"cancel_rejected\""), 0u);
  std::printf("ttl: %zu orders at the venue, %zu canceled, %zu cancels journaled\n", orders.size(),
              count_status(orders, "CANCELED"), cancelled.size());
}

// The WS API goes down (user-data connection cut, reconnections refused) while a limit entry
// rests; the venue fills it during the outage, so its executionReport never reaches the engine.
// When the WS API is back, the gateway reconciles: the missed fill enters the journal inside a
// reconciliation window and the engine's position is the venue's. Then the operator's kill switch
// cancels whatever rests at the venue.
TEST(BinanceLiveE2e, AFillMissedWhileTheWsApiWasDownComesBackThroughReconciliation) {
  Venue venue;
  ASSERT_GT(venue.port, 0) << venue.proc.line;
  const std::string dir = temp_path("binance_gap_journal");
  const RemovedOnExit cleanup(dir);
  const ConsoleUser manager = console_user("manager");
  ASSERT_FALSE(manager.token.empty());
  const std::string strategy =
      "[strategy]\nname = \"macd\"\nbar_interval_ms = 20\nfast = 3\nslow = 6\nsignal = 3\norder_type = \"limit\"\n"
      "limit_offset_bps = 300\n\n[strategy.qty]\nBTCUSDT = \"0.001\"\n\n" + manager.table + "\n";
  LiveProcess live("binance_gap", live_args(write_config("binance_gap", venue.port, "live", "", strategy), dir));
  const std::string url = console_url(live);
  ASSERT_FALSE(url.empty()) << live.err();
  VenueState s;
  ASSERT_TRUE(wait_for_venue(venue.port, [](const VenueState& v) { return open_orders(v) >= 1; }, &s))
      << "no resting entry\n" << s.body << "\n" << live.err();

  // The outage: the engine's WS API connection is cut and its reconnections are refused.
  ASSERT_EQ(test::http_request(venue.port, test::http::verb::post, "/sim/faults", "disconnect_user_stream,refuse_ws_api").status, 200u);
  ASSERT_TRUE(wait_for_venue(venue.port, [](const VenueState& v) { return v.applied("refuse_ws_api") >= 1; }, &s))
      << "the engine did not try to reconnect\n" << s.body;
  double resting_bid = 0;
  for (const VenueOrder& o : venue_orders(s))
    if (o.status == "NEW" && o.side == "BUY") resting_bid = std::max(resting_bid, o.price);
  ASSERT_GT(resting_bid, 0) << s.body;
  const std::size_t fills_before = s.fills();
  char trade[128];
  std::snprintf(trade, sizeof(trade), "symbol=BTCUSDT&price=%.2f&qty=0.01", resting_bid);
  ASSERT_EQ(test::http_request(venue.port, test::http::verb::post, "/sim/trade", trade).status, 200u);
  ASSERT_TRUE(wait_for_venue(venue.port, [&](const VenueState& v) { return v.fills() > fills_before; }, &s)) << s.body;

  // The WS API is back: the gateway resubscribes and reconciles.
  ASSERT_EQ(test::http_request(venue.port, test::http::verb::post, "/sim/faults", "refuse_ws_api=false").status, 200u);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (live.err().find("reconciled with the venue after its report stream came back") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval, not a synchronisation
  ASSERT_NE(live.err().find("reconciled with the venue after its report stream came back"), std::string::npos) << live.err();
  // Operators see it on /metrics: one reconciliation, the user-data stream subscribed again.
  const std::uint16_t console_port = static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  const std::string metrics = test::http_request(console_port, test::http::verb::get, "/metrics").body;
  EXPECT_NE(metrics.find("\nsequent_venue_reconciliations_total 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nsequent_venue_user_stream_ready 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nsequent_venue_reconcile_failures_total 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nsequent_strategy_ttl_cancels_total 0\n"), std::string::npos) << metrics;

  // The kill switch cancels what rests at the venue (entries placed after the reconciliation too).
  const CommandResult k = console(url, manager, "kill_switch");
  ASSERT_EQ(k.exit_code, 0) << k.out << k.err;
  ASSERT_TRUE(wait_for_venue(venue.port, [](const VenueState& v) { return open_orders(v) == 0; }, &s))
      << "orders still open after the kill switch\n" << s.body << "\n" << live.err();

  expect_session_survived(live, dir, venue);
  // The missed fill came in as a reconciliation input.
  const CommandResult exported = run_sequent("journal export " + dir + " --format jsonl");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  bool reconciled_fill = false;
  std::istringstream lines(exported.out);
  std::string line;
  while (std::getline(lines, line))
    reconciled_fill = reconciled_fill || (line.find("\"type\":\"exec_report\"") != std::string::npos &&
                                          line.find("\"source\":\"reconcile\"") != std::string::npos &&
                                          line.find("\"exec_type\":\"fill\"") != std::string::npos);
  EXPECT_TRUE(reconciled_fill) << exported.out;
  EXPECT_GE(occurrences(exported.out, "\"type\":\"reconcile\""), 2u);
  EXPECT_GT(replayed_position(dir), 0.0) << "the entry filled during the outage is the engine's position";
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
