// The console client's command syntax, URL, reply classification and completion
// (tools/console_client.hpp; protocol: docs/console-protocol.md).
#include "gateways/console/console_request.hpp"
#include "tools/console_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace sequent::tools::console {
namespace {

using Words = std::vector<std::string>;

TEST(ConsoleEndpoint, PlainTlsPathAndIpv6) {
  auto ep = parse_endpoint("ws://127.0.0.1:8080");
  ASSERT_TRUE(ep.ok()) << ep.error().message;
  EXPECT_FALSE(ep->tls);
  EXPECT_EQ(ep->host, "127.0.0.1");
  EXPECT_EQ(ep->port, "8080");
  EXPECT_EQ(ep->target, "/ws");

  ep = parse_endpoint("wss://console.example.com/custom");
  ASSERT_TRUE(ep.ok()) << ep.error().message;
  EXPECT_TRUE(ep->tls);
  EXPECT_EQ(ep->port, "443");
  EXPECT_EQ(ep->target, "/custom");

  ep = parse_endpoint("ws://[::1]:9000/");
  ASSERT_TRUE(ep.ok()) << ep.error().message;
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->port, "9000");
  EXPECT_EQ(ep->target, "/ws");
}

TEST(ConsoleEndpoint, RejectsWithAClearMessage) {
  for (const char* bad : {"http://h:1", "ws://:80", "ws://h:0", "ws://h:70000", "ws://h:8x", "ws://::1:80", "ws://[::1"}) {
    auto ep = parse_endpoint(bad);
    ASSERT_FALSE(ep.ok()) << bad;
    EXPECT_NE(ep.error().message.find("URL"), std::string::npos) << ep.error().message;
  }
}

TEST(ConsoleWords, QuotesGroupAndEscape) {
  auto w = split_words(R"(kill_switch reason="fat finger"  x='a b' c\ d "q\"t")");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, (Words{"kill_switch", "reason=fat finger", "x=a b", "c d", "q\"t"}));
  EXPECT_EQ(*split_words("   "), Words{});
  EXPECT_EQ(*split_words("a \"\" b"), (Words{"a", "", "b"}));
  auto bad = split_words("kill_switch reason=\"oops");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("unterminated double quote"), std::string::npos);
}

TEST(ConsoleRequest, CommandsBecomeProtocolJson) {
  auto r = build_request({"kill_switch", "reason=fat finger"}, 2);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->json, R"({"op":"kill_switch","id":2,"reason":"fat finger"})");
  EXPECT_EQ(r->id, "2");
  EXPECT_EQ(r->op, "kill_switch");

  r = build_request({"set_risk_limit", "limit=max_order_qty", "symbol=BTCUSDT", "value=0.5"}, 3);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->json, R"({"op":"set_risk_limit","id":3,"limit":"max_order_qty","symbol":"BTCUSDT","value":"0.5"})");

  r = build_request({"subscribe", "status", "positions"}, 4);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->json, R"({"op":"subscribe","id":4,"channels":["status","positions"]})");

  r = build_request({"unsubscribe", "channels=fills,orders"}, 5);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->json, R"({"op":"unsubscribe","id":5,"channels":["fills","orders"]})");

  r = build_request({"snapshot", "risk"}, 6);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->json, R"({"op":"snapshot","id":6,"channel":"risk"})");

  r = build_request({"ping", "id=abc"}, 7);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->json, R"({"op":"ping","id":"abc"})");
  EXPECT_EQ(r->id, "\"abc\"");

  r = build_request({"cancel_all", "id=42", "symbol=ETHUSDT"}, 8);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->json, R"({"op":"cancel_all","id":42,"symbol":"ETHUSDT"})");
  EXPECT_EQ(r->id, "42");

  r = build_request({"kill_switch", "reason=say \"no\"\n"}, 9);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->json, R"({"op":"kill_switch","id":9,"reason":"say \"no\"\n"})");
}

