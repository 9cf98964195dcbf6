// Helpers for the journal tests: unique temporary session directories (removed at scope exit),
// deterministic events, a journal-writing fake sequencer and router, and raw LMDB access for
// tampering. Test-only, single-threaded except where a test says otherwise.
#pragma once

#include <gtest/gtest.h>
#include <lmdb.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/event.hpp"
#include "journal/journal.hpp"

namespace sequent::journal::testing {

// A fresh directory under ::testing::TempDir(), removed (recursively) by the destructor.
class TempJournalDir {
 public:
  TempJournalDir() {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("sequent_journal_" + std::string(info ? info->name() : "test") + "_" + std::to_string(::getpid()) + "_" +
             std::to_string(counter.fetch_add(1)));
    std::filesystem::remove_all(path_);
  }
  ~TempJournalDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempJournalDir(const TempJournalDir&) = delete;
  TempJournalDir& operator=(const TempJournalDir&) = delete;
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline SessionMeta test_meta(TimeNs start = 1'700'000'000'000'000'000) {
  SessionMeta m;
  m.binary_version = "sequent test";
  m.session_start_ns = start;
  m.instruments = "0 BTCUSDT sim 0.01 0.0001 10\n1 ETHUSDT sim 0.01 0.001 10\n";
  m.config = "[journal]\ndurability = \"batch\"\n";
  m.config_hash = 0x1234'5678'9ABC'DEF0ull;
  return m;
}

// A deterministic input: a trade whose fields all depend on seq.
inline Event input_event(Seq seq) {
  Event e = make_event(EventType::kTrade, Source::kSimMarket, static_cast<InstrumentId>(seq % 2),
                       static_cast<TimeNs>(1'700'000'000'000'000'000 + seq * 1000));
  e.header.seq = seq;
  e.header.recv_ns = static_cast<TimeNs>(1'700'000'000'000'000'000 + seq * 1000 + 7);
  e.payload.trade.price = Price::from_raw(static_cast<std::int64_t>(100'00000000 + seq));
  e.payload.trade.qty = Qty::from_raw(static_cast<std::int64_t>(seq * 3 + 1));
  e.payload.trade.trade_id = seq * 11;
  e.payload.trade.aggressor = seq % 2 ? Side::kBuy : Side::kSell;
  return e;
}

// A deterministic output (a new order) caused by origin seq; k distinguishes outputs of one origin.
inline Event output_event(Seq origin, unsigned k) {
  Event e = make_event(EventType::kOrderNew, Source::kRouter, 0, static_cast<TimeNs>(origin * 1000));
  e.header.seq = origin;
  e.header.flags = kFlagDerived;
  e.payload.order.client_order_id = make_client_order_id(origin, k);
  e.payload.order.price = Price::from_raw(static_cast<std::int64_t>(origin * 100 + k));
  e.payload.order.qty = Qty::from_raw(1);
  e.payload.order.side = Side::kBuy;
  e.payload.order.order_type = OrderType::kLimit;
  e.payload.order.tif = TimeInForce::kGtc;
  return e;
}

inline bool same_bytes(const Event& a, const Event& b) { return std::memcmp(&a, &b, sizeof(Event)) == 0; }

// Writes inputs first..last (no outputs) with a fresh writer and closes it.
inline void write_inputs(const std::string& dir, Seq first, Seq last, WriterOptions options = {},
                         const SessionMeta& meta = test_meta()) {
  options.durability = Durability::kNone;
  auto w = JournalWriter::open(dir, meta, options);
  ASSERT_TRUE(w) << w.error().message;
  for (Seq s = first; s <= last; ++s) ASSERT_TRUE((*w)->append(input_event(s)));
  Status st = (*w)->close();
  ASSERT_TRUE(st) << st.error().message;
}

// Reads every input; returns the status and how many records reached the callback.
inline Status read_all(const std::string& dir, std::uint64_t* count = nullptr) {
  auto r = JournalReader::open(dir);
  if (!r) return r.error();
  std::uint64_t n = 0;
  Status st = (*r)->for_each_input(1, kLastSeq, [&](const Event&) {
    ++n;
    return true;
  });
  if (count != nullptr) *count = n;
  return st;
}

inline std::string seq_key(Seq seq) {
  std::string k(8, '\0');
  for (int i = 7; i >= 0; --i) {
    k[static_cast<std::size_t>(i)] = static_cast<char>(seq & 0xFF);
    seq >>= 8;
  }
  return k;
}

// Direct LMDB access to a closed journal, to damage it. Open only while no writer or reader of
// the same directory is open in this process (LMDB's rule for one environment per process).
class RawJournal {
 public:
  explicit RawJournal(const std::string& dir) {
    EXPECT_EQ(mdb_env_create(&env_), 0);
    EXPECT_EQ(mdb_env_set_maxdbs(env_, 8), 0);
    EXPECT_EQ(mdb_env_open(env_, dir.c_str(), 0, 0644), 0);
  }
  ~RawJournal() { mdb_env_close(env_); }
  RawJournal(const RawJournal&) = delete;
  RawJournal& operator=(const RawJournal&) = delete;

  std::string get(const char* db, const std::string& key) {
    std::string out;
    with_txn(db, MDB_RDONLY, [&](MDB_txn* txn, MDB_dbi dbi) {
      MDB_val k{key.size(), const_cast<char*>(key.data())};
      MDB_val v{};
      EXPECT_EQ(mdb_get(txn, dbi, &k, &v), 0) << "key not found in " << db;
      out.assign(static_cast<const char*>(v.mv_data), v.mv_size);
    });
    return out;
  }
  void put(const char* db, const std::string& key, const std::string& value) {
    with_txn(db, 0, [&](MDB_txn* txn, MDB_dbi dbi) {
      MDB_val k{key.size(), const_cast<char*>(key.data())};
      MDB_val v{value.size(), const_cast<char*>(value.data())};
      EXPECT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
    });
  }
  void del(const char* db, const std::string& key) {
    with_txn(db, 0, [&](MDB_txn* txn, MDB_dbi dbi) {
      MDB_val k{key.size(), const_cast<char*>(key.data())};
      EXPECT_EQ(mdb_del(txn, dbi, &k, nullptr), 0);
    });
  }
  // (last used page + 1) * page size: the bytes LMDB needs in data.mdb.
  std::uint64_t used_bytes() {
    MDB_envinfo info{};
    MDB_stat st{};
    mdb_env_info(env_, &info);
    mdb_env_stat(env_, &st);
    return (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * st.ms_psize;
  }

 private:
  template <class Fn>
  void with_txn(const char* db, unsigned flags, Fn&& fn) {
    MDB_txn* txn = nullptr;
    ASSERT_EQ(mdb_txn_begin(env_, nullptr, flags, &txn), 0);
    MDB_dbi dbi = 0;
    ASSERT_EQ(mdb_dbi_open(txn, db, 0, &dbi), 0);
    fn(txn, dbi);
    ASSERT_EQ(mdb_txn_commit(txn), 0);
  }
  MDB_env* env_ = nullptr;
};

}  // namespace sequent::journal::testing
