// End-to-end: `sequent indicators` through the binary: column names, empty cells before the
// lookback, %.17g values, and exit 2 naming a bad spec or a bad data line.
#include <gtest/gtest.h>

#include "tests/e2e/sequent_runner.hpp"
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#ifndef SEQUENT_BINARY
#error "SEQUENT_BINARY must name the sequent executable"
#endif

namespace {

namespace fs = std::filesystem;
using namespace sequent::e2e;
CommandResult run(const std::string& args) { return run_sequent(args); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

TEST(IndicatorsCommand, WritesOneRowPerBarWithTaLibColumnsAndLookbacks) {
  const std::string data = temp_path("bars.csv"), out = temp_path("out.csv");
  {
    std::ofstream f(data);
    f << "open_time,open,high,low,close,volume\n";
    const double closes[] = {10, 11, 12, 11, 13, 14, 13, 15};
    for (int i = 0; i < 8; ++i) {
      f << 1747699200000 + 60000LL * i << ',' << closes[i] << ',' << closes[i] + 1 << ',' << closes[i] - 1 << ','
        << closes[i] << ",1\n";
    }
  }
  const CommandResult r = run("indicators --data " + data + " --indicator sma:3 --indicator macd:2,3,2 bbands:3,2 " +
                              "roc:1 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> rows = lines_of(slurp(out));
  ASSERT_EQ(rows.size(), 9u);
  EXPECT_EQ(rows[0],
            "open_time,sma_3,macd_2_3_2,macd_2_3_2_signal,macd_2_3_2_hist,bbands_3_2_upper,bbands_3_2_middle,"
            "bbands_3_2_lower,roc_1");
  EXPECT_EQ(rows[1], "1747699200000,,,,,,,,");
  EXPECT_EQ(rows[2], "1747699260000,,,,,,,,10.000000000000009");  // roc: (11 / 10 - 1) * 100, %.17g
  // sma_3 and bbands from index 2 on; MACD 2,3,2 from index 3 + 2 - 2 = 3.
  EXPECT_EQ(rows[3].substr(0, 17), "1747699320000,11,");
  EXPECT_EQ(rows[3].find(",,,,"), 16u);
  EXPECT_EQ(rows[4].find(",,"), std::string::npos) << rows[4];
  fs::remove(data);
  fs::remove(out);
}

TEST(IndicatorsCommand, BadSpecExitsTwoNamingIt) {
  const std::string data = temp_path("spec.csv");
  std::ofstream(data) << "open_time,open,high,low,close,volume\n1747699200000,1,2,1,2,5\n";
  const CommandResult r = run("indicators --data " + data + " --indicator rsi:abc --out " + temp_path("x.csv"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--indicator 'rsi:abc': 'abc' is not an integer"), std::string::npos) << r.err;
  fs::remove(data);
}

TEST(IndicatorsCommand, BadDataExitsTwoNamingFileAndLineAndLeavesNoOutput) {
  const std::string data = temp_path("bad.csv"), out = temp_path("bad_out.csv");
  std::ofstream(data) << "open_time,open,high,low,close,volume\n1747699200000,1,2,1,2,5\n1747699260000,1,2,1,oops,5\n";
  const CommandResult r = run("indicators --data " + data + " --indicator sma:2 --out " + out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(data + ":3: column close: 'oops' is not a decimal number"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
  fs::remove(data);
}

TEST(IndicatorsCommand, ReadsTheRealBtcFile) {
  const std::string data = "../shared/data/crypto_1m/binance_spot_BTCUSDT_1m_20250520_20250818.csv.gz";
  if (!fs::exists(data)) GTEST_SKIP() << "real data not found: " << data;
  const std::string out = temp_path("btc.csv");
  const CommandResult r = run("indicators --data " + data + " --indicator rsi:14 kama:30 atr:14 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> rows = lines_of(slurp(out));
  ASSERT_EQ(rows.size(), 130'709u);
  EXPECT_EQ(rows[0], "open_time,rsi_14,kama_30,atr_14");
  EXPECT_EQ(rows[1], "1747699200000,,,");
  EXPECT_EQ(rows[31].find(",,"), std::string::npos);  // index 30: every lookback passed
  EXPECT_EQ(rows.back().substr(0, 14), "1755541620000,");
  fs::remove(out);
}

}  // namespace
