#include "engine/console_publisher.hpp"

namespace sequent {

namespace {

// The state an execution report leaves an order in, for an order the router no longer holds
// (it reached a terminal state and was erased).
OrderStatus status_after(ExecType t, bool filled_some) noexcept {
  switch (t) {
    case ExecType::kNew: return OrderStatus::kAcknowledged;
    case ExecType::kPartialFill: return OrderStatus::kPartiallyFilled;
    case ExecType::kFill: return OrderStatus::kFilled;
    case ExecType::kCanceled: return OrderStatus::kCanceled;
    case ExecType::kRejected: return OrderStatus::kRejected;
    case ExecType::kExpired: return OrderStatus::kExpired;
    case ExecType::kCancelRejected: return filled_some ? OrderStatus::kPartiallyFilled : OrderStatus::kAcknowledged;
  }
  return OrderStatus::kInvalid;
}

}  // namespace

ConsolePublisher::ConsolePublisher(SpscRing<ConsoleUpdate>& ring, std::size_t instruments, TimeNs status_interval_ns,
                                   TimeNs mark_interval_ns)
    : ring_(&ring), status_interval_ns_(status_interval_ns), mark_interval_ns_(mark_interval_ns),
      next_mark_ns_(instruments, 0) {}

void ConsolePublisher::push(const ConsoleUpdate& u) noexcept {
  if (ring_->try_push(u) == PushResult::kOk) {
    published_.store(published_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  } else {
    dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
}

void ConsolePublisher::after_event(const Event& e, const RouterStage& router) noexcept {
  if (e.derived()) {
    switch (e.type()) {
      case EventType::kOrderNew:
      case EventType::kOrderCancel: {
        const OrderRecord* r = router.orders().find(e.payload.order.client_order_id);
        if (r != nullptr) {
          publish_order(*r, e.seq(), RejectReason::kNone);
        } else if (e.type() == EventType::kOrderNew) {
          // The router refused it (its order table is full).
          OrderRecord rejected = order_record_of(e);
          rejected.status = OrderStatus::kRejected;
          ++rejects_;
          publish_order(rejected, e.seq(), RejectReason::kRiskMaxOpenOrders);
          publish_risk(e.seq(), RiskLimitId::kNone, kNoInstrument, 0, RejectReason::kRiskMaxOpenOrders);
        }
        return;
      }
      case EventType::kOrderDenied: {
        OrderRecord rejected = order_record_of(e);
        rejected.status = OrderStatus::kRejected;
        ++rejects_;
        publish_order(rejected, e.seq(), e.payload.order.reason);
        publish_risk(e.seq(), RiskLimitId::kNone, kNoInstrument, 0, e.payload.order.reason);
        return;
      }
      default:
        return;
    }
  }
  switch (e.type()) {
    case EventType::kExecReport:
      on_exec(e, router);
      return;
    case EventType::kOrderDenied: {
      // Sent by the router but it never reached the venue (fed back as an input).
      OrderRecord rejected = order_record_of(e);
      rejected.status = OrderStatus::kRejected;
      publish_order(rejected, e.seq(), e.payload.order.reason);
      return;
    }
    case EventType::kAdmin:
      on_admin(e, router);
      return;
    case EventType::kTrade:
    case EventType::kBar: {
      const TimeNs t = e.header.event_ns;
      const InstrumentId id = e.instrument();
      if (id < next_mark_ns_.size() && t >= next_mark_ns_[id] && router.position(id).last_price().is_positive()) {
        next_mark_ns_[id] = t + mark_interval_ns_;
        publish_position(id, e.seq(), router);
      }
      if (t >= next_status_ns_) {
        next_status_ns_ = t + status_interval_ns_;
        publish_status(e, router);
      }
      return;
    }
    default:
      return;
  }
}

void ConsolePublisher::on_exec(const Event& e, const RouterStage& router) noexcept {
  const ExecReportPayload& x = e.payload.exec;
  if (const OrderRecord* r = router.orders().find(x.client_order_id)) {
    publish_order(*r, e.seq(), x.reason);
  } else {
    OrderRecord done;
    done.client_order_id = x.client_order_id;
    done.instrument = e.instrument();
    done.side = x.side;
    done.status = status_after(x.exec_type, x.cum_qty.is_positive());
    done.price = x.last_price;
    done.qty = x.cum_qty + x.leaves_qty;
    done.cum_qty = x.cum_qty;
    done.venue_order_id = x.venue_order_id;
    publish_order(done, e.seq(), x.reason);
  }
  if (x.exec_type == ExecType::kFill || x.exec_type == ExecType::kPartialFill) {
    ConsoleUpdate u;
    u.kind = ConsoleUpdateKind::kFill;
    u.body.fill = FillUpdate{};
    FillUpdate& f = u.body.fill;
    f.seq = e.seq();
    f.client_order_id = x.client_order_id;
    f.instrument = e.instrument();
    f.side = x.side;
    f.liquidity = x.liquidity;
    f.price_raw = x.last_price.raw();
    f.qty_raw = x.last_qty.raw();
    f.fee_raw = x.fee.raw();
    f.trade_id = x.trade_id;
    push(u);
    if (e.instrument() < router.instrument_count()) publish_position(e.instrument(), e.seq(), router);
    publish_status(e, router);
  } else if (x.exec_type == ExecType::kRejected) {
    ++rejects_;
    publish_risk(e.seq(), RiskLimitId::kNone, kNoInstrument, 0, x.reason);
  }
}

void ConsolePublisher::on_admin(const Event& e, const RouterStage& router) noexcept {
  const AdminPayload& a = e.payload.admin;
  ConsoleUpdate u;
  u.kind = ConsoleUpdateKind::kAdminApplied;
  u.body.admin = AdminAppliedUpdate{};
  AdminAppliedUpdate& applied = u.body.admin;
  applied.seq = e.seq();
  applied.request_id = a.request_id;
  applied.user_id = a.user_id;
  applied.command = a.command;
  applied.source = e.header.source;
  applied.arg_code = a.arg_code;
  applied.arg_value = a.arg_value;
  push(u);
  RiskLimitId changed = RiskLimitId::kNone;
  switch (a.command) {
    case AdminCommand::kKillSwitch:
      halted_.store(true, std::memory_order_relaxed);
      // A breaker trip is fed back with its cause in arg_code (1 daily loss, 2 drawdown).
      if (e.header.source == Source::kInternal) breaker_ = a.arg_code;
      break;
    case AdminCommand::kResume:
      if (a.strategy_id != 0) break;  // scoped to one strategy: the account's halt is untouched
      halted_.store(false, std::memory_order_relaxed);
      breaker_ = 0;
      break;
    case AdminCommand::kStrategyStart:
    case AdminCommand::kStrategyStop:
      if (e.instrument() == kNoInstrument && a.strategy_id == 0)
        strategies_enabled_ = a.command == AdminCommand::kStrategyStart;
      break;
    case AdminCommand::kSetRiskLimit:
      changed = static_cast<RiskLimitId>(a.arg_code);
      break;
    default:
      break;
  }
  publish_status(e, router);
  if (a.command != AdminCommand::kDenied)
    publish_risk(e.seq(), changed, e.instrument(), changed == RiskLimitId::kNone ? 0 : a.arg_value, RejectReason::kNone);
  if (a.command == AdminCommand::kKillSwitch || a.command == AdminCommand::kCancelAll || a.command == AdminCommand::kFlatten ||
      a.command == AdminCommand::kStrategyHalt)
    publish_open_orders(e.seq(), router);
}

void ConsolePublisher::publish_order(const OrderRecord& r, Seq seq, RejectReason reason) noexcept {
  ConsoleUpdate u;
  u.kind = ConsoleUpdateKind::kOrder;
  u.body.order = OrderUpdate{};
  u.body.order.seq = seq;
  u.body.order.order = r;
  u.body.order.reason = reason;
  push(u);
}

void ConsolePublisher::publish_position(InstrumentId id, Seq seq, const RouterStage& router) noexcept {
  const Position& p = router.position(id);
  ConsoleUpdate u;
  u.kind = ConsoleUpdateKind::kPosition;
  u.body.position = PositionUpdate{};
  PositionUpdate& pu = u.body.position;
  pu.seq = seq;
  pu.instrument = id;
  pu.qty_raw = p.qty().raw();
  pu.avg_price_raw = p.average_price().raw();
  pu.last_price_raw = p.last_price().raw();
  pu.realised_raw = p.realised().raw();
  pu.unrealised_raw = p.unrealised().raw();
  pu.fees_raw = p.fees().raw();
  push(u);
}

void ConsolePublisher::publish_status(const Event& e, const RouterStage& router) noexcept {
  ConsoleUpdate u;
  u.kind = ConsoleUpdateKind::kStatus;
  u.body.status = StatusUpdate{};
  StatusUpdate& s = u.body.status;
  s.seq = e.seq();
  s.event_ns = e.header.event_ns;
  const RouterCounters& c = router.counters();
  s.orders = c.orders.load(std::memory_order_relaxed);
  s.fills = c.fills.load(std::memory_order_relaxed);
  s.rejects = c.rejects.load(std::memory_order_relaxed);
  s.cancels = c.cancels.load(std::memory_order_relaxed);
  Money realised, unrealised, fees;
  for (std::size_t i = 0; i < router.instrument_count(); ++i) {
    const Position& p = router.position(static_cast<InstrumentId>(i));
    realised += p.realised();
    unrealised += p.unrealised();
    fees += p.fees();
  }
  s.realised_raw = realised.raw();
  s.unrealised_raw = unrealised.raw();
  s.fees_raw = fees.raw();
  s.net_pnl_raw = (realised + unrealised - fees).raw();
  s.halted = halted_.load(std::memory_order_relaxed) ? 1 : 0;
  s.breaker = breaker_;
  s.strategies_enabled = strategies_enabled_ ? 1 : 0;
  push(u);
}

void ConsolePublisher::publish_risk(Seq seq, RiskLimitId limit, InstrumentId instrument, std::int64_t value,
                                    RejectReason reason) noexcept {
  ConsoleUpdate u;
  u.kind = ConsoleUpdateKind::kRisk;
  u.body.risk = RiskUpdate{};
  RiskUpdate& r = u.body.risk;
  r.seq = seq;
  r.halted = halted_.load(std::memory_order_relaxed) ? 1 : 0;
  r.breaker = breaker_;
  r.changed_limit = limit;
  r.limit_instrument = instrument;
  r.limit_value = value;
  r.rejects_total = rejects_;
  r.last_reason = reason;
  push(u);
}

void ConsolePublisher::publish_open_orders(Seq seq, const RouterStage& router) noexcept {
  // After an operator action every open order may have changed (pending cancel, a flatten
  // order): send them all, as far as the ring has room (the console keeps the latest).
  router.orders().for_each([&](const OrderRecord& r) { publish_order(r, seq, RejectReason::kNone); });
}

}  // namespace sequent
