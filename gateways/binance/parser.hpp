// BinanceParser: Binance spot JSON → engine Events (market data, execution reports) or small
// typed views (order responses, errors, account events). One simdjson On-Demand parser per
// connection, reused for every message; error codes only, no exceptions, no allocation after
// construction on the market-data and execution-report paths.
//
//   BinanceParser parser({{"BTCUSDT", btc_id, "BTC", "USDT"}});
//   Parsed m;
//   if (parser.parse(bytes, m) != ParseErrc::kOk) { quarantine.add(bytes, parser.error()); ... }
//   switch (m.kind) { case MessageKind::kDepthUpdate: sync.on_diff(m.depth, m.events, out); ... }
//
// What parse() recognises (one entry point for every WebSocket and REST body):
//   * combined-stream envelopes {"stream":..,"data":{..}} and raw stream events: trade,
//     aggTrade (→ one kTrade), bookTicker (→ one kQuote; update id in Parsed::update_id),
//     depthUpdate (→ N kBookLevel, kBookLast on the last; header in Parsed::depth);
//   * the REST depth snapshot / partial-depth message {"lastUpdateId","bids","asks"} (→ N
//     kBookLevel with kBookClear on the first; instrument = the `context` argument);
//   * user-data events, bare or in the WS-API envelope {"subscriptionId":..,"event":{..}}:
//     executionReport (→ one kExecReport, or kForeignOrder when the client order id is not one
//     of ours), outboundAccountPosition, balanceUpdate, listStatus, eventStreamTerminated;
//   * REST order responses (ACK / RESULT / FULL with fills, cancel responses), errors
//     {"code","msg"}, WS-API responses {"id","status","result"|"error","rateLimits"} and
//     stream-control replies {"result":null,"id":1}; serverShutdown.
// Unknown fields are ignored; missing or mistyped required fields, unknown event types,
// unknown symbols and bad decimals are errors naming the field (error().message()).
//
// Views (string_views, spans) in Parsed point into the parser and stay valid until the next
// parse() call on the same parser.
//
// Client order ids: ours are ClientOrderId (uint64) sent as their decimal string in
// newClientOrderId; format_client_order_id() writes it and parse_client_order_id() reads it back.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/event.hpp"
#include "engine/result.hpp"

