// The local Binance-spot venue (gateways/binance_venue) through its real protocol, from an
// in-process Beast client on 127.0.0.1: signatures (the Binance docs' test vectors), REST order
// life cycle, filters and errors, depth snapshot + diff continuity, WebSocket-API user data,
// every fault kind, 429 -> 418 escalation, malformed requests, and replay of a real capture.
#include "gateways/binance_venue/binance_venue.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/fixed_point.hpp"
#include "gateways/binance_venue/hmac.hpp"
#include "gateways/detail/byte_source.hpp"
#include "gateways/detail/line_reader.hpp"
#include "tests/gateways/binance_venue_client.hpp"

namespace sequent {
namespace {

using binance_venue::BinanceVenue;
using binance_venue::hmac_sha256_hex;
using binance_venue::VenueOptions;
using test::HttpResult;
using test::http_request;
using test::WsClient;
using http = test::http::verb;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::int64_t kScale = 100'000'000;  // 1.0 in fixed-point raw units
const std::string kSamples = "../shared/data/protocol-samples/binance/";
const std::string kVectors = kSamples + "signature-test-vectors.json";
const std::string kCapture = "../shared/data/ticks_l2/raw/binance_spot_BTCUSDT_20240808_2359_ws.jsonl.gz";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A parsed JSON document that owns its parser.
struct Doc {
  explicit Doc(const std::string& text) : padded(text) {
    auto r = parser.parse(padded);
    if (r.error()) {
      ADD_FAILURE() << "not JSON: " << text;
      ok = false;
    } else {
      root = r.value();
    }
  }
  simdjson::padded_string padded;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  bool ok = true;
};

simdjson::dom::element as_el(simdjson::dom::element e) { return e; }
simdjson::dom::element as_el(simdjson::simdjson_result<simdjson::dom::element> r) {
  simdjson::dom::element e;
  EXPECT_EQ(std::move(r).get(e), simdjson::SUCCESS);
  return e;
}

template <class E>
std::string str(E e, std::string_view key) {
  std::string_view v;
  if (as_el(e)[key].get(v) != simdjson::SUCCESS) return "<missing " + std::string(key) + ">";
  return std::string(v);
}
template <class E>
std::int64_t num(E e, std::string_view key) {
  std::int64_t v = INT64_MIN;
  if (as_el(e)[key].get(v) != simdjson::SUCCESS) return INT64_MIN;
  return v;
}
template <class E>
simdjson::dom::array arr(E e) {
  simdjson::dom::array a;
  EXPECT_EQ(as_el(e).get(a), simdjson::SUCCESS);
  return a;
}
std::string str_at(simdjson::dom::element level, std::size_t i) {
  std::string_view v;
  EXPECT_EQ(level.at(i).get(v), simdjson::SUCCESS);
  return std::string(v);
}
std::int64_t dec(const std::string& text) {
  std::int64_t raw = 0;
  EXPECT_EQ(parse_fixed_raw(text, raw), ParseStatus::kOk) << text;
  return raw;
}
template <class E>
std::set<std::string> keys_of(E e) {
  std::set<std::string> out;
  simdjson::dom::object o;
  if (as_el(e).get(o) != simdjson::SUCCESS) return out;
  for (auto field : o) out.insert(std::string(field.key));
  return out;
}

struct Keys {
  std::string api_key = std::string(binance_venue::kDefaultApiKey);
  std::string secret = std::string(binance_venue::kDefaultApiSecret);
  bool from_vectors = false;
};

Keys load_keys() {
  Keys k;
  if (!std::filesystem::exists(kVectors)) return k;
  Doc d(slurp(kVectors));
  k.api_key = str(d.root["rest_hmac_sha256"], "apiKey");
  k.secret = str(d.root["rest_hmac_sha256"], "secretKey");
  k.from_vectors = true;
  return k;
}

class VenueTest : public ::testing::Test {
 protected:
  void SetUp() override {}
  void TearDown() override {
    if (venue_) venue_->stop();
  }

  // Starts the venue on 127.0.0.1:0 with the docs' keys and a clock the test controls.
  void start(VenueOptions options = {}) {
    keys_ = load_keys();
    options.listen_port = 0;
    options.exchange.api_key = keys_.api_key;
    options.exchange.api_secret = keys_.secret;
    if (!options.exchange.now_ms) options.exchange.now_ms = [this] { return clock_ms_.load(); };
    if (options.depth_interval_ms == 100) options.depth_interval_ms = 20;
    if (options.exchange.market_events_per_second == 20) options.exchange.market_events_per_second = 400;
    auto v = BinanceVenue::start(std::move(options));
    ASSERT_TRUE(v) << v.error().message;
    venue_ = std::move(*v);
    port_ = venue_->port();
  }

  std::string sign(const std::string& params) {
    std::string q = params + (params.empty() ? "" : "&") + "timestamp=" + std::to_string(clock_ms_.load());
    return q + "&signature=" + hmac_sha256_hex(keys_.secret, q);
  }
  HttpResult get(const std::string& target) { return http_request(port_, http::get, target); }
  HttpResult signed_call(http verb, const std::string& path, const std::string& params, bool in_body = false) {
    const std::string q = sign(params);
    if (in_body) return http_request(port_, verb, path, q, {{"X-MBX-APIKEY", keys_.api_key}});
    return http_request(port_, verb, path + "?" + q, "", {{"X-MBX-APIKEY", keys_.api_key}});
  }
  HttpResult faults(const std::string& json) { return http_request(port_, http::post, "/sim/faults", json); }
  std::string state() { return get("/sim/state").body; }

  // Waits (on the stream, not on time) until the simulated book has a quote.
  std::pair<std::int64_t, std::int64_t> first_quote(const std::string& symbol_lower = "btcusdt") {
    WsClient ws(port_, "/ws/" + symbol_lower + "@bookTicker");
    auto m = ws.read();
    EXPECT_TRUE(m.has_value());
    if (!m) return {0, 0};
    Doc d(*m);
    return {dec(str(d.root, "b")), dec(str(d.root, "a"))};
  }

  // A WS-API request signed as Binance documents: every param but signature, sorted, k=v&...
  std::string ws_signed(const std::string& id, const std::string& method,
                        std::map<std::string, std::string> params) {
    params["apiKey"] = keys_.api_key;
    params["timestamp"] = std::to_string(clock_ms_.load());
    std::string payload;
    for (const auto& [k, v] : params) payload += (payload.empty() ? "" : "&") + k + "=" + v;
    params["signature"] = hmac_sha256_hex(keys_.secret, payload);
    std::string json = "{\"id\":\"" + id + "\",\"method\":\"" + method + "\",\"params\":{";
    bool first = true;
    for (const auto& [k, v] : params) {
      json += std::string(first ? "" : ",") + "\"" + k + "\":";
      json += (k == "timestamp" || k == "recvWindow") ? v : "\"" + v + "\"";
      first = false;
    }
    return json + "}}";
  }

