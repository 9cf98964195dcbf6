// End-to-end: drives the `sequent` binary as a user would and checks what INTERFACE.md promises.
#include <gtest/gtest.h>

#include "tests/e2e/sequent_runner.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#ifndef SEQUENT_BINARY
#error "SEQUENT_BINARY must name the sequent executable"
#endif

namespace {

using namespace sequent::e2e;
using RunResult = CommandResult;

// Every `live` run journals into its own fresh temporary directory (journaling is on by default).
RunResult run(const std::string& args) {
  static int counter = 0;
  if (args.rfind("live", 0) != 0) return run_sequent(args);
  const std::string journal = temp_path("live_journal_" + std::to_string(counter++));
  std::filesystem::remove_all(journal);
  RunResult r = run_sequent(args + " --journal " + journal);
  std::filesystem::remove_all(journal);
  return r;
}



TEST(LiveCommand, InlineRunIsReproducibleForASeedAndTrades) {
  const RunResult a = run("live --events 300000 --seed 7 --pipeline inline");
  const RunResult b = run("live --events 300000 --seed 7 --pipeline inline");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const std::string fa = final_line(a.out), fb = final_line(b.out);
  ASSERT_FALSE(fa.empty()) << a.out;
  EXPECT_TRUE(std::regex_search(fa, std::regex("state_hash=[0-9a-f]{16}( |$)"))) << fa;
  EXPECT_EQ(fa, fb) << "same seed and input count must give the same final state";
  EXPECT_GT(std::stoull(field(fa, "orders")), 0u) << fa;
  EXPECT_GT(std::stoull(field(fa, "fills")), 0u) << fa;
  EXPECT_FALSE(field(fa, "pnl").empty());
  EXPECT_GE(std::stoull(field(fa, "seq")), 300000u);
}

TEST(LiveCommand, DifferentSeedsGiveDifferentMarkets) {
  const RunResult a = run("live --events 50000 --seed 1");
  const RunResult b = run("live --events 50000 --seed 2");
  ASSERT_EQ(a.exit_code, 0);
  ASSERT_EQ(b.exit_code, 0);
  EXPECT_NE(field(final_line(a.out), "state_hash"), field(final_line(b.out), "state_hash"));
}

TEST(LiveCommand, ThreadedAndFusedPipelinesRunAndTrade) {
  for (const char* mode : {"threaded", "fused"}) {
    const RunResult r = run(std::string("live --events 300000 --seed 7 --pipeline ") + mode);
    ASSERT_EQ(r.exit_code, 0) << mode << ": " << r.err;
    const std::string f = final_line(r.out);
    ASSERT_FALSE(f.empty()) << mode;
    EXPECT_GT(std::stoull(field(f, "orders")), 0u) << mode << ": " << f;
    EXPECT_GT(std::stoull(field(f, "fills")), 0u) << mode << ": " << f;
  }
}

TEST(LiveCommand, PrintsLogfmtStatusLinesWithEveryPromisedKey) {
  // Paced at the default rate for a little over one second: one status line, then the final one.
  const RunResult r = run("live --duration 1.3 --seed 3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto nl = r.out.find('\n');
  ASSERT_NE(nl, std::string::npos) << r.out;
  const std::string status = r.out.substr(0, nl);
  for (const char* key : {"ts", "seq", "events_per_s", "orders", "fills", "rejects", "pnl", "durable_seq",
                          "t2o_p50_us", "t2o_p99_us"}) {
    EXPECT_FALSE(field(status, key).empty()) << key << " missing in: " << status;
  }
  EXPECT_TRUE(std::regex_search(field(status, "ts"), std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$)")));
  EXPECT_FALSE(final_line(r.out).empty());
}

TEST(LiveCommand, UnknownFlagExitsTwoNamingTheFlag) {
  const RunResult r = run("live --no-such-flag 1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--no-such-flag"), std::string::npos) << r.err;
}

TEST(LiveCommand, BadPipelineValueExitsTwoNamingIt) {
  const RunResult r = run("live --pipeline sideways --duration 1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--pipeline"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sideways"), std::string::npos) << r.err;
}

TEST(LiveCommand, BadConsoleAddressExitsTwo) {
  const RunResult r = run("live --console nonsense --duration 1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--console"), std::string::npos) << r.err;
}

TEST(LiveCommand, ConfigErrorsNameFileLineAndKey) {
  const std::string path = ::testing::TempDir() + "bad_sequent.toml";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("[session]\nseed = 7\n\n[strategy]\nfast = 30\nslow = 26\n", f);
  std::fclose(f);
  const RunResult r = run("live --config " + path + " --duration 1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(path + ":5: strategy.fast"), std::string::npos) << r.err;
}

TEST(LiveCommand, ConsoleCpuThatDoesNotExistExitsTwoNamingTheKey) {
  const std::string path = ::testing::TempDir() + "console_cpu_" + std::to_string(::getpid()) + ".toml";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("[threads]\nconsole = 1000\n", f);
  std::fclose(f);
  const RunResult checked = run("check-config " + path);
  EXPECT_EQ(checked.exit_code, 0) << checked.err;
  EXPECT_NE(checked.out.find("console = 1000"), std::string::npos) << "the resolved config shows the key:\n" << checked.out;
  const RunResult r = run("live --config " + path + " --console 127.0.0.1:0 --duration 1");
  std::remove(path.c_str());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("threads.console = 1000: cpu does not exist"), std::string::npos) << r.err;
}

TEST(CheckConfig, PrintsTheResolvedConfigurationAndRoundTrips) {
  const RunResult r = run("check-config config/paper.toml");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("[strategy]"), std::string::npos);
  EXPECT_NE(r.out.find("bar_interval_ms = 100"), std::string::npos) << r.out;
  // The resolved text is itself a valid configuration that resolves to the same text.
  const std::string path = ::testing::TempDir() + "resolved_" + std::to_string(::getpid()) + ".toml";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs(r.out.c_str(), f);
  std::fclose(f);
  const RunResult again = run("check-config " + path);
  std::remove(path.c_str());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, r.out);
}