namespace sequent::binance {

enum class MessageKind : std::uint8_t {
  kNone = 0,
  kTrade,              // events: one kTrade
  kAggTrade,           // events: one kTrade (trade_id = aggregate trade id)
  kBookTicker,         // events: one kQuote; update_id = u
  kDepthUpdate,        // events: N kBookLevel; depth = U/u/E
  kDepthSnapshot,      // events: N kBookLevel; depth.last_update_id = lastUpdateId
  kExecutionReport,    // events: one kExecReport (our order)
  kForeignOrder,       // executionReport of an order that is not ours: no events
  kAccountPosition,    // account
  kBalanceUpdate,      // balance
  kListStatus,         // list
  kStreamTerminated,   // event_ns
  kServerShutdown,     // event_ns
  kOrderResponse,      // order (REST body, or WS-API result)
  kError,              // error (REST body, or WS-API error)
  kControlReply,       // {"result":null,"id":1} or a WS-API result without an order
};
std::string_view to_string(MessageKind k) noexcept;

enum class ParseErrc : std::uint8_t {
  kOk = 0,
  kJson,           // not well-formed JSON (simdjson's error in detail)
  kNotObject,      // the document (or a nested message) is not an object
  kMissingField,
  kWrongType,
  kBadDecimal,     // a price/quantity string that is not a decimal
  kTooPrecise,     // more than 8 decimals of non-zero digits
  kOutOfRange,     // does not fit int64 at 8 decimals
  kUnknownEvent,   // an event type ("e") or message shape we do not handle
  kUnknownSymbol,  // a symbol that is not in the parser's table
  kBadValue,       // an enum string we do not know (side, status, exec type)
  kTooManyLevels,  // more depth levels (or fills, balances) than the configured capacity
  kTooLarge,       // parse(string_view) of a message larger than Options::max_message_bytes
};
std::string_view to_string(ParseErrc e) noexcept;

struct ParseError {
  ParseErrc code = ParseErrc::kOk;
  std::array<char, 32> where{};  // message being parsed ("depthUpdate", "order response", ...)
  std::array<char, 24> field{};  // JSON field name, NUL-terminated (truncated)
  std::array<char, 48> detail{}; // offending value or simdjson's message, NUL-terminated
  // "binance depthUpdate: field \"b\": ..." (cold: allocates).
  std::string message() const;
};

struct SymbolBinding {
  std::string symbol;       // as Binance spells it: "BTCUSDT"
  InstrumentId instrument;
  std::string base_asset;   // "BTC": a commission in it is converted at the fill price
  std::string quote_asset;  // "USDT": the currency ExecReportPayload::fee is in
};

struct DepthHeader {
  InstrumentId instrument = kNoInstrument;
  std::uint64_t first_update_id = 0;  // U (snapshot: lastUpdateId)
  std::uint64_t last_update_id = 0;   // u (snapshot: lastUpdateId)
  TimeNs event_ns = 0;                // E (snapshot: 0)
  bool snapshot = false;
};

enum class OrderStatus : std::uint8_t {
  kUnknown = 0, kNew, kPendingNew, kPartiallyFilled, kFilled, kCanceled, kPendingCancel, kRejected,
  kExpired, kExpiredInMatch,
};
std::string_view to_string(OrderStatus s) noexcept;

struct OrderFill {
  Price price;
  Qty qty;
  Qty commission;                    // in commission_asset
  std::string_view commission_asset;
  std::uint64_t trade_id = 0;
};

struct OrderResponse {
  std::string_view symbol;
  InstrumentId instrument = kNoInstrument;  // kNoInstrument when the symbol is not in the table
  std::uint64_t venue_order_id = 0;
  std::int64_t order_list_id = -1;
  std::string_view client_order_id;          // as sent back
  ClientOrderId our_id = 0;                  // valid when ours
  bool ours = false;
  std::string_view orig_client_order_id;     // cancel responses
  std::int64_t transact_time_ms = 0;
  bool has_result = false;                   // RESULT/FULL (status and quantities present)
  OrderStatus status = OrderStatus::kUnknown;
  Side side = Side::kNone;
  std::string_view type;                     // "LIMIT", "MARKET", ...
  std::string_view time_in_force;
  Price price;
  Qty orig_qty;
  Qty executed_qty;
  Money cumulative_quote_qty;
  std::span<const OrderFill> fills;          // FULL only
};

struct VenueError {
  std::int64_t code = 0;  // Binance error code, e.g. -2010
  std::string_view msg;
};

enum class RateLimitType : std::uint8_t { kUnknown = 0, kRequestWeight, kOrders, kRawRequests };
enum class RateInterval : std::uint8_t { kUnknown = 0, kSecond, kMinute, kHour, kDay };

struct RateLimitUsage {  // one entry of a WS-API response's rateLimits
  RateLimitType type = RateLimitType::kUnknown;
  RateInterval interval = RateInterval::kUnknown;
  std::int32_t interval_num = 0;
  std::int64_t limit = 0;
  std::int64_t count = 0;
};

struct WsApiMeta {  // set for WS-API responses ({"id",...,"status"}); status 0 otherwise
  std::string_view id;     // the request id (string, or the digits of a numeric id)
  std::int32_t status = 0; // HTTP-like status
  std::span<const RateLimitUsage> rate_limits;
};

struct Balance {
  std::string_view asset;
  Qty free;
  Qty locked;
};

struct AccountPosition {
  TimeNs event_ns = 0;
  std::int64_t last_update_ms = 0;
  std::span<const Balance> balances;
};

struct BalanceUpdate {
  TimeNs event_ns = 0;
  std::string_view asset;
  Qty delta;  // may be negative
  std::int64_t clear_time_ms = 0;
};

struct ListOrder {
  std::string_view symbol;
  std::uint64_t venue_order_id = 0;
  std::string_view client_order_id;
};

struct ListStatus {
  TimeNs event_ns = 0;
  std::string_view symbol;
  std::int64_t order_list_id = 0;
  std::string_view contingency_type;     // c: "OCO"
  std::string_view list_status_type;     // l: "EXEC_STARTED", "ALL_DONE", "RESPONSE"
  std::string_view list_order_status;    // L: "EXECUTING", "ALL_DONE", "REJECT"
  std::string_view reject_reason;        // r
  std::string_view list_client_order_id; // C
  std::int64_t transaction_time_ms = 0;  // T
  std::span<const ListOrder> orders;
};

struct Parsed {
  MessageKind kind = MessageKind::kNone;
  std::span<const Event> events;
  std::string_view stream;           // combined-stream name, if any
  std::int64_t subscription_id = -1; // WS-API user-data envelope
  std::uint64_t update_id = 0;       // bookTicker u
  TimeNs event_ns = 0;               // E of the event (all event kinds)
  DepthHeader depth;
  OrderResponse order;
  VenueError error;
  WsApiMeta wsapi;
  AccountPosition account;
  BalanceUpdate balance;
  ListStatus list;
};

// Our client order id as Binance's newClientOrderId: its decimal digits (1 to 20 chars).
// buf must hold 20 chars; returns the length.
std::size_t format_client_order_id(ClientOrderId id, char* buf) noexcept;
// Back: true only for 1 to 20 decimal digits without sign or leading zero that fit uint64.
bool parse_client_order_id(std::string_view text, ClientOrderId& out) noexcept;

// ExecType / RejectReason mapping of executionReport fields (exposed for tests and the venue).
bool map_exec_type(std::string_view x, std::string_view X, ExecType& out) noexcept;
RejectReason map_reject_reason(std::string_view r) noexcept;

class BinanceParser {
 public:
  static constexpr std::size_t kPadding = 64;  // bytes readable past a message (SIMDJSON_PADDING)