  std::atomic<std::int64_t> clock_ms_{1'723'161'255'000};
  Keys keys_;
  std::unique_ptr<BinanceVenue> venue_;
  std::uint16_t port_ = 0;
};

// ---- signatures --------------------------------------------------------------------------------

TEST(BinanceVenueHmac, MatchesTheBinanceDocsTestVectors) {
  if (!std::filesystem::exists(kVectors)) GTEST_SKIP() << "absent: " << kVectors;
  Doc d(slurp(kVectors));
  for (const char* name : {"rest_hmac_sha256", "rest_hmac_sha256_percent_encoded_symbol", "wsapi_hmac_sha256_sorted_params"}) {
    auto v = d.root[name];
    EXPECT_EQ(hmac_sha256_hex(str(v, "secretKey"), str(v, "payload")), str(v, "signature_hex")) << name;
  }
  EXPECT_TRUE(binance_venue::signature_equal("ab12", "AB12"));
  EXPECT_FALSE(binance_venue::signature_equal("ab12", "ab13"));
}

TEST_F(VenueTest, DocsSignedRequestVerifiesAndStaleOrTamperedOnesAreRefused) {
  if (!std::filesystem::exists(kVectors)) GTEST_SKIP() << "absent: " << kVectors;
  Doc d(slurp(kVectors));
  const std::string payload = str(d.root["rest_hmac_sha256"], "payload");
  const std::string signature = str(d.root["rest_hmac_sha256"], "signature_hex");
  clock_ms_ = 1499827319559 + 100;  // the docs' request time
  start();
  const std::vector<std::pair<std::string, std::string>> key = {{"X-MBX-APIKEY", keys_.api_key}};
  // Signature and timestamp pass; the docs' symbol LTCBTC is not listed here: -1121.
  HttpResult r = http_request(port_, http::post, "/api/v3/order?" + payload + "&signature=" + signature, "", key);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.body, "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}");
  // The same parameters in the body (the signature covers query + body, here body only).
  r = http_request(port_, http::post, "/api/v3/order", payload + "&signature=" + signature, key);
  EXPECT_EQ(r.body, "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}");
  // One changed hex digit: -1022.
  std::string bad = signature;
  bad[0] = bad[0] == 'c' ? 'd' : 'c';
  r = http_request(port_, http::post, "/api/v3/order?" + payload + "&signature=" + bad, "", key);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.body, "{\"code\":-1022,\"msg\":\"Signature for this request is not valid.\"}");
  // 10 s later the request is outside its recvWindow of 5000 ms: -1021.
  clock_ms_ = 1499827319559 + 10'000;
  r = http_request(port_, http::post, "/api/v3/order?" + payload + "&signature=" + signature, "", key);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.body, "{\"code\":-1021,\"msg\":\"Timestamp for this request is outside of the recvWindow.\"}");
  // From the future (more than 1 s ahead): -1021 as well.
  clock_ms_ = 1499827319559 - 2'000;
  r = http_request(port_, http::post, "/api/v3/order?" + payload + "&signature=" + signature, "", key);
  EXPECT_EQ(num(Doc(r.body).root, "code"), -1021);
  // No key, wrong key.
  clock_ms_ = 1499827319559 + 100;
  r = http_request(port_, http::post, "/api/v3/order?" + payload + "&signature=" + signature);
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(num(Doc(r.body).root, "code"), -2014);
  r = http_request(port_, http::post, "/api/v3/order?" + payload + "&signature=" + signature, "", {{"X-MBX-APIKEY", "nope"}});
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(num(Doc(r.body).root, "code"), -2015);
  // Missing timestamp.
  r = http_request(port_, http::get, "/api/v3/account?signature=" + signature, "", key);
  EXPECT_EQ(r.body,
            "{\"code\":-1102,\"msg\":\"Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.\"}");
}

// ---- public REST -------------------------------------------------------------------------------

TEST_F(VenueTest, PublicEndpointsAnswerInBinanceShapeWithWeightHeaders) {
  start();
  HttpResult r = get("/api/v3/ping");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "{}");
  EXPECT_EQ(r.header("x-mbx-used-weight-1m"), "1");
  r = get("/api/v3/time");
  EXPECT_EQ(r.body, "{\"serverTime\":" + std::to_string(clock_ms_.load()) + "}");
  EXPECT_EQ(r.header("x-mbx-used-weight-1m"), "2");
  r = get("/api/v3/exchangeInfo");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("x-mbx-used-weight-1m"), "22");
  Doc info(r.body);
  EXPECT_EQ(str(info.root, "timezone"), "UTC");
  simdjson::dom::array limits = arr(info.root["rateLimits"]);
  EXPECT_EQ(limits.size(), 4u);
  EXPECT_EQ(str(limits.at(0), "rateLimitType"), "REQUEST_WEIGHT");
  simdjson::dom::array symbols = arr(info.root["symbols"]);
  ASSERT_EQ(symbols.size(), 2u);
  auto btc = symbols.at(0);
  EXPECT_EQ(str(btc, "symbol"), "BTCUSDT");
  EXPECT_EQ(str(btc, "baseAsset"), "BTC");
  EXPECT_EQ(str(btc, "quoteAsset"), "USDT");
  std::vector<std::string> filter_types;
  for (auto f : arr(btc["filters"])) filter_types.push_back(str(f, "filterType"));
  EXPECT_EQ(filter_types, (std::vector<std::string>{"PRICE_FILTER", "LOT_SIZE", "NOTIONAL"}));
  EXPECT_EQ(str(btc["filters"].at(0), "tickSize"), "0.01000000");
  EXPECT_EQ(str(btc["filters"].at(1), "stepSize"), "0.00001000");
  // The filter objects carry the docs' keys (filter-*.json).
  for (auto [file, index] : std::vector<std::pair<std::string, int>>{
           {"filter-PRICE_FILTER.json", 0}, {"filter-LOT_SIZE.json", 1}, {"filter-NOTIONAL.json", 2}}) {
    if (!std::filesystem::exists(kSamples + file)) continue;
    Doc sample(slurp(kSamples + file));
    EXPECT_EQ(keys_of(btc["filters"].at(static_cast<std::size_t>(index))), keys_of(sample.root)) << file;
  }
  r = get("/api/v3/exchangeInfo?symbol=ETHUSDT");
  EXPECT_EQ(arr(Doc(r.body).root["symbols"]).size(), 1u);
  r = get("/api/v3/exchangeInfo?symbols=%5B%22BTCUSDT%22,%22ETHUSDT%22%5D");
  EXPECT_EQ(arr(Doc(r.body).root["symbols"]).size(), 2u);
  r = get("/api/v3/depth?symbol=NOPE");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.body, "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}");
  r = get("/api/v3/depth");
  EXPECT_EQ(num(Doc(r.body).root, "code"), -1102);
  r = get("/api/v3/depth?symbol=BTCUSDT&limit=0");
  EXPECT_EQ(num(Doc(r.body).root, "code"), -1100);
  r = get("/api/v3/nothing");
  EXPECT_EQ(r.status, 404u);
  r = get("/api/v3/ping?a=1&a=2");
  EXPECT_EQ(num(Doc(r.body).root, "code"), -1101);
}