// The client's command table and the server's parser must agree: every op the server knows has a
// client command, and what the client builds for each one the server parses as that op.
TEST(ConsoleRequest, EveryServerOpHasAClientCommandTheServerAccepts) {
  for (std::size_t i = 0; i < ::sequent::console::kConsoleOpCount; ++i) {
    const std::string_view name = ::sequent::console::to_string(static_cast<::sequent::console::ConsoleOp>(i));
    const OpSpec* op = find_op(name);
    ASSERT_NE(op, nullptr) << "the server's op '" << name << "' has no client command";
    std::vector<std::string> words{std::string(name)};
    if (op->positionals != 0) words.emplace_back("status");
    for (std::string_view key : op->keys) {
      if (key == "token") words.emplace_back("token=t");
      else if (key == "reason") words.emplace_back("reason=test");
      else if (key == "symbol") words.emplace_back("symbol=BTCUSDT");
      else if (key == "limit") words.emplace_back("limit=max_order_qty");
      else if (key == "param") words.emplace_back("param=order_qty");
      else if (key == "value") words.emplace_back("value=1");
    }
    auto r = build_request(words, 1);
    ASSERT_TRUE(r.ok()) << name << ": " << r.error().message;
    const auto parsed = ::sequent::console::parse_console_request(r->json);
    EXPECT_TRUE(parsed.ok()) << name << ": " << r->json << ": " << (parsed.error ? parsed.error->message : "");
    ASSERT_TRUE(parsed.request.op.has_value()) << r->json;
    EXPECT_EQ(*parsed.request.op, static_cast<::sequent::console::ConsoleOp>(i)) << r->json;
  }
  EXPECT_EQ(op_specs().size(), ::sequent::console::kConsoleOpCount) << "the client offers an op the server does not know";
  EXPECT_EQ(limit_names().size(), kRiskLimitIdMax);
  EXPECT_EQ(channel_names().size(), ::sequent::console::kConsoleChannelCount);
}

TEST(ConsoleRequest, UsageErrorsNameTheWord) {
  struct Case {
    Words words;
    const char* expect;
  };
  const Case cases[] = {
      {{}, "empty command"},
      {{"kill"}, "unknown op 'kill'"},
      {{"kill_switch", "because"}, "'because': kill_switch takes key=value words only (reason)"},
      {{"resume", "x=1"}, "resume takes the keys strategy"},
      {{"users", "x=1"}, "users takes no keys"},
      {{"flatten", "symbl=BTCUSDT"}, "'symbl=BTCUSDT': flatten takes the keys symbol"},
      {{"subscribe"}, "subscribe takes one or more channels"},
      {{"subscribe", "trades"}, "'trades': unknown channel"},
      {{"unsubscribe", "channels=status,nope"}, "'nope': unknown channel"},
      {{"snapshot", "status", "risk"}, "snapshot takes one channel"},
      {{"set_risk_limit", "limit=max_qty", "value=1"}, "'max_qty': unknown limit"},
      {{"set_risk_limit", "limit=max_order_qty"}, "set_risk_limit needs limit= and value="},
      {{"set_strategy_param", "param=size", "value=1"}, "'size': unknown param"},
      {{"cancel_all", "symbol=A", "symbol=B"}, "symbol given twice"},
      {{"ping", "id=1", "id=2"}, "id given twice"},
  };
  for (const Case& c : cases) {
    auto r = build_request(c.words, 1);
    ASSERT_FALSE(r.ok()) << c.expect;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find(c.expect), std::string::npos) << r.error().message << " / expected: " << c.expect;
  }
}

TEST(ConsoleRequest, RawJsonKeepsItsIdOrGetsOne) {
  auto r = parse_command_line(R"(  {"op":"ping","id":"x1"})", 5);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->json, R"({"op":"ping","id":"x1"})");
  EXPECT_EQ(r->id, "\"x1\"");
  EXPECT_EQ(r->op, "ping");

  r = parse_command_line(R"({"op":"whoami"})", 5);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->json, R"({"id":5,"op":"whoami"})");
  EXPECT_EQ(r->id, "5");

  r = parse_command_line("{}", 6);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->json, R"({"id":6})");

  for (const char* bad : {"{\"op\":", "{\"id\":[1]}", "{\"id\":1.5}"}) {
    r = parse_command_line(bad, 1);
    EXPECT_FALSE(r.ok()) << bad;
  }
  r = build_raw_request("[1,2]", 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("expected an object"), std::string::npos);
}

