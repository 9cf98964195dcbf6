// End-to-end: a journaled paper session, replayed and verified through the `sequent` binary, and
// what the CLI does with damaged journals (exit codes and the seq it names).
#include <gtest/gtest.h>

#include "tests/e2e/sequent_runner.hpp"
#include <lmdb.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#ifndef SEQUENT_BINARY
#error "SEQUENT_BINARY must name the sequent executable"
#endif

namespace {

namespace fs = std::filesystem;
using namespace sequent::e2e;
CommandResult run(const std::string& args) { return run_sequent(args); }



class JournalSession : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "sequent_e2e_" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs an unpaced session and returns its final line.
  std::string record(const std::string& pipeline, int events = 100000) {
    const CommandResult r = run("live --events " + std::to_string(events) + " --seed 11 --pipeline " + pipeline +
                                " --journal " + dir_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return final_line(r.out);
  }

  // Rewrites one LMDB value in place (a tampering user or a bad disk), through LMDB itself.
  void tamper(const char* db, const std::string& key, const std::function<void(std::string&)>& change) {
    MDB_env* env = nullptr;
    ASSERT_EQ(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 8);
    mdb_env_set_mapsize(env, 1ull << 32);
    ASSERT_EQ(mdb_env_open(env, dir_.c_str(), 0, 0644), 0);
    MDB_txn* txn = nullptr;
    ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
    MDB_dbi dbi;
    ASSERT_EQ(mdb_dbi_open(txn, db, 0, &dbi), 0);
    MDB_val k{key.size(), const_cast<char*>(key.data())}, v;
    ASSERT_EQ(mdb_get(txn, dbi, &k, &v), 0) << "no such key in " << db;
    std::string value(static_cast<const char*>(v.mv_data), v.mv_size);
    change(value);
    MDB_val nv{value.size(), value.data()};
    ASSERT_EQ(mdb_put(txn, dbi, &k, &nv, 0), 0);
    ASSERT_EQ(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
  }

  static std::string be64(std::uint64_t v) {
    std::string k(8, '\0');
    for (int i = 0; i < 8; ++i) k[static_cast<std::size_t>(i)] = static_cast<char>(v >> (56 - 8 * i));
    return k;
  }

  std::string dir_;
};

TEST_F(JournalSession, ReplayOfAnInlineSessionGivesTheSameStateAndVerifies) {
  const std::string live = record("inline");
  ASSERT_FALSE(live.empty());
  ASSERT_GT(std::stoull(field(live, "orders")), 0u) << live;

  const CommandResult replay = run("replay " + dir_);
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(field(replay.out, "seq"), field(live, "seq"));
  EXPECT_EQ(field(replay.out, "state_hash"), field(live, "state_hash"));
  EXPECT_NE(replay.err.find("from the snapshot"), std::string::npos) << "shutdown snapshot should be used: " << replay.err;

  const CommandResult verify = run("replay " + dir_ + " --verify");
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(field(verify.out, "state_hash"), field(live, "state_hash"));
  EXPECT_NE(verify.err.find("snapshot matches"), std::string::npos) << verify.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(verify.err, m, std::regex("verified: ([0-9]+) outputs and ([0-9]+) checkpoints")));
  EXPECT_GT(std::stoull(m[1].str()), 0u);
  EXPECT_GE(std::stoull(m[2].str()), 10u) << "checkpoints every 10000 inputs plus the final one";
}

TEST_F(JournalSession, ReplayOfAThreadedSessionGivesTheSameStateAndVerifies) {
  const std::string live = record("threaded");
  const CommandResult verify = run("replay " + dir_ + " --verify");
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(field(verify.out, "state_hash"), field(live, "state_hash"));
  EXPECT_EQ(field(verify.out, "seq"), field(live, "seq"));
}

TEST_F(JournalSession, ReplayStopsAtTo) {
  record("inline", 30000);
  const CommandResult r = run("replay " + dir_ + " --to 12345 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"final_seq\":12345"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"positions\":["), std::string::npos);
}

