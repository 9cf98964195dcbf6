// The admin console's request side (docs/console-protocol.md): ops, channels, roles, error codes,
// and parse_console_request(), the pure function that turns one WebSocket text frame into a
// validated ConsoleRequest. Everything the server decides about a request that does not need the
// server's state (users, instruments, counters) is decided here, so it can be unit-tested and
// fuzzed without a socket.
//
// Cold path: a console request may allocate; parsing never throws and never crashes on any bytes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/console_feed.hpp"
#include "engine/event.hpp"

namespace sequent::console {

enum class ConsoleOp : std::uint8_t {
  kAuth,
  kPing,
  kWhoami,
  kSubscribe,
  kUnsubscribe,
  kSnapshot,
  kUsers,
  kKillSwitch,
  kResume,
  kCancelAll,
  kFlatten,
  kSetRiskLimit,
  kStrategyStart,
  kStrategyStop,
  kSetStrategyParam,
};
inline constexpr std::size_t kConsoleOpCount = 15;

enum class ConsoleChannel : std::uint8_t { kStatus, kPositions, kOrders, kFills, kRisk, kAlerts, kLatency };
inline constexpr std::size_t kConsoleChannelCount = 7;
using ChannelMask = std::uint8_t;  // bit (1 << channel)
inline constexpr ChannelMask channel_bit(ConsoleChannel c) noexcept {
  return static_cast<ChannelMask>(1u << static_cast<unsigned>(c));
}

// Roles in increasing power: each may do everything the ones below it may.
enum class Role : std::uint8_t { kViewer = 0, kTrader = 1, kManager = 2, kAdmin = 3 };

enum class ConsoleErrorCode : std::uint8_t {
  kBadJson,
  kBadRequest,
  kUnknownOp,
  kUnknownChannel,
  kUnauthenticated,
  kAuthFailed,
  kForbidden,
  kRateLimited,
  kUnknownSymbol,
  kUnknownLimit,
  kUnknownParam,
  kBadValue,
  kEngineUnavailable,
  kUnknownStrategy,
};

enum class AlertSeverity : std::uint8_t { kInfo, kWarning, kCritical };

std::string_view to_string(ConsoleOp op) noexcept;
std::string_view to_string(ConsoleChannel c) noexcept;
std::string_view to_string(Role r) noexcept;
std::string_view to_string(ConsoleErrorCode c) noexcept;
std::string_view to_string(AlertSeverity s) noexcept;
std::string_view to_string(RiskLimitId id) noexcept;
std::string_view to_string(StrategyParamId id) noexcept;
std::optional<ConsoleOp> console_op_from(std::string_view name) noexcept;
std::optional<ConsoleChannel> console_channel_from(std::string_view name) noexcept;
std::optional<Role> role_from(std::string_view name) noexcept;
std::optional<RiskLimitId> risk_limit_from(std::string_view name) noexcept;
std::optional<StrategyParamId> strategy_param_from(std::string_view name) noexcept;

// The least role that may use an op (the doc's role table).
Role required_role(ConsoleOp op) noexcept;
inline bool role_allows(Role role, ConsoleOp op) noexcept { return role >= required_role(op); }
// The admin command an op becomes, or kNone for ops the server answers itself.
AdminCommand admin_command_of(ConsoleOp op) noexcept;
// Instrument limits apply per symbol (or to the defaults); global ones take no symbol.
bool is_instrument_limit(RiskLimitId id) noexcept;

inline constexpr std::size_t kMaxIdChars = 64;
inline constexpr std::size_t kMaxReasonChars = 200;
inline constexpr std::size_t kMaxSymbolChars = 64;
inline constexpr std::size_t kMaxStrategyChars = 32;  // as [[strategies]] names
inline constexpr std::size_t kMaxTokenChars = 512;

struct ConsoleRequest {
  std::optional<ConsoleOp> op;    // set whenever `op` named a known op, even if a field is bad
  std::string id_json;            // the request's id as JSON text to echo ("7", "\"a\""), or empty
  std::string token;              // auth (never logged)
  ChannelMask channels = 0;       // subscribe, unsubscribe
  ConsoleChannel channel = ConsoleChannel::kStatus;  // snapshot
  std::string reason;             // kill_switch, at most kMaxReasonChars
  std::optional<std::string> symbol;  // cancel_all, flatten, set_risk_limit, strategy_*, set_strategy_param
  // resume, cancel_all, flatten, strategy_*, set_strategy_param: one strategy by its configured
  // name ([[strategies]] name); absent = every strategy.
  std::optional<std::string> strategy;
  RiskLimitId limit = RiskLimitId::kNone;
  StrategyParamId param = StrategyParamId::kNone;
  std::int64_t arg_value = 0;     // the value parsed for the limit/param: fixed-point raw or integer
};

struct ConsoleError {
  ConsoleErrorCode code = ConsoleErrorCode::kBadRequest;
  std::string message;
};

// What parse_console_request found: the request (with op and id filled in as far as they could
// be read, so even an error reply echoes the id) and the first problem, if any.
struct ParsedConsoleRequest {
  ConsoleRequest request;
  std::optional<ConsoleError> error;
  bool ok() const noexcept { return !error.has_value(); }
};

// Parses and validates one text frame. Never throws; any bytes give a request or an error:
//   bad_json (not a JSON object), bad_request (missing/mistyped field; the message names it),
//   unknown_op, unknown_channel, unknown_limit, unknown_param, bad_value. Symbols are checked
//   against the instruments by the server (unknown_symbol).
ParsedConsoleRequest parse_console_request(std::string_view frame);

// Parses `value` for a limit or param: Qty/Money limits as exact decimals (raw fixed point),
// the others as non-negative integers. Negative values are refused (0 turns a limit off).
std::optional<std::int64_t> parse_limit_value(RiskLimitId id, std::string_view value) noexcept;
std::optional<std::int64_t> parse_param_value(StrategyParamId id, std::string_view value) noexcept;
// Formats a limit's raw value back the way it is written (decimal or integer).
std::string format_limit_value(RiskLimitId id, std::int64_t raw);

// Appends s as a JSON string literal (quotes included), escaping as RFC 8259 requires.
void append_json_string(std::string& out, std::string_view s);

}  // namespace sequent::console