  struct Options {
    Source source = Source::kNone;         // header.source of every event
    std::size_t max_levels = 10'240;       // depth levels per message (Binance snapshots: ≤ 2×5000)
    std::size_t max_items = 1'024;         // fills, balances, list orders, rate limits per message
    std::size_t max_message_bytes = 4u << 20;  // parse(string_view) copy buffer (REST bodies)
  };

  explicit BinanceParser(std::vector<SymbolBinding> symbols);
  BinanceParser(std::vector<SymbolBinding> symbols, Options options);
  ~BinanceParser();
  BinanceParser(const BinanceParser&) = delete;
  BinanceParser& operator=(const BinanceParser&) = delete;

  // Parses one message that sits in a buffer readable up to data + capacity, with capacity >=
  // len + kPadding (no copy). `context` is the instrument for messages that carry no symbol
  // (depth snapshots). On error `out.kind` is kNone and error() says why.
  ParseErrc parse_padded(const char* data, std::size_t len, std::size_t capacity, Parsed& out,
                         InstrumentId context = kNoInstrument) noexcept;
  // Same, copying the message into the parser's padded buffer first.
  ParseErrc parse(std::string_view message, Parsed& out, InstrumentId context = kNoInstrument) noexcept;

  const ParseError& error() const noexcept { return error_; }
  std::uint64_t messages() const noexcept { return messages_; }
  std::uint64_t errors() const noexcept { return errors_; }
  std::uint64_t foreign_orders() const noexcept { return foreign_orders_; }
  // Fills whose commission asset was neither the base nor the quote asset: fee left at 0.
  std::uint64_t fees_unconverted() const noexcept { return fees_unconverted_; }
  // The instrument bound to a symbol, or kNoInstrument.
  InstrumentId instrument_of(std::string_view symbol) const noexcept;

  struct Impl;  // parser.cpp

 private:
  std::unique_ptr<Impl> impl_;
  ParseError error_;
  std::uint64_t messages_ = 0;
  std::uint64_t errors_ = 0;
  std::uint64_t foreign_orders_ = 0;
  std::uint64_t fees_unconverted_ = 0;
};

// ---- exchangeInfo (cold) -------------------------------------------------------------------

struct RateLimitRule {
  RateLimitType type = RateLimitType::kUnknown;
  RateInterval interval = RateInterval::kUnknown;
  std::int32_t interval_num = 0;
  std::int64_t limit = 0;
};

struct SymbolRules {
  std::string symbol;
  std::string status;      // "TRADING", "BREAK", ...
  std::string base_asset;
  std::string quote_asset;
  Price tick_size;         // PRICE_FILTER (0 when absent)
  Price min_price;
  Price max_price;
  Qty step_size;           // LOT_SIZE
  Qty min_qty;
  Qty max_qty;
  Qty market_step_size;    // MARKET_LOT_SIZE
  Qty market_max_qty;
  Money min_notional;      // NOTIONAL, or the legacy MIN_NOTIONAL
  Money max_notional;      // NOTIONAL only (0 when absent)
  bool has_notional_filter = false;  // NOTIONAL or MIN_NOTIONAL was present
};

struct ExchangeInfo {
  std::int64_t server_time_ms = 0;
  std::vector<RateLimitRule> rate_limits;  // empty placeholder objects ({}) are skipped
  std::vector<SymbolRules> symbols;
  const SymbolRules* find(std::string_view symbol) const noexcept;
};

// Parses GET /api/v3/exchangeInfo. Errors name the symbol and field.
Result<ExchangeInfo> parse_exchange_info(std::string_view json);

}  // namespace sequent::binance