TEST(CheckConfig, NamesFileLineAndKeyOfTheFirstError) {
  const std::string path = ::testing::TempDir() + "bad_check_" + std::to_string(::getpid()) + ".toml";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("[risk]\nmax_order_qty = \"-1\"\n[journal]\ndurability = \"sometimes\"\n", f);
  std::fclose(f);
  const RunResult r = run("check-config " + path);
  std::remove(path.c_str());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(path + ":2: risk.max_order_qty: must be > 0"), std::string::npos) << r.err;
}

RunResult check_config_text(const std::string& text) {
  const std::string path = ::testing::TempDir() + "check_" + std::to_string(::getpid()) + ".toml";
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  RunResult r = run("check-config " + path);
  std::remove(path.c_str());
  return r;
}

TEST(CheckConfig, InstrumentsNeedASimulatedStartPriceAndValidSizes) {
  RunResult r = check_config_text("[[instruments]]\nsymbol = \"DOGEUSDT\"\ntick_size = \"0.00001\"\nlot_size = \"1\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("instruments[0].sim_start_price: required"), std::string::npos) << r.err;
  r = check_config_text("[[instruments]]\nsymbol = \"BTCUSDT\"\ntick_size = \"0\"\nlot_size = \"1\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("tick_size must be > 0"), std::string::npos) << r.err;
  r = check_config_text("[[instruments]]\nsymbol = \"BTCUSDT\"\ntick_sise = \"0.01\"\nlot_size = \"1\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean 'tick_size'"), std::string::npos) << r.err;
}

TEST(Token, PrintsATokenOnceAndTheHashThatGoesInTheConfig) {
  const RunResult r = run("token --name alice --role manager");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("^token=([0-9a-f]{64})\n$"))) << r.out;
  const std::string token = m[1].str();
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex("token_sha256 = \"([0-9a-f]{64})\""))) << r.err;
  const std::string hash = m[1].str();
  // Independent check of the hash with coreutils.
  const std::string hash_file = temp_path("sha.txt");
  ASSERT_EQ(std::system(("printf %s " + token + " | sha256sum > " + hash_file).c_str()), 0);
  EXPECT_EQ(slurp(hash_file).substr(0, 64), hash);
  std::remove(hash_file.c_str());
  EXPECT_EQ(r.err.find(token), std::string::npos) << "the token itself goes to stdout only";
  // The snippet is a valid configuration.
  const RunResult check = check_config_text(r.err.substr(r.err.find("[[users]]")));
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("role = \"manager\""), std::string::npos) << check.out;
  const RunResult again = run("token");
  EXPECT_NE(again.out, r.out) << "every token is new";
}

