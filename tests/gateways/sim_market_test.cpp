// SimMarket: determinism, price/quantity invariants, trade ids, timing and volatility.
#include "gateways/sim_market.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <vector>

#include "sim_test_util.hpp"

namespace sequent {
namespace {

using test::kBtc;
using test::kEth;
using test::kStartNs;

std::vector<Event> generate(const InstrumentRegistry& registry, const SimMarketConfig& config,
                            std::size_t n) {
  SimMarket market(registry, config);
  std::vector<Event> events(n);
  for (Event& e : events)
    e = market.next();
  return events;
}

TEST(SimMarket, SameSeedGivesBitIdenticalStreams) {
  const InstrumentRegistry registry = test::make_registry();
  const SimMarketConfig config = default_sim_market_config(registry, 42, kStartNs);
  const std::vector<Event> a = generate(registry, config, 100'000);
  const std::vector<Event> b = generate(registry, config, 100'000);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(Event)), 0);
}

TEST(SimMarket, DifferentSeedsGiveDifferentStreams) {
  const InstrumentRegistry registry = test::make_registry();
  const std::vector<Event> a =
      generate(registry, default_sim_market_config(registry, 42, kStartNs), 1000);
  const std::vector<Event> b =
      generate(registry, default_sim_market_config(registry, 43, kStartNs), 1000);
  EXPECT_NE(std::memcmp(a.data(), b.data(), a.size() * sizeof(Event)), 0);
}

TEST(SimMarket, SameSeedGivesSameStateHash) {
  const InstrumentRegistry registry = test::make_registry();
  SimMarket a(registry, default_sim_market_config(registry, 7, kStartNs));
  SimMarket b(registry, default_sim_market_config(registry, 7, kStartNs));
  for (int i = 0; i < 1000; ++i) {
    (void)a.next();
    (void)b.next();
  }
  StateHasher ha, hb;
  a.hash_state(ha);
  b.hash_state(hb);
  EXPECT_EQ(ha.value(), hb.value());
  (void)a.next();
  StateHasher hc;
  a.hash_state(hc);
  EXPECT_NE(hc.value(), hb.value());
}

TEST(SimMarket, PricesOnTickBidBelowAskAndQuantitiesOnLot) {
  const InstrumentRegistry registry = test::make_registry();
  SimMarketConfig config = default_sim_market_config(registry, 99, kStartNs);
  config.jump_probability = 0.01;  // more jumps than usual, to stress the rounding
  SimMarket market(registry, config);
  std::map<InstrumentId, Event> last_quote;
  for (int i = 0; i < 100'000; ++i) {
    const Event e = market.next();
    ASSERT_EQ(e.header.source, Source::kSimMarket);
    ASSERT_EQ(e.header.seq, 0u);
    ASSERT_TRUE(registry.contains(e.instrument()));
    const Instrument& ins = registry.at(e.instrument());
    if (e.type() == EventType::kQuote) {
      const QuotePayload& q = e.payload.quote;
      ASSERT_TRUE(q.bid_price.is_positive());
      ASSERT_LT(q.bid_price, q.ask_price);
      ASSERT_TRUE(ins.price_on_tick(q.bid_price));
      ASSERT_TRUE(ins.price_on_tick(q.ask_price));
      const std::int64_t spread_ticks = (q.ask_price - q.bid_price).raw() / ins.tick_size.raw();
      ASSERT_GE(spread_ticks, 1);
      ASSERT_LE(spread_ticks, 5);
      ASSERT_TRUE(q.bid_qty.is_positive());
      ASSERT_TRUE(q.ask_qty.is_positive());
      ASSERT_TRUE(ins.qty_on_lot(q.bid_qty));
      ASSERT_TRUE(ins.qty_on_lot(q.ask_qty));
      last_quote[e.instrument()] = e;
    } else {
      ASSERT_EQ(e.type(), EventType::kTrade);
      const TradePayload& t = e.payload.trade;
      ASSERT_TRUE(ins.price_on_tick(t.price));
      ASSERT_TRUE(t.qty.is_positive());
      ASSERT_TRUE(ins.qty_on_lot(t.qty));
      // A trade follows its instrument's quote and prints at the touch for its aggressor.
      ASSERT_TRUE(last_quote.count(e.instrument()));
      const Event& q = last_quote[e.instrument()];
      ASSERT_EQ(q.header.event_ns, e.header.event_ns);
      if (t.aggressor == Side::kBuy) {
        ASSERT_EQ(t.price, q.payload.quote.ask_price);
      } else {
        ASSERT_EQ(t.aggressor, Side::kSell);
        ASSERT_EQ(t.price, q.payload.quote.bid_price);
      }
    }
  }
  EXPECT_TRUE(last_quote.count(kBtc));
  EXPECT_TRUE(last_quote.count(kEth));
}

TEST(SimMarket, TradeIdsAreDensePerInstrumentFromOne) {
  const InstrumentRegistry registry = test::make_registry();
  SimMarket market(registry, default_sim_market_config(registry, 5, kStartNs));
  std::map<InstrumentId, std::uint64_t> last_id;
  std::size_t trades = 0;
  for (int i = 0; i < 50'000; ++i) {
    const Event e = market.next();
    if (e.type() != EventType::kTrade) continue;
    ++trades;
    ASSERT_EQ(e.payload.trade.trade_id, last_id[e.instrument()] + 1);
    last_id[e.instrument()] = e.payload.trade.trade_id;
  }
  // trade_probability 0.5: about a third of all events are trades.
  EXPECT_NEAR(static_cast<double>(trades) / 50'000.0, 1.0 / 3.0, 0.02);
}

TEST(SimMarket, EventTimesAreNonDecreasingAndMatchTheConfiguredRate) {
  const InstrumentRegistry registry = test::make_registry();
  SimMarketConfig config = default_sim_market_config(registry, 2024, kStartNs);
  config.events_per_second = 5000;
  SimMarket market(registry, config);
  TimeNs previous = kStartNs;
  std::size_t quotes = 0;
  TimeNs last_quote_ns = kStartNs;
  while (quotes < 100'000) {
    const TimeNs announced = market.next_event_ns();
    const Event e = market.next();
    ASSERT_EQ(e.header.event_ns, announced);
    ASSERT_GE(e.header.event_ns, previous);
    previous = e.header.event_ns;
    if (e.type() == EventType::kQuote) {
      ++quotes;
      last_quote_ns = e.header.event_ns;
    }
  }
  // 1e5 exponential gaps: the rate's relative standard error is 0.3%; 3% is 10 sigma.
  const double seconds = static_cast<double>(last_quote_ns - kStartNs) / 1e9;
  EXPECT_NEAR(static_cast<double>(quotes) / seconds, 5000.0, 150.0);
}

TEST(SimMarket, RealisedVolatilityMatchesTheConfiguredVolatility) {
  const InstrumentRegistry registry = test::make_registry();
  SimMarketConfig config = default_sim_market_config(registry, 77, kStartNs);
  config.jump_probability = 0.0;
  config.events_per_second = 100;  // larger steps, so tick rounding is negligible
  SimMarket market(registry, config);
  double previous_mid = 0.0, sum_sq = 0.0;
  TimeNs first_ns = 0, last_ns = 0;
  std::size_t returns = 0;
  while (returns < 50'000) {
    const Event e = market.next();
    if (e.type() != EventType::kQuote || e.instrument() != kBtc) continue;
    const double mid =
        (e.payload.quote.bid_price.to_double() + e.payload.quote.ask_price.to_double()) / 2;
    if (previous_mid > 0) {
      const double r = std::log(mid / previous_mid);
      sum_sq += r * r;
      ++returns;
    } else {
      first_ns = e.header.event_ns;
    }
    previous_mid = mid;
    last_ns = e.header.event_ns;
  }
  const double years = static_cast<double>(last_ns - first_ns) / (365.0 * 86400.0 * 1e9);
  // Relative standard error of the realised variance over 5e4 returns is ~0.6%; 10% is wide.
  EXPECT_NEAR(std::sqrt(sum_sq / years), 0.8, 0.08);
}

TEST(SimMarket, StartsNearTheConfiguredPrices) {
  const InstrumentRegistry registry = test::make_registry();
  SimMarket market(registry, default_sim_market_config(registry, 3, kStartNs));
  std::map<InstrumentId, Price> first_bid;
  while (first_bid.size() < 2) {
    const Event e = market.next();
    if (e.type() == EventType::kQuote) first_bid.emplace(e.instrument(), e.payload.quote.bid_price);
  }
  EXPECT_NEAR(first_bid[kBtc].to_double(), 100'000.0, 100.0);
  EXPECT_NEAR(first_bid[kEth].to_double(), 3'500.0, 5.0);
}

TEST(SimMarket, DefaultConfigUsesOnlySymbolsInTheRegistry) {
  InstrumentRegistry registry;
  ASSERT_TRUE(registry.add("SOLUSDT", "sim", test::px("0.01"), test::qty("0.01"), Money{}).ok());
  ASSERT_TRUE(registry.add("ETHUSDT", "sim", test::px("0.01"), test::qty("0.0001"), Money{}).ok());
  const SimMarketConfig config = default_sim_market_config(registry, 1, kStartNs);
  ASSERT_EQ(config.instruments.size(), 1u);
  EXPECT_EQ(config.instruments[0].instrument, 1);
  EXPECT_EQ(config.instruments[0].start_price, Price::from_units(3500));
  EXPECT_TRUE(validate_sim_market_config(registry, config).ok());
}

TEST(SimMarket, ValidationNamesTheBadField) {
  const InstrumentRegistry registry = test::make_registry();
  SimMarketConfig config = default_sim_market_config(registry, 1, kStartNs);
  config.events_per_second = -5;
  Status status = validate_sim_market_config(registry, config);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("events_per_second"), std::string::npos);

  config = default_sim_market_config(registry, 1, kStartNs);
  config.instruments[0].min_spread_ticks = 0;
  status = validate_sim_market_config(registry, config);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("instruments[0].spread_ticks"), std::string::npos);

  config = default_sim_market_config(InstrumentRegistry{}, 1, kStartNs);
  EXPECT_FALSE(validate_sim_market_config(registry, config).ok());
}

TEST(SimMarket, MarketWithoutInstrumentsNeverHasAnEvent) {
  const InstrumentRegistry registry;
  SimMarketConfig config;
  config.start_ns = kStartNs;
  const SimMarket market(registry, config);
  EXPECT_EQ(market.next_event_ns(), kSimNeverNs);
}

}  // namespace
}  // namespace sequent
