// Names for enums (export, logs, errors) and the zeroed-event constructor. Cold path.
#include "engine/event.hpp"

#include <cstring>

namespace sequent {

Event make_event(EventType type, Source source, InstrumentId instrument, TimeNs event_ns) noexcept {
  Event e;
  std::memset(static_cast<void*>(&e), 0, sizeof(e));
  e.header.type = type;
  e.header.source = source;
  e.header.instrument = instrument;
  e.header.event_ns = event_ns;
  return e;
}

std::vector<Event> reconcile_window(std::span<const Event> fills, std::span<const Event> open_acks, TimeNs t,
                                    Seq last_durable_seq) {
  std::vector<Event> out;
  out.reserve(fills.size() + open_acks.size() + 2);
  Event begin = make_event(EventType::kReconcile, Source::kReconcile, kNoInstrument, t);
  begin.payload.reconcile.phase = ReconcilePhase::kBegin;
  begin.payload.reconcile.venue_open_orders = static_cast<std::uint32_t>(open_acks.size());
  begin.payload.reconcile.venue_fills = static_cast<std::uint32_t>(fills.size());
  begin.payload.reconcile.last_durable_seq = last_durable_seq;
  out.push_back(begin);
  for (Event f : fills) {
    f.header.source = Source::kReconcile;
    out.push_back(f);
  }
  for (Event a : open_acks) {
    a.header.source = Source::kReconcile;
    a.header.flags = kFlagVenueState;
    a.header.event_ns = t;
    out.push_back(a);
  }
  Event end = begin;
  end.payload.reconcile.phase = ReconcilePhase::kEnd;
  out.push_back(end);
  return out;
}

std::string_view to_string(Side s) noexcept {
  switch (s) {
    case Side::kBuy: return "buy";
    case Side::kSell: return "sell";
    case Side::kNone: break;
  }
  return "none";
}

std::string_view to_string(OrderType t) noexcept {
  switch (t) {
    case OrderType::kMarket: return "market";
    case OrderType::kLimit: return "limit";
    case OrderType::kLimitMaker: return "limit_maker";
  }
  return "unknown";
}

std::string_view to_string(TimeInForce t) noexcept {
  switch (t) {
    case TimeInForce::kGtc: return "gtc";
    case TimeInForce::kIoc: return "ioc";
    case TimeInForce::kFok: return "fok";
  }
  return "unknown";
}

std::string_view to_string(Liquidity l) noexcept {
  switch (l) {
    case Liquidity::kMaker: return "maker";
    case Liquidity::kTaker: return "taker";
    case Liquidity::kNone: break;
  }
  return "none";
}

std::string_view to_string(EventType t) noexcept {
  switch (t) {
    case EventType::kNone: return "none";
    case EventType::kTrade: return "trade";
    case EventType::kQuote: return "quote";
    case EventType::kBar: return "bar";
    case EventType::kBookLevel: return "book_level";
    case EventType::kExecReport: return "exec_report";
    case EventType::kOrderDenied: return "order_denied";
    case EventType::kAdmin: return "admin";
    case EventType::kTimer: return "timer";
    case EventType::kReconcile: return "reconcile";
    case EventType::kGap: return "gap";
    case EventType::kOrderIntent: return "order_intent";
    case EventType::kOrderNew: return "order_new";
    case EventType::kOrderCancel: return "order_cancel";
    case EventType::kCheckpoint: return "checkpoint";
  }
  return "unknown";
}

std::string_view to_string(Source s) noexcept {
  switch (s) {
    case Source::kNone: return "none";
    case Source::kSimMarket: return "sim_market";
    case Source::kSimVenue: return "sim_venue";
    case Source::kConsole: return "console";
    case Source::kTimer: return "timer";
    case Source::kInternal: return "internal";
    case Source::kFile: return "file";
    case Source::kReconcile: return "reconcile";
    case Source::kVenueMarket: return "venue_market";
    case Source::kVenue: return "venue";
    case Source::kStrategy: return "strategy";
    case Source::kRisk: return "risk";
    case Source::kRouter: return "router";
  }
  return "unknown";
}

std::string_view to_string(ExecType t) noexcept {
  switch (t) {
    case ExecType::kNew: return "new";
    case ExecType::kPartialFill: return "partial_fill";
    case ExecType::kFill: return "fill";
    case ExecType::kCanceled: return "canceled";
    case ExecType::kRejected: return "rejected";
    case ExecType::kExpired: return "expired";
    case ExecType::kCancelRejected: return "cancel_rejected";
  }
  return "unknown";
}

std::string_view to_string(RejectReason r) noexcept {
  switch (r) {
    case RejectReason::kNone: return "none";
    case RejectReason::kRiskUnknownInstrument: return "risk_unknown_instrument";
    case RejectReason::kRiskMaxOrderQty: return "risk_max_order_qty";
    case RejectReason::kRiskMaxOrderNotional: return "risk_max_order_notional";
    case RejectReason::kRiskNoReferencePrice: return "risk_no_reference_price";
    case RejectReason::kRiskHalted: return "risk_halted";
    case RejectReason::kRiskBadQuantity: return "risk_bad_quantity";
    case RejectReason::kRiskMaxOpenOrders: return "risk_max_open_orders";
    case RejectReason::kJournalNotDurable: return "journal_not_durable";
    case RejectReason::kRiskNotWhitelisted: return "risk_not_whitelisted";
    case RejectReason::kRiskMaxPositionQty: return "risk_max_position_qty";
    case RejectReason::kRiskMaxPositionNotional: return "risk_max_position_notional";
    case RejectReason::kRiskMaxGrossExposure: return "risk_max_gross_exposure";
    case RejectReason::kRiskRatePerSecond: return "risk_rate_per_second";
    case RejectReason::kRiskRatePerDay: return "risk_rate_per_day";
    case RejectReason::kRiskPriceBand: return "risk_price_band";
    case RejectReason::kRiskMinNotional: return "risk_min_notional";
    case RejectReason::kRiskLotSize: return "risk_lot_size";
    case RejectReason::kRiskTickSize: return "risk_tick_size";
    case RejectReason::kRiskBreakerTripped: return "risk_breaker_tripped";
    case RejectReason::kAdvisoryMode: return "advisory_mode";
    case RejectReason::kRiskStrategyMaxOrderQty: return "risk_strategy_max_order_qty";
    case RejectReason::kRiskStrategyMaxOrderNotional: return "risk_strategy_max_order_notional";
    case RejectReason::kRiskStrategyMaxPositionQty: return "risk_strategy_max_position_qty";
    case RejectReason::kRiskStrategyMaxPositionNotional: return "risk_strategy_max_position_notional";
    case RejectReason::kRiskStrategyMaxOpenOrders: return "risk_strategy_max_open_orders";
    case RejectReason::kRiskStrategyHalted: return "risk_strategy_halted";
    case RejectReason::kVenueUnknownInstrument: return "venue_unknown_instrument";
    case RejectReason::kVenueInvalidQuantity: return "venue_invalid_quantity";
    case RejectReason::kVenueInvalidPrice: return "venue_invalid_price";
    case RejectReason::kVenueNoLiquidity: return "venue_no_liquidity";
    case RejectReason::kVenueUnknownOrder: return "venue_unknown_order";
    case RejectReason::kVenueDuplicateOrder: return "venue_duplicate_order";
    case RejectReason::kVenueWouldTake: return "venue_would_take";
    case RejectReason::kVenueTooManyOrders: return "venue_too_many_orders";
    case RejectReason::kVenueInsufficientBalance: return "venue_insufficient_balance";
    case RejectReason::kVenueOther: return "venue_other";
    case RejectReason::kVenueRateLimited: return "venue_rate_limited";
    case RejectReason::kVenueBanned: return "venue_banned";
    case RejectReason::kVenueNotConnected: return "venue_not_connected";
    case RejectReason::kVenueAuthFailed: return "venue_auth_failed";
    case RejectReason::kVenueClockSkew: return "venue_clock_skew";
    case RejectReason::kVenueInvalidOrder: return "venue_invalid_order";
  }
  return "unknown";
}

std::string_view to_string(AdminCommand c) noexcept {
  switch (c) {
    case AdminCommand::kNone: return "none";
    case AdminCommand::kKillSwitch: return "kill_switch";
    case AdminCommand::kResume: return "resume";
    case AdminCommand::kCancelAll: return "cancel_all";
    case AdminCommand::kFlatten: return "flatten";
    case AdminCommand::kSetRiskLimit: return "set_risk_limit";
    case AdminCommand::kStrategyStart: return "strategy_start";
    case AdminCommand::kStrategyStop: return "strategy_stop";
    case AdminCommand::kSetStrategyParam: return "set_strategy_param";
    case AdminCommand::kDenied: return "denied";
    case AdminCommand::kAdvisory: return "downgrade_to_advisory";
    case AdminCommand::kStrategyHalt: return "strategy_halt";
  }
  return "unknown";
}

}  // namespace sequent