TEST(CheckConfig, RefusesClearTextTokensAndBadUsers) {
  RunResult r = check_config_text("[[users]]\nname = \"bob\"\nrole = \"admin\"\ntoken = \"hunter2\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("never store a secret"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << "the secret is not echoed";
  r = check_config_text("[[users]]\nname = \"bob\"\nrole = \"god\"\ntoken_sha256 = \"" + std::string(64, 'a') + "\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("users[0].role: expected viewer, trader, manager or admin"), std::string::npos) << r.err;
  r = check_config_text("[[users]]\nname = \"bob\"\nrole = \"viewer\"\ntoken_sha256 = \"abc\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("64 lower-case hex digits"), std::string::npos) << r.err;
}

TEST(CheckConfig, SuggestsTheKeyThatWasMeant) {
  const RunResult r = check_config_text("[risk]\nmax_oder_qty = \"1\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(":2: risk.max_oder_qty: unknown key (did you mean 'max_order_qty'?)"), std::string::npos) << r.err;
}

TEST(CheckConfig, RefusesAPerInstrumentLimitLooserThanTheCommonOne) {
  const RunResult r = check_config_text(
      "[risk]\nmax_position_qty = \"2\"\n\n[risk.instrument.BTCUSDT]\nmax_position_qty = \"3\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(":5: risk.instrument.BTCUSDT.max_position_qty: looser than the common risk.max_position_qty"),
            std::string::npos)
      << r.err;
}

TEST(CheckConfig, AcceptsEveryRiskLimitAndRoundTripsThem) {
  const RunResult r = check_config_text(
      "[risk]\nmax_position_qty = \"2\"\nprice_band_bps = 300\ninitial_equity = \"250000\"\n"
      "max_gross_exposure = \"1.5\"\nmax_open_orders = 10\nmax_orders_per_second = 5\nmax_orders_per_day = 1000\n"
      "trading_day_start_utc = \"08:30\"\ndaily_loss_limit = \"2500\"\nmax_drawdown = \"0.05\"\n\n"
      "[risk.instrument.ETHUSDT]\nallowed = false\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* line : {"max_gross_exposure = \"1.5\"", "max_orders_per_second = 5", "trading_day_start_utc = \"08:30\"",
                           "price_band_bps = 300", "allowed = false", "initial_equity = \"250000\"",
                           "daily_loss_limit = \"2500\"", "max_drawdown = \"0.05\""})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << " missing in:\n" << r.out;
  const RunResult again = check_config_text(r.out);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, r.out);
}

TEST(LiveCommand, TightRiskLimitsDenyOrdersWithTheirReason) {
  const std::string path = ::testing::TempDir() + "tight_" + std::to_string(::getpid()) + ".toml";
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("[risk]\nmax_orders_per_day = 1\n", f);
  std::fclose(f);
  const RunResult r = run("live --config " + path + " --events 300000 --seed 7");
  std::remove(path.c_str());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string fl = final_line(r.out);
  EXPECT_EQ(field(fl, "orders"), "1") << fl;  // one order per trading day, all the rest denied
}

TEST(LiveCommand, EveryExampleConfigLoads) {
  for (const char* example : {"config/paper.toml", "config/advisory.toml", "config/live.toml", "config/backtest.toml",
                              "config/binance-testnet.toml", "config/binance-local.toml", "config/multi-strategy.toml"})
    EXPECT_EQ(run(std::string("check-config ") + example).exit_code, 0) << example << ": " << run(std::string("check-config ") + example).err;
  const RunResult live = run("live --config config/live.toml --events 10");
  EXPECT_EQ(live.exit_code, 2) << "live mode needs --confirm-live";
  EXPECT_NE(live.err.find("--confirm-live"), std::string::npos) << live.err;
}

TEST(LiveCommand, ExampleConfigsRun) {
  for (const char* example : {"config/paper.toml", "config/advisory.toml", "config/multi-strategy.toml"}) {
    const RunResult r = run(std::string("live --config ") + example + " --events 20000");
    EXPECT_EQ(r.exit_code, 0) << example << ": " << r.err;
    EXPECT_FALSE(final_line(r.out).empty()) << example;
    EXPECT_EQ(run(std::string("check-config ") + example).exit_code, 0) << example;
  }
}

}  // namespace

namespace {

const char* kTwoStrategies =
    "[[strategies]]\nname = \"trend\"\nkind = \"macd\"\ninstruments = [\"BTCUSDT\", \"ETHUSDT\"]\n"
    "qty = { BTCUSDT = \"0.01\", ETHUSDT = \"0.3\" }\nparams = { fast = 12, slow = 26, signal = 9 }\n\n"
    "[[strategies]]\nname = \"fast\"\nkind = \"sma_cross\"\ninstruments = [\"BTCUSDT\"]\nqty = \"0.02\"\n"
    "params = { fast = 5, slow = 20 }\n\n"
    "[risk]\nmax_order_qty = \"1\"\nmax_position_qty = \"5\"\nmax_open_orders = 20\ndaily_loss_limit = \"2500\"\n\n";

}  // namespace

TEST(CheckConfig, LoadsTwoStrategiesWithTheirLimitsAndRoundTrips) {
  const RunResult r = check_config_text(std::string(kTwoStrategies) +
                                        "[risk.strategy.fast]\nmax_order_qty = \"0.05\"\nmax_position_notional = \"10000\"\n"
                                        "max_open_orders = 2\ndaily_loss_limit = \"200\"\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* line : {"name = \"trend\"", "name = \"fast\"", "kind = \"sma_cross\"", "[risk.strategy.fast]",
                           "max_order_qty = \"0.05\"", "daily_loss_limit = \"200\"", "qty = { BTCUSDT = \"0.02\" }"})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << " missing in:\n" << r.out;
  EXPECT_EQ(r.out.find("[strategy]"), std::string::npos) << "only one form in the resolved text";
  const RunResult again = check_config_text(r.out);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, r.out);
}

