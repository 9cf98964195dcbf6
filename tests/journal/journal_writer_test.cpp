// JournalWriter behaviour: round trips through the reader, durable_seq, resume, map growth,
// map-full failure and sequencing bugs. Each test uses its own temporary session directory.
#include <gtest/gtest.h>

#include <thread>

#include "journal/journal.hpp"
#include "journal_test_util.hpp"

namespace sequent::journal {
namespace {

using testing::input_event;
using testing::output_event;
using testing::read_all;
using testing::same_bytes;
using testing::TempJournalDir;
using testing::test_meta;

constexpr Seq kInputs = 3000;

// The fake engine used by the round-trip tests: the sequencer appends every input; the "router"
// (a second thread) emits two outputs for every third input and a checkpoint every 500 seqs,
// plus one at the end.
void run_session(JournalWriter& w, Seq first, Seq last) {
  std::thread router([&] {
    for (Seq s = first; s <= last; ++s) {
      if (s % 3 == 0) {
        ASSERT_TRUE(w.append_output(output_event(s, 0)));
        ASSERT_TRUE(w.append_output(output_event(s, 1)));
      }
      if (s % 500 == 0) {
        ASSERT_TRUE(w.append_checkpoint(s, s * 0x9E3779B97F4A7C15ull));
      }
    }
    ASSERT_TRUE(w.append_checkpoint(last, 42));
  });
  for (Seq s = first; s <= last; ++s) ASSERT_TRUE(w.append(input_event(s)));
  router.join();
}

TEST(JournalWriter, RoundTripReadsBackInputsByteIdentical) {
  TempJournalDir dir;
  {
    auto w = JournalWriter::open(dir.str(), test_meta(), WriterOptions{});
    ASSERT_TRUE(w) << w.error().message;
    EXPECT_EQ((*w)->last_seq_at_open(), 0u);
    run_session(**w, 1, kInputs);
    Status st = (*w)->close();
    ASSERT_TRUE(st) << st.error().message;
  }
  auto r = JournalReader::open(dir.str());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)->meta().binary_version, "sequent test");
  EXPECT_EQ((*r)->meta().session_start_ns, test_meta().session_start_ns);
  EXPECT_EQ((*r)->meta().instruments, test_meta().instruments);
  EXPECT_EQ((*r)->meta().config, test_meta().config);
  EXPECT_EQ((*r)->meta().config_hash, test_meta().config_hash);
  EXPECT_EQ((*r)->meta().format_version, kFormatVersion);
  Seq expected = 1;
  Status st = (*r)->for_each_input(1, kLastSeq, [&](const Event& e) {
    EXPECT_TRUE(same_bytes(e, input_event(expected))) << "seq " << expected;
    ++expected;
    return true;
  });
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_EQ(expected, kInputs + 1);
}

TEST(JournalWriter, OutputsAreKeyedByOriginSeqWithPerOriginIndexes) {
  TempJournalDir dir;
  {
    auto w = JournalWriter::open(dir.str(), test_meta(), WriterOptions{});
    ASSERT_TRUE(w) << w.error().message;
    run_session(**w, 1, kInputs);
    ASSERT_TRUE((*w)->close());
  }
  auto r = JournalReader::open(dir.str());
  ASSERT_TRUE(r) << r.error().message;
  std::vector<std::pair<Seq, std::uint32_t>> keys;
  Status st = (*r)->for_each_output(1, kLastSeq, [&](const Event& e, std::uint32_t index) {
    EXPECT_TRUE(same_bytes(e, output_event(e.header.seq, index)));
    keys.emplace_back(e.header.seq, index);
    return true;
  });
  ASSERT_TRUE(st) << st.error().message;
  ASSERT_EQ(keys.size(), 2 * (kInputs / 3));
  EXPECT_EQ(keys[0], std::make_pair(Seq{3}, 0u));
  EXPECT_EQ(keys[1], std::make_pair(Seq{3}, 1u));
  EXPECT_EQ(keys.back(), std::make_pair(kInputs, 1u));

  std::size_t in_range = 0;
  ASSERT_TRUE((*r)->for_each_output(10, 20, [&](const Event& e, std::uint32_t) {
    EXPECT_GE(e.header.seq, 10u);
    EXPECT_LE(e.header.seq, 20u);
    ++in_range;
    return true;
  }));
  EXPECT_EQ(in_range, 6u);  // origins 12, 15 and 18, two outputs each
}

