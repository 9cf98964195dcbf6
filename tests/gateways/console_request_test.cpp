// parse_console_request: every op with its fields, and every error code the parser gives, with the
// id echoed wherever it could be read.
#include <gtest/gtest.h>

#include <string>

#include "gateways/console/console_request.hpp"

namespace sequent::console {
namespace {

ParsedConsoleRequest parse(const std::string& s) { return parse_console_request(s); }

void expect_error(const std::string& frame, ConsoleErrorCode code, const std::string& in_message = "") {
  const auto p = parse(frame);
  ASSERT_FALSE(p.ok()) << frame;
  EXPECT_EQ(p.error->code, code) << frame << " → " << to_string(p.error->code) << ": " << p.error->message;
  if (!in_message.empty()) {
    EXPECT_NE(p.error->message.find(in_message), std::string::npos) << p.error->message;
  }
}

TEST(ConsoleRequest, EveryOpParses) {
  struct Case {
    const char* frame;
    ConsoleOp op;
  };
  const Case cases[] = {
      {R"({"op":"auth","id":1,"token":"abc"})", ConsoleOp::kAuth},
      {R"({"op":"ping","id":2})", ConsoleOp::kPing},
      {R"({"op":"whoami","id":3})", ConsoleOp::kWhoami},
      {R"({"op":"subscribe","id":4,"channels":["status","positions"]})", ConsoleOp::kSubscribe},
      {R"({"op":"unsubscribe","id":5,"channels":["orders"]})", ConsoleOp::kUnsubscribe},
      {R"({"op":"snapshot","id":6,"channel":"risk"})", ConsoleOp::kSnapshot},
      {R"({"op":"users","id":7})", ConsoleOp::kUsers},
      {R"({"op":"kill_switch","id":8,"reason":"fat finger"})", ConsoleOp::kKillSwitch},
      {R"({"op":"resume","id":9})", ConsoleOp::kResume},
      {R"({"op":"cancel_all","id":10,"symbol":"BTCUSDT"})", ConsoleOp::kCancelAll},
      {R"({"op":"flatten","id":11})", ConsoleOp::kFlatten},
      {R"({"op":"set_risk_limit","id":12,"limit":"max_order_qty","value":"0.5","symbol":"BTCUSDT"})",
       ConsoleOp::kSetRiskLimit},
      {R"({"op":"strategy_start","id":13})", ConsoleOp::kStrategyStart},
      {R"({"op":"strategy_stop","id":14,"symbol":"ETHUSDT"})", ConsoleOp::kStrategyStop},
      {R"({"op":"set_strategy_param","id":15,"param":"order_qty","value":"0.01"})", ConsoleOp::kSetStrategyParam},
  };
  static_assert(sizeof(cases) / sizeof(cases[0]) == kConsoleOpCount);
  for (const Case& c : cases) {
    const auto p = parse(c.frame);
    ASSERT_TRUE(p.ok()) << c.frame << ": " << p.error->message;
    ASSERT_TRUE(p.request.op.has_value());
    EXPECT_EQ(*p.request.op, c.op) << c.frame;
    EXPECT_EQ(console_op_from(to_string(c.op)), c.op);
  }
}

TEST(ConsoleRequest, FieldsAreRead) {
  auto p = parse(R"({"op":"auth","id":"a\"b","token":"s3cret"})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.request.token, "s3cret");
  EXPECT_EQ(p.request.id_json, R"("a\"b")");

