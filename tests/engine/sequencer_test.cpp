#include "engine/sequencer.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <vector>

namespace sequent {
namespace {

class VectorSource final : public InputSource {
 public:
  void add(const Event& e) { pending_.push_back(e); }
  std::size_t poll(std::span<Event> out) noexcept override {
    std::size_t n = 0;
    while (n < out.size() && !pending_.empty()) {
      out[n++] = pending_.front();
      pending_.pop_front();
    }
    return n;
  }

 private:
  std::deque<Event> pending_;
};

TEST(Sequencer, StampsDenseSeqAndReceiveTimeOnEveryInputKind) {
  ManualClock clock(1'000, 10);
  Sequencer seq(clock);
  VectorSource market, admin;
  seq.add_source(market);
  seq.add_source(admin);
  market.add(make_event(EventType::kTrade, Source::kSimMarket, 0, 5));
  market.add(make_event(EventType::kExecReport, Source::kSimVenue, 0, 6));
  admin.add(make_event(EventType::kAdmin, Source::kConsole, kNoInstrument, 7));
  admin.add(make_event(EventType::kTimer, Source::kTimer, kNoInstrument, 8));
  std::vector<Event> out;
  EXPECT_EQ(seq.poll([&](const Event& e) { out.push_back(e); }), 4u);
  ASSERT_EQ(out.size(), 4u);
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].seq(), i + 1);
    EXPECT_EQ(out[i].header.recv_ns, static_cast<TimeNs>(1'000 + 10 * i));
    EXPECT_EQ(out[i].header.event_ns, static_cast<TimeNs>(5 + i)) << "event time is the source's, untouched";
    EXPECT_FALSE(out[i].derived());
  }
  EXPECT_EQ(out[0].type(), EventType::kTrade);
  EXPECT_EQ(out[2].type(), EventType::kAdmin);  // sources polled in registration order
  EXPECT_EQ(seq.last_seq(), 4u);
  EXPECT_EQ(seq.next_seq(), 5u);
}

TEST(Sequencer, ContinuesFromAGivenSeq) {
  ManualClock clock;
  Sequencer seq(clock, 1001);
  VectorSource src;
  seq.add_source(src);
  for (int i = 0; i < 200; ++i) src.add(make_event(EventType::kQuote, Source::kSimMarket, 0, i));
  std::vector<Seq> seen;
  while (seq.poll([&](const Event& e) { seen.push_back(e.seq()); }) > 0) {
  }
  ASSERT_EQ(seen.size(), 200u);
  EXPECT_EQ(seen.front(), 1001u);
  EXPECT_EQ(seen.back(), 1200u);
}

}  // namespace
}  // namespace sequent