// ---- orders over REST --------------------------------------------------------------------------

TEST_F(VenueTest, SignedOrderPlaceFillQueryCancel) {
  start();
  const auto [bid, ask] = first_quote();
  ASSERT_GT(bid, 0);
  // Market buy: fills at the book, FULL response with fills and BTC commission.
  HttpResult r = signed_call(http::post, "/api/v3/order", "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.00100&newClientOrderId=mkt-1");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-mbx-order-count-10s"), "1");
  EXPECT_EQ(r.header("x-mbx-order-count-1d"), "1");
  {
    Doc d(r.body);
    if (std::filesystem::exists(kSamples + "rest-order-response-full.json")) {
      EXPECT_EQ(keys_of(d.root), keys_of(Doc(slurp(kSamples + "rest-order-response-full.json")).root));
    }
    EXPECT_EQ(str(d.root, "clientOrderId"), "mkt-1");
    EXPECT_EQ(str(d.root, "status"), "FILLED");
    EXPECT_EQ(str(d.root, "executedQty"), "0.00100000");
    EXPECT_EQ(str(d.root, "type"), "MARKET");
    std::int64_t filled = 0;
    for (auto f : arr(d.root["fills"])) {
      filled += dec(str(f, "qty"));
      EXPECT_EQ(str(f, "commissionAsset"), "BTC");
      EXPECT_GT(dec(str(f, "price")), 0);
    }
    EXPECT_EQ(filled, 100'000);
  }
  // A resting limit buy far below the market; RESULT response.
  const std::int64_t low = (bid / 2) - (bid / 2) % 1'000'000;
  const std::string low_text = to_string(Price::from_raw(low));
  r = signed_call(http::post, "/api/v3/order",
                  "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=" + low_text +
                      "&newClientOrderId=rest-1&newOrderRespType=RESULT",
                  true);
  ASSERT_EQ(r.status, 200u) << r.body;
  std::int64_t order_id = 0;
  {
    Doc d(r.body);
    if (std::filesystem::exists(kSamples + "rest-order-response-result.json")) {
      EXPECT_EQ(keys_of(d.root), keys_of(Doc(slurp(kSamples + "rest-order-response-result.json")).root));
    }
    EXPECT_EQ(str(d.root, "status"), "NEW");
    order_id = num(d.root, "orderId");
  }
  // ACK shape.
  r = signed_call(http::post, "/api/v3/order",
                  "symbol=BTCUSDT&side=SELL&type=LIMIT_MAKER&quantity=0.01&price=" +
                      to_string(Price::from_raw(ask * 2 - (ask * 2) % 1'000'000)) + "&newOrderRespType=ACK");
  ASSERT_EQ(r.status, 200u) << r.body;
  if (std::filesystem::exists(kSamples + "rest-order-response-ack.json")) {
    EXPECT_EQ(keys_of(Doc(r.body).root), keys_of(Doc(slurp(kSamples + "rest-order-response-ack.json")).root));
  }
  // Duplicate client order id while open.
  r = signed_call(http::post, "/api/v3/order",
                  "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=" + low_text + "&newClientOrderId=rest-1");
  EXPECT_EQ(r.body, "{\"code\":-2010,\"msg\":\"Duplicate order sent.\"}");
  r = signed_call(http::get, "/api/v3/openOrders", "symbol=BTCUSDT");
  EXPECT_EQ(arr(Doc(r.body).root).size(), 2u);
  r = signed_call(http::get, "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=rest-1");
  EXPECT_EQ(str(Doc(r.body).root, "status"), "NEW");
  r = signed_call(http::get, "/api/v3/order", "symbol=BTCUSDT&orderId=999");
  EXPECT_EQ(r.body, "{\"code\":-2013,\"msg\":\"Order does not exist.\"}");
  // Account: 0.01 BTC × low locked in USDT.
  r = signed_call(http::get, "/api/v3/account", "");
  ASSERT_EQ(r.status, 200u);
  {
    Doc d(r.body);
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> balances;
    for (auto b : arr(d.root["balances"]))
      balances[str(b, "asset")] = {dec(str(b, "free")), dec(str(b, "locked"))};
    EXPECT_EQ(balances["USDT"].second, static_cast<std::int64_t>(notional128(Price::from_raw(low), Qty::from_raw(1'000'000))));
    EXPECT_EQ(balances["BTC"].second, 1'000'000);  // the LIMIT_MAKER sell
    EXPECT_EQ(balances["BTC"].first, 10 * 100'000'000LL + 100'000 - 100 - 1'000'000);  // bought 0.001 minus 0.1 % fee
  }
  // Cancel, cancel again, cancel all.
  r = signed_call(http::delete_, "/api/v3/order", "symbol=BTCUSDT&orderId=" + std::to_string(order_id));
  ASSERT_EQ(r.status, 200u) << r.body;
  {
    Doc d(r.body);
    if (std::filesystem::exists(kSamples + "rest-cancel-order-response.json")) {
      EXPECT_EQ(keys_of(d.root), keys_of(Doc(slurp(kSamples + "rest-cancel-order-response.json")).root));
    }
    EXPECT_EQ(str(d.root, "status"), "CANCELED");
    EXPECT_EQ(str(d.root, "origClientOrderId"), "rest-1");
  }
  r = signed_call(http::delete_, "/api/v3/order", "symbol=BTCUSDT&orderId=" + std::to_string(order_id));
  EXPECT_EQ(r.body, "{\"code\":-2011,\"msg\":\"Unknown order sent.\"}");
  r = signed_call(http::delete_, "/api/v3/openOrders", "symbol=BTCUSDT");
  EXPECT_EQ(arr(Doc(r.body).root).size(), 1u);
  r = signed_call(http::delete_, "/api/v3/openOrders", "symbol=BTCUSDT");
  EXPECT_EQ(num(Doc(r.body).root, "code"), -2011);
  r = signed_call(http::get, "/api/v3/myTrades", "symbol=BTCUSDT");
  EXPECT_GE(arr(Doc(r.body).root).size(), 1u);
  // Everything is visible to tests.
  Doc s(state());
  EXPECT_EQ(arr(s.root["orders"]).size(), 3u);
  EXPECT_EQ(num(s.root, "openOrders"), 0);
}

TEST_F(VenueTest, FiltersBalanceAndParameterErrorsAreBinanceShaped) {
  start();
  const auto [bid, ask] = first_quote();
  ASSERT_GT(ask, 0);
  auto code_of = [&](const std::string& params) {
    HttpResult r = signed_call(http::post, "/api/v3/order", params);
    EXPECT_EQ(r.status, 400u) << params << " -> " << r.body;
    return std::pair<std::int64_t, std::string>(num(Doc(r.body).root, "code"), str(Doc(r.body).root, "msg"));
  };
  EXPECT_EQ(code_of("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=100.005"),
            (std::pair<std::int64_t, std::string>(-1013, "Filter failure: PRICE_FILTER")));
  EXPECT_EQ(code_of("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.000015&price=100"),
            (std::pair<std::int64_t, std::string>(-1013, "Filter failure: LOT_SIZE")));
  EXPECT_EQ(code_of("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.00001&price=100"),
            (std::pair<std::int64_t, std::string>(-1013, "Filter failure: NOTIONAL")));
  EXPECT_EQ(code_of("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&price=100").first, -1102);
  EXPECT_EQ(code_of("symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=100").first, -1102);
  EXPECT_EQ(code_of("symbol=BTCUSDT&side=UP&type=LIMIT&timeInForce=GTC&quantity=1&price=100").first, -1117);
  EXPECT_EQ(code_of("symbol=BTCUSDT&side=BUY&type=STOP&quantity=1&price=100").first, -1116);
  EXPECT_EQ(code_of("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=DAY&quantity=1&price=100").first, -1115);
  EXPECT_EQ(code_of("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=abc&price=100").first, -1100);
  EXPECT_EQ(code_of("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.000000001&price=100").first, -1111);
  EXPECT_EQ(code_of("symbol=BTCUSDT&side=BUY&type=MARKET").first, -1102);
  EXPECT_EQ(code_of("symbol=XRPUSDT&side=BUY&type=MARKET&quantity=1").first, -1121);
  // 100000 USDT cannot buy 9000 BTC.
  EXPECT_EQ(code_of("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=9000&price=1000"),
            (std::pair<std::int64_t, std::string>(-2010, "Account has insufficient balance for requested action.")));
  // A limit maker that would take.
  EXPECT_EQ(code_of("symbol=BTCUSDT&side=BUY&type=LIMIT_MAKER&quantity=0.001&price=" +
                    to_string(Price::from_raw(ask + 1'000 * kScale))),
            (std::pair<std::int64_t, std::string>(-2010, "Order would immediately match and take.")));
  // FOK larger than the liquidity within its limit expires without fills.
  HttpResult r = signed_call(http::post, "/api/v3/order",
                             "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=FOK&quantity=1000&price=" +
                                 to_string(Price::from_raw(ask)));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(str(Doc(r.body).root, "status"), "EXPIRED");
  EXPECT_EQ(str(Doc(r.body).root, "executedQty"), "0.00000000");
}

// ---- market streams ------------------------------------------------------------------------------

TEST_F(VenueTest, DepthSnapshotAndDiffsAreContinuousAndMatchBookTicker) {
  start();
  WsClient ws(port_, "/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker");
  // Buffer events until the first depth diff, then take the snapshot (Binance's procedure).
  std::vector<std::string> buffered;
  auto is_depth = [](const std::string& m) { return m.find("\"stream\":\"btcusdt@depth@100ms\"") != std::string::npos; };
  while (buffered.empty() || !is_depth(buffered.back())) {
    auto m = ws.read();
    ASSERT_TRUE(m);
    buffered.push_back(*m);
  }
  HttpResult snap = get("/api/v3/depth?symbol=BTCUSDT&limit=1000");
  ASSERT_EQ(snap.status, 200u);
  EXPECT_EQ(snap.header("x-mbx-used-weight-1m"), "50");
  Doc s(snap.body);
  const std::int64_t last_update_id = num(s.root, "lastUpdateId");
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  for (auto l : arr(s.root["bids"])) bids[dec(std::string(str_at(l, 0)))] = dec(std::string(str_at(l, 1)));
  for (auto l : arr(s.root["asks"])) asks[dec(std::string(str_at(l, 0)))] = dec(std::string(str_at(l, 1)));
  ASSERT_FALSE(bids.empty());

  std::map<std::int64_t, std::string> tickers;  // u -> bookTicker data
  std::int64_t previous_u = -1, applied = 0, checked = 0;
  std::size_t i = 0;
  while (checked < 5) {
    std::string m;
    if (i < buffered.size()) {
      m = buffered[i++];
    } else {
      auto next = ws.read();
      ASSERT_TRUE(next);
      m = *next;
    }
    Doc d(m);
    auto data = d.root["data"];
    if (!is_depth(m)) {
      EXPECT_EQ(str(d.root, "stream"), "btcusdt@bookTicker");
      tickers[num(data, "u")] = m;
      EXPECT_EQ(keys_of(data), (std::set<std::string>{"u", "s", "b", "B", "a", "A"}));
      continue;
    }
    EXPECT_EQ(keys_of(data), (std::set<std::string>{"e", "E", "s", "U", "u", "b", "a"}));
    const std::int64_t U = num(data, "U"), u = num(data, "u");
    if (previous_u >= 0) { EXPECT_EQ(U, previous_u + 1) << "diff ids must be continuous"; }
    previous_u = u;
    if (u <= last_update_id) continue;  // already in the snapshot
    if (applied == 0) {
      EXPECT_LE(U, last_update_id + 1);
      EXPECT_GE(u, last_update_id + 1);
    }
    ++applied;
    for (auto l : arr(data["b"])) {
      const std::int64_t p = dec(std::string(str_at(l, 0))), q = dec(std::string(str_at(l, 1)));
      if (q == 0) { bids.erase(p); } else { bids[p] = q; }
    }
    for (auto l : arr(data["a"])) {
      const std::int64_t p = dec(std::string(str_at(l, 0))), q = dec(std::string(str_at(l, 1)));
      if (q == 0) { asks.erase(p); } else { asks[p] = q; }
    }
    ASSERT_LT(bids.begin()->first, asks.begin()->first) << "book crossed";
    if (auto t = tickers.find(u); t != tickers.end()) {
      Doc td(t->second);
      auto tick = td.root["data"];
      EXPECT_EQ(bids.begin()->first, dec(str(tick, "b")));
      EXPECT_EQ(bids.begin()->second, dec(str(tick, "B")));
      EXPECT_EQ(asks.begin()->first, dec(str(tick, "a")));
      EXPECT_EQ(asks.begin()->second, dec(str(tick, "A")));
      ++checked;
    }
  }
}

TEST_F(VenueTest, RawStreamsSubscribeMessagesAndPings) {
  VenueOptions options;
  options.ping_interval_ms = 50;
  start(options);
  WsClient raw(port_, "/ws/btcusdt@trade");
  auto m = raw.read();
  ASSERT_TRUE(m);
  Doc d(*m);
  EXPECT_EQ(str(d.root, "e"), "trade");
  EXPECT_EQ(keys_of(d.root), (std::set<std::string>{"e", "E", "s", "t", "p", "q", "T", "m", "M"}));
  EXPECT_EQ(str(d.root, "p").size() - str(d.root, "p").find('.'), 9u) << "8 decimals";
  // SUBSCRIBE / LIST_SUBSCRIPTIONS on a combined connection opened without streams.
  WsClient ws(port_, "/stream");
  ws.send("{\"method\":\"SUBSCRIBE\",\"params\":[\"ethusdt@bookTicker\"],\"id\":7}");
  bool acked = false, got_data = false;
  while (!acked || !got_data) {
    auto next = ws.read();
    ASSERT_TRUE(next);
    if (*next == "{\"result\":null,\"id\":7}") acked = true;
    else if (next->starts_with("{\"stream\":\"ethusdt@bookTicker\",\"data\":{\"u\":")) got_data = true;
  }
  ws.send("{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":8}");
  ws.send("not json");
  ws.send("{\"method\":\"FLY\",\"params\":[],\"id\":9}");
  bool listed = false, bad_json = false, bad_method = false;
  while (!listed || !bad_json || !bad_method) {
    auto next = ws.read();
    ASSERT_TRUE(next);
    if (*next == "{\"result\":[\"ethusdt@bookTicker\"],\"id\":8}") listed = true;
    if (next->starts_with("{\"error\":{\"code\":3,")) bad_json = true;
    if (next->starts_with("{\"error\":{\"code\":2,") && next->ends_with("\"id\":9}")) bad_method = true;
  }
  // Server pings arrive (and Beast answers them with pongs, which the venue counts); a client
  // ping is answered with a pong.
  raw.ping();
  while (raw.pings_seen == 0 || raw.pongs_seen == 0) ASSERT_TRUE(raw.read());
  std::int64_t pongs = 0;
  while ((pongs = num(Doc(state()).root, "pongs")) == 0) ASSERT_TRUE(raw.read());
  EXPECT_GT(pongs, 0);
}

// ---- WebSocket API ---------------------------------------------------------------------------

TEST_F(VenueTest, WsApiUserDataExecutionReportsAfterFill) {
  start();
  const auto [bid, ask] = first_quote();
  ASSERT_GT(bid, 0);
  WsClient api(port_, "/ws-api/v3");
  api.send(ws_signed("sub-1", "userDataStream.subscribe.signature", {}));
  auto r = api.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "{\"id\":\"sub-1\",\"status\":200,\"result\":{\"subscriptionId\":0}}");
  const std::int64_t price = bid - 1'000 * kScale;  // far enough below to rest
  api.send(ws_signed("place-1", "order.place",
                     {{"symbol", "BTCUSDT"}, {"side", "BUY"}, {"type", "LIMIT"}, {"timeInForce", "GTC"},
                      {"quantity", "0.01000"}, {"price", to_string(Price::from_raw(price))},
                      {"newClientOrderId", "ws-1"}, {"newOrderRespType", "RESULT"}}));
  std::vector<std::string> events;
  std::string response;
  while (response.empty() || events.size() < 2) {
    auto m = api.read();
    ASSERT_TRUE(m);
    if (m->starts_with("{\"id\":\"place-1\"")) response = *m;
    else events.push_back(*m);
  }
  Doc resp(response);
  EXPECT_EQ(num(resp.root, "status"), 200);
  EXPECT_EQ(str(resp.root["result"], "status"), "NEW");
  EXPECT_EQ(arr(resp.root["rateLimits"]).size(), 3u);
  if (std::filesystem::exists(kSamples + "wsapi-order-place-response.json")) {
    Doc sample(slurp(kSamples + "wsapi-order-place-response.json"));
    EXPECT_EQ(keys_of(resp.root), keys_of(sample.root));
    EXPECT_EQ(keys_of(resp.root["result"]), keys_of(sample.root["result"]));
    EXPECT_EQ(keys_of(resp.root["rateLimits"].at(0)), keys_of(sample.root["rateLimits"].at(0)));
  }
  Doc new_event(events[0]);
  EXPECT_EQ(num(new_event.root, "subscriptionId"), 0);
  auto er = new_event.root["event"];
  EXPECT_EQ(str(er, "e"), "executionReport");
  EXPECT_EQ(str(er, "x"), "NEW");
  EXPECT_EQ(str(er, "c"), "ws-1");
  // Every field of the docs' executionReport ("v", prevented match id, only comes with STP).
  if (std::filesystem::exists(kSamples + "uds-executionReport.json")) {
    Doc sample(slurp(kSamples + "uds-executionReport.json"));
    std::set<std::string> expected = keys_of(sample.root["event"]);
    expected.erase("v");
    EXPECT_EQ(keys_of(er), expected);
    EXPECT_EQ(keys_of(new_event.root), keys_of(sample.root));
  }
  Doc lock_event(events[1]);
  EXPECT_EQ(str(lock_event.root["event"], "e"), "outboundAccountPosition");
  // A public trade through the order's price fills it as maker.
  HttpResult t = http_request(port_, http::post, "/sim/trade",
                              "symbol=BTCUSDT&price=" + to_string(Price::from_raw(price - 1'000'000)) + "&qty=1");
  ASSERT_EQ(t.status, 200u) << t.body;
  auto fill = api.read();
  ASSERT_TRUE(fill);
  Doc fd(*fill);
  auto fe = fd.root["event"];
  EXPECT_EQ(str(fe, "x"), "TRADE");
  EXPECT_EQ(str(fe, "X"), "FILLED");
  EXPECT_EQ(str(fe, "l"), "0.01000000");
  EXPECT_EQ(dec(str(fe, "L")), price);
  EXPECT_EQ(str(fe, "n"), "0.00001000");
  EXPECT_EQ(str(fe, "N"), "BTC");
  bool maker = false;
  EXPECT_EQ(fe["m"].get(maker), simdjson::SUCCESS);
  EXPECT_TRUE(maker);
  EXPECT_GT(num(fe, "t"), 0);
  if (std::filesystem::exists(kSamples + "fixture-uds-executionReport-trade-legacy.json")) {
    Doc legacy(slurp(kSamples + "fixture-uds-executionReport-trade-legacy.json"));
    for (const std::string& k : keys_of(legacy.root)) EXPECT_TRUE(keys_of(fe).contains(k)) << k;
  }
  auto position = api.read();
  ASSERT_TRUE(position);
  Doc pd(*position);
  EXPECT_EQ(str(pd.root["event"], "e"), "outboundAccountPosition");
  if (std::filesystem::exists(kSamples + "uds-outboundAccountPosition.json")) {
    Doc sample(slurp(kSamples + "uds-outboundAccountPosition.json"));
    EXPECT_EQ(keys_of(pd.root["event"]), keys_of(sample.root["event"]));
    EXPECT_EQ(keys_of(pd.root["event"]["B"].at(0)), keys_of(sample.root["event"]["B"].at(0)));
  }
  // openOrders.status is empty now; account.status shows the BTC.
  api.send(ws_signed("oo", "openOrders.status", {{"symbol", "BTCUSDT"}}));
  auto oo = api.read();
  ASSERT_TRUE(oo);
  EXPECT_TRUE(oo->starts_with("{\"id\":\"oo\",\"status\":200,\"result\":[],\"rateLimits\":")) << *oo;
  api.send(ws_signed("acct", "account.status", {}));
  auto acct = api.read();
  ASSERT_TRUE(acct);
  EXPECT_NE(acct->find("\"asset\":\"BTC\",\"free\":\"10.00999000\""), std::string::npos) << *acct;
  // order.cancel / openOrders.cancelAll on a fresh resting order.
  api.send(ws_signed("p2", "order.place",
                     {{"symbol", "BTCUSDT"}, {"side", "SELL"}, {"type", "LIMIT"}, {"timeInForce", "GTC"},
                      {"quantity", "0.01"}, {"price", to_string(Price::from_raw(ask * 2 - (ask * 2) % 1'000'000))},
                      {"newClientOrderId", "ws-2"}}));
  api.send(ws_signed("c2", "order.cancel", {{"symbol", "BTCUSDT"}, {"origClientOrderId", "ws-2"}}));
  api.send(ws_signed("c3", "openOrders.cancelAll", {{"symbol", "BTCUSDT"}}));
  api.send("{\"id\":5,\"method\":\"time\"}");
  std::map<std::string, std::string> replies;
  std::vector<std::string> cancel_events;
  while (replies.size() < 4) {
    auto m = api.read();
    ASSERT_TRUE(m);
    Doc d(*m);
    simdjson::dom::element id;
    if (d.root["id"].get(id) == simdjson::SUCCESS) replies[simdjson::minify(id)] = *m;
    else if (str(d.root["event"], "x") == "CANCELED") cancel_events.push_back(*m);
  }
  EXPECT_EQ(str(Doc(replies["\"c2\""]).root["result"], "status"), "CANCELED");
  EXPECT_EQ(num(Doc(replies["\"c3\""]).root["error"], "code"), -2011);
  EXPECT_EQ(num(Doc(replies["5"]).root["result"], "serverTime"), clock_ms_.load());
  while (cancel_events.empty()) {
    auto m = api.read();
    ASSERT_TRUE(m);
    if (m->find("\"x\":\"CANCELED\"") != std::string::npos) cancel_events.push_back(*m);
  }
  Doc ce(cancel_events[0]);
  EXPECT_EQ(str(ce.root["event"], "C"), "ws-2");
}

// The docs' signed WS-API request (wsapi-order-place-request-signed.json), sent verbatim at its
// own timestamp: the sorted-params HMAC verifies and the order is accepted.
TEST_F(VenueTest, WsApiDocsSignedOrderPlaceVerifies) {
  const std::string path = kSamples + "wsapi-order-place-request-signed.json";
  if (!std::filesystem::exists(path) || !std::filesystem::exists(kVectors)) GTEST_SKIP() << "absent: " << path;
  const std::string request = slurp(path);
  clock_ms_ = 1645423376532 + 50;  // within its recvWindow of 100 ms
  start();
  first_quote();
  WsClient api(port_, "/ws-api/v3");
  api.send(request);
  auto m = api.read();
  while (m && !m->starts_with("{\"id\":")) m = api.read();  // user data would come first
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->starts_with("{\"id\":\"4885f793-e5ad-4c3b-8f6c-55d891472b71\",\"status\":200,\"result\":{\"symbol\":\"BTCUSDT\","))
      << *m;
  // The same request 200 ms later is outside its recvWindow.
  clock_ms_ += 200;
  api.send(request);
  m = api.read();
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->starts_with("{\"id\":\"4885f793-e5ad-4c3b-8f6c-55d891472b71\",\"status\":400,\"error\":{\"code\":-1021,"))
      << *m;
}

TEST_F(VenueTest, WsApiMalformedRequestsGetBinanceErrorsAndTheConnectionLives) {
  start();
  WsClient api(port_, "/ws-api/v3");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{not json", "{\"id\":null,\"status\":400,\"error\":{\"code\":-1000,"},
      {"[1,2]", "{\"id\":null,\"status\":400,\"error\":{\"code\":-1000,"},
      {"{\"id\":1,\"method\":\"fly\"}", "{\"id\":1,\"status\":400,\"error\":{\"code\":-1020,"},
      {"{\"id\":2}", "{\"id\":2,\"status\":400,\"error\":{\"code\":-1000,"},
      {"{\"id\":3,\"method\":\"order.place\",\"params\":{}}", "{\"id\":3,\"status\":401,\"error\":{\"code\":-2014,"},
      {ws_signed("4", "order.place", {{"side", "BUY"}}), "{\"id\":\"4\",\"status\":400,\"error\":{\"code\":-1102,"},
      {"{\"id\":6,\"method\":\"depth\",\"params\":{\"symbol\":\"NOPE\"}}",
       "{\"id\":6,\"status\":400,\"error\":{\"code\":-1121,\"msg\":\"Invalid symbol.\"}"},
      {"{\"id\":7,\"method\":\"time\",\"params\":[1]}", "{\"id\":7,\"status\":400,\"error\":{\"code\":-1000,"},
      {"", "{\"id\":null,\"status\":400,\"error\":{\"code\":-1000,"},
  };
  for (const auto& [request, prefix] : cases) {
    api.send(request);
    auto m = api.read();
    ASSERT_TRUE(m) << request;
    EXPECT_TRUE(m->starts_with(prefix)) << request << " -> " << *m;
  }
  // A bad signature on the WS API.
  std::string req = ws_signed("8", "account.status", {});
  const std::size_t at = req.find("\"signature\":\"") + 13;
  req[at] = req[at] == 'a' ? 'b' : 'a';
  api.send(req);
  auto m = api.read();
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->starts_with("{\"id\":\"8\",\"status\":400,\"error\":{\"code\":-1022,")) << *m;
  api.send("{\"id\":9,\"method\":\"ping\"}");
  m = api.read();
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->starts_with("{\"id\":9,\"status\":200,\"result\":{},\"rateLimits\":[")) << *m;
}

