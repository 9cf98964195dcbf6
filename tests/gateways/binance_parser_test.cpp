// BinanceParser on every sample in ../shared/data/protocol-samples/binance (the actual values of
// each), the decimal parser, client order ids, exec-type mapping, and the error paths.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "engine/l2_book.hpp"
#include "gateways/binance/decimal.hpp"
#include "gateways/binance/parser.hpp"
#include "gateways/binance/quarantine.hpp"
#include "tests/gateways/binance_test_util.hpp"

namespace sequent::binance {
namespace {

using namespace test;

constexpr TimeNs kMs = 1'000'000;

class BinanceSamples : public ::testing::Test {
 protected:
  BinanceParser parser{bindings()};
  Parsed m;

  void parse_ok(const std::string& json, InstrumentId context = kNoInstrument) {
    const ParseErrc e = parser.parse(json, m, context);
    ASSERT_EQ(e, ParseErrc::kOk) << parser.error().message() << "\n" << json;
  }
};

// ---- market data ----

TEST_F(BinanceSamples, WsTrade) {
  SEQUENT_LOAD_SAMPLE(json, "ws-trade.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kTrade);
  ASSERT_EQ(m.events.size(), 1u);
  const Event& e = m.events[0];
  EXPECT_EQ(e.type(), EventType::kTrade);
  EXPECT_EQ(e.instrument(), kBnbBtc);
  EXPECT_EQ(e.header.event_ns, 1672515782136 * kMs);
  EXPECT_EQ(e.payload.trade.trade_id, 12345u);
  EXPECT_EQ(e.payload.trade.price, px("0.001"));
  EXPECT_EQ(e.payload.trade.qty, qty("100"));
  EXPECT_EQ(e.payload.trade.aggressor, Side::kSell);  // m: buyer is maker → seller took
  EXPECT_EQ(m.event_ns, 1672515782136 * kMs);
}

TEST_F(BinanceSamples, RecordedTradeCombinedWithRemovedFields) {
  SEQUENT_LOAD_SAMPLE(json, "recorded-ws-trade-combined.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kTrade);
  EXPECT_EQ(m.stream, "ethusdt@trade");
  ASSERT_EQ(m.events.size(), 1u);
  const TradePayload& t = m.events[0].payload.trade;
  EXPECT_EQ(m.events[0].instrument(), kEthUsdt);
  EXPECT_EQ(t.trade_id, 705291099u);
  EXPECT_EQ(t.price, px("4149.74"));
  EXPECT_EQ(t.qty, qty("0.4387"));
  EXPECT_EQ(t.aggressor, Side::kSell);
  EXPECT_EQ(m.events[0].header.event_ns, 1639351062243 * kMs);  // T, the trade time
}

TEST_F(BinanceSamples, WsAggTrade) {
  SEQUENT_LOAD_SAMPLE(json, "ws-aggTrade.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kAggTrade);
  ASSERT_EQ(m.events.size(), 1u);
  EXPECT_EQ(m.events[0].payload.trade.trade_id, 12345u);
  EXPECT_EQ(m.events[0].payload.trade.price, px("0.001"));
  EXPECT_EQ(m.events[0].payload.trade.qty, qty("100"));
  EXPECT_EQ(m.events[0].payload.trade.aggressor, Side::kSell);
}

TEST_F(BinanceSamples, RecordedAggTradeCombined) {
  SEQUENT_LOAD_SAMPLE(json, "recorded-ws-aggTrade-combined.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kAggTrade);
  EXPECT_EQ(m.stream, "ethusdt@aggTrade");
  ASSERT_EQ(m.events.size(), 1u);
  const Event& e = m.events[0];
  EXPECT_EQ(e.instrument(), kEthUsdt);
  EXPECT_EQ(e.payload.trade.trade_id, 226532u);
  EXPECT_EQ(e.payload.trade.price, px("1632.46"));
  EXPECT_EQ(e.payload.trade.qty, qty("0.34305"));
  EXPECT_EQ(e.payload.trade.aggressor, Side::kBuy);
  EXPECT_EQ(e.header.event_ns, 1675759520847 * kMs);
}

TEST_F(BinanceSamples, WsBookTicker) {
  SEQUENT_LOAD_SAMPLE(json, "ws-bookTicker.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kBookTicker);
  EXPECT_EQ(m.update_id, 400900217u);
  ASSERT_EQ(m.events.size(), 1u);
  const QuotePayload& q = m.events[0].payload.quote;
  EXPECT_EQ(m.events[0].type(), EventType::kQuote);
  EXPECT_EQ(m.events[0].instrument(), kBnbUsdt);
  EXPECT_EQ(q.bid_price, px("25.3519"));
  EXPECT_EQ(q.bid_qty, qty("31.21"));
  EXPECT_EQ(q.ask_price, px("25.3652"));
  EXPECT_EQ(q.ask_qty, qty("40.66"));
  EXPECT_EQ(m.events[0].header.event_ns, 0);  // spot bookTicker carries no event time
}

TEST_F(BinanceSamples, RecordedBookTickerCombined) {
  SEQUENT_LOAD_SAMPLE(json, "recorded-ws-bookTicker-combined.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kBookTicker);
  EXPECT_EQ(m.update_id, 12711621188u);
  const QuotePayload& q = m.events[0].payload.quote;
  EXPECT_EQ(q.bid_price, px("4507.24"));
  EXPECT_EQ(q.bid_qty, qty("2.3595"));
  EXPECT_EQ(q.ask_price, px("4507.25"));
  EXPECT_EQ(q.ask_qty, qty("2.8457"));
  EXPECT_EQ(m.events[0].header.event_ns, 1646199228123 * kMs);
}

TEST_F(BinanceSamples, WsDepthUpdate) {
  SEQUENT_LOAD_SAMPLE(json, "ws-depthUpdate.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kDepthUpdate);
  EXPECT_EQ(m.depth.instrument, kBnbBtc);
  EXPECT_EQ(m.depth.first_update_id, 157u);
  EXPECT_EQ(m.depth.last_update_id, 160u);
  EXPECT_EQ(m.depth.event_ns, 1672515782136 * kMs);
  EXPECT_FALSE(m.depth.snapshot);
  ASSERT_EQ(m.events.size(), 2u);
  const BookLevelPayload& b = m.events[0].payload.book;
  const BookLevelPayload& a = m.events[1].payload.book;
  EXPECT_EQ(m.events[0].type(), EventType::kBookLevel);
  EXPECT_EQ(b.side, Side::kBuy);
  EXPECT_EQ(b.price, px("0.0024"));
  EXPECT_EQ(b.qty, qty("10"));
  EXPECT_EQ(b.flags, 0);
  EXPECT_EQ(b.first_update_id, 157u);
  EXPECT_EQ(b.last_update_id, 160u);
  EXPECT_EQ(a.side, Side::kSell);
  EXPECT_EQ(a.price, px("0.0026"));
  EXPECT_EQ(a.qty, qty("100"));
  EXPECT_EQ(a.flags, kBookLast);
  EXPECT_EQ(m.events[1].instrument(), kBnbBtc);
}

TEST_F(BinanceSamples, RestDepthSnapshot) {
  SEQUENT_LOAD_SAMPLE(json, "rest-depth-snapshot.json");
  parse_ok(json, kBnbBtc);
  EXPECT_EQ(m.kind, MessageKind::kDepthSnapshot);
  EXPECT_TRUE(m.depth.snapshot);
  EXPECT_EQ(m.depth.last_update_id, 1027024u);
  ASSERT_EQ(m.events.size(), 2u);
  EXPECT_EQ(m.events[0].instrument(), kBnbBtc);
  EXPECT_EQ(m.events[0].payload.book.side, Side::kBuy);
  EXPECT_EQ(m.events[0].payload.book.price, px("4"));
  EXPECT_EQ(m.events[0].payload.book.qty, qty("431"));
  EXPECT_EQ(m.events[0].payload.book.flags, kBookClear);
  EXPECT_EQ(m.events[1].payload.book.side, Side::kSell);
  EXPECT_EQ(m.events[1].payload.book.price, px("4.000002"));
  EXPECT_EQ(m.events[1].payload.book.qty, qty("12"));
  EXPECT_EQ(m.events[1].payload.book.flags, kBookLast);
  EXPECT_EQ(m.events[1].payload.book.last_update_id, 1027024u);
}

TEST_F(BinanceSamples, WsPartialDepthIsASnapshot) {
  SEQUENT_LOAD_SAMPLE(json, "ws-partialDepth.json");
  parse_ok(json, kBnbBtc);
  EXPECT_EQ(m.kind, MessageKind::kDepthSnapshot);
  EXPECT_EQ(m.depth.last_update_id, 160u);
  ASSERT_EQ(m.events.size(), 2u);
  EXPECT_EQ(m.events[0].payload.book.price, px("0.0024"));
  EXPECT_EQ(m.events[1].payload.book.qty, qty("100"));
}

TEST_F(BinanceSamples, RecordedRestDepthIntoBook) {
  SEQUENT_LOAD_SAMPLE(json, "recorded-rest-depth-BTCUSDT.json");
  parse_ok(json, kBtcUsdt);
  EXPECT_EQ(m.depth.last_update_id, 14527958487u);
  ASSERT_EQ(m.events.size(), 20u);
  L2Book book(kBtcUsdt, 100);
  for (const Event& e : m.events) EXPECT_TRUE(book.apply(e));
  EXPECT_TRUE(book.synced());
  EXPECT_FALSE(book.in_message());
  EXPECT_FALSE(book.crossed());
  EXPECT_EQ(book.bid_levels(), 10u);
  EXPECT_EQ(book.ask_levels(), 10u);
  EXPECT_EQ(book.best_bid(), (BookLevel{px("60650"), qty("0.00213")}));
  EXPECT_EQ(book.best_ask(), (BookLevel{px("60650.01"), qty("0.61982")}));
  BookLevel top[3];
  ASSERT_EQ(book.depth(Side::kSell, top), 3u);
  EXPECT_EQ(top[2], (BookLevel{px("60653.69"), qty("0.00026")}));
  EXPECT_EQ(book.qty_at(Side::kBuy, px("60639.93")), qty("0.07282"));
  EXPECT_EQ(book.last_update_id(), 14527958487u);
}

TEST_F(BinanceSamples, ServerShutdown) {
  SEQUENT_LOAD_SAMPLE(json, "ws-serverShutdown-combined.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kServerShutdown);
  EXPECT_EQ(m.stream, "!serverShutdown");
  EXPECT_EQ(m.event_ns, 1770123456789 * kMs);
  EXPECT_TRUE(m.events.empty());
}

TEST_F(BinanceSamples, UnsubscribedStreamsAreUnknownEvents) {
  for (const char* name : {"ws-24hrTicker.json", "ws-kline.json"}) {
    SEQUENT_LOAD_SAMPLE(json, name);
    EXPECT_EQ(parser.parse(json, m), ParseErrc::kUnknownEvent) << name;
    EXPECT_EQ(m.kind, MessageKind::kNone);
    EXPECT_NE(parser.error().message().find(std::string(name).find("kline") != std::string::npos ? "kline" : "24hrTicker"),
              std::string::npos)
        << parser.error().message();
  }
}

TEST_F(BinanceSamples, SubscribeRequestAndResponse) {
  SEQUENT_LOAD_SAMPLE(resp, "ws-subscribe-response.json");
  parse_ok(resp);
  EXPECT_EQ(m.kind, MessageKind::kControlReply);
  EXPECT_EQ(m.wsapi.id, "1");
  SEQUENT_LOAD_SAMPLE(req, "ws-subscribe-request.json");
  parse_ok(req);  // what we send; parses as a control message with id 1
  EXPECT_EQ(m.kind, MessageKind::kControlReply);
}

// ---- REST / WS-API responses ----

TEST_F(BinanceSamples, RestOrderAck) {
  SEQUENT_LOAD_SAMPLE(json, "rest-order-response-ack.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kOrderResponse);
  const OrderResponse& o = m.order;
  EXPECT_EQ(o.symbol, "BTCUSDT");
  EXPECT_EQ(o.instrument, kBtcUsdt);
  EXPECT_EQ(o.venue_order_id, 28u);
  EXPECT_EQ(o.order_list_id, -1);
  EXPECT_EQ(o.client_order_id, "6gCrw2kRUAF9CvJDGP16IP");
  EXPECT_FALSE(o.ours);
  EXPECT_EQ(o.transact_time_ms, 1507725176595);
  EXPECT_FALSE(o.has_result);
  EXPECT_TRUE(o.fills.empty());
}

TEST_F(BinanceSamples, RestOrderResult) {
  SEQUENT_LOAD_SAMPLE(json, "rest-order-response-result.json");
  parse_ok(json);
  const OrderResponse& o = m.order;
  EXPECT_TRUE(o.has_result);
  EXPECT_EQ(o.status, OrderStatus::kFilled);
  EXPECT_EQ(o.side, Side::kSell);
  EXPECT_EQ(o.type, "MARKET");
  EXPECT_EQ(o.time_in_force, "GTC");
  EXPECT_EQ(o.price, px("0"));
  EXPECT_EQ(o.orig_qty, qty("10"));
  EXPECT_EQ(o.executed_qty, qty("10"));
  EXPECT_EQ(o.cumulative_quote_qty, money("10"));
  EXPECT_TRUE(o.fills.empty());
}

TEST_F(BinanceSamples, RestOrderFullWithFills) {
  SEQUENT_LOAD_SAMPLE(json, "rest-order-response-full.json");
  parse_ok(json);
  const OrderResponse& o = m.order;
  EXPECT_EQ(o.status, OrderStatus::kFilled);
  ASSERT_EQ(o.fills.size(), 5u);
  const char* prices[] = {"4000", "3999", "3998", "3997", "3995"};
  const char* qtys[] = {"1", "5", "2", "1", "1"};
  const char* fees[] = {"4", "19.995", "7.996", "3.997", "3.995"};
  Qty total;
  for (std::size_t k = 0; k < 5; ++k) {
    EXPECT_EQ(o.fills[k].price, px(prices[k])) << k;
    EXPECT_EQ(o.fills[k].qty, qty(qtys[k])) << k;
    EXPECT_EQ(o.fills[k].commission, qty(fees[k])) << k;
    EXPECT_EQ(o.fills[k].commission_asset, "USDT");
    EXPECT_EQ(o.fills[k].trade_id, 56u + k);
    total += o.fills[k].qty;
  }
  EXPECT_EQ(total, o.executed_qty);
}

TEST_F(BinanceSamples, RestCancelResponseNamesTheOriginalOrder) {
  SEQUENT_LOAD_SAMPLE(json, "rest-cancel-order-response.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kOrderResponse);
  EXPECT_EQ(m.order.symbol, "LTCBTC");
  EXPECT_EQ(m.order.venue_order_id, 4u);
  EXPECT_EQ(m.order.orig_client_order_id, "myOrder1");
  EXPECT_EQ(m.order.client_order_id, "cancelMyOrder1");
  EXPECT_FALSE(m.order.ours);
  EXPECT_EQ(m.order.status, OrderStatus::kCanceled);
  EXPECT_EQ(m.order.price, px("2"));
  EXPECT_EQ(m.order.orig_qty, qty("1"));
  EXPECT_EQ(m.order.executed_qty, qty("0"));
  EXPECT_EQ(m.order.side, Side::kBuy);
  // With our numeric id in origClientOrderId the response is ours.
  parse_ok(replace_once(json, "\"myOrder1\"", "\"123456789\""));
  EXPECT_TRUE(m.order.ours);
  EXPECT_EQ(m.order.our_id, 123456789u);
}

TEST_F(BinanceSamples, RestErrors) {
  SEQUENT_LOAD_SAMPLE(a, "rest-error-response.json");
  parse_ok(a);
  EXPECT_EQ(m.kind, MessageKind::kError);
  EXPECT_EQ(m.error.code, -1121);
  EXPECT_EQ(m.error.msg, "Invalid symbol.");
  SEQUENT_LOAD_SAMPLE(b, "rest-error-cancel-restrictions.json");
  parse_ok(b);
  EXPECT_EQ(m.error.code, -2011);
  EXPECT_EQ(m.error.msg, "Order was not canceled due to cancel restrictions.");
}

TEST_F(BinanceSamples, WsApiErrorWithRateLimits) {
  SEQUENT_LOAD_SAMPLE(json, "wsapi-error-response-2010.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kError);
  EXPECT_EQ(m.error.code, -2010);
  EXPECT_EQ(m.error.msg, "Account has insufficient balance for requested action.");
  EXPECT_EQ(m.wsapi.id, "e2a85d9f-07a5-4f94-8d5f-789dc3deb097");
  EXPECT_EQ(m.wsapi.status, 400);
  ASSERT_EQ(m.wsapi.rate_limits.size(), 3u);
  EXPECT_EQ(m.wsapi.rate_limits[0].type, RateLimitType::kOrders);
  EXPECT_EQ(m.wsapi.rate_limits[0].interval, RateInterval::kSecond);
  EXPECT_EQ(m.wsapi.rate_limits[0].interval_num, 10);
  EXPECT_EQ(m.wsapi.rate_limits[0].limit, 50);
  EXPECT_EQ(m.wsapi.rate_limits[0].count, 13);
  EXPECT_EQ(m.wsapi.rate_limits[1].interval, RateInterval::kDay);
  EXPECT_EQ(m.wsapi.rate_limits[1].count, 4044);
  EXPECT_EQ(m.wsapi.rate_limits[2].type, RateLimitType::kRequestWeight);
  EXPECT_EQ(m.wsapi.rate_limits[2].limit, 6000);
  EXPECT_EQ(m.wsapi.rate_limits[2].count, 322);
}

TEST_F(BinanceSamples, WsApiOrderPlaceResponse) {
  SEQUENT_LOAD_SAMPLE(json, "wsapi-order-place-response.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kOrderResponse);
  EXPECT_EQ(m.wsapi.status, 200);
  EXPECT_EQ(m.wsapi.id, "e2a85d9f-07a5-4f94-8d5f-789dc3deb097");
  EXPECT_EQ(m.order.venue_order_id, 12510053279u);
  EXPECT_EQ(m.order.client_order_id, "a097fe6304b20a7e4fc436");
  EXPECT_EQ(m.order.status, OrderStatus::kNew);
  EXPECT_EQ(m.order.side, Side::kBuy);
  EXPECT_EQ(m.order.price, px("0.1"));
  EXPECT_EQ(m.order.orig_qty, qty("10"));
  EXPECT_EQ(m.order.transact_time_ms, 1655716096505);
  ASSERT_EQ(m.wsapi.rate_limits.size(), 3u);
  EXPECT_EQ(m.wsapi.rate_limits[2].count, 321);
}

TEST_F(BinanceSamples, WsApiControlMessages) {
  SEQUENT_LOAD_SAMPLE(sub, "wsapi-userDataStream-subscribe-response.json");
  parse_ok(sub);
  EXPECT_EQ(m.kind, MessageKind::kControlReply);
  EXPECT_EQ(m.subscription_id, 0);
  EXPECT_EQ(m.wsapi.status, 200);
  for (const char* name : {"wsapi-session-logon-request.json", "wsapi-order-place-request-signed.json",
                           "wsapi-userDataStream-subscribe-signature-request.json"}) {
    SEQUENT_LOAD_SAMPLE(json, name);
    parse_ok(json);
    EXPECT_EQ(m.kind, MessageKind::kControlReply) << name;
  }
}

// ---- user data ----

TEST_F(BinanceSamples, ExecutionReportNewIsForeignUntilTheIdIsOurs) {
  SEQUENT_LOAD_SAMPLE(json, "uds-executionReport.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kForeignOrder);
  EXPECT_TRUE(m.events.empty());
  EXPECT_EQ(parser.foreign_orders(), 1u);
  EXPECT_EQ(m.subscription_id, 0);

  parse_ok(replace_once(json, "\"mUvoqJxFIILMdfAW5iGSOW\"", "\"1001\""));
  EXPECT_EQ(m.kind, MessageKind::kExecutionReport);
  ASSERT_EQ(m.events.size(), 1u);
  const Event& e = m.events[0];
  EXPECT_EQ(e.type(), EventType::kExecReport);
  EXPECT_EQ(e.instrument(), kEthBtc);
  EXPECT_EQ(e.header.event_ns, 1499405658658 * kMs);
  const ExecReportPayload& x = e.payload.exec;
  EXPECT_EQ(x.client_order_id, 1001u);
  EXPECT_EQ(x.venue_order_id, 4293153u);
  EXPECT_EQ(x.exec_type, ExecType::kNew);
  EXPECT_EQ(x.side, Side::kBuy);
  EXPECT_EQ(x.trade_id, 0u);
  EXPECT_EQ(x.last_qty, qty("0"));
  EXPECT_EQ(x.cum_qty, qty("0"));
  EXPECT_EQ(x.leaves_qty, qty("1"));
  EXPECT_EQ(x.fee, Money{});
  EXPECT_EQ(x.liquidity, Liquidity::kNone);
  EXPECT_EQ(x.reason, RejectReason::kNone);
  EXPECT_EQ(parser.foreign_orders(), 1u);
}

TEST_F(BinanceSamples, LegacyTradeReportWithBaseAssetCommission) {
  SEQUENT_LOAD_SAMPLE(json, "fixture-uds-executionReport-trade-legacy.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kForeignOrder);
  parse_ok(replace_once(json, "\"x-TD67BGP9-T0000000000000\"", "\"4242\""));
  ASSERT_EQ(m.kind, MessageKind::kExecutionReport);
  EXPECT_EQ(m.subscription_id, -1);  // bare (legacy listenKey) form
  const ExecReportPayload& x = m.events[0].payload.exec;
  EXPECT_EQ(m.events[0].instrument(), kEthUsdt);
  EXPECT_EQ(x.client_order_id, 4242u);
  EXPECT_EQ(x.exec_type, ExecType::kFill);
  EXPECT_EQ(x.venue_order_id, 12345678u);
  EXPECT_EQ(x.trade_id, 98765432u);
  EXPECT_EQ(x.last_price, px("2500"));
  EXPECT_EQ(x.last_qty, qty("1"));
  EXPECT_EQ(x.cum_qty, qty("1"));
  EXPECT_EQ(x.leaves_qty, qty("0"));
  EXPECT_EQ(x.liquidity, Liquidity::kMaker);
  EXPECT_EQ(x.fee, money("2.5"));  // 0.001 ETH at 2500 USDT
  EXPECT_EQ(parser.fees_unconverted(), 0u);
}

TEST_F(BinanceSamples, RejectedReportInFixtureWrapper) {
  SEQUENT_LOAD_SAMPLE(json, "fixture-ws-executionReport-rejected.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kForeignOrder);
  parse_ok(replace_once(json, "\"O-12345-test-reject\"", "\"77\""));
  ASSERT_EQ(m.kind, MessageKind::kExecutionReport);
  const ExecReportPayload& x = m.events[0].payload.exec;
  EXPECT_EQ(m.events[0].instrument(), kBtcUsdt);
  EXPECT_EQ(x.client_order_id, 77u);
  EXPECT_EQ(x.exec_type, ExecType::kRejected);
  EXPECT_EQ(x.reason, RejectReason::kVenueWouldTake);  // GTX_ORDER_REJECT
  EXPECT_EQ(x.venue_order_id, 1234567890u);
  EXPECT_EQ(x.leaves_qty, qty("0"));
  EXPECT_EQ(x.trade_id, 0u);
  EXPECT_EQ(x.liquidity, Liquidity::kNone);
}

TEST_F(BinanceSamples, CanceledReportUsesTheOriginalClientId) {
  SEQUENT_LOAD_SAMPLE(json, "uds-executionReport.json");
  std::string s = replace_once(json, "\"x\": \"NEW\"", "\"x\": \"CANCELED\"");
  s = replace_once(s, "\"X\": \"NEW\"", "\"X\": \"CANCELED\"");
  s = replace_once(s, "\"C\": \"\"", "\"C\": \"5005\"");
  parse_ok(s);
  ASSERT_EQ(m.kind, MessageKind::kExecutionReport);
  EXPECT_EQ(m.events[0].payload.exec.client_order_id, 5005u);
  EXPECT_EQ(m.events[0].payload.exec.exec_type, ExecType::kCanceled);
  EXPECT_EQ(m.events[0].payload.exec.leaves_qty, qty("0"));
}

TEST_F(BinanceSamples, OutboundAccountPosition) {
  SEQUENT_LOAD_SAMPLE(json, "uds-outboundAccountPosition.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kAccountPosition);
  EXPECT_EQ(m.account.event_ns, 1564034571105 * kMs);
  EXPECT_EQ(m.account.last_update_ms, 1564034571073);
  ASSERT_EQ(m.account.balances.size(), 1u);
  EXPECT_EQ(m.account.balances[0].asset, "ETH");
  EXPECT_EQ(m.account.balances[0].free, qty("10000"));
  EXPECT_EQ(m.account.balances[0].locked, qty("0"));
}

TEST_F(BinanceSamples, BalanceUpdate) {
  SEQUENT_LOAD_SAMPLE(json, "uds-balanceUpdate.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kBalanceUpdate);
  EXPECT_EQ(m.balance.asset, "BTC");
  EXPECT_EQ(m.balance.delta, qty("100"));
  EXPECT_EQ(m.balance.clear_time_ms, 1573200697068);
  EXPECT_EQ(m.balance.event_ns, 1573200697110 * kMs);
  parse_ok(replace_once(json, "\"100.00000000\"", "\"-0.5\""));
  EXPECT_EQ(m.balance.delta, qty("-0.5"));
}

TEST_F(BinanceSamples, ListStatus) {
  SEQUENT_LOAD_SAMPLE(json, "uds-listStatus.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kListStatus);
  const ListStatus& l = m.list;
  EXPECT_EQ(l.symbol, "ETHBTC");
  EXPECT_EQ(l.order_list_id, 2);
  EXPECT_EQ(l.contingency_type, "OCO");
  EXPECT_EQ(l.list_status_type, "EXEC_STARTED");
  EXPECT_EQ(l.list_order_status, "EXECUTING");
  EXPECT_EQ(l.reject_reason, "NONE");
  EXPECT_EQ(l.list_client_order_id, "F4QN4G8DlFATFlIUQ0cjdD");
  EXPECT_EQ(l.transaction_time_ms, 1564035303625);
  ASSERT_EQ(l.orders.size(), 2u);
  EXPECT_EQ(l.orders[0].symbol, "ETHBTC");
  EXPECT_EQ(l.orders[0].venue_order_id, 17u);
  EXPECT_EQ(l.orders[0].client_order_id, "AJYsMjErWJesZvqlJCTUgL");
  EXPECT_EQ(l.orders[1].venue_order_id, 18u);
}

TEST_F(BinanceSamples, EventStreamTerminated) {
  SEQUENT_LOAD_SAMPLE(json, "uds-eventStreamTerminated.json");
  parse_ok(json);
  EXPECT_EQ(m.kind, MessageKind::kStreamTerminated);
  EXPECT_EQ(m.event_ns, 1728973001334 * kMs);
}

// ---- exchangeInfo ----

TEST(BinanceExchangeInfo, RecordedBtcEthWithLegacyMinNotional) {
  SEQUENT_LOAD_SAMPLE(json, "recorded-rest-exchangeInfo-BTCUSDT-ETHUSDT.json");
  Result<ExchangeInfo> r = parse_exchange_info(json);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->server_time_ms, 1634942465856);
  ASSERT_EQ(r->rate_limits.size(), 4u);
  EXPECT_EQ(r->rate_limits[0].type, RateLimitType::kRequestWeight);
  EXPECT_EQ(r->rate_limits[0].interval, RateInterval::kMinute);
  EXPECT_EQ(r->rate_limits[0].interval_num, 1);
  EXPECT_EQ(r->rate_limits[0].limit, 1200);
  EXPECT_EQ(r->rate_limits[1].type, RateLimitType::kOrders);
  EXPECT_EQ(r->rate_limits[1].interval_num, 10);
  EXPECT_EQ(r->rate_limits[1].limit, 50);
  EXPECT_EQ(r->rate_limits[2].interval, RateInterval::kDay);
  EXPECT_EQ(r->rate_limits[2].limit, 160000);
  EXPECT_EQ(r->rate_limits[3].type, RateLimitType::kRawRequests);
  EXPECT_EQ(r->rate_limits[3].interval_num, 5);
  EXPECT_EQ(r->rate_limits[3].limit, 6100);
  ASSERT_EQ(r->symbols.size(), 2u);
  const SymbolRules* btc = r->find("BTCUSDT");
  ASSERT_NE(btc, nullptr);
  EXPECT_EQ(btc->status, "TRADING");
  EXPECT_EQ(btc->base_asset, "BTC");
  EXPECT_EQ(btc->quote_asset, "USDT");
  EXPECT_EQ(btc->tick_size, px("0.01"));
  EXPECT_EQ(btc->min_price, px("0.01"));
  EXPECT_EQ(btc->max_price, px("1000000"));
  EXPECT_EQ(btc->step_size, qty("0.00001"));
  EXPECT_EQ(btc->min_qty, qty("0.00001"));
  EXPECT_EQ(btc->max_qty, qty("9000"));
  EXPECT_EQ(btc->market_step_size, qty("0"));
  EXPECT_EQ(btc->market_max_qty, qty("112.2110882"));
  EXPECT_TRUE(btc->has_notional_filter);
  EXPECT_EQ(btc->min_notional, money("10"));
  const SymbolRules* eth = r->find("ETHUSDT");
  ASSERT_NE(eth, nullptr);
  EXPECT_EQ(eth->step_size, qty("0.0001"));
  EXPECT_EQ(eth->market_max_qty, qty("1630.44517663"));
  EXPECT_EQ(r->find("XRPUSDT"), nullptr);
}

TEST(BinanceExchangeInfo, DocsSkeletonWithTheFilterAndRateLimitSamples) {
  SEQUENT_LOAD_SAMPLE(skeleton, "rest-exchangeInfo.json");
  Result<ExchangeInfo> bare = parse_exchange_info(skeleton);
  ASSERT_TRUE(bare) << bare.error().message;
  EXPECT_TRUE(bare->rate_limits.empty());  // the docs' placeholder {} is skipped
  ASSERT_EQ(bare->symbols.size(), 1u);
  EXPECT_EQ(bare->symbols[0].symbol, "ETHBTC");
  EXPECT_EQ(bare->symbols[0].base_asset, "ETH");
  EXPECT_EQ(bare->symbols[0].quote_asset, "BTC");
  EXPECT_EQ(bare->symbols[0].tick_size, Price{});
  EXPECT_FALSE(bare->symbols[0].has_notional_filter);
  EXPECT_EQ(bare->server_time_ms, 1565246363776);

  std::string filters, limits;
  for (const char* f : {"filter-PRICE_FILTER.json", "filter-PERCENT_PRICE_BY_SIDE.json", "filter-LOT_SIZE.json",
                        "filter-MARKET_LOT_SIZE.json", "filter-MIN_NOTIONAL.json", "filter-NOTIONAL.json"}) {
    SEQUENT_LOAD_SAMPLE(text, f);
    filters += (filters.empty() ? "" : ",") + text;
  }
  for (const char* f : {"ratelimit-REQUEST_WEIGHT.json", "ratelimit-ORDERS.json", "ratelimit-RAW_REQUESTS.json"}) {
    SEQUENT_LOAD_SAMPLE(text, f);
    limits += (limits.empty() ? "" : ",") + text;
  }
  std::string full = replace_once(skeleton, "\"filters\": [", "\"filters\": [" + filters);
  const auto rl = full.find("\"rateLimits\": [");
  ASSERT_NE(rl, std::string::npos);
  const auto close = full.find(']', rl);
  full.replace(rl, close - rl + 1, "\"rateLimits\": [" + limits + "]");
  Result<ExchangeInfo> r = parse_exchange_info(full);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->rate_limits.size(), 3u);
  EXPECT_EQ(r->rate_limits[0].type, RateLimitType::kRequestWeight);
  EXPECT_EQ(r->rate_limits[0].limit, 6000);
  EXPECT_EQ(r->rate_limits[1].type, RateLimitType::kOrders);
  EXPECT_EQ(r->rate_limits[1].interval, RateInterval::kSecond);
  EXPECT_EQ(r->rate_limits[1].limit, 10);
  EXPECT_EQ(r->rate_limits[2].type, RateLimitType::kRawRequests);
  EXPECT_EQ(r->rate_limits[2].interval_num, 5);
  EXPECT_EQ(r->rate_limits[2].limit, 61000);
  const SymbolRules& s = r->symbols[0];
  EXPECT_EQ(s.tick_size, px("0.000001"));
  EXPECT_EQ(s.min_price, px("0.000001"));
  EXPECT_EQ(s.max_price, px("100000"));
  EXPECT_EQ(s.step_size, qty("0.001"));
  EXPECT_EQ(s.min_qty, qty("0.001"));
  EXPECT_EQ(s.max_qty, qty("100000"));
  EXPECT_EQ(s.market_step_size, qty("0.001"));
  // NOTIONAL (10) wins over the legacy MIN_NOTIONAL (0.001), in either order.
  EXPECT_EQ(s.min_notional, money("10"));
  EXPECT_EQ(s.max_notional, money("10000"));

  SEQUENT_LOAD_SAMPLE(legacy, "filter-MIN_NOTIONAL.json");
  Result<ExchangeInfo> only_legacy = parse_exchange_info(replace_once(skeleton, "\"filters\": [", "\"filters\": [" + legacy));
  ASSERT_TRUE(only_legacy) << only_legacy.error().message;
  EXPECT_EQ(only_legacy->symbols[0].min_notional, money("0.001"));
}

TEST(BinanceExchangeInfo, ErrorsNameSymbolAndField) {
  const std::string bad =
      R"({"symbols":[{"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT",)"
      R"("filters":[{"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"1","tickSize":"0.000000001"}]}]})";
  Result<ExchangeInfo> r = parse_exchange_info(bad);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("symbol BTCUSDT"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("tickSize"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("more than 8 decimal"), std::string::npos) << r.error().message;
  EXPECT_FALSE(parse_exchange_info(R"({"symbols":[{"symbol":"X"}]})"));
  EXPECT_FALSE(parse_exchange_info("[1,2]"));
  EXPECT_FALSE(parse_exchange_info("{"));
}

// ---- decimals, ids, mappings ----

TEST(BinanceDecimal, MatchesTheEngineParserAndRejectsWhatItMust) {
  const char* ok[] = {"0",          "10",          "0.0024",         "60650.00000000", "61837.63000000",
                      "0.00000001", "-100.00",     "92233720368.54775807", "-92233720368.54775808", "7.",
                      ".5",         "1.500000000000", "000123.4",     "1e-05",          "+3"};
  for (const char* s : ok) {
    std::int64_t fast = 0, ref = 0;
    EXPECT_EQ(parse_binance_decimal_raw(s, fast), ParseStatus::kOk) << s;
    ASSERT_EQ(parse_fixed_raw(s, ref), ParseStatus::kOk) << s;
    EXPECT_EQ(fast, ref) << s;
  }
  std::int64_t v = 0;
  EXPECT_EQ(parse_binance_decimal_raw("0.000000001", v), ParseStatus::kTooPrecise);
  EXPECT_EQ(parse_binance_decimal_raw("1.123456789", v), ParseStatus::kTooPrecise);
  EXPECT_EQ(parse_binance_decimal_raw("92233720368.54775808", v), ParseStatus::kOutOfRange);
  EXPECT_EQ(parse_binance_decimal_raw("99999999999.99999999", v), ParseStatus::kOutOfRange);
  EXPECT_EQ(parse_binance_decimal_raw("123456789012345", v), ParseStatus::kOutOfRange);
  EXPECT_NE(parse_binance_decimal_raw("", v), ParseStatus::kOk);
  EXPECT_NE(parse_binance_decimal_raw("-", v), ParseStatus::kOk);
  EXPECT_NE(parse_binance_decimal_raw(".", v), ParseStatus::kOk);
  EXPECT_NE(parse_binance_decimal_raw("1.2.3", v), ParseStatus::kOk);
  EXPECT_NE(parse_binance_decimal_raw("12a", v), ParseStatus::kOk);
  EXPECT_NE(parse_binance_decimal_raw("1.0000000a", v), ParseStatus::kOk);
  EXPECT_NE(parse_binance_decimal_raw("NaN", v), ParseStatus::kOk);
}

TEST(BinanceClientOrderId, RoundTripsAndRejectsOthers) {
  char buf[20];
  for (ClientOrderId id : {ClientOrderId{0}, ClientOrderId{7}, make_client_order_id(123456, 3), ~ClientOrderId{0}}) {
    const std::size_t n = format_client_order_id(id, buf);
    ClientOrderId back = 1;
    ASSERT_TRUE(parse_client_order_id(std::string_view(buf, n), back)) << std::string(buf, n);
    EXPECT_EQ(back, id);
  }
  ClientOrderId x = 0;
  EXPECT_FALSE(parse_client_order_id("", x));
  EXPECT_FALSE(parse_client_order_id("18446744073709551616", x));  // 2^64
  EXPECT_FALSE(parse_client_order_id("0123", x));
  EXPECT_FALSE(parse_client_order_id("-1", x));
  EXPECT_FALSE(parse_client_order_id("web_abc", x));
  EXPECT_FALSE(parse_client_order_id("x-TD67BGP9-T0000000000000", x));
}

TEST(BinanceMapping, ExecTypesAndRejectReasons) {
  ExecType t{};
  ASSERT_TRUE(map_exec_type("NEW", "NEW", t));
  EXPECT_EQ(t, ExecType::kNew);
  ASSERT_TRUE(map_exec_type("TRADE", "PARTIALLY_FILLED", t));
  EXPECT_EQ(t, ExecType::kPartialFill);
  ASSERT_TRUE(map_exec_type("TRADE", "FILLED", t));
  EXPECT_EQ(t, ExecType::kFill);
  ASSERT_TRUE(map_exec_type("CANCELED", "CANCELED", t));
  EXPECT_EQ(t, ExecType::kCanceled);
  ASSERT_TRUE(map_exec_type("REJECTED", "REJECTED", t));
  EXPECT_EQ(t, ExecType::kRejected);
  ASSERT_TRUE(map_exec_type("EXPIRED", "EXPIRED", t));
  EXPECT_EQ(t, ExecType::kExpired);
  ASSERT_TRUE(map_exec_type("TRADE_PREVENTION", "EXPIRED_IN_MATCH", t));
  EXPECT_EQ(t, ExecType::kExpired);
  EXPECT_FALSE(map_exec_type("REPLACED", "NEW", t));
  EXPECT_FALSE(map_exec_type("BOGUS", "NEW", t));
  EXPECT_EQ(map_reject_reason("NONE"), RejectReason::kNone);
  EXPECT_EQ(map_reject_reason("INSUFFICIENT_BALANCES"), RejectReason::kVenueInsufficientBalance);
  EXPECT_EQ(map_reject_reason("WOULD_MATCH_IMMEDIATELY"), RejectReason::kVenueWouldTake);
  EXPECT_EQ(map_reject_reason("GTX_ORDER_REJECT"), RejectReason::kVenueWouldTake);
  EXPECT_EQ(map_reject_reason("UNKNOWN_ORDER"), RejectReason::kVenueUnknownOrder);
  EXPECT_EQ(map_reject_reason("DUPLICATE_ORDER"), RejectReason::kVenueDuplicateOrder);
  EXPECT_EQ(map_reject_reason("OCO_BAD_PRICES"), RejectReason::kVenueOther);
}

// ---- error paths ----

class BinanceErrors : public ::testing::Test {
 protected:
  BinanceParser parser{bindings()};
  Parsed m;
  std::string fails(const std::string& json, ParseErrc expected) {
    EXPECT_EQ(parser.parse(json, m), expected) << json << "\n" << parser.error().message();
    EXPECT_EQ(m.kind, MessageKind::kNone);
    EXPECT_TRUE(m.events.empty());
    return parser.error().message();
  }
};

TEST_F(BinanceErrors, MissingAndMistypedFieldsAreNamed) {
  std::string msg = fails(R"({"e":"trade","E":1,"s":"BTCUSDT","t":1,"q":"1","T":1,"m":true})", ParseErrc::kMissingField);
  EXPECT_NE(msg.find("trade"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"p\""), std::string::npos) << msg;
  msg = fails(R"({"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":1.5,"q":"1","T":1,"m":true})", ParseErrc::kWrongType);
  EXPECT_NE(msg.find("\"p\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected string"), std::string::npos) << msg;
  msg = fails(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":"5","u":6,"b":[],"a":[]})", ParseErrc::kWrongType);
  EXPECT_NE(msg.find("\"U\""), std::string::npos) << msg;
  msg = fails(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":5,"u":6,"b":[["1","2"]]})", ParseErrc::kMissingField);
  EXPECT_NE(msg.find("\"a\""), std::string::npos) << msg;
  msg = fails(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":5,"u":6,"b":[["1",2]],"a":[]})", ParseErrc::kWrongType);
  EXPECT_NE(msg.find("\"b\""), std::string::npos) << msg;
  fails(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":7,"u":6,"b":[],"a":[]})", ParseErrc::kOutOfRange);
  fails(R"({"lastUpdateId":5,"bids":[]})", ParseErrc::kMissingField);
  fails(R"({"u":1,"s":"BTCUSDT","b":"1","B":"1","a":"2"})", ParseErrc::kMissingField);
}

TEST_F(BinanceErrors, BadDecimalsUnknownSymbolsAndEvents) {
  std::string msg = fails(R"({"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1.000000001","q":"1","T":1,"m":true})",
                          ParseErrc::kTooPrecise);
  EXPECT_NE(msg.find("1.000000001"), std::string::npos) << msg;
  fails(R"({"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"abc","q":"1","T":1,"m":true})", ParseErrc::kBadDecimal);
  fails(R"({"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"99999999999999","q":"1","T":1,"m":true})", ParseErrc::kOutOfRange);
  msg = fails(R"({"e":"trade","E":1,"s":"DOGEUSDT","t":1,"p":"1","q":"1","T":1,"m":true})", ParseErrc::kUnknownSymbol);
  EXPECT_NE(msg.find("DOGEUSDT"), std::string::npos) << msg;
  msg = fails(R"({"e":"markPriceUpdate","E":1})", ParseErrc::kUnknownEvent);
  EXPECT_NE(msg.find("markPriceUpdate"), std::string::npos) << msg;
  fails(R"({"e":5})", ParseErrc::kWrongType);
  msg = fails(R"({"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1","q":"1","T":99999999999999999,"m":true})",
              ParseErrc::kOutOfRange);
  EXPECT_NE(msg.find("\"T\""), std::string::npos) << msg;
  fails(R"({"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1","q":"1","T":1.5,"m":true})", ParseErrc::kWrongType);
  fails(R"({"hello":"world"})", ParseErrc::kUnknownEvent);
  fails(R"({"subscriptionId":0,"event":{"e":"executionReport","s":"BTCUSDT","c":"1","S":"BUY","x":"REPLACED","X":"NEW"}})",
        ParseErrc::kMissingField);
}

TEST_F(BinanceErrors, MalformedJsonAndShapes) {
  fails("", ParseErrc::kJson);
  fails("{", ParseErrc::kJson);
  fails(R"({"e":"trade",)", ParseErrc::kJson);
  fails("[1,2,3]", ParseErrc::kNotObject);
  fails("42", ParseErrc::kNotObject);
  fails(R"({"e":"trade","p":"1)", ParseErrc::kJson);
  const std::string many_levels = [] {
    std::string s = R"({"lastUpdateId":1,"bids":[)";
    for (int i = 0; i < 20; ++i) s += std::string(i ? "," : "") + "[\"" + std::to_string(i + 1) + "\",\"1\"]";
    return s + R"(],"asks":[]})";
  }();
  BinanceParser small(bindings(), {.max_levels = 10});
  EXPECT_EQ(small.parse(many_levels, m), ParseErrc::kTooManyLevels);
  BinanceParser tiny(bindings(), {.max_message_bytes = 16});
  EXPECT_EQ(tiny.parse(many_levels, m), ParseErrc::kTooLarge);
  EXPECT_EQ(parser.errors(), 6u);
}

TEST_F(BinanceErrors, ParserRecoversAfterAnError) {
  fails("{", ParseErrc::kJson);
  ASSERT_EQ(parser.parse(R"({"e":"trade","E":1,"s":"BTCUSDT","t":9,"p":"1.5","q":"2","T":3,"m":false})", m), ParseErrc::kOk);
  EXPECT_EQ(m.kind, MessageKind::kTrade);
  EXPECT_EQ(m.events[0].payload.trade.trade_id, 9u);
}

TEST_F(BinanceErrors, PaddedBufferIsRequired) {
  std::string s = R"({"e":"trade","E":1,"s":"BTCUSDT","t":9,"p":"1.5","q":"2","T":3,"m":false})";
  const std::size_t len = s.size();
  s.resize(len + BinanceParser::kPadding, '\0');
  ASSERT_EQ(parser.parse_padded(s.data(), len, s.size(), m), ParseErrc::kOk);
  EXPECT_EQ(m.kind, MessageKind::kTrade);
  EXPECT_EQ(parser.parse_padded(s.data(), len, len + 10, m), ParseErrc::kTooLarge);
}

TEST(BinanceQuarantine, KeepsTheLastNWithTheError) {
  BinanceParser parser(bindings());
  Quarantine q(3, 8);
  Parsed m;
  for (int i = 0; i < 5; ++i) {
    const std::string bad = "{\"e\":\"x" + std::to_string(i) + "\"}";
    ASSERT_NE(parser.parse(bad, m), ParseErrc::kOk);
    q.add(bad, parser.error(), i);
  }
  EXPECT_EQ(q.total(), 5u);
  ASSERT_EQ(q.size(), 3u);
  const auto entries = q.entries();
  EXPECT_EQ(entries[0].recv_ns, 2);
  EXPECT_EQ(entries[2].recv_ns, 4);
  EXPECT_EQ(entries[2].bytes, "{\"e\":\"x4");  // truncated to 8 bytes
  EXPECT_EQ(entries[2].original_size, 10u);
  EXPECT_NE(entries[2].error.find("x4"), std::string::npos) << entries[2].error;
}

}  // namespace
}  // namespace sequent::binance
