// The one fixed-size event that every input, stage-to-stage message and output is carried in.
//
// Layout: a 32-byte header (seq, event time, receive time, type, source, flags, instrument) and a 96-byte payload union: 128 bytes, two cache lines, trivially copyable, no pointers.
// Why 128 and not 64: an execution report needs client order id, venue order id, venue trade
// id, last price, last quantity, cumulative and leaves quantity and fee (8 × 8 bytes) plus
// exec type, side, liquidity and reason; with the 28 bytes of header the issue names, that
// cannot fit 64 bytes without splitting a fill across events or dropping fields. See
// docs/architecture.md ("Event size").
//
// Inputs (market data, execution reports, admin commands, timers, risk denials fed back) get
// their seq and recv_ns from the Sequencer. Events produced by stages (order intents, orders,
// denials on their way out) carry kDerived in flags and the seq/recv_ns of the input that caused
// them (their "origin").
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "engine/fixed_point.hpp"
#include "engine/types.hpp"

namespace sequent {

enum class EventType : std::uint8_t {
  kNone = 0,
  // inputs: sequenced and (from the journal issue on) journaled
  kTrade = 1,        // TradePayload
  kQuote = 2,        // QuotePayload (top of book)
  kBar = 3,          // BarPayload (historical bars; live bars are aggregated in the core)
  kBookLevel = 4,    // BookLevelPayload: one L2 price level of a venue depth message (see below)
  kExecReport = 10,  // ExecReportPayload, from a venue
  kOrderDenied = 11, // OrderPayload + reason: pre-trade risk refused an intent (fed back)
  kAdmin = 20,       // AdminPayload, operator command with its user
  kTimer = 21,       // TimerPayload
  kReconcile = 22,   // ReconcilePayload: begin/end of the venue's view fed in after a restart
  kGap = 23,         // an input lost in a crash before it was journaled: holds its seq, no effect
  // derived: produced by stages, travel downstream, never sequenced as inputs
  kOrderIntent = 40, // OrderPayload: strategy → risk
  kOrderNew = 41,    // OrderPayload: risk-approved order → router → venue
  kOrderCancel = 42, // OrderPayload (client_order_id only matters): cancel request
  kCheckpoint = 43,  // CheckpointPayload: stage hashes after input `seq`, filled stage by stage
};

enum class Source : std::uint8_t {
  kNone = 0,
  kSimMarket = 1,   // built-in simulated market data
  kSimVenue = 2,    // built-in simulated venue (execution reports)
  kConsole = 3,     // admin console / operator
  kTimer = 4,
  kInternal = 5,    // the core's own feedback (risk denials)
  kFile = 6,        // historical data files
  kReconcile = 7,   // the venue's view after a restart (reports re-sent by reconciliation)
  kVenueMarket = 8, // a real venue's market data gateway (trades, quotes, book levels)
  kVenue = 9,       // a real venue's order gateway (execution reports, gateway refusals)
  kStrategy = 10,   // derived events
  kRisk = 11,
  kRouter = 12,
};

// Header flag bits.
inline constexpr std::uint8_t kFlagDerived = 0x01;  // produced by a stage; seq = origin seq
// On an input execution report: not a report the venue sent but its order state restated by
// reconciliation ("this order is open at the venue").
inline constexpr std::uint8_t kFlagVenueState = 0x02;

enum class ExecType : std::uint8_t {
  kNew = 1,            // venue acknowledged the order
  kPartialFill = 2,
  kFill = 3,           // final fill: order complete
  kCanceled = 4,
  kRejected = 5,
  kExpired = 6,
  kCancelRejected = 7, // cancel refused (order unknown or already done)
};

// Stable reason codes: numbers never change meaning (they are journaled and exported).
enum class RejectReason : std::uint16_t {
  kNone = 0,
  // pre-trade risk (1xx)
  kRiskUnknownInstrument = 100,
  kRiskMaxOrderQty = 101,
  kRiskMaxOrderNotional = 102,
  kRiskNoReferencePrice = 103,
  kRiskHalted = 104,
  kRiskBadQuantity = 105,
  kRiskMaxOpenOrders = 106,  // the order table is full
  kJournalNotDurable = 107,  // gate_orders: the origin input did not become durable in time
  kRiskNotWhitelisted = 108,
  kRiskMaxPositionQty = 109,
  kRiskMaxPositionNotional = 110,
  kRiskMaxGrossExposure = 111,
  kRiskRatePerSecond = 112,
  kRiskRatePerDay = 113,
  kRiskPriceBand = 114,
  kRiskMinNotional = 115,
  kRiskLotSize = 116,
  kRiskTickSize = 117,
  kRiskBreakerTripped = 118,  // a circuit breaker (daily loss, drawdown) is on: reduce-only
  kAdvisoryMode = 119,        // advisory mode: the decision is journaled, the order never leaves
  // per-strategy limits ([risk.strategy.NAME]); the order's strategy_id picks them
  kRiskStrategyMaxOrderQty = 120,
  kRiskStrategyMaxOrderNotional = 121,
  kRiskStrategyMaxPositionQty = 122,
  kRiskStrategyMaxPositionNotional = 123,
  kRiskStrategyMaxOpenOrders = 124,
  kRiskStrategyHalted = 125,  // the strategy's own daily loss breaker is on: reduce-only for it
  // venue (2xx)
  kVenueUnknownInstrument = 200,
  kVenueInvalidQuantity = 201,
  kVenueInvalidPrice = 202,
  kVenueNoLiquidity = 203,
  kVenueUnknownOrder = 204,
  kVenueDuplicateOrder = 205,
  kVenueWouldTake = 206,  // limit-maker order would cross
  kVenueTooManyOrders = 207,  // the venue's open-order limit is reached
  kVenueInvalidOrder = 208,   // side, order type or time in force out of range
  kVenueInsufficientBalance = 209,  // the account cannot fund the order
  kVenueOther = 210,          // a venue reason with no closer code (see the gateway's mapping)
  // Refused by the live gateway itself, before or instead of reaching the venue (22x).
  kVenueRateLimited = 220,    // venue said 429 / would exceed its rate limits: backing off
  kVenueBanned = 221,         // venue said 418 (IP banned): nothing is sent until an operator acts
  kVenueNotConnected = 222,   // the order connection (WebSocket API) is down
  kVenueAuthFailed = 223,     // API key or signature refused (-1022, -2014, -2015)
  kVenueClockSkew = 224,      // timestamp outside recvWindow (-1021)
};

enum class AdminCommand : std::uint8_t {
  kNone = 0,
  kKillSwitch = 1,
  kResume = 2,
  kCancelAll = 3,
  kFlatten = 4,
  kSetRiskLimit = 5,
  kStrategyStart = 6,
  kStrategyStop = 7,
  kSetStrategyParam = 8,
  kDenied = 9,  // a refused request, journaled for audit
  kAdvisory = 10,  // the live engine downgraded itself to advisory (arg_code 1 venue errors, 2 banned)
  // One strategy's breaker tripped (strategy_id; arg_code 1 = its daily loss limit): only that
  // strategy is held at reduce-only and its working orders are cancelled; `resume` re-arms it.
  kStrategyHalt = 11,
};

struct TradePayload {
  Price price;
  Qty qty;
  std::uint64_t trade_id;
  Side aggressor;
};

struct QuotePayload {
  Price bid_price;
  Qty bid_qty;
  Price ask_price;
  Qty ask_qty;
};

// One L2 price level. A venue depth message of N levels becomes N kBookLevel events, in the
// message's order; the book (engine/l2_book.hpp) is consistent only after the one with kBookLast.
//   kBookClear: empty the book before applying this level (the first level of a snapshot).
//   kBookLast:  the last level of one venue message.
// Resync marker: side kNone, price 0, qty 0, both update ids 0, flags kBookClear|kBookLast.
// The gateway emits it when the depth stream broke (sequence gap, crossed book); the book is
// then empty and not synced until the next snapshot (kBookClear with a non-zero update id).
inline constexpr std::uint8_t kBookClear = 0x01;
inline constexpr std::uint8_t kBookLast = 0x02;

struct BookLevelPayload {
  Price price;
  Qty qty;                         // 0 = delete the level
  Side side;                       // kBuy = bid, kSell = ask, kNone = no level (marker / empty)
  std::uint8_t flags;              // kBookClear | kBookLast
  std::uint64_t first_update_id;   // the venue message's first update id (Binance U)
  std::uint64_t last_update_id;    // and last (Binance u; lastUpdateId for a snapshot)
};

struct BarPayload {  // header event_ns = bar open time
  Price open, high, low, close;
  Qty volume;
  TimeNs interval_ns;
};

struct ExecReportPayload {
  ClientOrderId client_order_id;
  std::uint64_t venue_order_id;
  std::uint64_t trade_id;  // venue trade id for fills, 0 otherwise
  Price last_price;
  Qty last_qty;
  Qty cum_qty;
  Qty leaves_qty;
  Money fee;               // in the quote currency, >= 0 is a cost
  ExecType exec_type;
  Side side;
  Liquidity liquidity;
  RejectReason reason;
};

struct OrderPayload {
  ClientOrderId client_order_id;
  Price price;             // limit price; reference price for market orders (may be 0)
  Qty qty;
  StrategyId strategy_id;
  Side side;
  OrderType order_type;
  TimeInForce tif;
  RejectReason reason;     // kOrderDenied only
  // Optional exits attached to an entry, relative to its fill price (basis points; 0 = none).
  // A venue that supports brackets (the backtest venue) holds them after the fill.
  std::int32_t take_profit_bps;
  std::int32_t stop_loss_bps;
};

struct AdminPayload {
  UserId user_id;
  AdminCommand command;
  std::uint8_t arg_code;   // command-specific selector (limit or parameter id)
  // Scope of strategy_start / strategy_stop / set_strategy_param / resume / strategy_halt:
  // 0 = every strategy (what older journals hold: these bytes were padding and zero).
  StrategyId strategy_id;
  std::int64_t arg_value;  // command-specific value (fixed-point raw when a quantity/price)
  std::uint32_t request_id;
};

struct CheckpointPayload {
  std::uint64_t strategy_hash;
  std::uint64_t risk_hash;
  std::uint64_t router_hash;
  std::uint64_t state_hash;  // Core::combine_hashes of the three, set by the router
};

enum class ReconcilePhase : std::uint8_t { kBegin = 1, kEnd = 2 };

struct ReconcilePayload {
  ReconcilePhase phase;
  std::uint32_t venue_open_orders;  // reports that follow: one ack per order open at the venue
  std::uint32_t venue_fills;        // and the venue's fills (duplicates are ignored by trade id)
  Seq last_durable_seq;             // what the journal held when the engine restarted
};

struct TimerPayload {
  std::uint32_t timer_id;
};

struct EventHeader {
  Seq seq;
  TimeNs event_ns;  // when it happened, from the source
  TimeNs recv_ns;   // when the sequencer stamped it
  EventType type;
  Source source;
  std::uint8_t flags;
  std::uint8_t reserved;
  InstrumentId instrument;
  std::uint16_t reserved2;
};

struct alignas(64) Event {
  EventHeader header;
  union Payload {
    Payload() noexcept : bytes{} {}  // zeroed; copies stay trivial (memcpy)
    unsigned char bytes[96];
    TradePayload trade;
    QuotePayload quote;
    BarPayload bar;
    BookLevelPayload book;
    ExecReportPayload exec;
    OrderPayload order;
    AdminPayload admin;
    TimerPayload timer;
    CheckpointPayload checkpoint;
    ReconcilePayload reconcile;
  } payload;