// ---- faults ------------------------------------------------------------------------------------

// The venue's own check of Retry-After: a request the client made inside the window it was
// told to wait counts; one already in flight (within the grace) or made after it does not. The
// WS API's 429 says until when, as Binance's does (data.retryAfter).
TEST_F(VenueTest, CountsRequestsMadeInsideRetryAfter) {
  start();
  const std::int64_t t0 = clock_ms_.load();
  ASSERT_EQ(faults("reject_429=2").status, 200u);
  HttpResult r = signed_call(http::get, "/api/v3/openOrders", "symbol=BTCUSDT");
  ASSERT_EQ(r.status, 429u);
  EXPECT_EQ(r.header("retry-after"), "1");
  WsClient api(port_, "/ws-api/v3");
  api.send("{\"id\":1,\"method\":\"time\"}");
  auto m = api.read();
  ASSERT_TRUE(m);
  EXPECT_NE(m->find("\"status\":429"), std::string::npos) << *m;
  EXPECT_NE(m->find("\"retryAfter\":" + std::to_string(t0 + 1000)), std::string::npos) << *m;
  auto inside = [&] { return num(Doc(state()).root["faults"]["applied"], "inside_retry_after"); };
  EXPECT_EQ(inside(), 0);  // both were answered 429, neither was made inside a window yet
  clock_ms_ = t0 + 50;     // in flight when the 429 went out: within the grace
  EXPECT_EQ(signed_call(http::get, "/api/v3/openOrders", "symbol=BTCUSDT").status, 200u);
  EXPECT_EQ(inside(), 0);
  clock_ms_ = t0 + 500;    // made inside the window: counted (signed by its timestamp, unsigned by arrival)
  EXPECT_EQ(signed_call(http::get, "/api/v3/openOrders", "symbol=BTCUSDT").status, 200u);
  EXPECT_EQ(get("/api/v3/time").status, 200u);
  EXPECT_EQ(inside(), 2);
  clock_ms_ = t0 + 1000;   // Retry-After ran out
  EXPECT_EQ(get("/api/v3/time").status, 200u);
  EXPECT_EQ(inside(), 2);
}