TEST_F(JournalSession, InfoAndExportDescribeTheSession) {
  const std::string live = record("inline", 30000);
  const CommandResult info = run("journal info " + dir_);
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_EQ(field(info.out, "last_seq"), field(live, "seq"));
  EXPECT_EQ(field(info.out, "format_version"), "1");

  const CommandResult exp = run("journal export " + dir_ + " --outputs --format jsonl");
  ASSERT_EQ(exp.exit_code, 0) << exp.err;
  std::istringstream lines(exp.out);
  std::string line;
  std::uint64_t inputs = 0, orders = 0, expected_seq = 1;
  while (std::getline(lines, line)) {
    ASSERT_EQ(line.front(), '{');
    ASSERT_EQ(line.back(), '}');
    if (line.rfind("{\"output\":", 0) == 0) {
      if (line.find("\"output\":\"order_new\"") != std::string::npos) ++orders;
      EXPECT_NE(line.find("\"client_order_id\":"), std::string::npos);
      continue;
    }
    ASSERT_EQ(line.rfind("{\"seq\":" + std::to_string(expected_seq) + ",", 0), 0u) << line;
    ++expected_seq;
    ++inputs;
  }
  EXPECT_EQ(std::to_string(inputs), field(live, "seq"));
  EXPECT_EQ(std::to_string(orders), field(live, "orders"));
  EXPECT_NE(exp.out.find("\"type\":\"trade\",\"source\":\"sim_market\",\"instrument\":\"BTCUSDT\",\"price\":\""),
            std::string::npos);

  const CommandResult slice = run("journal export " + dir_ + " --from 100 --to 109 --format jsonl");
  ASSERT_EQ(slice.exit_code, 0);
  EXPECT_EQ(std::count(slice.out.begin(), slice.out.end(), '\n'), 10);
}

TEST_F(JournalSession, GatedOrdersWaitForDurabilityAndStillTrade) {
  const std::string config = dir_ + ".toml";
  {
    std::ofstream f(config);
    f << "[journal]\ndurability = \"batch\"\ngate_orders = true\ncheckpoint_every = 5000\n";
  }
  const CommandResult r = run("live --config " + config + " --events 60000 --seed 4 --journal " + dir_);
  fs::remove(config);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("(batch, gated)"), std::string::npos) << r.err;
  const std::string live = final_line(r.out);
  EXPECT_GT(std::stoull(field(live, "orders")), 0u) << live;
  const CommandResult verify = run("replay " + dir_ + " --verify");
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(field(verify.out, "state_hash"), field(live, "state_hash"));
}

TEST_F(JournalSession, DailyLossBreakerTripIsJournaledWithItsCauseAndStopsNewExposure) {
  const std::string config = dir_ + ".toml";
  {
    std::ofstream f(config);
    f << "[risk]\ndaily_loss_limit = \"3\"\n";
  }
  const CommandResult r = run("live --config " + config + " --events 300000 --seed 7 --journal " + dir_);
  fs::remove(config);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const CommandResult exp = run("journal export " + dir_ + " --outputs --format jsonl");
  ASSERT_EQ(exp.exit_code, 0);
  std::istringstream lines(exp.out);
  std::string line;
  std::uint64_t trip_seq = 0, buys_after = 0, orders_before = 0;
  while (std::getline(lines, line)) {
    if (trip_seq == 0 && line.find("\"type\":\"admin\",\"source\":\"internal\"") != std::string::npos &&
        line.find("\"cause\":\"daily_loss_limit\"") != std::string::npos) {
      std::smatch m;
      ASSERT_TRUE(std::regex_search(line, m, std::regex("^\\{\"seq\":([0-9]+),")));
      trip_seq = std::stoull(m[1].str());
      continue;
    }
    if (line.rfind("{\"output\":\"order_new\"", 0) == 0) {
      if (trip_seq == 0) ++orders_before;
      else if (line.find("\"side\":\"buy\"") != std::string::npos) ++buys_after;
    }
  }
  ASSERT_GT(trip_seq, 0u) << "the breaker should trip on a 3 USDT daily loss";
  EXPECT_GT(orders_before, 0u);
  EXPECT_EQ(buys_after, 0u) << "no new exposure after the trip";
  const CommandResult verify = run("replay " + dir_ + " --verify");
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
}

TEST_F(JournalSession, AdvisoryModeJournalsDecisionsAndSendsNothing) {
  const std::string config = dir_ + ".toml";
  {
    std::ofstream f(config);
    f << "[session]\nmode = \"advisory\"\n";
  }
  const CommandResult r = run("live --config " + config + " --events 200000 --seed 7 --journal " + dir_);
  fs::remove(config);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("advisory (no order leaves)"), std::string::npos) << r.err;
  const std::string live = final_line(r.out);
  EXPECT_GT(std::stoull(field(live, "orders")), 1u) << "the strategy keeps deciding: " << live;
  EXPECT_EQ(field(live, "fills"), "0") << live;
  const CommandResult exp = run("journal export " + dir_ + " --outputs --format jsonl");
  EXPECT_EQ(exp.out.find("\"type\":\"exec_report\""), std::string::npos) << "no venue ever saw an order";
  EXPECT_NE(exp.out.find("\"reason\":\"advisory_mode\""), std::string::npos);
  EXPECT_EQ(run("replay " + dir_ + " --verify").exit_code, 0);
  // The venue's own log never received an order.
  EXPECT_LE(slurp(dir_ + "/venue.log").size(), 8u) << "only the venue log's header";
}

