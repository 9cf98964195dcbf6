// SimExchange: submit/poll ordering, time and count limits, small output buffers, inbox
// back-pressure and a two-thread submit/poll run.
#include "gateways/sim_exchange.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "sim_test_util.hpp"

namespace sequent {
namespace {

using test::kBtc;
using test::kEth;
using test::kStartNs;
using test::make_cancel;
using test::make_order;
using test::px;
using test::qty;

constexpr TimeNs kAsFastAsPossible = INT64_MAX;

SimExchangeConfig make_config(std::uint64_t seed) {
  SimExchangeConfig config;
  config.market = default_sim_market_config(test::make_registry(), seed, kStartNs);
  return config;
}

// Polls with out buffers of out_size until `market_events` market events have been generated;
// returns the concatenated output.
std::vector<Event> run(SimExchange& exchange, std::size_t out_size, std::size_t market_events) {
  std::vector<Event> all;
  std::vector<Event> out(out_size);
  std::size_t seen = 0;
  while (seen < market_events || exchange.pending_reports() != 0) {
    const std::size_t budget = market_events - seen;
    const std::size_t n = exchange.poll(kAsFastAsPossible, out, budget);
    EXPECT_LE(n, out.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (out[i].type() != EventType::kExecReport) ++seen;
      all.push_back(out[i]);
    }
  }
  return all;
}

// Resting orders on both sides of both instruments, submitted before any market event.
void submit_ladder(SimExchange& exchange) {
  ClientOrderId id = 1;
  for (int i = 1; i <= 20; ++i) {
    const std::int64_t step = i * 2;
    ASSERT_TRUE(
        exchange.submit(make_order(kBtc, id++, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc,
                                   Price::from_units(100'000 - step), qty("0.01"))));
    ASSERT_TRUE(
        exchange.submit(make_order(kBtc, id++, Side::kSell, OrderType::kLimit, TimeInForce::kGtc,
                                   Price::from_units(100'000 + step), qty("0.01"))));
    ASSERT_TRUE(exchange.submit(
        make_order(kEth, id++, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc,
                   Price::from_units(3'500) - Price::from_raw(step * 10'000'000), qty("0.1"))));
  }
}

TEST(SimExchange, OrdersAreProcessedBeforeMarketEventsOfTheSamePoll) {
  const InstrumentRegistry registry = test::make_registry();
  SimExchange exchange(registry, make_config(1));
  ASSERT_TRUE(exchange.submit(
      make_order(kBtc, 1, Side::kBuy, OrderType::kMarket, TimeInForce::kIoc, Price{}, qty("1"))));
  std::vector<Event> out(8);
  ASSERT_EQ(exchange.poll(kAsFastAsPossible, out, 3), 1u + 3u);  // the reject, then 3 market events
  EXPECT_EQ(out[0].payload.exec.exec_type, ExecType::kRejected);
  EXPECT_EQ(out[0].payload.exec.reason, RejectReason::kVenueNoLiquidity);
  EXPECT_EQ(out[1].type(), EventType::kQuote);
}

TEST(SimExchange, MarketOrderAfterQuotesFillsAtTheAskOfTheLatestQuote) {
  const InstrumentRegistry registry = test::make_registry();
  SimExchange exchange(registry, make_config(2));
  std::vector<Event> out(64);
  Event last_btc_quote{};
  TimeNs last_ns = 0;
  while (last_btc_quote.type() != EventType::kQuote) {
    const std::size_t n = exchange.poll(kAsFastAsPossible, out, 1);
    for (std::size_t i = 0; i < n; ++i) {
      last_ns = out[i].header.event_ns;
      if (out[i].type() == EventType::kQuote && out[i].instrument() == kBtc)
        last_btc_quote = out[i];
    }
  }
  ASSERT_TRUE(exchange.submit(make_order(kBtc, 77, Side::kBuy, OrderType::kMarket,
                                         TimeInForce::kIoc, Price{}, qty("0.5"))));
  const std::size_t n =
      exchange.poll(exchange.next_market_ns() - 1, out, 100);  // no market event due
  ASSERT_EQ(n, 2u);
  EXPECT_EQ(out[0].payload.exec.exec_type, ExecType::kNew);
  EXPECT_EQ(out[1].payload.exec.exec_type, ExecType::kFill);
  EXPECT_EQ(out[1].payload.exec.last_price, last_btc_quote.payload.quote.ask_price);
  EXPECT_EQ(out[1].header.event_ns, last_ns);
  EXPECT_EQ(out[1].payload.exec.fee,
            apply_bps(notional(last_btc_quote.payload.quote.ask_price, qty("0.5")), 10));
}

TEST(SimExchange, PollRespectsNowAndMaxMarketEvents) {
  const InstrumentRegistry registry = test::make_registry();
  SimExchange exchange(registry, make_config(3));
  std::vector<Event> out(1024);
  const TimeNs first = exchange.next_market_ns();
  EXPECT_GT(first, kStartNs);
  EXPECT_EQ(exchange.poll(first - 1, out, 100), 0u);
  EXPECT_EQ(exchange.next_market_ns(), first);
  const std::size_t n = exchange.poll(first, out, 100);
  ASSERT_GE(n, 1u);
  for (std::size_t i = 0; i < n; ++i)
    EXPECT_LE(out[i].header.event_ns, first);
  EXPECT_GT(exchange.next_market_ns(), first - 1);

  std::size_t market_events = 0;
  const std::size_t m = exchange.poll(kAsFastAsPossible, out, 10);
  for (std::size_t i = 0; i < m; ++i)
    market_events += out[i].type() != EventType::kExecReport;
  EXPECT_EQ(market_events, 10u);
  EXPECT_EQ(exchange.poll(kAsFastAsPossible, out, 0), 0u);
}

TEST(SimExchange, SmallOutputBuffersLoseNothingAndKeepTheOrder) {
  const InstrumentRegistry registry = test::make_registry();
  constexpr std::size_t kMarketEvents = 20'000;
  SimExchange reference(registry, make_config(11));
  submit_ladder(reference);
  const std::vector<Event> expected = run(reference, 4096, kMarketEvents);

  std::size_t fills = 0;
  for (const Event& e : expected)
    fills += e.type() == EventType::kExecReport && e.payload.exec.exec_type == ExecType::kFill;
  ASSERT_GT(fills, 10u) << "the ladder should be hit for this test to mean anything";
  EXPECT_EQ(reference.venue().dropped_reports(), 0u);

  for (const std::size_t out_size :
       {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}}) {
    SimExchange exchange(registry, make_config(11));
    submit_ladder(exchange);
    const std::vector<Event> got = run(exchange, out_size, kMarketEvents);
    ASSERT_EQ(got.size(), expected.size()) << "out size " << out_size;
    EXPECT_EQ(std::memcmp(got.data(), expected.data(), got.size() * sizeof(Event)), 0)
        << "out size " << out_size;
    StateHasher a, b;
    exchange.hash_state(a);
    reference.hash_state(b);
    EXPECT_EQ(a.value(), b.value());
  }
}

TEST(SimExchange, ExchangeOutputIsDeterministicWithOrdersAtTheSamePoints) {
  const InstrumentRegistry registry = test::make_registry();
  auto session = [&registry]() {
    SimExchange exchange(registry, make_config(21));
    std::vector<Event> all, out(256);
    ClientOrderId id = 1;
    for (int round = 0; round < 200; ++round) {
      const Side side = round % 2 == 0 ? Side::kBuy : Side::kSell;
      EXPECT_TRUE(exchange.submit(make_order(kBtc, id++, side, OrderType::kMarket,
                                             TimeInForce::kIoc, Price{}, qty("0.001"))));
      if (round % 5 == 0) {
        EXPECT_TRUE(exchange.submit(make_cancel(kBtc, id - 1)));
      }
      const std::size_t n = exchange.poll(kAsFastAsPossible, out, 50);
      all.insert(all.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
    }
    return all;
  };
  const std::vector<Event> a = session();
  const std::vector<Event> b = session();
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(Event)), 0);
}

TEST(SimExchange, SubmitReturnsFalseWhenInboxIsFull) {
  const InstrumentRegistry registry = test::make_registry();
  SimExchangeConfig config = make_config(4);
  config.inbox_capacity = 4;
  SimExchange exchange(registry, config);
  for (ClientOrderId id = 1; id <= 4; ++id)
    EXPECT_TRUE(exchange.submit(make_cancel(kBtc, id)));
  EXPECT_FALSE(exchange.submit(make_cancel(kBtc, 5)));
  std::vector<Event> out(16);
  EXPECT_EQ(exchange.poll(kStartNs, out, 0), 4u);
  EXPECT_TRUE(exchange.submit(make_cancel(kBtc, 5)));
}

TEST(SimExchange, InboxIsDrainedOnlyAsFastAsReportsCanBeHeld) {
  // With a tiny report FIFO and out buffer, orders wait in the inbox instead of overflowing.
  const InstrumentRegistry registry = test::make_registry();
  SimExchangeConfig config = make_config(5);
  config.venue.max_open_orders = 1;
  config.venue.report_capacity = 3;
  config.inbox_capacity = 64;
  SimExchange exchange(registry, config);
  for (ClientOrderId id = 1; id <= 50; ++id)
    ASSERT_TRUE(exchange.submit(make_cancel(kBtc, id)));
  std::vector<Event> out(1);
  ClientOrderId expected = 1;
  for (int i = 0; i < 200 && expected <= 50; ++i) {
    if (exchange.poll(kStartNs, out, 0) == 1) {
      EXPECT_EQ(out[0].payload.exec.client_order_id, expected);
      ++expected;
    }
  }
  EXPECT_EQ(expected, 51u);
  EXPECT_EQ(exchange.venue().dropped_reports(), 0u);
}

TEST(SimExchange, RouterThreadSubmitsWhileExchangeThreadPolls) {
  const InstrumentRegistry registry = test::make_registry();
  SimExchangeConfig config = make_config(6);
  config.inbox_capacity = 64;
  SimExchange exchange(registry, config);
  constexpr ClientOrderId kOrders = 20'000;
  std::thread router([&exchange] {
    for (ClientOrderId id = 1; id <= kOrders; ++id) {
      while (!exchange.submit(make_cancel(kBtc, id)))
        std::this_thread::yield();
    }
  });
  std::vector<Event> out(32);
  ClientOrderId expected = 1;
  std::size_t mismatches = 0;
  while (expected <= kOrders) {
    const std::size_t n = exchange.poll(kStartNs, out, 0);  // no market events: orders only
    for (std::size_t i = 0; i < n; ++i) {
      const ExecReportPayload& exec = out[i].payload.exec;
      mismatches += exec.exec_type != ExecType::kCancelRejected || exec.client_order_id != expected;
      ++expected;
    }
    if (n == 0) std::this_thread::yield();
  }
  router.join();  // every order was seen, so the router has finished
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(exchange.venue().dropped_reports(), 0u);
}

}  // namespace
}  // namespace sequent
