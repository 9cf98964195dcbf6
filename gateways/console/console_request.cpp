#include "gateways/console/console_request.hpp"

#include <simdjson.h>

#include <charconv>
#include <cstdio>
#include <limits>

#include "engine/fixed_point.hpp"

namespace sequent::console {

namespace {

constexpr std::array<std::string_view, kConsoleOpCount> kOpNames = {
    "auth",      "ping",    "whoami",     "subscribe",      "unsubscribe",
    "snapshot",  "users",   "kill_switch", "resume",        "cancel_all",
    "flatten",   "set_risk_limit", "strategy_start", "strategy_stop", "set_strategy_param"};

constexpr std::array<std::string_view, kConsoleChannelCount> kChannelNames = {
    "status", "positions", "orders", "fills", "risk", "alerts", "latency"};

constexpr std::array<std::string_view, kRiskLimitIdMax + 1> kLimitNames = {
    "none",
    "max_order_qty",
    "max_order_notional",
    "max_position_qty",
    "max_position_notional",
    "price_band_bps",
    "max_open_orders",
    "max_orders_per_second",
    "max_orders_per_day",
    "daily_loss_limit",
    "max_drawdown_bps",
    "max_gross_exposure_bps"};

enum class ValueKind : std::uint8_t { kDecimal, kInteger, kCount };

ValueKind value_kind(RiskLimitId id) noexcept {
  switch (id) {
    case RiskLimitId::kMaxOrderQty:
    case RiskLimitId::kMaxOrderNotional:
    case RiskLimitId::kMaxPositionQty:
    case RiskLimitId::kMaxPositionNotional:
    case RiskLimitId::kDailyLossLimit: return ValueKind::kDecimal;
    case RiskLimitId::kMaxOpenOrders:
    case RiskLimitId::kMaxOrdersPerSecond:
    case RiskLimitId::kMaxOrdersPerDay: return ValueKind::kCount;
    case RiskLimitId::kNone:
    case RiskLimitId::kPriceBandBps:
    case RiskLimitId::kMaxDrawdownBps:
    case RiskLimitId::kMaxGrossExposureBps: return ValueKind::kInteger;
  }
  return ValueKind::kInteger;
}

std::optional<std::int64_t> parse_non_negative_integer(std::string_view s, std::int64_t max) noexcept {
  if (s.empty()) return std::nullopt;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0 || v > max) return std::nullopt;
  return v;
}

ConsoleError error(ConsoleErrorCode code, std::string message) { return ConsoleError{code, std::move(message)}; }

std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// Reads an optional string field: nullopt when absent; an error when present but not a string or
// longer than max_chars.
struct StringField {
  bool present = false;
  std::string_view value;
  std::optional<ConsoleError> error;
};

StringField string_field(const simdjson::dom::object& obj, std::string_view key, std::size_t max_chars) {
  StringField f;
  simdjson::dom::element e;
  if (obj.at_key(key).get(e) != simdjson::SUCCESS) return f;
  f.present = true;
  if (e.get_string().get(f.value) != simdjson::SUCCESS) {
    f.error = error(ConsoleErrorCode::kBadRequest, std::string(key) + ": expected a string");
  } else if (f.value.size() > max_chars) {
    f.error = error(ConsoleErrorCode::kBadRequest,
                    std::string(key) + ": longer than " + std::to_string(max_chars) + " characters");
  }
  return f;
}

std::optional<ConsoleError> read_id(const simdjson::dom::object& obj, ConsoleRequest& req) {
  simdjson::dom::element e;
  if (obj.at_key("id").get(e) != simdjson::SUCCESS) {
    return error(ConsoleErrorCode::kBadRequest, "id: missing (an integer or a string of at most 64 characters)");
  }
  std::int64_t n = 0;
  std::string_view s;
  if (e.is_int64() && e.get_int64().get(n) == simdjson::SUCCESS) {
    req.id_json = std::to_string(n);
    return std::nullopt;
  }
  if (e.get_string().get(s) == simdjson::SUCCESS && s.size() <= kMaxIdChars) {
    req.id_json = quoted(s);
    return std::nullopt;
  }
  return error(ConsoleErrorCode::kBadRequest, "id: expected an integer or a string of at most 64 characters");
}

std::optional<ConsoleError> read_channels(const simdjson::dom::object& obj, ConsoleRequest& req) {
  simdjson::dom::element e;
  if (obj.at_key("channels").get(e) != simdjson::SUCCESS) {
    return error(ConsoleErrorCode::kBadRequest, "channels: missing (a list of channel names)");
  }
  simdjson::dom::array list;
  if (e.get_array().get(list) != simdjson::SUCCESS) {
    return error(ConsoleErrorCode::kBadRequest, "channels: expected a list of channel names");
  }
  for (simdjson::dom::element item : list) {
    std::string_view name;
    if (item.get_string().get(name) != simdjson::SUCCESS) {
      return error(ConsoleErrorCode::kBadRequest, "channels: expected a list of channel names");
    }
    const auto c = console_channel_from(name);
    if (!c) {
      return error(ConsoleErrorCode::kUnknownChannel,
                   "channels: unknown channel " + quoted(name.substr(0, 64)) +
                       " (status, positions, orders, fills, risk, alerts, latency)");
    }
    req.channels = static_cast<ChannelMask>(req.channels | channel_bit(*c));
  }
  return std::nullopt;
}

std::optional<ConsoleError> read_symbol(const simdjson::dom::object& obj, ConsoleRequest& req) {
  StringField f = string_field(obj, "symbol", kMaxSymbolChars);
  if (f.error) return f.error;
  if (f.present) {
    if (f.value.empty()) return error(ConsoleErrorCode::kBadRequest, "symbol: empty");
    req.symbol = std::string(f.value);
  }
  return std::nullopt;
}

std::optional<ConsoleError> read_strategy(const simdjson::dom::object& obj, ConsoleRequest& req) {
  StringField f = string_field(obj, "strategy", kMaxStrategyChars);
  if (f.error) return f.error;
  if (f.present) {
    if (f.value.empty()) return error(ConsoleErrorCode::kBadRequest, "strategy: empty");
    req.strategy = std::string(f.value);
  }
  return std::nullopt;
}

std::optional<ConsoleError> read_fields(const simdjson::dom::object& obj, ConsoleOp op, ConsoleRequest& req) {
  switch (op) {
    case ConsoleOp::kAuth: {
      StringField f = string_field(obj, "token", kMaxTokenChars);
      if (f.error) return f.error;
      if (!f.present || f.value.empty()) return error(ConsoleErrorCode::kBadRequest, "token: missing");
      req.token = std::string(f.value);
      return std::nullopt;
    }
    case ConsoleOp::kPing:
    case ConsoleOp::kWhoami:
    case ConsoleOp::kUsers: return std::nullopt;
    case ConsoleOp::kResume: return read_strategy(obj, req);
    case ConsoleOp::kSubscribe:
    case ConsoleOp::kUnsubscribe: return read_channels(obj, req);
    case ConsoleOp::kSnapshot: {
      StringField f = string_field(obj, "channel", 64);
      if (f.error) return f.error;
      if (!f.present) return error(ConsoleErrorCode::kBadRequest, "channel: missing (a channel name)");
      const auto c = console_channel_from(f.value);
      if (!c) return error(ConsoleErrorCode::kUnknownChannel, "channel: unknown channel " + quoted(f.value));
      req.channel = *c;
      return std::nullopt;
    }
    case ConsoleOp::kKillSwitch: {
      StringField f = string_field(obj, "reason", kMaxReasonChars);
      if (f.error) return f.error;
      if (f.present) req.reason = std::string(f.value);
      return std::nullopt;
    }
    case ConsoleOp::kCancelAll:
    case ConsoleOp::kFlatten:
    case ConsoleOp::kStrategyStart:
    case ConsoleOp::kStrategyStop:
      if (auto e = read_symbol(obj, req)) return e;
      return read_strategy(obj, req);
    case ConsoleOp::kSetRiskLimit: {
      StringField limit = string_field(obj, "limit", 64);
      if (limit.error) return limit.error;
      if (!limit.present) return error(ConsoleErrorCode::kBadRequest, "limit: missing (a limit name)");
      const auto id = risk_limit_from(limit.value);
      if (!id) return error(ConsoleErrorCode::kUnknownLimit, "limit: unknown limit " + quoted(limit.value));
      req.limit = *id;
      if (auto e = read_symbol(obj, req)) return e;
      if (req.symbol && !is_instrument_limit(*id)) {
        return error(ConsoleErrorCode::kBadRequest,
                     "symbol: " + std::string(limit.value) + " is a global limit and takes no symbol");
      }
      StringField value = string_field(obj, "value", 64);
      if (value.error) return value.error;
      if (!value.present) return error(ConsoleErrorCode::kBadRequest, "value: missing (a string)");
      const auto v = parse_limit_value(*id, value.value);
      if (!v) {
        return error(ConsoleErrorCode::kBadValue,
                     "value: " + quoted(value.value) + " is not a valid " + std::string(limit.value) +
                         (value_kind(*id) == ValueKind::kDecimal ? " (a non-negative decimal)"
                                                                 : " (a non-negative integer)"));
      }
      req.arg_value = *v;
      return std::nullopt;
    }
    case ConsoleOp::kSetStrategyParam: {
      StringField param = string_field(obj, "param", 64);
      if (param.error) return param.error;
      if (!param.present) return error(ConsoleErrorCode::kBadRequest, "param: missing (a parameter name)");
      const auto id = strategy_param_from(param.value);
      if (!id) return error(ConsoleErrorCode::kUnknownParam, "param: unknown parameter " + quoted(param.value));
      req.param = *id;
      if (auto e = read_symbol(obj, req)) return e;
      if (auto e = read_strategy(obj, req)) return e;
      StringField value = string_field(obj, "value", 64);
      if (value.error) return value.error;
      if (!value.present) return error(ConsoleErrorCode::kBadRequest, "value: missing (a string)");
      const auto v = parse_param_value(*id, value.value);
      if (!v) {
        return error(ConsoleErrorCode::kBadValue,
                     "value: " + quoted(value.value) + " is not a valid " + std::string(param.value) +
                         " (a positive decimal)");
      }
      req.arg_value = *v;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(ConsoleOp op) noexcept {
  const auto i = static_cast<std::size_t>(op);
  return i < kOpNames.size() ? kOpNames[i] : "unknown";
}

std::string_view to_string(ConsoleChannel c) noexcept {
  const auto i = static_cast<std::size_t>(c);
  return i < kChannelNames.size() ? kChannelNames[i] : "unknown";
}

std::string_view to_string(Role r) noexcept {
  switch (r) {
    case Role::kViewer: return "viewer";
    case Role::kTrader: return "trader";
    case Role::kManager: return "manager";
    case Role::kAdmin: return "admin";
  }
  return "unknown";
}

std::string_view to_string(ConsoleErrorCode c) noexcept {
  switch (c) {
    case ConsoleErrorCode::kBadJson: return "bad_json";
    case ConsoleErrorCode::kBadRequest: return "bad_request";
    case ConsoleErrorCode::kUnknownOp: return "unknown_op";
    case ConsoleErrorCode::kUnknownChannel: return "unknown_channel";
    case ConsoleErrorCode::kUnauthenticated: return "unauthenticated";
    case ConsoleErrorCode::kAuthFailed: return "auth_failed";
    case ConsoleErrorCode::kForbidden: return "forbidden";
    case ConsoleErrorCode::kRateLimited: return "rate_limited";
    case ConsoleErrorCode::kUnknownSymbol: return "unknown_symbol";
    case ConsoleErrorCode::kUnknownLimit: return "unknown_limit";
    case ConsoleErrorCode::kUnknownParam: return "unknown_param";
    case ConsoleErrorCode::kBadValue: return "bad_value";
    case ConsoleErrorCode::kEngineUnavailable: return "engine_unavailable";
    case ConsoleErrorCode::kUnknownStrategy: return "unknown_strategy";
  }
  return "unknown";
}

std::string_view to_string(AlertSeverity s) noexcept {
  switch (s) {
    case AlertSeverity::kInfo: return "info";
    case AlertSeverity::kWarning: return "warning";
    case AlertSeverity::kCritical: return "critical";
  }
  return "unknown";
}

std::string_view to_string(RiskLimitId id) noexcept {
  const auto i = static_cast<std::size_t>(id);
  return i < kLimitNames.size() ? kLimitNames[i] : "unknown";
}

std::string_view to_string(StrategyParamId id) noexcept {
  return id == StrategyParamId::kOrderQty ? "order_qty" : "none";
}

std::optional<ConsoleOp> console_op_from(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kOpNames.size(); ++i) {
    if (kOpNames[i] == name) return static_cast<ConsoleOp>(i);
  }
  return std::nullopt;
}

std::optional<ConsoleChannel> console_channel_from(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kChannelNames.size(); ++i) {
    if (kChannelNames[i] == name) return static_cast<ConsoleChannel>(i);
  }
  return std::nullopt;
}

std::optional<Role> role_from(std::string_view name) noexcept {
  for (Role r : {Role::kViewer, Role::kTrader, Role::kManager, Role::kAdmin}) {
    if (to_string(r) == name) return r;
  }
  return std::nullopt;
}

std::optional<RiskLimitId> risk_limit_from(std::string_view name) noexcept {
  for (std::size_t i = 1; i < kLimitNames.size(); ++i) {
    if (kLimitNames[i] == name) return static_cast<RiskLimitId>(i);
  }
  return std::nullopt;
}

std::optional<StrategyParamId> strategy_param_from(std::string_view name) noexcept {
  if (name == "order_qty") return StrategyParamId::kOrderQty;
  return std::nullopt;
}

Role required_role(ConsoleOp op) noexcept {
  switch (op) {
    case ConsoleOp::kAuth:
    case ConsoleOp::kPing:
    case ConsoleOp::kWhoami:
    case ConsoleOp::kSubscribe:
    case ConsoleOp::kUnsubscribe:
    case ConsoleOp::kSnapshot: return Role::kViewer;
    case ConsoleOp::kCancelAll:
    case ConsoleOp::kStrategyStart:
    case ConsoleOp::kStrategyStop: return Role::kTrader;
    case ConsoleOp::kKillSwitch:
    case ConsoleOp::kResume:
    case ConsoleOp::kFlatten:
    case ConsoleOp::kSetRiskLimit:
    case ConsoleOp::kSetStrategyParam: return Role::kManager;
    case ConsoleOp::kUsers: return Role::kAdmin;
  }
  return Role::kAdmin;
}

AdminCommand admin_command_of(ConsoleOp op) noexcept {
  switch (op) {
    case ConsoleOp::kKillSwitch: return AdminCommand::kKillSwitch;
    case ConsoleOp::kResume: return AdminCommand::kResume;
    case ConsoleOp::kCancelAll: return AdminCommand::kCancelAll;
    case ConsoleOp::kFlatten: return AdminCommand::kFlatten;
    case ConsoleOp::kSetRiskLimit: return AdminCommand::kSetRiskLimit;
    case ConsoleOp::kStrategyStart: return AdminCommand::kStrategyStart;
    case ConsoleOp::kStrategyStop: return AdminCommand::kStrategyStop;
    case ConsoleOp::kSetStrategyParam: return AdminCommand::kSetStrategyParam;
    default: return AdminCommand::kNone;
  }
}

bool is_instrument_limit(RiskLimitId id) noexcept {
  const auto v = static_cast<std::uint8_t>(id);
  return v >= 1 && v <= 5;
}

std::optional<std::int64_t> parse_limit_value(RiskLimitId id, std::string_view value) noexcept {
  switch (value_kind(id)) {
    case ValueKind::kDecimal: {
      std::int64_t raw = 0;
      if (parse_fixed_raw(value, raw, Rounding::kExact) != ParseStatus::kOk || raw < 0) return std::nullopt;
      return raw;
    }
    case ValueKind::kCount: return parse_non_negative_integer(value, std::numeric_limits<std::uint32_t>::max());
    case ValueKind::kInteger: return parse_non_negative_integer(value, std::numeric_limits<std::int64_t>::max());
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_param_value(StrategyParamId id, std::string_view value) noexcept {
  if (id != StrategyParamId::kOrderQty) return std::nullopt;
  std::int64_t raw = 0;
  if (parse_fixed_raw(value, raw, Rounding::kExact) != ParseStatus::kOk || raw <= 0) return std::nullopt;
  return raw;
}

std::string format_limit_value(RiskLimitId id, std::int64_t raw) {
  if (value_kind(id) == ValueKind::kDecimal) {
    char buf[kMaxFixedChars];
    return std::string(buf, format_fixed_raw(raw, buf));
  }
  return std::to_string(raw);
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

ParsedConsoleRequest parse_console_request(std::string_view frame) {
  ParsedConsoleRequest out;
  // One parser per thread, reused: it keeps its buffers between frames (frames are small).
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(frame.data(), frame.size(), true).get(doc) != simdjson::SUCCESS) {
    out.error = error(ConsoleErrorCode::kBadJson, "the frame is not valid JSON");
    return out;
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    out.error = error(ConsoleErrorCode::kBadJson, "the frame is not a JSON object");
    return out;
  }
  ConsoleRequest& req = out.request;
  if (auto e = read_id(obj, req)) {
    out.error = std::move(e);
    // Still read the op, so the server can tell an unauthenticated client "unauthenticated".
  }
  StringField op = string_field(obj, "op", 64);
  if (!out.error) {
    if (op.error) {
      out.error = op.error;
      return out;
    }
    if (!op.present) {
      out.error = error(ConsoleErrorCode::kBadRequest, "op: missing");
      return out;
    }
  }
  if (op.present && !op.error) req.op = console_op_from(op.value);
  if (out.error) return out;
  if (!req.op) {
    out.error = error(ConsoleErrorCode::kUnknownOp, "op: unknown op " + quoted(op.value));
    return out;
  }
  if (auto e = read_fields(obj, *req.op, req)) out.error = std::move(e);
  return out;
}

}  // namespace sequent::console
