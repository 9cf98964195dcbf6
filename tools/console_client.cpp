#include "tools/console_client.hpp"

#include "gateways/console/console_request.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>

namespace sequent::tools::console {

namespace {

Error usage(std::string message) { return Error{ErrorCode::kInvalidArgument, std::move(message)}; }

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 18 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string join(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

bool contains(const std::vector<std::string_view>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The id as the client compares it: an integer's decimal text or a string's JSON literal.
Result<std::string> normalised_id(simdjson::dom::element id) {
  std::int64_t i = 0;
  if (!id.get_int64().get(i)) return std::to_string(i);
  std::uint64_t u = 0;
  if (!id.get_uint64().get(u)) return std::to_string(u);
  std::string_view s;
  if (!id.get_string().get(s)) return json_quote(s);
  return usage("\"id\" must be an integer or a string");
}

}  // namespace

Result<Endpoint> parse_endpoint(std::string_view url) {
  Endpoint ep;
  std::string_view rest;
  if (url.substr(0, 5) == "ws://") {
    rest = url.substr(5);
  } else if (url.substr(0, 6) == "wss://") {
    ep.tls = true;
    rest = url.substr(6);
  } else {
    return usage("URL: expected ws://HOST:PORT or wss://HOST:PORT, was '" + std::string(url) + "'");
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) ep.target = std::string(rest.substr(slash));
  if (ep.target == "/") ep.target = "/ws";
  std::string_view host, port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return usage("URL: unclosed '[' in the host of '" + std::string(url) + "'");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return usage("URL: expected ':PORT' after ']' in '" + std::string(url) + "'");
      port = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return usage("URL: put an IPv6 host in brackets, e.g. ws://[::1]:8080, was '" + std::string(url) + "'");
  }
  if (host.empty()) return usage("URL: no host in '" + std::string(url) + "'");
  if (port.empty()) port = ep.tls ? "443" : "80";
  if (!all_digits(port) || std::stol(std::string(port)) < 1 || std::stol(std::string(port)) > 65535)
    return usage("URL: port must be 1..65535, was '" + std::string(port) + "'");
  ep.host = std::string(host);
  ep.port = std::string(port);
  return ep;
}

Result<std::vector<std::string>> split_words(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < line.size()) {
        word += line[++i];
      } else {
        word += c;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0) return usage(std::string("unterminated ") + (quote == '"' ? "double" : "single") + " quote");
  if (in_word) words.push_back(std::move(word));
  return words;
}

const std::vector<OpSpec>& op_specs() {
  static const std::vector<OpSpec> kOps = {
      {"auth", {"token"}, 0},
      {"ping", {}, 0},
      {"whoami", {}, 0},
      {"subscribe", {"channels"}, -1},
      {"unsubscribe", {"channels"}, -1},
      {"snapshot", {"channel"}, 1},
      {"users", {}, 0},
      {"kill_switch", {"reason"}, 0},
      {"resume", {"strategy"}, 0},
      {"cancel_all", {"symbol", "strategy"}, 0},
      {"flatten", {"symbol", "strategy"}, 0},
      {"set_risk_limit", {"limit", "value", "symbol"}, 0},
      {"strategy_start", {"symbol", "strategy"}, 0},
      {"strategy_stop", {"symbol", "strategy"}, 0},
      {"set_strategy_param", {"param", "value", "symbol", "strategy"}, 0},
  };
  return kOps;
}

const OpSpec* find_op(std::string_view name) {
  for (const OpSpec& op : op_specs())
    if (op.name == name) return &op;
  return nullptr;
}

// The names come from the server's own tables (gateways/console/console_request), so the client
// cannot offer a channel, limit or parameter the server does not know, nor miss a new one.
const std::vector<std::string_view>& channel_names() {
  static const std::vector<std::string_view> kChannels = [] {
    std::vector<std::string_view> v;
    for (std::size_t i = 0; i < ::sequent::console::kConsoleChannelCount; ++i) v.push_back(::sequent::console::to_string(static_cast<::sequent::console::ConsoleChannel>(i)));
    return v;
  }();
  return kChannels;
}

const std::vector<std::string_view>& limit_names() {
  static const std::vector<std::string_view> kLimits = [] {
    std::vector<std::string_view> v;
    for (std::uint8_t i = 1; i <= kRiskLimitIdMax; ++i) v.push_back(::sequent::console::to_string(static_cast<RiskLimitId>(i)));
    return v;
  }();
  return kLimits;
}

const std::vector<std::string_view>& param_names() {
  static const std::vector<std::string_view> kParams = [] {
    std::vector<std::string_view> v;
    for (std::uint8_t i = 1; i <= kStrategyParamIdMax; ++i) v.push_back(::sequent::console::to_string(static_cast<StrategyParamId>(i)));
    return v;
  }();
  return kParams;
}

std::string json_quote(std::string_view text) {
  std::string out;
  ::sequent::console::append_json_string(out, text);
  return out;
}

Result<Request> build_request(const std::vector<std::string>& words, std::int64_t next_id) {
  if (words.empty()) return usage("empty command: expected OP [key=value ...]");
  const OpSpec* op = find_op(words[0]);
  if (op == nullptr) {
    std::vector<std::string_view> names;
    for (const OpSpec& o : op_specs()) names.push_back(o.name);
    return usage("unknown op '" + words[0] + "'; ops: " + join(names));
  }
  Request req;
  req.op = std::string(op->name);
  req.id = std::to_string(next_id);
  std::vector<std::string> channels;
  std::vector<std::pair<std::string, std::string>> fields;  // key, JSON value
  bool id_given = false;
  for (std::size_t i = 1; i < words.size(); ++i) {
    const std::string& w = words[i];
    const std::size_t eq = w.find('=');
    if (eq == std::string::npos || eq == 0) {
      if (op->positionals == 0)
        return usage("'" + w + "': " + req.op + " takes key=value words only" +
                     (op->keys.empty() ? std::string(" (and none here)") : " (" + join(op->keys) + ")"));
      if (!contains(channel_names(), w)) return usage("'" + w + "': unknown channel; channels: " + join(channel_names()));
      channels.push_back(w);
      continue;
    }
    const std::string key = w.substr(0, eq);
    const std::string value = w.substr(eq + 1);
    if (key == "id") {
      if (id_given) return usage("'" + w + "': id given twice");
      id_given = true;
      req.id = all_digits(value) ? std::to_string(std::stoll(value)) : json_quote(value);
      continue;
    }
    if (!contains(op->keys, key))
      return usage("'" + w + "': " + req.op + " takes " +
                   (op->keys.empty() ? std::string("no keys") : "the keys " + join(op->keys)));
    for (const auto& f : fields)
      if (f.first == key) return usage("'" + w + "': " + key + " given twice");
    if (key == "channels" || key == "channel") {
      std::size_t start = 0;
      while (start <= value.size()) {
        const std::size_t comma = std::min(value.find(',', start), value.size());
        const std::string name = value.substr(start, comma - start);
        if (!name.empty()) {
          if (!contains(channel_names(), name))
            return usage("'" + name + "': unknown channel; channels: " + join(channel_names()));
          channels.push_back(name);
        }
        start = comma + 1;
      }
      continue;
    }
    if (key == "limit" && !contains(limit_names(), value))
      return usage("'" + value + "': unknown limit; limits: " + join(limit_names()));
    if (key == "param" && !contains(param_names(), value))
      return usage("'" + value + "': unknown param; params: " + join(param_names()));
    fields.emplace_back(key, json_quote(value));
  }
  std::string json = "{\"op\":" + json_quote(req.op) + ",\"id\":" + req.id;
  if (op->positionals == 1) {
    if (channels.size() != 1) return usage(req.op + " takes one channel; channels: " + join(channel_names()));
    json += ",\"channel\":" + json_quote(channels[0]);
  } else if (op->positionals == -1) {
    if (channels.empty()) return usage(req.op + " takes one or more channels; channels: " + join(channel_names()));
    json += ",\"channels\":[";
    for (std::size_t i = 0; i < channels.size(); ++i) json += (i ? "," : "") + json_quote(channels[i]);
    json += ']';
  }
  for (const auto& [key, value] : fields) json += "," + json_quote(key) + ":" + value;
  json += '}';
  if (req.op == "set_risk_limit" || req.op == "set_strategy_param") {
    const char* name_key = req.op == "set_risk_limit" ? "limit" : "param";
    bool has_name = false, has_value = false;
    for (const auto& f : fields) {
      has_name = has_name || f.first == name_key;
      has_value = has_value || f.first == "value";
    }
    if (!has_name || !has_value) return usage(req.op + " needs " + name_key + "= and value=");
  }
  req.json = std::move(json);
  return req;
}

Result<Request> build_raw_request(std::string_view json, std::int64_t next_id) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc); err)
    return Error{ErrorCode::kParse, std::string("raw JSON: ") + simdjson::error_message(err)};
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) return Error{ErrorCode::kParse, "raw JSON: expected an object {...}"};
  Request req;
  std::string_view op;
  if (!obj["op"].get_string().get(op)) req.op = std::string(op);
  simdjson::dom::element id;
  if (!obj["id"].get(id)) {
    Result<std::string> norm = normalised_id(id);
    if (!norm) return norm.error();
    req.id = *norm;
    req.json = std::string(json);
    return req;
  }
  req.id = std::to_string(next_id);
  const std::size_t brace = json.find('{');
  std::string out(json.substr(0, brace + 1));
  out += "\"id\":" + req.id;
  if (obj.size() > 0) out += ',';
  out += json.substr(brace + 1);
  req.json = std::move(out);
  return req;
}