  p = parse(R"({"op":"subscribe","id":-4,"channels":["status","positions","orders","fills","risk","alerts","latency"]})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.request.id_json, "-4");
  EXPECT_EQ(p.request.channels, 0x7F);

  p = parse(R"({"op":"snapshot","id":1,"channel":"orders"})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.request.channel, ConsoleChannel::kOrders);

  p = parse(R"({"op":"kill_switch","id":1,"reason":"fat finger"})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.request.reason, "fat finger");

  p = parse(R"({"op":"cancel_all","id":1,"symbol":"BTCUSDT"})");
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p.request.symbol.has_value());
  EXPECT_EQ(*p.request.symbol, "BTCUSDT");
  p = parse(R"({"op":"cancel_all","id":1})");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p.request.symbol.has_value());
  EXPECT_FALSE(p.request.strategy.has_value());
  for (const char* op : {"resume", "cancel_all", "flatten", "strategy_start", "strategy_stop"}) {
    p = parse(std::string(R"({"op":")") + op + R"(","id":1,"strategy":"trend"})");
    ASSERT_TRUE(p.ok()) << op;
    ASSERT_TRUE(p.request.strategy.has_value()) << op;
    EXPECT_EQ(*p.request.strategy, "trend");
  }
  p = parse(R"({"op":"set_strategy_param","id":1,"param":"order_qty","value":"0.1","strategy":"trend"})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.request.strategy.value_or(""), "trend");

  // Unknown fields are ignored (clients may send more than this server knows).
  p = parse(R"({"op":"ping","id":1,"extra":{"nested":[1,2,3]}})");
  EXPECT_TRUE(p.ok());
}

TEST(ConsoleRequest, RiskLimitValuesBecomeRawFixedPointOrIntegers) {
  auto p = parse(R"({"op":"set_risk_limit","id":1,"limit":"max_order_qty","value":"0.015","symbol":"BTCUSDT"})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.request.limit, RiskLimitId::kMaxOrderQty);
  EXPECT_EQ(p.request.arg_value, 1'500'000);
  p = parse(R"({"op":"set_risk_limit","id":1,"limit":"max_order_notional","value":"25000.5"})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.request.arg_value, 2'500'050'000'000);
  p = parse(R"({"op":"set_risk_limit","id":1,"limit":"daily_loss_limit","value":"1000"})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.request.limit, RiskLimitId::kDailyLossLimit);
  EXPECT_EQ(p.request.arg_value, 100'000'000'000);
  p = parse(R"({"op":"set_risk_limit","id":1,"limit":"max_open_orders","value":"50"})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.request.arg_value, 50);
  p = parse(R"({"op":"set_risk_limit","id":1,"limit":"price_band_bps","value":"0"})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.request.arg_value, 0);
  p = parse(R"({"op":"set_strategy_param","id":1,"param":"order_qty","value":"0.002","symbol":"BTCUSDT"})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.request.param, StrategyParamId::kOrderQty);
  EXPECT_EQ(p.request.arg_value, 200'000);

  for (std::uint8_t i = 1; i <= kRiskLimitIdMax; ++i) {
    const auto id = static_cast<RiskLimitId>(i);
    EXPECT_EQ(risk_limit_from(to_string(id)), id);
    EXPECT_EQ(is_instrument_limit(id), i <= 5) << to_string(id);
    EXPECT_EQ(parse_limit_value(id, format_limit_value(id, 7)), 7);
  }
}

TEST(ConsoleRequest, BadJson) {
  expect_error("", ConsoleErrorCode::kBadJson);
  expect_error("{", ConsoleErrorCode::kBadJson);
  expect_error("not json", ConsoleErrorCode::kBadJson);
  expect_error("[1,2]", ConsoleErrorCode::kBadJson, "not a JSON object");
  expect_error("\"op\"", ConsoleErrorCode::kBadJson);
  expect_error(R"({"op":"ping","id":1} trailing)", ConsoleErrorCode::kBadJson);
}

TEST(ConsoleRequest, BadRequestNamesTheField) {
  expect_error(R"({"op":"ping"})", ConsoleErrorCode::kBadRequest, "id");
  expect_error(R"({"op":"ping","id":1.5})", ConsoleErrorCode::kBadRequest, "id");
  expect_error(R"({"op":"ping","id":")" + std::string(65, 'x') + R"("})", ConsoleErrorCode::kBadRequest, "id");
  expect_error(R"({"id":1})", ConsoleErrorCode::kBadRequest, "op");
  expect_error(R"({"op":7,"id":1})", ConsoleErrorCode::kBadRequest, "op");
  expect_error(R"({"op":"auth","id":1})", ConsoleErrorCode::kBadRequest, "token");
  expect_error(R"({"op":"auth","id":1,"token":5})", ConsoleErrorCode::kBadRequest, "token");
  expect_error(R"({"op":"subscribe","id":1})", ConsoleErrorCode::kBadRequest, "channels");
  expect_error(R"({"op":"subscribe","id":1,"channels":"status"})", ConsoleErrorCode::kBadRequest, "channels");
  expect_error(R"({"op":"subscribe","id":1,"channels":[1]})", ConsoleErrorCode::kBadRequest, "channels");
  expect_error(R"({"op":"snapshot","id":1})", ConsoleErrorCode::kBadRequest, "channel");
  expect_error(R"({"op":"kill_switch","id":1,"reason":")" + std::string(201, 'r') + R"("})",
               ConsoleErrorCode::kBadRequest, "reason");
  expect_error(R"({"op":"cancel_all","id":1,"symbol":3})", ConsoleErrorCode::kBadRequest, "symbol");
  expect_error(R"({"op":"cancel_all","id":1,"strategy":""})", ConsoleErrorCode::kBadRequest, "strategy");
  expect_error(R"({"op":"resume","id":1,"strategy":")" + std::string(33, 's') + R"("})", ConsoleErrorCode::kBadRequest,
               "strategy");
  expect_error(R"({"op":"set_risk_limit","id":1,"value":"1"})", ConsoleErrorCode::kBadRequest, "limit");
  expect_error(R"({"op":"set_risk_limit","id":1,"limit":"max_order_qty"})", ConsoleErrorCode::kBadRequest, "value");
  expect_error(R"({"op":"set_risk_limit","id":1,"limit":"max_order_qty","value":1})", ConsoleErrorCode::kBadRequest,
               "value");
  expect_error(R"({"op":"set_risk_limit","id":1,"limit":"max_open_orders","value":"5","symbol":"BTCUSDT"})",
               ConsoleErrorCode::kBadRequest, "global limit");
  expect_error(R"({"op":"set_strategy_param","id":1,"value":"1"})", ConsoleErrorCode::kBadRequest, "param");
}

TEST(ConsoleRequest, IdIsEchoedEvenOnErrors) {
  auto p = parse(R"({"op":"nope","id":"req-7"})");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.request.id_json, R"("req-7")");
  p = parse(R"({"op":"kill_switch","id":1.5})");
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(p.request.id_json.empty());
  ASSERT_TRUE(p.request.op.has_value());  // so the server can still answer "unauthenticated"
  EXPECT_EQ(*p.request.op, ConsoleOp::kKillSwitch);
}

TEST(ConsoleRequest, UnknownNames) {
  expect_error(R"({"op":"launch_missiles","id":1})", ConsoleErrorCode::kUnknownOp, "launch_missiles");
  expect_error(R"({"op":"subscribe","id":1,"channels":["status","gossip"]})", ConsoleErrorCode::kUnknownChannel, "gossip");
  expect_error(R"({"op":"snapshot","id":1,"channel":"gossip"})", ConsoleErrorCode::kUnknownChannel, "gossip");
  expect_error(R"({"op":"set_risk_limit","id":1,"limit":"max_fun","value":"1"})", ConsoleErrorCode::kUnknownLimit,
               "max_fun");
  expect_error(R"({"op":"set_strategy_param","id":1,"param":"leverage","value":"1"})", ConsoleErrorCode::kUnknownParam,
               "leverage");
}

TEST(ConsoleRequest, BadValues) {
  for (const char* v : {"abc", "-1", "", "1.000000001", "1e30"}) {
    expect_error(std::string(R"({"op":"set_risk_limit","id":1,"limit":"max_order_qty","value":")") + v + "\"}",
                 ConsoleErrorCode::kBadValue, "max_order_qty");
  }
  for (const char* v : {"1.5", "-3", "x", "4294967296"}) {
    expect_error(std::string(R"({"op":"set_risk_limit","id":1,"limit":"max_orders_per_day","value":")") + v + "\"}",
                 ConsoleErrorCode::kBadValue, "max_orders_per_day");
  }
  for (const char* v : {"0", "-0.1", "lots"}) {
    expect_error(std::string(R"({"op":"set_strategy_param","id":1,"param":"order_qty","value":")") + v + "\"}",
                 ConsoleErrorCode::kBadValue, "order_qty");
  }
}

TEST(ConsoleRequest, ErrorCodesHaveStableNames) {
  EXPECT_EQ(to_string(ConsoleErrorCode::kBadJson), "bad_json");
  EXPECT_EQ(to_string(ConsoleErrorCode::kBadRequest), "bad_request");
  EXPECT_EQ(to_string(ConsoleErrorCode::kUnknownOp), "unknown_op");
  EXPECT_EQ(to_string(ConsoleErrorCode::kUnknownChannel), "unknown_channel");
  EXPECT_EQ(to_string(ConsoleErrorCode::kUnauthenticated), "unauthenticated");
  EXPECT_EQ(to_string(ConsoleErrorCode::kAuthFailed), "auth_failed");
  EXPECT_EQ(to_string(ConsoleErrorCode::kForbidden), "forbidden");
  EXPECT_EQ(to_string(ConsoleErrorCode::kRateLimited), "rate_limited");
  EXPECT_EQ(to_string(ConsoleErrorCode::kUnknownSymbol), "unknown_symbol");
  EXPECT_EQ(to_string(ConsoleErrorCode::kUnknownLimit), "unknown_limit");
  EXPECT_EQ(to_string(ConsoleErrorCode::kUnknownParam), "unknown_param");
  EXPECT_EQ(to_string(ConsoleErrorCode::kBadValue), "bad_value");
  EXPECT_EQ(to_string(ConsoleErrorCode::kEngineUnavailable), "engine_unavailable");
  EXPECT_EQ(to_string(ConsoleErrorCode::kUnknownStrategy), "unknown_strategy");
}

TEST(ConsoleRequest, JsonStringsAreEscaped) {
  std::string out;
  append_json_string(out, std::string("a\"b\\c\n\x01", 7));
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
}

}  // namespace
}  // namespace sequent::console