TEST_F(VenueTest, FaultReject429AndBan418AndSlow) {
  start();
  HttpResult f = faults("{\"reject_429\":2}");
  ASSERT_EQ(f.status, 200u) << f.body;
  for (int i = 0; i < 2; ++i) {
    HttpResult r = get("/api/v3/time");
    EXPECT_EQ(r.status, 429u);
    EXPECT_EQ(num(Doc(r.body).root, "code"), -1003);
    EXPECT_FALSE(r.header("retry-after").empty());
  }
  EXPECT_EQ(get("/api/v3/time").status, 200u);
  f = faults("ban_418=true");
  ASSERT_EQ(f.status, 200u) << f.body;
  HttpResult r = get("/api/v3/ping");
  EXPECT_EQ(r.status, 418u);
  EXPECT_EQ(num(Doc(r.body).root, "code"), -1003);
  EXPECT_NE(r.body.find("banned until"), std::string::npos);
  WsClient api(port_, "/ws-api/v3");
  api.send("{\"id\":1,\"method\":\"time\"}");
  auto m = api.read();
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->starts_with("{\"id\":1,\"status\":418,\"error\":{\"code\":-1003,")) << *m;
  ASSERT_EQ(faults("{\"ban_418\":false}").status, 200u);
  EXPECT_EQ(get("/api/v3/ping").status, 200u);
  ASSERT_EQ(faults("{\"slow_ms\":200,\"count\":1}").status, 200u);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(get("/api/v3/ping").status, 200u);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(200));  // a lower bound only
  Doc s(state());
  auto applied = s.root["faults"]["applied"];
  EXPECT_EQ(num(applied, "reject_429"), 2);
  EXPECT_EQ(num(applied, "ban_418"), 2);
  EXPECT_EQ(num(applied, "slow"), 1);
  // Bad specs are refused with a message naming the fault.
  r = faults("{\"explode\":1}");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("unknown fault 'explode'"), std::string::npos) << r.body;
  EXPECT_EQ(faults("{\"drop_depth\":\"x\"}").status, 400u);
  EXPECT_EQ(faults("not json at all=").status, 400u);
}