TEST(ConsoleRequest, LineSyntaxMatchesWords) {
  auto r = parse_command_line(R"(kill_switch reason="fat finger")", 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->json, R"({"op":"kill_switch","id":2,"reason":"fat finger"})");
  EXPECT_FALSE(parse_command_line(R"(kill_switch reason="fat)", 2).ok());
}

TEST(ConsoleMessage, RepliesUpdatesAndGarbage) {
  auto m = classify_message(R"({"id":3,"ok":false,"error":{"code":"forbidden","message":"kill_switch needs role manager"}})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, Message::Kind::kReply);
  EXPECT_EQ(m->id, "3");
  EXPECT_FALSE(m->ok);
  EXPECT_EQ(m->error_code, "forbidden");
  EXPECT_EQ(m->error_message, "kill_switch needs role manager");

  m = classify_message(R"({"id":"a","ok":true,"command":"kill_switch","seq":120331})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, Message::Kind::kReply);
  EXPECT_EQ(m->id, "\"a\"");
  EXPECT_TRUE(m->ok);

  m = classify_message(R"({"channel":"positions","seq":81234,"data":{"symbol":"BTCUSDT","qty":"0.002"}})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, Message::Kind::kUpdate);
  EXPECT_EQ(m->channel, "positions");

  m = classify_message(R"({"id":4,"ok":true,"channel":"positions","data":[]})");  // snapshot's reply
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, Message::Kind::kReply);
  EXPECT_EQ(m->id, "4");

  m = classify_message(R"({"ok":false})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->error_code, "unknown");
  EXPECT_TRUE(m->id.empty());

  m = classify_message(R"({"hello":1})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, Message::Kind::kOther);

  EXPECT_FALSE(classify_message("not json").ok());
  EXPECT_FALSE(classify_message("[]").ok());
}

TEST(ConsoleCompletion, OpsKeysChannelsLimitsParams) {
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  auto c = completions("", "s");
  EXPECT_TRUE(has(c, "subscribe"));
  EXPECT_TRUE(has(c, "snapshot"));
  EXPECT_TRUE(has(c, "set_risk_limit"));
  EXPECT_TRUE(has(c, "strategy_stop"));
  EXPECT_FALSE(has(c, "ping"));
  EXPECT_TRUE(has(completions("", "q"), "quit"));

  c = completions("subscribe status ", "p");
  EXPECT_EQ(c, (std::vector<std::string>{"positions"}));
  c = completions("set_risk_limit ", "");
  EXPECT_EQ(c, (std::vector<std::string>{"limit=", "value=", "symbol="}));
  c = completions("set_risk_limit limit=max_order_qty ", "");
  EXPECT_EQ(c, (std::vector<std::string>{"value=", "symbol="}));
  c = completions("set_risk_limit ", "limit=max_order_");
  EXPECT_EQ(c, (std::vector<std::string>{"limit=max_order_qty", "limit=max_order_notional"}));
  c = completions("set_strategy_param ", "param=");
  EXPECT_EQ(c, (std::vector<std::string>{"param=order_qty"}));
  c = completions("unsubscribe ", "channels=f");
  EXPECT_EQ(c, (std::vector<std::string>{"channels=fills"}));
  EXPECT_TRUE(completions("kill_switch ", "limit=").empty());
  EXPECT_TRUE(completions("nonsense ", "").empty());
  EXPECT_EQ(completions("kill_switch ", "r"), (std::vector<std::string>{"reason="}));
}

}  // namespace
}  // namespace sequent::tools::console