Result<Request> parse_command_line(std::string_view line, std::int64_t next_id) {
  const std::size_t first = line.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && line[first] == '{') return build_raw_request(line.substr(first), next_id);
  Result<std::vector<std::string>> words = split_words(line);
  if (!words) return words.error();
  return build_request(*words, next_id);
}

Result<Message> classify_message(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc); err)
    return Error{ErrorCode::kParse, std::string("server sent invalid JSON: ") + simdjson::error_message(err)};
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) return Error{ErrorCode::kParse, "server sent JSON that is not an object"};
  Message m;
  bool ok = false;
  if (!obj["ok"].get_bool().get(ok)) {
    m.kind = Message::Kind::kReply;
    m.ok = ok;
    simdjson::dom::element id;
    if (!obj["id"].get(id)) {
      if (Result<std::string> norm = normalised_id(id); norm) m.id = *norm;
    }
    simdjson::dom::object err;
    if (!m.ok && !obj["error"].get_object().get(err)) {
      std::string_view v;
      if (!err["code"].get_string().get(v)) m.error_code = std::string(v);
      if (!err["message"].get_string().get(v)) m.error_message = std::string(v);
    }
    if (!m.ok && m.error_code.empty()) m.error_code = "unknown";
    return m;
  }
  // An update: a channel and no "ok" (a reply may name a channel too, e.g. snapshot's).
  std::string_view channel;
  if (!obj["channel"].get_string().get(channel)) {
    m.kind = Message::Kind::kUpdate;
    m.channel = std::string(channel);
  }
  return m;
}

