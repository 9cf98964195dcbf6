// The core's one-way feed to the admin console: fixed-size state updates the router thread
// publishes into a bounded SPSC ring (engine/spsc_ring.hpp) that the console thread drains.
//
// The core never waits on the console: a full ring drops the update and counts it (the console
// reports the count as a metric, and the periodic status/position updates bring it back in step).
// Everything here is trivially copyable; nothing allocates.
//
// Who writes what:
//   router thread  ConsoleObserver::after_event() → try_push into the ring (only producer)
//   console thread pops, keeps its own view (positions, open orders, risk), serialises once per
//                  update and fans out to subscribers.
#pragma once

#include <cstdint>
#include <type_traits>

#include "engine/event.hpp"
#include "engine/fixed_point.hpp"
#include "engine/order_table.hpp"
#include "engine/types.hpp"

namespace sequent {

enum class ConsoleUpdateKind : std::uint8_t {
  kStatus = 1,        // StatusUpdate: counters, P&L, halted; periodically and on admin events
  kPosition = 2,      // PositionUpdate: one instrument's position and P&L after a fill or mark
  kOrder = 3,         // OrderUpdate: an order's state after any change (new, ack, fill, cancel...)
  kFill = 4,          // FillUpdate: one fill
  kRisk = 5,          // RiskUpdate: halt / breaker state, a limit changed, reject counters
  kAdminApplied = 6,  // AdminAppliedUpdate: an admin input reached the core (with its seq)
};

// Risk limits an operator may change with set_risk_limit (AdminPayload::arg_code). Instrument
// limits apply to the event's instrument, or to the default limits when it is kNoInstrument.
// arg_value is the raw fixed-point value for quantities and money, the plain integer otherwise.
enum class RiskLimitId : std::uint8_t {
  kNone = 0,
  kMaxOrderQty = 1,           // instrument, Qty raw
  kMaxOrderNotional = 2,      // instrument, Money raw
  kMaxPositionQty = 3,        // instrument, Qty raw
  kMaxPositionNotional = 4,   // instrument, Money raw
  kPriceBandBps = 5,          // instrument, integer
  kMaxOpenOrders = 6,         // global, integer
  kMaxOrdersPerSecond = 7,    // global, integer
  kMaxOrdersPerDay = 8,       // global, integer
  kDailyLossLimit = 9,        // global, Money raw
  kMaxDrawdownBps = 10,       // global, integer
  kMaxGrossExposureBps = 11,  // global, integer
};
inline constexpr std::uint8_t kRiskLimitIdMax = 11;

// Strategy parameters an operator may change with set_strategy_param (AdminPayload::arg_code).
// The strategy is the one trading the event's instrument (kNoInstrument = every strategy).
enum class StrategyParamId : std::uint8_t {
  kNone = 0,
  kOrderQty = 1,  // Qty raw: size of each entry order
};
inline constexpr std::uint8_t kStrategyParamIdMax = 1;

struct StatusUpdate {
  Seq seq;
  TimeNs event_ns;
  std::uint64_t orders, fills, rejects, cancels;
  std::int64_t realised_raw, unrealised_raw, fees_raw, net_pnl_raw;  // totals, Money raw
  std::uint8_t halted;   // kill switch or breaker on
  std::uint8_t breaker;  // 0 none, 1 daily loss, 2 drawdown
  std::uint8_t strategies_enabled;
};

struct PositionUpdate {
  Seq seq;
  InstrumentId instrument;
  std::int64_t qty_raw, avg_price_raw, last_price_raw;
  std::int64_t realised_raw, unrealised_raw, fees_raw;  // Money raw
};

struct OrderUpdate {
  Seq seq;                // the input that changed it
  OrderRecord order;      // its state after the change (status kRejected for a risk denial)
  RejectReason reason;    // why it was rejected, if it was
};

struct FillUpdate {
  Seq seq;
  ClientOrderId client_order_id;
  InstrumentId instrument;
  Side side;
  Liquidity liquidity;
  std::int64_t price_raw, qty_raw, fee_raw;
  std::uint64_t trade_id;
};

struct RiskUpdate {
  Seq seq;
  std::uint8_t halted, breaker;
  RiskLimitId changed_limit;    // kNone unless a set_risk_limit was applied
  InstrumentId limit_instrument;
  std::int64_t limit_value;
  std::uint64_t rejects_total;  // risk denials + venue rejects so far
  RejectReason last_reason;     // of the update's reject, if any
};

struct AdminAppliedUpdate {
  Seq seq;                // the seq the command got
  std::uint32_t request_id;
  UserId user_id;
  AdminCommand command;   // kDenied for an audited refusal
  Source source;          // kConsole for operator commands, kInternal for breaker trips
  std::uint8_t arg_code;
  std::int64_t arg_value;
};

struct ConsoleUpdate {
  ConsoleUpdateKind kind;
  union Body {
    Body() noexcept : status{} {}
    StatusUpdate status;
    PositionUpdate position;
    OrderUpdate order;
    FillUpdate fill;
    RiskUpdate risk;
    AdminAppliedUpdate admin;
  } body;
};

static_assert(std::is_trivially_copyable_v<ConsoleUpdate>, "console updates are copied through an SPSC ring");
static_assert(sizeof(ConsoleUpdate) <= 128, "keep console updates within two cache lines");

}  // namespace sequent
