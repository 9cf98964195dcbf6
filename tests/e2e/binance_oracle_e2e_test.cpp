// THE L2 ORACLE through the whole path: the real Binance spot capture
// (../shared/data/ticks_l2/raw/binance_spot_BTCUSDT_20240808_2359_ws.jsonl.gz) served by
// `sequent venue-sim --protocol binance --replay CAPTURE --speed 0` over its real WebSocket
// streams and REST depth snapshot, consumed by the real BinanceGateway (market data only), the
// book rebuilt from nothing but the gateway's events, and checked against the recorded bookTicker
// at every shared update id (the oracle of tests/gateways/binance_oracle.hpp, as the capture's
// README describes). The gateway's trades and quotes are also checked one for one against the
// capture: nothing lost, nothing duplicated, nothing reordered.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "engine/instrument.hpp"
#include "gateways/binance/parser.hpp"
#include "gateways/binance_net/binance_gateway.hpp"
#include "tests/e2e/venue_process.hpp"
#include "tests/gateways/binance_oracle.hpp"

namespace sequent::e2e {
namespace {

using binance::test::BookTickerOracle;
using binance::test::kBinanceSpotCapture;

struct Ticker {
  std::uint64_t u;
  QuotePayload quote;
};

TEST(BinanceOracleE2e, GatewayBookFromTheVenueReplayMatchesEveryBookTicker) {
  const auto data = binance::test::gunzip_file(kBinanceSpotCapture);
  if (!data) GTEST_SKIP() << kBinanceSpotCapture << " absent (run from the repository root next to ../shared)";

  // The capture's own record, in stream order: bookTickers, trade ids, the last diff's u.
  std::vector<Ticker> tickers;
  std::vector<std::uint64_t> trade_ids;
  std::uint64_t last_diff_u = 0;
  {
    binance::BinanceParser parser({{"BTCUSDT", 0, "BTC", "USDT"}});
    binance::Parsed m;
    std::size_t pos = 0;
    while (pos < data->size()) {
      std::size_t eol = data->find('\n', pos);
      if (eol == std::string::npos) eol = data->size();
      const std::string_view line(data->data() + pos, eol - pos);
      pos = eol + 1;
      const std::size_t space = line.find(' ');
      if (space == std::string_view::npos || parser.parse(line.substr(space + 1), m, 0) != binance::ParseErrc::kOk) continue;
      if (m.kind == binance::MessageKind::kBookTicker) tickers.push_back({m.update_id, m.events[0].payload.quote});
      if (m.kind == binance::MessageKind::kTrade) trade_ids.push_back(m.events[0].payload.trade.trade_id);
      if (m.kind == binance::MessageKind::kDepthUpdate) last_diff_u = m.depth.last_update_id;
    }
  }
  ASSERT_EQ(trade_ids.size(), binance::test::kCaptureTrades);
  ASSERT_GT(tickers.size(), 10'000u);

  // The venue, as fast as the gateway reads.
  Running venue = start_venue({"venue-sim", "--protocol", "binance", "--listen", "127.0.0.1:0", "--replay",
                               kBinanceSpotCapture, "--speed", "0"});
  const std::string listen = field(venue.line, "listen");
  ASSERT_FALSE(listen.empty()) << venue.line;
  ASSERT_NE(venue.line.find("mode=replay"), std::string::npos) << venue.line;
  const std::string base = "127.0.0.1:" + listen.substr(listen.rfind(':') + 1);
  struct StopVenue {
    pid_t pid;
    ~StopVenue() { (void)stop_venue(pid); }
  } stop_at_exit{venue.pid};

  binance_net::BinanceGatewayConfig cfg;
  cfg.rest_url = "http://" + base;
  cfg.ws_market_url = "ws://" + base;
  cfg.symbols = {"BTCUSDT"};
  cfg.trading = false;  // market data only: no credentials
  cfg.source = Source::kVenue;
  cfg.out_ring_capacity = 1u << 18;
  auto rules = binance_net::BinanceGateway::fetch_symbol_rules(cfg);
  ASSERT_TRUE(rules) << rules.error().message;
  InstrumentRegistry registry;
  auto id = registry.add((*rules)[0].symbol, "binance", (*rules)[0].tick_size, (*rules)[0].step_size, (*rules)[0].min_notional);
  ASSERT_TRUE(id);
  ASSERT_EQ(*id, 0u);
  binance_net::BinanceGateway gw(cfg, registry);
  Status started = gw.start();
  ASSERT_TRUE(started) << started.error().message;

  BookTickerOracle oracle(*id);
  std::size_t quotes = 0, quote_mismatches = 0, trades = 0, trade_mismatches = 0, snapshots = 0, markers = 0;
  std::uint64_t last_u = 0;
  std::string first_quote_mismatch;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);  // decides failure only
  while (!(quotes >= tickers.size() && trades >= trade_ids.size() && last_u == last_diff_u) &&
         std::chrono::steady_clock::now() < deadline) {
    Event e;
    bool any = false;
    while (gw.out().try_pop(e)) {
      any = true;
      switch (e.type()) {
        case EventType::kQuote: {
          // The k-th quote is the capture's k-th bookTicker: the venue sends them in file order.
          if (quotes < tickers.size()) {
            const QuotePayload& want = tickers[quotes].quote;
            const QuotePayload& got = e.payload.quote;
            if (!(want.bid_price == got.bid_price && want.bid_qty == got.bid_qty && want.ask_price == got.ask_price &&
                  want.ask_qty == got.ask_qty) && quote_mismatches++ == 0)
              first_quote_mismatch = "quote " + std::to_string(quotes) + " (u=" + std::to_string(tickers[quotes].u) + ")";
            oracle.on_ticker(tickers[quotes].u, got);
          }
          ++quotes;
          break;
        }
        case EventType::kTrade:
          if (trades >= trade_ids.size() || e.payload.trade.trade_id != trade_ids[trades]) ++trade_mismatches;
          ++trades;
          break;
        case EventType::kBookLevel: {
          const BookLevelPayload& b = e.payload.book;
          if (b.side == Side::kNone && b.last_update_id == 0) ++markers;
          if ((b.flags & kBookClear) != 0 && b.last_update_id != 0) ++snapshots;
          oracle.on_level(e);
          if ((b.flags & kBookLast) != 0 && b.last_update_id != 0) last_u = b.last_update_id;
          break;
        }
        default:
          break;
      }
    }
    if (!any) std::this_thread::yield();
  }
  const auto& c = gw.counters();
  gw.stop();

  std::printf("oracle via venue-sim + gateway: %zu quotes, %zu trades, %zu snapshots, %zu matches, last u %llu\n", quotes,
              trades, snapshots, oracle.matches, static_cast<unsigned long long>(last_u));
  EXPECT_EQ(quotes, tickers.size());
  EXPECT_EQ(quote_mismatches, 0u) << first_quote_mismatch;
  EXPECT_EQ(trades, trade_ids.size());
  EXPECT_EQ(trade_mismatches, 0u);
  EXPECT_EQ(last_u, last_diff_u) << "the book did not follow the diffs to the end of the capture";
  // One snapshot, no resync, no reconnect, nothing unparsable.
  EXPECT_EQ(snapshots, 1u);
  EXPECT_EQ(markers, 0u);
  EXPECT_EQ(c.resyncs.load(), 0u);
  EXPECT_EQ(c.reconnects.load(), 0u);
  EXPECT_EQ(c.parse_errors.load(), 0u);
  // The oracle: every shared update id after the gateway's snapshot matches exactly, the book is
  // never crossed. The gateway's snapshot is taken a little into the replay (when its first diff
  // arrives), so a few of the README's 1 072 matches may fall before it.
  EXPECT_EQ(oracle.mismatches, 0u) << oracle.first_mismatch;
  EXPECT_EQ(oracle.crossed_seen, 0u);
  EXPECT_GE(oracle.matches, binance::test::kCaptureOracleMatches * 95 / 100);
  EXPECT_LE(oracle.matches, binance::test::kCaptureOracleMatches);
}

}  // namespace
}  // namespace sequent::e2e