std::vector<std::string> completions(std::string_view line_before_word, std::string_view word) {
  std::vector<std::string> out;
  auto offer = [&](std::string_view prefix, const std::vector<std::string_view>& names) {
    for (std::string_view n : names) {
      std::string candidate = std::string(prefix) + std::string(n);
      if (candidate.compare(0, word.size(), word) == 0) out.push_back(std::move(candidate));
    }
  };
  Result<std::vector<std::string>> before = split_words(line_before_word);
  const std::vector<std::string> words = before ? *before : std::vector<std::string>{};
  if (words.empty()) {
    std::vector<std::string_view> names;
    for (const OpSpec& o : op_specs()) names.push_back(o.name);
    names.push_back("help");
    names.push_back("quit");
    offer("", names);
    return out;
  }
  const OpSpec* op = find_op(words[0]);
  if (op == nullptr) return out;
  for (std::string_view prefix : {"limit=", "param=", "channels=", "channel="}) {
    if (word.substr(0, prefix.size()) != prefix) continue;
    if (!contains(op->keys, prefix.substr(0, prefix.size() - 1))) return out;
    const auto& names = prefix == "limit=" ? limit_names() : prefix == "param=" ? param_names() : channel_names();
    offer(prefix, names);
    return out;
  }
  if (op->positionals != 0) offer("", channel_names());
  std::vector<std::string_view> keys;
  std::vector<std::string> storage;
  storage.reserve(op->keys.size());
  for (std::string_view k : op->keys) {
    bool used = false;
    for (const std::string& w : words) used = used || w.rfind(std::string(k) + "=", 0) == 0;
    if (!used && k != "channels" && k != "channel") storage.push_back(std::string(k) + "=");
  }
  for (const std::string& s : storage) keys.push_back(s);
  offer("", keys);
  return out;
}

}  // namespace sequent::tools::console