TEST_F(VenueTest, FaultDropDepthMakesAVisibleGap) {
  start();
  WsClient ws(port_, "/ws/btcusdt@depth@100ms");
  auto first = ws.read();
  ASSERT_TRUE(first);
  std::int64_t previous_u = num(Doc(*first).root, "u");
  ASSERT_EQ(faults("{\"drop_depth\":1}").status, 200u);
  int gaps = 0;
  for (int i = 0; i < 20; ++i) {
    auto m = ws.read();
    ASSERT_TRUE(m);
    Doc d(*m);
    if (num(d.root, "U") != previous_u + 1) ++gaps;
    previous_u = num(d.root, "u");
  }
  EXPECT_EQ(gaps, 1);
  EXPECT_EQ(num(Doc(state()).root["faults"]["applied"], "drop_depth"), 1);
}

TEST_F(VenueTest, FaultDisconnectStreamsAndUserStream) {
  start();
  WsClient ws(port_, "/stream?streams=btcusdt@trade");
  ASSERT_TRUE(ws.read());
  WsClient api(port_, "/ws-api/v3");
  api.send(ws_signed("s", "userDataStream.subscribe.signature", {}));
  ASSERT_TRUE(api.read());
  ASSERT_EQ(faults("{\"disconnect_streams\":true}").status, 200u);
  while (ws.read()) {
  }
  EXPECT_FALSE(ws.timed_out);
  ASSERT_EQ(faults("{\"disconnect_user_stream\":true}").status, 200u);
  auto m = api.read();
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->starts_with("{\"subscriptionId\":0,\"event\":{\"e\":\"eventStreamTerminated\",\"E\":")) << *m;
  EXPECT_FALSE(api.read());
  EXPECT_FALSE(api.timed_out);
  Doc s(state());
  EXPECT_EQ(num(s.root["faults"]["applied"], "disconnect_streams"), 1);
  EXPECT_EQ(num(s.root["faults"]["applied"], "disconnect_user_stream"), 1);
  // New connections work again.
  WsClient again(port_, "/ws/btcusdt@trade");
  EXPECT_TRUE(again.read());
}