TEST(CheckConfig, RefusesAPerStrategyLimitAboveTheGlobalOrInstrumentOne) {
  RunResult r = check_config_text(std::string(kTwoStrategies) + "[risk.strategy.fast]\nmax_position_qty = \"6\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(":22: risk.strategy.fast.max_position_qty: above risk.max_position_qty (5)"), std::string::npos) << r.err;
  r = check_config_text(std::string(kTwoStrategies) + "[risk.instrument.BTCUSDT]\nmax_order_qty = \"0.5\"\n\n"
                        "[risk.strategy.fast]\nmax_order_qty = \"0.6\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(":25: risk.strategy.fast.max_order_qty: above the BTCUSDT limit"), std::string::npos) << r.err;
  r = check_config_text(std::string(kTwoStrategies) + "[risk.strategy.trend]\ndaily_loss_limit = \"3000\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("risk.strategy.trend.daily_loss_limit: above risk.daily_loss_limit"), std::string::npos) << r.err;
  r = check_config_text(std::string(kTwoStrategies) + "[risk.strategy.trend]\nmax_open_orders = 21\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("risk.strategy.trend.max_open_orders: above risk.max_open_orders"), std::string::npos) << r.err;
}

TEST(CheckConfig, RefusesBadStrategiesWithFileLineAndKey) {
  // Duplicate name.
  RunResult r = check_config_text(std::string(kTwoStrategies) +
                                  "[[strategies]]\nname = \"fast\"\nkind = \"macd\"\ninstruments = [\"ETHUSDT\"]\nqty = \"0.1\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(":22: strategies[2].name: strategy 'fast' is defined twice"), std::string::npos) << r.err;
  // Unknown key, with a suggestion.
  r = check_config_text("[[strategies]]\nname = \"a\"\nkind = \"macd\"\ninstrument = [\"BTCUSDT\"]\nqty = \"0.1\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(":4: strategies[0].instrument: unknown key (did you mean 'instruments'?)"), std::string::npos) << r.err;
  // Unknown algorithm, with a suggestion; bad parameter; both forms; unknown strategy in limits.
  r = check_config_text("[[strategies]]\nname = \"a\"\nkind = \"mcad\"\ninstruments = [\"BTCUSDT\"]\nqty = \"0.1\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(":3: strategies[0].kind: unknown strategy 'mcad' (did you mean 'macd'?)"), std::string::npos) << r.err;
  r = check_config_text("[[strategies]]\nname = \"a\"\nkind = \"macd\"\ninstruments = [\"BTCUSDT\"]\nqty = \"0.1\"\nparams = { fats = 3 }\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(":6: strategies[0].params: strategy macd: unknown parameter 'fats'"), std::string::npos) << r.err;
  r = check_config_text("[strategy]\nname = \"macd\"\n\n[[strategies]]\nname = \"a\"\nkind = \"macd\"\ninstruments = [\"BTCUSDT\"]\nqty = \"0.1\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(":1: strategy: use either [strategy] (one strategy) or [[strategies]]"), std::string::npos) << r.err;
  r = check_config_text(std::string(kTwoStrategies) + "[risk.strategy.fsat]\nmax_order_qty = \"0.1\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(":21: risk.strategy.fsat: unknown strategy (did you mean 'fast'?)"), std::string::npos) << r.err;
  r = check_config_text(std::string(kTwoStrategies) + "[risk.strategy.fast]\nmax_oder_qty = \"0.1\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(":22: risk.strategy.fast.max_oder_qty: unknown key (did you mean 'max_order_qty'?)"), std::string::npos) << r.err;
}

TEST(LiveCommand, TwoStrategiesTradeReportTheirOwnPnlAndReplayToTheSameHash) {
  const std::string journal = temp_path("live_two_strategies");
  std::filesystem::remove_all(journal);
  const RunResult r = run_sequent("live --config config/multi-strategy.toml --console off --events 60000 --journal " + journal);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("strategy 1 trend pnl="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("strategy 2 fast_cross pnl="), std::string::npos) << r.out;
  const RunResult v = run_sequent("replay " + journal + " --verify");
  std::filesystem::remove_all(journal);
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.err.find("verified"), std::string::npos) << v.err;
  EXPECT_NE(v.out.find("strategy_pnl strategy=fast_cross"), std::string::npos) << v.out;
}

// Limit-order entries ([strategy] / [[strategies]] order_type, limit_offset_bps, order_ttl_ms).
namespace {

const char* const kLimitStrategy =
    "[strategy]\nname = \"macd\"\nbar_interval_ms = 100\nfast = 12\nslow = 26\nsignal = 9\n"
    "order_type = \"limit\"\nlimit_offset_bps = 2\norder_ttl_ms = 300\n\n[strategy.qty]\nBTCUSDT = \"0.01\"\nETHUSDT = \"0.3\"\n";

std::size_t count_lines_with(const std::string& text, const std::string& a, const std::string& b = "") {
  std::size_t n = 0, at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(at, end - at);
    if (line.find(a) != std::string::npos && (b.empty() || line.find(b) != std::string::npos)) ++n;
    at = end + 1;
  }
  return n;
}

}  // namespace

TEST(CheckConfig, LimitEntryKeysResolveAndRoundTrip) {
  RunResult r = check_config_text(kLimitStrategy);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* line : {"order_type = \"limit\"", "limit_offset_bps = 2", "order_ttl_ms = 300"})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << " missing in:\n" << r.out;
  RunResult again = check_config_text(r.out);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, r.out);
  // The default is spelled out: market entries, no offset, no TTL.
  r = check_config_text("[strategy]\nname = \"macd\"\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("order_type = \"market\"\nlimit_offset_bps = 0\norder_ttl_ms = 0\n"), std::string::npos) << r.out;
  // Per strategy in [[strategies]].
  r = check_config_text(
      "[[strategies]]\nname = \"maker\"\nkind = \"sma_cross\"\ninstruments = [\"BTCUSDT\"]\nqty = \"0.01\"\n"
      "order_type = \"limit_maker\"\nlimit_offset_bps = 15\norder_ttl_ms = 60000\n\n"
      "[[strategies]]\nname = \"taker\"\nkind = \"macd\"\ninstruments = [\"ETHUSDT\"]\nqty = \"0.1\"\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::size_t taker = r.out.find("name = \"taker\"");
  ASSERT_NE(taker, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("order_type = \"limit_maker\"\nlimit_offset_bps = 15\norder_ttl_ms = 60000"), std::string::npos) << r.out;
  EXPECT_LT(r.out.find("order_type = \"limit_maker\""), taker);
  EXPECT_NE(r.out.find("order_type = \"market\"", taker), std::string::npos) << r.out;
  again = check_config_text(r.out);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, r.out);
}

TEST(CheckConfig, RefusesBadLimitEntryKeysWithFileLineAndKey) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"[strategy]\nname = \"macd\"\norder_type = \"stop\"\n", ":3: strategy.order_type: expected \"market\", \"limit\" or \"limit_maker\", was 'stop'"},
      {"[strategy]\norder_type = 1\n", ":2: strategy.order_type: expected \"market\", \"limit\" or \"limit_maker\""},
      {"[strategy]\norder_type = \"limit\"\nlimit_offset_bps = 10000\n", ":3: strategy.limit_offset_bps: expected 0..9999, was 10000"},
      {"[strategy]\norder_type = \"limit\"\nlimit_offset_bps = -1\n", ":3: strategy.limit_offset_bps: expected 0..9999, was -1"},
      {"[strategy]\norder_type = \"limit\"\nlimit_offset_bps = 2.5\n", ":3: strategy.limit_offset_bps: expected an integer"},
      {"[strategy]\norder_type = \"limit\"\norder_ttl_ms = -5\n", ":3: strategy.order_ttl_ms: expected 0..604800000, was -5"},
      {"[strategy]\nlimit_offset_bps = 5\n", ":2: strategy.limit_offset_bps: prices limit entries: needs order_type = \"limit\" or \"limit_maker\""},
      {"[strategy]\norder_tpye = \"limit\"\n", ":2: strategy.order_tpye: unknown key (did you mean 'order_type'?)"},
      {"[[strategies]]\nname = \"a\"\nkind = \"macd\"\ninstruments = [\"BTCUSDT\"]\nqty = \"0.1\"\norder_type = \"limt\"\n",
       ":6: strategies[0].order_type: expected \"market\", \"limit\" or \"limit_maker\", was 'limt'"},
      {"[[strategies]]\nname = \"a\"\nkind = \"macd\"\ninstruments = [\"BTCUSDT\"]\nqty = \"0.1\"\norder_ttl_ms = \"1s\"\n",
       ":6: strategies[0].order_ttl_ms: expected an integer"},
  };
  for (const Case& c : cases) {
    const RunResult r = check_config_text(c.text);
    EXPECT_EQ(r.exit_code, 2) << c.text;
    EXPECT_NE(r.err.find(c.error), std::string::npos) << "expected: " << c.error << "\ngot: " << r.err;
  }
}

TEST(LiveCommand, LimitEntriesRestOnTheSimVenueExpireOnTheirTtlAndReplay) {
  const std::string path = temp_path("limit_paper.toml");
  {
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(kLimitStrategy, f);
    std::fclose(f);
  }
  const std::string journal = temp_path("live_limit_entries");
  std::filesystem::remove_all(journal);
  const RunResult r = run_sequent("live --config " + path + " --console off --events 100000 --seed 7 --journal " + journal);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const RunResult exported = run_sequent("journal export " + journal + " --outputs --format jsonl");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const std::string& x = exported.out;
  const std::size_t orders = count_lines_with(x, "\"output\":\"order_new\""),
                    limits = count_lines_with(x, "\"output\":\"order_new\"", "\"order_type\":\"limit\",\"tif\":\"gtc\""),
                    cancels = count_lines_with(x, "\"output\":\"order_cancel\""),
                    canceled = count_lines_with(x, "\"type\":\"exec_report\"", "\"exec_type\":\"canceled\""),
                    fills = count_lines_with(x, "\"type\":\"exec_report\"", "\"exec_type\":\"fill\"");
  std::printf("limit entries on the sim venue: %zu orders, %zu TTL cancels, %zu canceled, %zu fills\n", orders, cancels, canceled, fills);
  EXPECT_GT(orders, 5u);
  EXPECT_EQ(limits, orders) << "every entry is a GTC limit order";
  EXPECT_GT(cancels, 0u) << "orders outlived their 300 ms";
  EXPECT_EQ(canceled, cancels) << "the sim venue confirms each cancel of a resting order";
  EXPECT_EQ(count_lines_with(x, "\"exec_type\":\"cancel_rejected\""), 0u) << "never a cancel of an order that is gone";
  const RunResult v = run_sequent("replay " + journal + " --verify");
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_EQ(field(final_line(r.out), "state_hash"), field(v.out, "state_hash"));
  std::filesystem::remove_all(journal);
  std::remove(path.c_str());
}