TEST(JournalWriter, CheckpointsAndSnapshotsReadBack) {
  TempJournalDir dir;
  {
    auto w = JournalWriter::open(dir.str(), test_meta(), WriterOptions{});
    ASSERT_TRUE(w) << w.error().message;
    run_session(**w, 1, kInputs);
    ASSERT_TRUE((*w)->close());
    ASSERT_TRUE((*w)->write_snapshot(1000, "state at 1000"));
    ASSERT_TRUE((*w)->write_snapshot(2000, std::string(100'000, 'x')));
  }
  auto r = JournalReader::open(dir.str());
  ASSERT_TRUE(r) << r.error().message;
  auto cps = (*r)->checkpoints();
  ASSERT_TRUE(cps) << cps.error().message;
  ASSERT_EQ(cps->size(), kInputs / 500);  // 500, 1000, ... 3000 (the final one overwrote 3000)
  EXPECT_EQ((*cps)[0].seq, 500u);
  EXPECT_EQ((*cps)[0].state_hash, 500 * 0x9E3779B97F4A7C15ull);
  EXPECT_EQ(cps->back().seq, kInputs);
  EXPECT_EQ(cps->back().state_hash, 42u);

  auto latest = (*r)->latest_snapshot(kLastSeq);
  ASSERT_TRUE(latest) << latest.error().message;
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->first, 2000u);
  EXPECT_EQ((*latest)->second, std::string(100'000, 'x'));
  auto before = (*r)->latest_snapshot(1999);
  ASSERT_TRUE(before && before->has_value());
  EXPECT_EQ((*before)->first, 1000u);
  EXPECT_EQ((*before)->second, "state at 1000");
  auto none = (*r)->latest_snapshot(999);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

TEST(JournalWriter, InfoCountsEveryDatabase) {
  TempJournalDir dir;
  {
    auto w = JournalWriter::open(dir.str(), test_meta(), WriterOptions{});
    ASSERT_TRUE(w) << w.error().message;
    run_session(**w, 1, kInputs);
    ASSERT_TRUE((*w)->close());
    ASSERT_TRUE((*w)->write_snapshot(kInputs, "s"));
    const WriterStats stats = (*w)->stats();
    EXPECT_EQ(stats.inputs, kInputs);
    EXPECT_EQ(stats.outputs, 2 * (kInputs / 3) + kInputs / 500 + 1);  // outputs + checkpoint records
    EXPECT_GE(stats.commits, 1u);
    EXPECT_LE(stats.commit_p50_ns, stats.commit_p99_ns);
  }
  auto r = JournalReader::open(dir.str());
  ASSERT_TRUE(r) << r.error().message;
  auto info = (*r)->info();
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->first_seq, 1u);
  EXPECT_EQ(info->last_seq, kInputs);
  EXPECT_EQ(info->inputs, kInputs);
  EXPECT_EQ(info->outputs, 2 * (kInputs / 3));
  EXPECT_EQ(info->checkpoints, kInputs / 500);
  EXPECT_EQ(info->snapshots, 1u);
  EXPECT_GT(info->file_bytes, kInputs * 136);
  EXPECT_EQ(info->meta.config, test_meta().config);
}

TEST(JournalWriter, ReaderRangeStartsLateAndStopsEarly) {
  TempJournalDir dir;
  testing::write_inputs(dir.str(), 1, 100);
  auto r = JournalReader::open(dir.str());
  ASSERT_TRUE(r) << r.error().message;
  std::vector<Seq> seen;
  ASSERT_TRUE((*r)->for_each_input(40, 50, [&](const Event& e) {
    seen.push_back(e.seq());
    return true;
  }));
  ASSERT_EQ(seen.size(), 11u);
  EXPECT_EQ(seen.front(), 40u);
  EXPECT_EQ(seen.back(), 50u);
  seen.clear();
  ASSERT_TRUE((*r)->for_each_input(1, kLastSeq, [&](const Event& e) {
    seen.push_back(e.seq());
    return e.seq() < 5;
  }));
  EXPECT_EQ(seen.size(), 5u);
}

TEST(JournalWriter, DurableSeqReachesLastSeqAfterCloseAndNeverExceedsAppended) {
  TempJournalDir dir;
  WriterOptions options;
  options.durability = Durability::kNone;
  options.ring_capacity = 256;  // small: exercises back-pressure and many commits
  auto w = JournalWriter::open(dir.str(), test_meta(), options);
  ASSERT_TRUE(w) << w.error().message;
  constexpr Seq kCount = 50'000;
  for (Seq s = 1; s <= kCount; ++s) {
    ASSERT_TRUE((*w)->append(input_event(s)));
    ASSERT_LE((*w)->durable_seq(), s);
  }
  ASSERT_TRUE((*w)->close());
  EXPECT_EQ((*w)->durable_seq(), kCount);
  EXPECT_FALSE((*w)->failed());
  EXPECT_GT((*w)->last_commit_steady_ns(), 0);
  EXPECT_EQ((*w)->stats().inputs, kCount);
  EXPECT_TRUE((*w)->close()) << "close is idempotent";
  EXPECT_FALSE((*w)->append(input_event(kCount + 1))) << "append after close is refused";
}

// The live engine's watchdog trips the kill switch on stalled(); the clock is passed in, so
// every case is decided here without waiting.
TEST(JournalWriter, StalledOnlyWhenInputsWaitLongerThanTheLimitSinceTheLastCommit) {
  TempJournalDir dir;
  WriterOptions options;
  options.durability = Durability::kNone;
  auto w = JournalWriter::open(dir.str(), test_meta(), options);
  ASSERT_TRUE(w) << w.error().message;
  const std::int64_t opened = (*w)->last_commit_steady_ns();
  ASSERT_GT(opened, 0) << "open() starts the stall clock, so a writer that never commits is caught";
  constexpr std::int64_t kLimit = 2'000'000'000;
  EXPECT_FALSE((*w)->stalled(0, opened + 10 * kLimit, kLimit)) << "nothing appended: idle, not stalled";
  EXPECT_TRUE((*w)->stalled(1, opened + kLimit + 1, kLimit)) << "seq 1 waiting since open, never committed";
  EXPECT_FALSE((*w)->stalled(1, opened + kLimit, kLimit)) << "exactly at the limit is not past it";

  for (Seq s = 1; s <= 10; ++s) ASSERT_TRUE((*w)->append(input_event(s)));
  ASSERT_TRUE((*w)->close());
  ASSERT_EQ((*w)->durable_seq(), 10u);
  const std::int64_t committed = (*w)->last_commit_steady_ns();
  EXPECT_GE(committed, opened);
  EXPECT_FALSE((*w)->stalled(10, committed + 10 * kLimit, kLimit)) << "all durable: not stalled however long";
  EXPECT_FALSE((*w)->stalled(11, committed + kLimit / 2, kLimit)) << "waiting, but the last commit is recent";
  EXPECT_TRUE((*w)->stalled(11, committed + kLimit + 1, kLimit)) << "waiting, and no commit for longer than the limit";
}

TEST(JournalWriter, BatchDurabilityCommitsAndPublishesDurableSeq) {
  TempJournalDir dir;
  WriterOptions options;
  options.durability = Durability::kBatch;
  auto w = JournalWriter::open(dir.str(), test_meta(), options);
  ASSERT_TRUE(w) << w.error().message;
  for (Seq s = 1; s <= 2000; ++s) ASSERT_TRUE((*w)->append(input_event(s)));
  ASSERT_TRUE((*w)->close());
  EXPECT_EQ((*w)->durable_seq(), 2000u);
  EXPECT_GT((*w)->stats().commit_max_ns, 0u);
}

TEST(JournalWriter, ResumeAppendsAfterLastSeqAndKeepsTheChain) {
  TempJournalDir dir;
  {
    auto w = JournalWriter::open(dir.str(), test_meta(), WriterOptions{});
    ASSERT_TRUE(w) << w.error().message;
    run_session(**w, 1, 999);  // last origin with outputs: 999 (indexes 0, 1)
    ASSERT_TRUE((*w)->close());
  }
  SessionMeta other = test_meta(5);  // a different meta: the stored one is kept
  other.config = "changed";
  {
    auto w = JournalWriter::open(dir.str(), other, WriterOptions{});
    ASSERT_TRUE(w) << w.error().message;
    EXPECT_EQ((*w)->last_seq_at_open(), 999u);
    EXPECT_EQ((*w)->durable_seq(), 999u);
    ASSERT_TRUE((*w)->append_output(output_event(999, 2)));  // same origin: index continues at 2
    run_session(**w, 1000, 2000);
    ASSERT_TRUE((*w)->close());
    EXPECT_EQ((*w)->durable_seq(), 2000u);
  }
  auto r = JournalReader::open(dir.str());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)->meta().config, test_meta().config);
  EXPECT_EQ((*r)->meta().session_start_ns, test_meta().session_start_ns);
  Seq expected = 1;
  Status st = (*r)->for_each_input(1, kLastSeq, [&](const Event& e) {
    EXPECT_TRUE(same_bytes(e, input_event(expected)));
    ++expected;
    return true;
  });
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_EQ(expected, 2001u);
  std::vector<std::uint32_t> indexes;
  ASSERT_TRUE((*r)->for_each_output(999, 999, [&](const Event&, std::uint32_t index) {
    indexes.push_back(index);
    return true;
  }));
  EXPECT_EQ(indexes, (std::vector<std::uint32_t>{0, 1, 2}));
}

TEST(JournalWriter, SecondWriterOnTheSameDirectoryIsRefused) {
  TempJournalDir dir;
  auto first = JournalWriter::open(dir.str(), test_meta(), WriterOptions{});
  ASSERT_TRUE(first) << first.error().message;
  auto second = JournalWriter::open(dir.str(), test_meta(), WriterOptions{});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(second.error().message.find("another JournalWriter"), std::string::npos) << second.error().message;
}

TEST(JournalWriter, GrowsTheMapFromATinyInitialSize) {
  TempJournalDir dir;
  WriterOptions options;
  options.durability = Durability::kNone;
  options.initial_map_size = 64 * 1024;
  constexpr Seq kCount = 40'000;  // about 6 MB of records
  auto w = JournalWriter::open(dir.str(), test_meta(), options);
  ASSERT_TRUE(w) << w.error().message;
  for (Seq s = 1; s <= kCount; ++s) ASSERT_TRUE((*w)->append(input_event(s))) << (*w)->error();
  Status st = (*w)->close();
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_EQ((*w)->durable_seq(), kCount);
  w->reset();
  std::uint64_t n = 0;
  Status read = read_all(dir.str(), &n);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(n, kCount);
}

TEST(JournalWriter, MapFullBeyondMaxFailsTheWriterAndKeepsTheJournalReadable) {
  TempJournalDir dir;
  WriterOptions options;
  options.durability = Durability::kNone;
  options.ring_capacity = 512;
  options.initial_map_size = 64 * 1024;
  options.max_map_size = 256 * 1024;
  auto w = JournalWriter::open(dir.str(), test_meta(), options);
  ASSERT_TRUE(w) << w.error().message;
  Seq refused_at = 0;
  for (Seq s = 1; s <= 100'000; ++s) {
    if (!(*w)->append(input_event(s))) {
      refused_at = s;
      break;
    }
  }
  ASSERT_NE(refused_at, 0u) << "append never returned false";
  EXPECT_TRUE((*w)->failed());
  const Seq durable = (*w)->durable_seq();
  EXPECT_GT(durable, 0u);
  EXPECT_LT(durable, refused_at);
  const std::string error = (*w)->error();
  EXPECT_NE(error.find("journal commit at seq " + std::to_string(durable + 1) + ": MDB_MAP_FULL"), std::string::npos)
      << error;
  EXPECT_NE(error.find("max_map_size"), std::string::npos) << error;
  Status closed = (*w)->close();
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().message, error);
  w->reset();

  std::uint64_t n = 0;
  Status read = read_all(dir.str(), &n);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(n, durable);
}

TEST(JournalWriter, NonConsecutiveSeqFailsTheWriterAndKeepsTheValidPrefix) {
  TempJournalDir dir;
  {
    auto w = JournalWriter::open(dir.str(), test_meta(), WriterOptions{});
    ASSERT_TRUE(w) << w.error().message;
    ASSERT_TRUE((*w)->append(input_event(1)));
    ASSERT_TRUE((*w)->append(input_event(2)));
    (void)(*w)->append(input_event(4));
    Status st = (*w)->close();
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::kInternal);
    EXPECT_NE(st.error().message.find("seq 4 arrived where seq 3 was expected"), std::string::npos)
        << st.error().message;
    EXPECT_TRUE((*w)->failed());
    EXPECT_EQ((*w)->durable_seq(), 2u);
    EXPECT_FALSE((*w)->append(input_event(3)));
  }
  std::uint64_t n = 0;
  ASSERT_TRUE(read_all(dir.str(), &n));
  EXPECT_EQ(n, 2u);
}

TEST(JournalWriter, OutputWithoutATypeFailsTheWriter) {
  TempJournalDir dir;
  auto w = JournalWriter::open(dir.str(), test_meta(), WriterOptions{});
  ASSERT_TRUE(w) << w.error().message;
  Event untyped = output_event(1, 0);
  untyped.header.type = EventType::kNone;
  EXPECT_FALSE((*w)->append_output(untyped));
  EXPECT_TRUE((*w)->failed());
  EXPECT_NE((*w)->error().find("type kNone"), std::string::npos) << (*w)->error();
}

}  // namespace
}  // namespace sequent::journal
