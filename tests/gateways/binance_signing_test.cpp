// Signing against every vector of signature-test-vectors.json (read at test time), the signed
// WS-API samples, percent-encoding, the secret's redaction, and the rate-limit / server-time
// helpers.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "gateways/binance/rate_limits.hpp"
#include "gateways/binance/signing.hpp"
#include "tests/gateways/binance_test_util.hpp"

namespace sequent::binance {
namespace {

using namespace test;

// Has operator<< for std::ostream? (must be false for Secret)
template <class T, class = void>
struct Streamable : std::false_type {};
template <class T>
struct Streamable<T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<const T&>())>> : std::true_type {};

std::string str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  EXPECT_EQ(e[key].get_string().get(v), simdjson::SUCCESS) << key;
  return std::string(v);
}

TEST(BinanceSigning, EveryVectorOfTheTestFile) {
  SEQUENT_LOAD_SAMPLE(json, "signature-test-vectors.json");
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  ASSERT_EQ(p.parse(json).get(doc), simdjson::SUCCESS);
  int checked = 0;
  for (const char* name : {"rest_hmac_sha256", "rest_hmac_sha256_percent_encoded_symbol", "wsapi_hmac_sha256_sorted_params"}) {
    simdjson::dom::element v;
    ASSERT_EQ(doc[name].get(v), simdjson::SUCCESS) << name;
    const Secret secret = Secret::from_string(str(v, "secretKey"));
    EXPECT_EQ(hmac_sha256_hex(secret, str(v, "payload")).view(), str(v, "signature_hex")) << name;
    ++checked;
  }
  // The payloads are what our builders produce.
  QueryBuilder q;
  q.add("symbol", "LTCBTC").add("side", "BUY").add("type", "LIMIT").add("timeInForce", "GTC").add("quantity", "1");
  q.add("price", "0.1").add("recvWindow", std::int64_t{5000}).add("timestamp", std::int64_t{1499827319559});
  EXPECT_EQ(q.view(), str(doc["rest_hmac_sha256"], "payload"));
  q.clear();
  q.add("symbol", "\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96")  // "１２３４５６"
      .add("side", "BUY").add("type", "LIMIT").add("timeInForce", "GTC").add("quantity", "1").add("price", "0.1");
  q.add("recvWindow", std::int64_t{5000}).add("timestamp", std::int64_t{1499827319559});
  EXPECT_EQ(q.view(), str(doc["rest_hmac_sha256_percent_encoded_symbol"], "payload"));

  simdjson::dom::element ed;
  ASSERT_EQ(doc["fix_logon_ed25519"].get(ed), simdjson::SUCCESS);
  Result<Ed25519Key> key = Ed25519Key::from_pem(str(ed, "private_key_pem"));
  ASSERT_TRUE(key) << key.error().message;
  std::string payload;
  simdjson::dom::array fields;
  ASSERT_EQ(ed["payload_fields_joined_by_SOH"].get_array().get(fields), simdjson::SUCCESS);
  for (simdjson::dom::element f : fields) {
    std::string_view s;
    ASSERT_EQ(f.get_string().get(s), simdjson::SUCCESS);
    if (!payload.empty()) payload += '\x01';
    payload += s;
  }
  Result<std::string> sig = key->sign_base64(payload);
  ASSERT_TRUE(sig) << sig.error().message;
  EXPECT_EQ(*sig, str(ed, "signature_base64"));
  ++checked;
  EXPECT_EQ(checked, 4);
  EXPECT_EQ(key->to_string(), "<redacted ed25519 key>");
}

TEST(BinanceSigning, WsApiSignedSamplesRebuildFromTheirParams) {
  SEQUENT_LOAD_SAMPLE(vectors, "signature-test-vectors.json");
  simdjson::dom::parser vp;
  simdjson::dom::element vdoc;
  ASSERT_EQ(vp.parse(vectors).get(vdoc), simdjson::SUCCESS);
  const Secret secret = Secret::from_string(str(vdoc["rest_hmac_sha256"], "secretKey"));
  for (const char* name : {"wsapi-order-place-request-signed.json", "wsapi-session-logon-request.json"}) {
    SEQUENT_LOAD_SAMPLE(json, name);
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    ASSERT_EQ(p.parse(json).get(doc), simdjson::SUCCESS);
    simdjson::dom::object params;
    ASSERT_EQ(doc["params"].get_object().get(params), simdjson::SUCCESS);
    std::vector<std::string> values;
    std::vector<std::string> keys;
    std::string expected;
    for (auto [k, v] : params) {
      std::string text;
      if (std::string_view s; v.get_string().get(s) == simdjson::SUCCESS) text = std::string(s);
      else text = simdjson::minify(v);
      if (k == "signature") expected = text;
      keys.emplace_back(k);
      values.push_back(text);
    }
    std::vector<std::pair<std::string_view, std::string_view>> kv;
    for (std::size_t i = 0; i < keys.size(); ++i) kv.emplace_back(keys[i], values[i]);
    const std::string payload = ws_api_payload(kv);
    EXPECT_EQ(payload.find("signature"), std::string::npos);
    EXPECT_EQ(hmac_sha256_hex(secret, payload).view(), expected) << name << ": " << payload;
  }
}