TEST_F(VenueTest, FaultsFromStartSpec) {
  VenueOptions options;
  options.faults = "reject_429=1,slow_ms=1,count=1";
  start(options);
  EXPECT_EQ(get("/api/v3/ping").status, 429u);
  EXPECT_EQ(get("/api/v3/ping").status, 200u);
  EXPECT_EQ(num(Doc(state()).root["faults"]["applied"], "slow"), 1);  // the 429 was the slowed one
}

TEST_F(VenueTest, RateLimit429ThenBan418) {
  VenueOptions options;
  options.exchange.limits.weight_per_minute = 10;
  options.exchange.limits.requests_after_429_before_ban = 3;
  options.exchange.limits.ban_ms = 120'000;
  clock_ms_ = 1'723'161'240'000;  // the start of a minute
  start(options);
  for (int i = 1; i <= 10; ++i) {
    HttpResult r = get("/api/v3/time");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(r.header("x-mbx-used-weight-1m"), std::to_string(i));
  }
  clock_ms_ += 15'000;
  HttpResult r = get("/api/v3/time");
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.header("retry-after"), "45");
  EXPECT_EQ(num(Doc(r.body).root, "code"), -1003);
  EXPECT_EQ(get("/api/v3/time").status, 429u);
  EXPECT_EQ(get("/api/v3/time").status, 429u);
  r = get("/api/v3/time");  // the third request after the 429: banned
  EXPECT_EQ(r.status, 418u);
  EXPECT_EQ(r.header("retry-after"), "120");
  clock_ms_ += 60'000;  // a new minute, still banned
  EXPECT_EQ(get("/api/v3/time").status, 418u);
  clock_ms_ += 61'000;
  r = get("/api/v3/time");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("x-mbx-used-weight-1m"), "1");
  Doc s(state());
  EXPECT_EQ(num(s.root["faults"]["applied"], "rate_limit_429"), 3);
  EXPECT_EQ(num(s.root["faults"]["applied"], "rate_limit_418"), 2);
}

