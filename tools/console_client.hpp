// `sequent console`: the pure parts of the terminal client (no sockets, no terminal), so they are
// unit-tested: the endpoint URL, the command syntax, reply classification and tab completion.
// The protocol is docs/console-protocol.md.
//
// Command syntax (one line in the REPL, or the words after the URL on the command line):
//   OP [key=value ...] [positional ...]
//     kill_switch reason="fat finger"
//     set_risk_limit limit=max_order_qty symbol=BTCUSDT value=0.5
//     subscribe status positions          (positionals are channels; snapshot takes one)
//     id=7 ...                            (an explicit request id; otherwise the client numbers them)
//   or a raw JSON object, sent as it is (an "id" is added when it has none).
// Every value is sent as a JSON string (the protocol's values are decimal strings), except
// `channels` (a list; `channels=a,b` or positionals) and `id` (an integer when all digits).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.hpp"

namespace sequent::tools::console {

// ws://HOST:PORT[/path] or wss://...; the path defaults to /ws. IPv6 hosts in brackets.
struct Endpoint {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target = "/ws";
};
Result<Endpoint> parse_endpoint(std::string_view url);

// Splits a line into words at blanks; double or single quotes group (and are removed), a
// backslash escapes the next character inside double quotes or outside quotes.
// `reason="fat finger"` is one word: reason=fat finger.
Result<std::vector<std::string>> split_words(std::string_view line);

// What an op takes (docs/console-protocol.md, Operations).
struct OpSpec {
  std::string_view name;
  std::vector<std::string_view> keys;  // key=value names it takes
  int positionals;                     // 0 none, 1 one channel (snapshot), -1 any number of channels
};
const std::vector<OpSpec>& op_specs();
const OpSpec* find_op(std::string_view name);
const std::vector<std::string_view>& channel_names();
const std::vector<std::string_view>& limit_names();
const std::vector<std::string_view>& param_names();

// A request ready to send: its JSON text and the id it carries (as the JSON text of the id:
// 7 or "abc"), so the reply can be matched.
struct Request {
  std::string json;
  std::string id;
  std::string op;
};

// Builds the request for words (from split_words or argv). next_id numbers requests without an
// explicit id. Errors (kInvalidArgument) name the word at fault and what was expected.
Result<Request> build_request(const std::vector<std::string>& words, std::int64_t next_id);

// A raw JSON object line: validated, given "id": next_id when it has none.
Result<Request> build_raw_request(std::string_view json, std::int64_t next_id);

// Either of the two: a line starting with '{' is raw JSON, otherwise words.
Result<Request> parse_command_line(std::string_view line, std::int64_t next_id);

// JSON string literal for text (quotes, escapes; control characters as \u00XX).
std::string json_quote(std::string_view text);

// A message from the server, classified.
struct Message {
  enum class Kind { kReply, kUpdate, kOther };
  Kind kind = Kind::kOther;
  std::string id;       // reply: JSON text of its id (7 or "abc"); empty if none
  bool ok = false;      // reply: "ok"
  std::string error_code, error_message;  // a failed reply
  std::string channel;  // update: its channel
};
Result<Message> classify_message(std::string_view json);

// Tab completion: the candidates for `word`, the word being completed, given the text of the line
// before it. The first word completes to op names (and the REPL's own help/quit); later words to
// key= names of that op, channel names (subscribe, unsubscribe, snapshot), limit names after
// limit=, param names after param= and channel names after channels=.
std::vector<std::string> completions(std::string_view line_before_word, std::string_view word);

}  // namespace sequent::tools::console