TEST(BinanceSigning, SecretNeverPrints) {
  static_assert(!Streamable<Secret>::value, "Secret must not be streamable");
  static_assert(!std::is_convertible_v<Secret, std::string>);
  static_assert(!std::is_copy_constructible_v<Secret>);
  Secret s = Secret::from_string("NhqPtmdSJYdKjVHj");
  EXPECT_EQ(s.to_string(), "<redacted 16 bytes>");
  EXPECT_EQ(s.to_string().find("Nhq"), std::string::npos);
  Secret moved = std::move(s);
  EXPECT_TRUE(s.empty());  // NOLINT(bugprone-use-after-move): the moved-from secret is wiped
  EXPECT_EQ(moved.size(), 16u);
}

TEST(BinanceSigning, PercentEncoding) {
  std::string out;
  percent_encode("AZaz09-._~ /&=+%\xC3\xA9", out);
  EXPECT_EQ(out, "AZaz09-._~%20%2F%26%3D%2B%25%C3%A9");
  EXPECT_EQ(ws_api_payload({{"timestamp", "1"}, {"apiKey", "k"}, {"signature", "x"}, {"b", "2"}}), "apiKey=k&b=2&timestamp=1");
}

TEST(BinanceSigning, Rfc4231HmacVector) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  EXPECT_EQ(hmac_sha256_hex(Secret::from_string("Jefe"), "what do ya want for nothing?").view(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(BinanceRateLimits, HeadersUsageAndHeadroom) {
  RateLimitTracker t;
  const std::vector<RateLimitRule> rules = {{RateLimitType::kRequestWeight, RateInterval::kMinute, 1, 6000},
                                            {RateLimitType::kOrders, RateInterval::kSecond, 10, 50},
                                            {RateLimitType::kOrders, RateInterval::kDay, 1, 160000}};
  t.set_limits(rules);
  EXPECT_TRUE(t.on_header("X-MBX-USED-WEIGHT-1M", "5990", 1));
  EXPECT_TRUE(t.on_header("x-mbx-order-count-10s", " 49\r", 1));
  EXPECT_TRUE(t.on_header("X-MBX-ORDER-COUNT-1D", "4044", 1));
  EXPECT_FALSE(t.on_header("Content-Type", "application/json", 1));
  EXPECT_FALSE(t.on_header("X-MBX-USED-WEIGHT-1X", "5", 1));
  EXPECT_FALSE(t.on_header("X-MBX-USED-WEIGHT-1M", "abc", 1));
  EXPECT_EQ(t.used_weight_1m(), 5990);
  EXPECT_EQ(t.orders_10s(), 49);
  EXPECT_EQ(t.orders_1d(), 4044);
  EXPECT_TRUE(t.has_headroom(RateLimitType::kRequestWeight, 10));
  EXPECT_FALSE(t.has_headroom(RateLimitType::kRequestWeight, 11));
  EXPECT_FALSE(t.has_headroom(RateLimitType::kRequestWeight, 1, 0.9));
  EXPECT_TRUE(t.has_headroom(RateLimitType::kOrders, 1));
  EXPECT_FALSE(t.has_headroom(RateLimitType::kOrders, 2));
  // A WS-API rateLimits array updates counts (and limits).
  const RateLimitUsage usage[] = {{RateLimitType::kOrders, RateInterval::kSecond, 10, 50, 12},
                                  {RateLimitType::kRequestWeight, RateInterval::kMinute, 1, 6000, 321}};
  t.on_usage(usage, 2);
  EXPECT_EQ(t.orders_10s(), 12);
  EXPECT_EQ(t.used_weight_1m(), 321);
  ASSERT_NE(t.find(RateLimitType::kRequestWeight, RateInterval::kMinute, 1), nullptr);
  EXPECT_EQ(t.find(RateLimitType::kRequestWeight, RateInterval::kMinute, 1)->updated_ns, 2);
  EXPECT_EQ(t.find(RateLimitType::kRawRequests, RateInterval::kMinute, 5), nullptr);
}

TEST(BinanceServerTime, PicksTheTightestRoundTrip) {
  ServerTimeEstimator est;
  EXPECT_FALSE(est.has_estimate());
  constexpr TimeNs kMs = 1'000'000;
  // The server runs 1.2 s ahead of us (the capture's collector was 1.2 s behind Binance).
  const TimeNs true_offset = 1'200 * kMs;
  // Sample 1: 40 ms RTT, the server stamped the reply 30 ms after our send.
  EXPECT_TRUE(est.add_sample(1'000'000 * kMs, (1'000'000 * kMs + 30 * kMs + true_offset) / kMs, 1'000'040 * kMs));
  EXPECT_EQ(est.offset_ns(), true_offset + 10 * kMs);
  EXPECT_EQ(est.uncertainty_ns(), 21 * kMs);
  // Sample 2: 4 ms RTT, stamped 2 ms in: exact.
  EXPECT_TRUE(est.add_sample(2'000'000 * kMs, (2'000'000 * kMs + 2 * kMs + true_offset) / kMs, 2'000'004 * kMs));
  EXPECT_EQ(est.offset_ns(), true_offset);
  EXPECT_EQ(est.uncertainty_ns(), 3 * kMs);
  EXPECT_EQ(est.server_ms(5'000'000 * kMs), 5'001'200);
  EXPECT_FALSE(est.add_sample(10, 0, 5));  // received before sent
  // The good sample ages out of the window after kWindow worse ones.
  for (std::size_t i = 0; i < ServerTimeEstimator::kWindow; ++i)
    est.add_sample(3'000'000 * kMs, (3'000'000 * kMs + 50 * kMs + true_offset) / kMs, 3'000'100 * kMs);
  EXPECT_EQ(est.offset_ns(), true_offset);
  EXPECT_EQ(est.uncertainty_ns(), 51 * kMs);
}

}  // namespace
}  // namespace sequent::binance