TEST_F(JournalSession, LiveModeNeedsConfirmationAndAVenue) {
  const std::string config = dir_ + ".toml";
  {
    std::ofstream f(config);
    f << "[session]\nmode = \"live\"\n";
  }
  const CommandResult unconfirmed = run("live --config " + config + " --events 10 --journal " + dir_);
  EXPECT_EQ(unconfirmed.exit_code, 2);
  EXPECT_NE(unconfirmed.err.find("--confirm-live"), std::string::npos) << unconfirmed.err;
  const CommandResult confirmed = run("live --config " + config + " --confirm-live --events 10 --journal " + dir_);
  fs::remove(config);
  EXPECT_EQ(confirmed.exit_code, 2);
  EXPECT_NE(confirmed.err.find("needs a real venue"), std::string::npos) << confirmed.err;
}

TEST_F(JournalSession, ConfiguredInstrumentsAreTradedJournaledAndReplayed) {
  const std::string config = dir_ + ".toml";
  {
    std::ofstream f(config);
    f << "[[instruments]]\nsymbol = \"SOLUSDT\"\ntick_size = \"0.01\"\nlot_size = \"0.01\"\nmin_notional = \"5\"\n"
         "sim_start_price = \"150\"\n\n[strategy.qty]\nSOLUSDT = \"5\"\n\n[risk.instrument.SOLUSDT]\nmax_order_qty = \"50\"\n";
  }
  const CommandResult r = run("live --config " + config + " --events 150000 --seed 3 --journal " + dir_);
  fs::remove(config);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("instruments=SOLUSDT "), std::string::npos) << r.err;
  const std::string live = final_line(r.out);
  EXPECT_GT(std::stoull(field(live, "fills")), 0u) << live;
  const CommandResult verify = run("replay " + dir_ + " --verify");
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(field(verify.out, "state_hash"), field(live, "state_hash"));
  EXPECT_NE(verify.out.find("position instrument=SOLUSDT"), std::string::npos) << verify.out;
}

TEST_F(JournalSession, LiveRefusesADirectoryThatHoldsASession) {
  record("inline", 5000);
  const CommandResult again = run("live --events 5000 --journal " + dir_);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already holds a session"), std::string::npos) << again.err;
}

TEST_F(JournalSession, FlippedRecordByteIsRefusedNamingItsSeq) {
  record("inline", 20000);
  tamper("journal", be64(777), [](std::string& v) { v[8 + 40] = static_cast<char>(v[8 + 40] ^ 0x01); });
  const CommandResult r = run("replay " + dir_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("seq 777"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("valid up to seq 776"), std::string::npos) << r.err;
}

TEST_F(JournalSession, TruncatedJournalFileIsRefusedWithoutACrash) {
  record("inline", 20000);
  const fs::path data = fs::path(dir_) / "data.mdb";
  fs::resize_file(data, fs::file_size(data) / 2);
  const CommandResult r = run("replay " + dir_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(r.err.empty());
}

TEST_F(JournalSession, MissingJournalIsABadInput) {
  const CommandResult r = run("replay " + dir_ + "/nothing-here");
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST_F(JournalSession, TamperedCheckpointIsADivergenceNamingItsSeq) {
  record("inline", 30000);
  // A checkpoint rewritten with a valid checksum: the journal is intact, the record is a lie.
  tamper("checkpoints", be64(20000), [](std::string& v) {
    std::uint64_t hash;
    std::memcpy(&hash, v.data(), 8);
    hash ^= 1;
    std::memcpy(v.data(), &hash, 8);
    const std::uint64_t check = XXH3_64bits_withSeed(v.data(), 8, 0);
    std::memcpy(v.data() + 8, &check, 8);
  });
  const CommandResult r = run("replay " + dir_ + " --verify");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("divergence at seq 20000"), std::string::npos) << r.err;
}

}  // namespace
