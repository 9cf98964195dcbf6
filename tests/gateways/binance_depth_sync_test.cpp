// DepthSync on hand-made sequences (buffering, stale drops, straddle, gaps, crossed books,
// resync) and THE ORACLE: the real Binance spot capture through BinanceParser + DepthSync into
// the engine's L2Book, checked against every bookTicker with the same update id.
#include <gtest/gtest.h>

#include <map>
#include <unordered_map>
#include <string>
#include <vector>

#include "engine/l2_book.hpp"
#include "gateways/binance/depth_sync.hpp"
#include "gateways/binance/parser.hpp"
#include "tests/gateways/binance_oracle.hpp"
#include "tests/gateways/binance_test_util.hpp"

namespace sequent::binance {
namespace {

using namespace test;

// A diff as JSON text, parsed by the real parser.
std::string diff_json(std::uint64_t U, std::uint64_t u, const std::string& bids, const std::string& asks) {
  return R"({"e":"depthUpdate","E":1000,"s":"BTCUSDT","U":)" + std::to_string(U) + R"(,"u":)" + std::to_string(u) +
         R"(,"b":[)" + bids + R"(],"a":[)" + asks + "]}";
}
std::string snapshot_json(std::uint64_t id, const std::string& bids, const std::string& asks) {
  return R"({"lastUpdateId":)" + std::to_string(id) + R"(,"bids":[)" + bids + R"(],"asks":[)" + asks + "]}";
}

class DepthSyncTest : public ::testing::Test {
 protected:
  BinanceParser parser{bindings()};
  DepthSync sync{kBtcUsdt};
  L2Book core_book{kBtcUsdt, 100};  // the core's replica, fed only what the sync emits
  std::vector<Event> out;