TEST_F(VenueTest, MalformedHttpIsAnsweredNotCrashed) {
  start();
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  const std::string garbage = "THIS IS NOT HTTP\r\n\r\n";
  asio::write(socket, asio::buffer(garbage));
  std::string reply;
  boost::system::error_code ec;
  char buf[512];
  for (;;) {
    const std::size_t n = socket.read_some(asio::buffer(buf), ec);
    reply.append(buf, n);
    if (ec) break;
  }
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 400")) << reply;
  EXPECT_EQ(get("/api/v3/ping").status, 200u);
  EXPECT_EQ(http_request(port_, http::get, "/nowhere").status, 404u);
}

// ---- replay ------------------------------------------------------------------------------------

TEST_F(VenueTest, ReplayServesTheCaptureByteIdenticalInOrder) {
  if (!std::filesystem::exists(kCapture)) GTEST_SKIP() << "absent: " << kCapture;
  // The capture's first 3000 stream messages and its REST snapshot.
  std::vector<std::string> expected;
  std::string snapshot;
  {
    auto source = detail::ByteSource::open(kCapture);
    ASSERT_TRUE(source);
    detail::LineReader lines(std::move(*source), 1 << 20);
    std::string_view line;
    while (expected.size() < 3000) {
      auto more = lines.next(line);
      ASSERT_TRUE(more && *more);
      const std::string_view json = line.substr(line.find(' ') + 1);
      if (json.starts_with("{\"lastUpdateId\"")) snapshot = std::string(json);
      else expected.emplace_back(json);
    }
  }
  VenueOptions options;
  options.replay_path = kCapture;
  options.replay_speed = 0;
  start(options);
  HttpResult depth = get("/api/v3/depth?symbol=BTCUSDT");
  ASSERT_EQ(depth.status, 200u);
  EXPECT_EQ(depth.body, snapshot);
  HttpResult limited = get("/api/v3/depth?symbol=BTCUSDT&limit=5");
  EXPECT_EQ(num(Doc(limited.body).root, "lastUpdateId"), 50093239218);
  EXPECT_EQ(arr(Doc(limited.body).root["bids"]).size(), 5u);
  HttpResult info = get("/api/v3/exchangeInfo");
  EXPECT_EQ(arr(Doc(info.body).root["symbols"]).size(), 1u);

  WsClient ws(port_, "/stream?streams=btcusdt@depth@100ms/btcusdt@trade/btcusdt@bookTicker");
  {
    // Raw form: the data object alone, of a message the combined client sees too. (Closed right
    // away: with --speed 0 the replay waits for every stream client to read.)
    WsClient raw(port_, "/ws/btcusdt@trade");
    auto t = raw.read();
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->starts_with("{\"e\":\"trade\",")) << *t;
    EXPECT_NE(std::find(expected.begin(), expected.end(), "{\"stream\":\"btcusdt@trade\",\"data\":" + *t + "}"),
              expected.end());
  }
  for (std::size_t i = 0; i < expected.size(); ++i) {
    auto m = ws.read();
    ASSERT_TRUE(m) << "message " << i;
    ASSERT_EQ(*m, expected[i]) << "message " << i;
  }
}

}  // namespace
}  // namespace sequent

namespace sequent {
namespace {

// TLS: HTTPS and WSS with a throw-away self-signed certificate (made with the openssl CLI).
TEST_F(VenueTest, TlsServesHttpsAndWss) {
  const std::string dir = ::testing::TempDir() + "sequent_venue_tls_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
  const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert +
                          " -days 1 -subj /CN=127.0.0.1 >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "no openssl command to make a test certificate";
  VenueOptions options;
  options.tls = true;
  options.cert_file = cert;
  options.key_file = key;
  start(options);
  namespace ssl = boost::asio::ssl;
  namespace beast = boost::beast;
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_verify_mode(ssl::verify_none);
  asio::io_context ioc;
  {
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    beast::get_lowest_layer(stream).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    stream.handshake(ssl::stream_base::client);
    beast::http::request<beast::http::string_body> req{beast::http::verb::get, "/api/v3/time", 11};
    req.set(beast::http::field::host, "127.0.0.1");
    beast::http::write(stream, req);
    beast::flat_buffer buffer;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(stream, buffer, res);
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res.body(), "{\"serverTime\":" + std::to_string(clock_ms_.load()) + "}");
  }
  {
    beast::websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, ctx);
    beast::get_lowest_layer(ws).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    ws.next_layer().handshake(ssl::stream_base::client);
    ws.handshake("127.0.0.1", "/ws/btcusdt@trade");
    beast::flat_buffer buffer;
    ws.read(buffer);
    EXPECT_TRUE(beast::buffers_to_string(buffer.data()).starts_with("{\"e\":\"trade\",\"E\":"));
  }
  std::filesystem::remove_all(dir);
  // A missing certificate is a clear start-up error.
  VenueOptions bad;
  bad.tls = true;
  bad.cert_file = dir + "/none.pem";
  bad.key_file = key;
  auto v = BinanceVenue::start(std::move(bad));
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("--cert"), std::string::npos) << v.error().message;
}

}  // namespace
}  // namespace sequent