  Seq seq() const noexcept { return header.seq; }
  EventType type() const noexcept { return header.type; }
  InstrumentId instrument() const noexcept { return header.instrument; }
  bool derived() const noexcept { return (header.flags & kFlagDerived) != 0; }
};

static_assert(sizeof(EventHeader) == 32, "EventHeader must stay 32 bytes: the payload starts at offset 32");
static_assert(sizeof(Event) == 128, "Event is two cache lines; see docs/architecture.md before changing");
static_assert(std::is_trivially_copyable_v<Event>, "Event is copied by memcpy into rings and the journal");
static_assert(std::is_standard_layout_v<Event>, "Event layout is the journal's binary record");
static_assert(offsetof(Event, payload) == 32, "payload offset is part of the binary layout");
static_assert(offsetof(AdminPayload, strategy_id) == 4 && offsetof(AdminPayload, arg_value) == 8,
              "AdminPayload.strategy_id lives in what was padding: the journal layout is unchanged");

// A zeroed event of the given type (all bytes zero, so padding hashes and journals identically).
Event make_event(EventType type, Source source, InstrumentId instrument, TimeNs event_ns) noexcept;

// The journaled window a venue's view enters the core as (after a restart, and after a lost
// report stream): kReconcile begin (with the counts and the last durable seq of a crashed session,
// 0 mid-session), the venue's fills, one kFlagVenueState ack per order it holds open (stamped
// `t`), kReconcile end; every event from Source::kReconcile. Cold path.
std::vector<Event> reconcile_window(std::span<const Event> fills, std::span<const Event> open_acks, TimeNs t,
                                    Seq last_durable_seq);

std::string_view to_string(EventType t) noexcept;
std::string_view to_string(Source s) noexcept;
std::string_view to_string(ExecType t) noexcept;
std::string_view to_string(RejectReason r) noexcept;
std::string_view to_string(AdminCommand c) noexcept;

}  // namespace sequent