  // Returns the number of events emitted.
  std::size_t diff(std::uint64_t U, std::uint64_t u, const std::string& bids, const std::string& asks) {
    Parsed m;
    EXPECT_EQ(parser.parse(diff_json(U, u, bids, asks), m), ParseErrc::kOk) << parser.error().message();
    return feed(m, false);
  }
  std::size_t snapshot(std::uint64_t id, const std::string& bids, const std::string& asks) {
    Parsed m;
    EXPECT_EQ(parser.parse(snapshot_json(id, bids, asks), m, kBtcUsdt), ParseErrc::kOk) << parser.error().message();
    return feed(m, true);
  }
  std::size_t feed(const Parsed& m, bool snap) {
    out.clear();
    if (snap) sync.on_snapshot(m.depth, m.events, out);
    else sync.on_diff(m.depth, m.events, out);
    for (const Event& e : out) core_book.apply(e);
    return out.size();
  }
};

TEST_F(DepthSyncTest, BuffersUntilSnapshotThenAppliesTheStraddlingDiff) {
  EXPECT_EQ(sync.state(), DepthSync::State::kAwaitingSnapshot);
  EXPECT_EQ(diff(95, 100, R"(["99","1"])", ""), 0u);   // u <= L: dropped at the snapshot
  EXPECT_EQ(diff(101, 104, R"(["100","2"])", R"(["101","3"])"), 0u);  // straddles L+1 = 103
  EXPECT_EQ(diff(105, 105, "", R"(["101","0"],["102","4"])"), 0u);
  EXPECT_TRUE(sync.needs_snapshot());
  // Snapshot L = 102: emits 3 snapshot levels + the two buffered diffs after it.
  EXPECT_EQ(snapshot(102, R"(["100","1"],["99","5"])", R"(["101","1"])"), 3u + 2u + 2u);
  EXPECT_EQ(sync.state(), DepthSync::State::kSynced);
  EXPECT_EQ(sync.last_update_id(), 105u);
  EXPECT_EQ(sync.stale_dropped(), 1u);
  EXPECT_TRUE(core_book.synced());
  EXPECT_EQ(core_book.best_bid(), (BookLevel{px("100"), qty("2")}));
  EXPECT_EQ(core_book.best_ask(), (BookLevel{px("102"), qty("4")}));
  EXPECT_EQ(core_book.last_update_id(), 105u);
  EXPECT_EQ(out.front().payload.book.flags & kBookClear, kBookClear);
  // Live diffs continue the chain.
  EXPECT_EQ(diff(106, 110, R"(["100.5","1"])", ""), 1u);
  EXPECT_EQ(core_book.best_bid(), (BookLevel{px("100.5"), qty("1")}));
  EXPECT_EQ(sync.last_update_id(), 110u);
}

TEST_F(DepthSyncTest, FirstLiveDiffAfterSnapshotMustStraddle) {
  EXPECT_EQ(snapshot(200, R"(["10","1"])", R"(["11","1"])"), 2u);
  EXPECT_EQ(sync.state(), DepthSync::State::kAwaitingFirstDiff);
  EXPECT_EQ(diff(150, 200, R"(["10","9"])", ""), 0u);  // u <= L: stale, dropped
  EXPECT_EQ(sync.stale_dropped(), 1u);
  EXPECT_EQ(diff(199, 203, R"(["10","2"])", ""), 1u);  // U <= 201 <= u
  EXPECT_EQ(sync.state(), DepthSync::State::kSynced);
  EXPECT_EQ(core_book.best_bid().qty, qty("2"));
}

TEST_F(DepthSyncTest, GapAfterSnapshotEmitsMarkerAndNothingUntilNewSnapshot) {
  ASSERT_EQ(snapshot(200, R"(["10","1"])", R"(["11","1"])"), 2u);
  ASSERT_EQ(diff(201, 205, R"(["10","2"])", ""), 1u);
  // 206..210 lost: the next diff starts at 211.
  EXPECT_EQ(diff(211, 215, R"(["10","3"])", ""), 1u);  // only the marker
  const BookLevelPayload& marker = out[0].payload.book;
  EXPECT_EQ(marker.side, Side::kNone);
  EXPECT_EQ(marker.flags, kBookClear | kBookLast);
  EXPECT_EQ(marker.last_update_id, 0u);
  EXPECT_EQ(out[0].instrument(), kBtcUsdt);
  EXPECT_EQ(sync.state(), DepthSync::State::kResyncNeeded);
  EXPECT_TRUE(sync.needs_snapshot());
  EXPECT_EQ(sync.gaps(), 1u);
  EXPECT_EQ(sync.resyncs(), 1u);
  EXPECT_FALSE(core_book.synced());
  EXPECT_FALSE(core_book.has_bid());
  // More diffs: buffered, nothing emitted, no second marker.
  EXPECT_EQ(diff(216, 220, R"(["10","4"])", ""), 0u);
  EXPECT_EQ(diff(221, 221, "", R"(["11","7"])"), 0u);
  // A snapshot older than the buffered diffs cannot connect (211 > 209+1): still nothing.
  EXPECT_EQ(snapshot(209, R"(["10","1"])", R"(["11","1"])"), 0u);
  EXPECT_EQ(sync.unusable_snapshots(), 1u);
  EXPECT_TRUE(sync.needs_snapshot());
  // A fresh snapshot inside the buffered range resumes: 218 → diff 216..220 straddles 219.
  EXPECT_EQ(snapshot(218, R"(["10","5"])", R"(["11","6"])"), 2u + 1u + 1u);
  EXPECT_EQ(sync.state(), DepthSync::State::kSynced);
  EXPECT_TRUE(core_book.synced());
  EXPECT_EQ(core_book.best_bid(), (BookLevel{px("10"), qty("4")}));
  EXPECT_EQ(core_book.best_ask(), (BookLevel{px("11"), qty("7")}));
}

TEST_F(DepthSyncTest, CrossedBookIsNeverEmitted) {
  ASSERT_EQ(snapshot(10, R"(["10","1"])", R"(["11","1"])"), 2u);
  ASSERT_EQ(diff(11, 11, R"(["10.5","1"])", ""), 1u);
  // A bid at 12 over the ask at 11 would cross the book.
  EXPECT_EQ(diff(12, 12, R"(["12","1"])", ""), 1u);
  EXPECT_EQ(out[0].payload.book.side, Side::kNone);  // the marker, not the level
  EXPECT_EQ(sync.crossed_books(), 1u);
  EXPECT_EQ(sync.state(), DepthSync::State::kResyncNeeded);
  EXPECT_FALSE(core_book.crossed());
  EXPECT_FALSE(core_book.synced());
  // A crossed snapshot is refused as well.
  EXPECT_EQ(snapshot(20, R"(["12","1"])", R"(["11","1"])"), 0u);
  EXPECT_TRUE(sync.needs_snapshot());
}

TEST_F(DepthSyncTest, BufferOverflowIsCounted) {
  DepthSync small(kBtcUsdt, {.max_buffered_messages = 2});
  Parsed m;
  for (std::uint64_t i = 0; i < 5; ++i) {
    ASSERT_EQ(parser.parse(diff_json(i * 10 + 1, i * 10 + 10, R"(["1","1"])", ""), m), ParseErrc::kOk);
    small.on_diff(m.depth, m.events, out);
  }
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(small.buffer_overflows(), 2u);
}

// ---- the oracle ------------------------------------------------------------------------------

const std::string& kCapture = test::kBinanceSpotCapture;

struct Replay {
  std::size_t depth_messages = 0, snapshots = 0, tickers = 0, trades = 0, matches = 0, mismatches = 0;
  std::size_t emitted_levels = 0, crossed_seen = 0, parse_errors = 0;
  std::string first_mismatch;
};

// Feeds every line (skipping the depth message with index `drop_depth`, if any) and checks the
// bookTicker oracle. `on_emit` sees each batch the sync emits.
template <class OnEmit>
Replay replay_capture(const std::string& data, long drop_depth, OnEmit&& on_emit) {
  BinanceParser parser(bindings());
  DepthSync sync(kBtcUsdt);
  BookTickerOracle oracle(kBtcUsdt, 5000);
  const L2Book& book = oracle.book();
  std::vector<Event> out;
  out.reserve(1 << 14);
  Replay r;
  Parsed m;
  std::size_t pos = 0;
  long depth_index = -1;
  while (pos < data.size()) {
    std::size_t eol = data.find('\n', pos);
    if (eol == std::string::npos) eol = data.size();
    const std::string_view line(data.data() + pos, eol - pos);
    pos = eol + 1;
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    if (parser.parse(line.substr(space + 1), m, kBtcUsdt) != ParseErrc::kOk) {
      ++r.parse_errors;
      continue;
    }
    out.clear();
    switch (m.kind) {
      case MessageKind::kDepthUpdate:
        ++depth_index;
        if (depth_index == drop_depth) continue;
        ++r.depth_messages;
        sync.on_diff(m.depth, m.events, out);
        break;
      case MessageKind::kDepthSnapshot:
        ++r.snapshots;
        sync.on_snapshot(m.depth, m.events, out);
        break;
      case MessageKind::kBookTicker:
        ++r.tickers;
        oracle.on_ticker(m.update_id, m.events[0].payload.quote);
        break;
      case MessageKind::kTrade:
        ++r.trades;
        break;
      default:
        break;
    }
    for (const Event& e : out) oracle.on_level(e);
    r.emitted_levels += out.size();
    if (!out.empty()) on_emit(out, sync, book);
  }
  r.matches = oracle.matches;
  r.mismatches = oracle.mismatches;
  r.first_mismatch = oracle.first_mismatch;
  r.crossed_seen = oracle.crossed_seen;
  return r;
}

TEST(BinanceOracle, RebuiltBookMatchesEveryBookTickerOfTheCapture) {
  auto data = test::gunzip_file(kCapture);
  if (!data) GTEST_SKIP() << kCapture << " absent (run from the repository root next to ../shared)";
  std::size_t batches = 0;
  const Replay r = replay_capture(*data, -1, [&](const std::vector<Event>& out, const DepthSync&, const L2Book& book) {
    ++batches;
    EXPECT_EQ(out.back().payload.book.flags & kBookLast, kBookLast);
    EXPECT_FALSE(book.in_message());
  });
  EXPECT_EQ(r.parse_errors, 0u);
  EXPECT_EQ(r.snapshots, 1u);
  EXPECT_GT(r.depth_messages, 6000u);
  EXPECT_EQ(r.trades, test::kCaptureTrades);  // the README's trade count
  EXPECT_EQ(r.mismatches, 0u) << r.first_mismatch;
  EXPECT_EQ(r.matches, test::kCaptureOracleMatches);  // the README's figure
  EXPECT_EQ(r.crossed_seen, 0u);
  EXPECT_GT(batches, 0u);
  std::printf("oracle: %zu depth messages, %zu levels emitted, %zu bookTickers, %zu matches\n", r.depth_messages,
              r.emitted_levels, r.tickers, r.matches);
}

TEST(BinanceOracle, DroppedDepthMessageTriggersResyncAndSilence) {
  auto data = test::gunzip_file(kCapture);
  if (!data) GTEST_SKIP() << kCapture << " absent (run from the repository root next to ../shared)";
  // Drop the 2000th depth message: a sequence gap long after the snapshot.
  bool marker_seen = false;
  std::size_t emitted_after_marker = 0;
  const Replay r = replay_capture(*data, 2000, [&](const std::vector<Event>& out, const DepthSync& sync, const L2Book& book) {
    if (marker_seen) {
      emitted_after_marker += out.size();
      return;
    }
    for (const Event& e : out) {
      if (e.payload.book.side == Side::kNone && e.payload.book.last_update_id == 0) {
        marker_seen = true;
        EXPECT_EQ(out.size(), 1u);  // the marker alone: nothing from the broken book
        EXPECT_EQ(sync.state(), DepthSync::State::kResyncNeeded);
        EXPECT_FALSE(book.synced());
        EXPECT_FALSE(book.has_bid());
      }
    }
  });
  EXPECT_TRUE(marker_seen);
  EXPECT_EQ(emitted_after_marker, 0u);  // no new snapshot in the capture: silence to the end
  EXPECT_EQ(r.mismatches, 0u) << r.first_mismatch;
  EXPECT_LT(r.matches, 1'072u);
  EXPECT_GT(r.matches, 0u);
  EXPECT_EQ(r.crossed_seen, 0u);
}

}  // namespace
}  // namespace sequent::binance
