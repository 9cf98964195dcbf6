#include "engine/router_stage.hpp"

#include <algorithm>

namespace sequent {

RouterStage::RouterStage(const InstrumentRegistry& registry, RouterConfig config)
    : registry_(&registry), orders_(config.max_open_orders), positions_(registry.size()), books_(registry.size()),
      trade_ids_(registry.size()),
      cancel_on_kill_switch_(config.cancel_on_kill_switch),
      flatten_on_kill_switch_(config.flatten_on_kill_switch) {
  scratch_.reserve(orders_.max_orders());
}

void RouterStage::handle(const Event& e, OutputSink& sink) noexcept {
  if (e.derived()) {
    switch (e.type()) {
      case EventType::kOrderNew: {
        if (!orders_.insert(order_record_of(e))) {
          // Table full or id reused: refuse locally, as risk would, and report it.
          Event denied = e;
          denied.header.type = EventType::kOrderDenied;
          denied.header.source = Source::kRouter;
          denied.payload.order.reason = RejectReason::kRiskMaxOpenOrders;
          ++rejects_total_;
          bump(counters_.rejects);
          sink.on_output(denied);
          return;
        }
        ++orders_total_;
        bump(counters_.orders);
        sink.on_output(e);
        return;
      }
      case EventType::kOrderCancel: {
        // A strategy's cancel (its order's TTL ran out). Unknown or finished orders, and orders
        // with a cancel on its way already (cancel_all, kill switch), send nothing.
        OrderRecord* r = orders_.find(e.payload.order.client_order_id);
        if (r == nullptr || r->status == OrderStatus::kPendingCancel) return;
        const OrderStatus next = transition(r->status, OrderEvent::kCancelRequest, r->cum_qty.is_positive());
        if (next == OrderStatus::kInvalid) return;
        r->status = next;
        bump(counters_.cancels);
        sink.on_output(e);
        return;
      }
      case EventType::kCheckpoint: {
        Event out = e;
        out.header.source = Source::kRouter;
        out.payload.checkpoint.router_hash = state_hash();
        out.payload.checkpoint.state_hash = combine_stage_hashes(
            out.payload.checkpoint.strategy_hash, out.payload.checkpoint.risk_hash, out.payload.checkpoint.router_hash);
        sink.on_output(out);
        return;
      }
      case EventType::kAdmin:  // a breaker trip announced by risk: reported, fed back as an input live
        sink.on_output(e);
        return;
      case EventType::kOrderDenied:
        ++rejects_total_;
        bump(counters_.rejects);
        sink.on_output(e);
        return;
      default:
        return;
    }
  }
  last_seq_ = e.seq();
  switch (e.type()) {
    case EventType::kTrade:
      if (e.instrument() < positions_.size()) {
        positions_[e.instrument()].mark(e.payload.trade.price);
        books_.mark(e.instrument(), e.payload.trade.price);
      }
      break;
    case EventType::kBar:
      if (e.instrument() < positions_.size()) {
        positions_[e.instrument()].mark(e.payload.bar.close);
        books_.mark(e.instrument(), e.payload.bar.close);
      }
      break;
    case EventType::kExecReport:
      on_exec(e);
      break;
    case EventType::kReconcile:
      on_reconcile(e);
      break;
    case EventType::kOrderDenied:
      // An order the router sent that never reached a venue (venue busy, journal not durable,
      // advisory mode), fed back as an input: it is not working.
      if (orders_.find(e.payload.order.client_order_id) != nullptr) {
        (void)orders_.erase(e.payload.order.client_order_id);
        ++unsent_total_;
      }
      return;
    case EventType::kAdmin: {
      const AdminCommand c = e.payload.admin.command;
      const bool kill = c == AdminCommand::kKillSwitch;
      // An operator's cancel_all / flatten may be scoped to one strategy (console `strategy`).
      const StrategyId scope = kill ? StrategyId{0} : e.payload.admin.strategy_id;
      if (c == AdminCommand::kCancelAll || c == AdminCommand::kFlatten || (kill && (cancel_on_kill_switch_ || flatten_on_kill_switch_)))
        cancel_all(e, sink, scope);
      if (c == AdminCommand::kFlatten || (kill && flatten_on_kill_switch_)) flatten(e, sink, scope);
      if (c == AdminCommand::kStrategyHalt && e.payload.admin.strategy_id != 0 && cancel_on_kill_switch_)
        cancel_all(e, sink, e.payload.admin.strategy_id);
      return;
    }
    default:
      return;
  }
  // The status line's P&L: after every execution report, and every 256th market event otherwise
  // (marking to market costs a 128-bit division per instrument; the counter is not state).
  if (e.type() == EventType::kExecReport || (++publish_countdown_ & 0xFF) == 0) publish_pnl();
}

void RouterStage::on_exec(const Event& e) noexcept {
  const ExecReportPayload& x = e.payload.exec;
  if ((e.header.flags & kFlagVenueState) == 0) ++venue_reports_seen_;
  const bool is_fill = x.exec_type == ExecType::kFill || x.exec_type == ExecType::kPartialFill;
  // A duplicate fill (a re-sent report, or reconciliation repeating what the journal already
  // holds) is counted and ignored.
  if (is_fill && !trade_ids_.fresh(e.instrument(), x.trade_id)) {
    ++invalid_total_;
    bump(counters_.invalid_reports);
    return;
  }
  if (reconciling_ && x.exec_type == ExecType::kNew && (e.header.flags & kFlagVenueState) != 0) {
    OrderRecord* known = orders_.find(x.client_order_id);
    if (known == nullptr) {
      // Open at the venue, unknown here (its origin input was lost in the crash): adopt it, in
      // its strategy's book.
      if (orders_.insert(adopted_order_record(e))) ++adopted_total_;
      return;
    }
    known->confirmed = true;
  }
  OrderRecord* r = orders_.find(x.client_order_id);
  // Fills move positions whatever the order table says: the venue traded.
  if (is_fill && e.instrument() < positions_.size()) {
    positions_[e.instrument()].apply_fill(x.side, x.last_price, x.last_qty, x.fee);
    const StrategyId owner = r != nullptr ? r->strategy_id : strategy_of_order(x.client_order_id);
    books_.apply_fill(owner, e.instrument(), x.side, x.last_price, x.last_qty, x.fee);
    ++fills_total_;
    bump(counters_.fills);
  }
  if (x.exec_type == ExecType::kRejected) {
    ++rejects_total_;
    bump(counters_.rejects);
  }
  if (r == nullptr) {
    ++invalid_total_;
    bump(counters_.invalid_reports);
    return;
  }
  if (is_fill) r->cum_qty += x.last_qty;
  if (x.venue_order_id != 0) r->venue_order_id = x.venue_order_id;
  const OrderStatus next = transition(r->status, order_event_of(x.exec_type), r->cum_qty.is_positive());
  if (next == OrderStatus::kInvalid) {
    ++invalid_total_;
    bump(counters_.invalid_reports);
    return;
  }
  r->status = next;
  if (is_terminal(next)) (void)orders_.erase(x.client_order_id);
}

void RouterStage::cancel_all(const Event& origin, OutputSink& sink, StrategyId strategy) noexcept {
  // An admin cancel_all / flatten may name one instrument; the kill switch never does.
  const InstrumentId only = origin.type() == EventType::kAdmin ? origin.instrument() : kNoInstrument;
  scratch_.clear();
  orders_.for_each([&](OrderRecord& r) {
    if (only != kNoInstrument && r.instrument != only) return;
    if (strategy != 0 && r.strategy_id != strategy) return;
    if (transition(r.status, OrderEvent::kCancelRequest, r.cum_qty.is_positive()) != OrderStatus::kInvalid &&
        r.status != OrderStatus::kPendingCancel)
      scratch_.push_back(r.client_order_id);  // within the reserved capacity: no allocation
  });
  std::sort(scratch_.begin(), scratch_.end());
  for (ClientOrderId id : scratch_) {
    OrderRecord* r = orders_.find(id);
    r->status = OrderStatus::kPendingCancel;
    Event cancel = make_event(EventType::kOrderCancel, Source::kRouter, r->instrument, origin.header.event_ns);
    cancel.header.seq = origin.header.seq;
    cancel.header.recv_ns = origin.header.recv_ns;
    cancel.header.flags = kFlagDerived;
    cancel.payload.order.client_order_id = id;
    cancel.payload.order.side = r->side;
    cancel.payload.order.qty = r->qty;
    cancel.payload.order.price = r->price;
    cancel.payload.order.order_type = r->order_type;
    cancel.payload.order.strategy_id = r->strategy_id;
    bump(counters_.cancels);
    sink.on_output(cancel);
  }
}

void RouterStage::flatten(const Event& origin, OutputSink& sink, StrategyId strategy) noexcept {
  const InstrumentId only = origin.instrument();
  unsigned numbered[kStrategyBooks] = {};  // orders per book so far (4 bits of the id each)
  for (std::size_t i = 0; i < positions_.size(); ++i) {
    if (only != kNoInstrument && i != only) continue;
    // Strategies in id order, the system book last; each closes its own position.
    for (std::size_t k = 1; k <= kStrategyBooks; ++k) {
      const auto book = static_cast<StrategyId>(k % kStrategyBooks);
      if (strategy != 0 && book != strategy) continue;
      const std::int64_t q = books_.at(book, static_cast<InstrumentId>(i)).qty().raw();
      if (q == 0 || numbered[book] >= 16) continue;
      // The router's own order (risk has already allowed reduce-only orders while halted): a
      // market order for the book's whole position, id from the admin input's seq with bit 7 set
      // (so it never meets an id a strategy derives from the same seq) and the book's strategy
      // in bits 4..6, so fills find the book again.
      Event order = make_event(EventType::kOrderNew, Source::kRouter, static_cast<InstrumentId>(i), origin.header.event_ns);
      order.header.seq = origin.header.seq;
      order.header.recv_ns = origin.header.recv_ns;
      order.header.flags = kFlagDerived;
      OrderPayload& o = order.payload.order;
      o.client_order_id = make_client_order_id(origin.header.seq, strategy_order_index(book, numbered[book]++, true));
      o.strategy_id = book;
      o.side = q > 0 ? Side::kSell : Side::kBuy;
      o.qty = Qty::from_raw(q > 0 ? q : -q);
      o.order_type = OrderType::kMarket;
      o.tif = TimeInForce::kIoc;
      if (!orders_.insert(order_record_of(order))) continue;
      ++orders_total_;
      bump(counters_.orders);
      sink.on_output(order);
    }
  }
}

void RouterStage::on_reconcile(const Event& e) noexcept {
  if (e.payload.reconcile.phase == ReconcilePhase::kBegin) {
    reconciling_ = true;
    orders_.for_each([](OrderRecord& r) { r.confirmed = false; });
    return;
  }
  if (!reconciling_) return;
  reconciling_ = false;
  // Whatever we still think is working but the venue did not report open is not working: it
  // never arrived, or it ended while we were down (its fills, if any, came in the window).
  expired_by_reconcile_total_ += orders_.drop_unconfirmed([](const OrderRecord&) {});
}

Money RouterStage::total_net_pnl() const noexcept {
  Money total;
  for (const Position& p : positions_) total += p.net_pnl();
  return total;
}

void RouterStage::publish_pnl() noexcept {
  counters_.net_pnl_raw.store(total_net_pnl().raw(), std::memory_order_relaxed);
}

void RouterStage::archive(StateArchive& a) {
  a.tag("router");
  a.u64(last_seq_);
  a.u64(orders_total_);
  a.u64(fills_total_);
  a.u64(rejects_total_);
  a.u64(invalid_total_);
  a.u64(adopted_total_);
  a.u64(venue_reports_seen_);
  a.u64(unsent_total_);
  a.u64(expired_by_reconcile_total_);
  a.boolean(reconciling_);
  trade_ids_.archive(a);
  a.expect_count(positions_.size());
  for (Position& p : positions_) p.archive(a);
  books_.archive(a);
  orders_.archive(a);
  if (a.reading()) {
    // Counters for the status line follow the restored totals.
    counters_.orders.store(orders_total_, std::memory_order_relaxed);
    counters_.fills.store(fills_total_, std::memory_order_relaxed);
    counters_.rejects.store(rejects_total_, std::memory_order_relaxed);
    counters_.invalid_reports.store(invalid_total_, std::memory_order_relaxed);
    publish_pnl();
  }
}

std::uint64_t RouterStage::state_hash() const noexcept {
  StateArchive a = StateArchive::hasher();
  const_cast<RouterStage*>(this)->archive(a);  // kHash mode only reads the state (no allocation)
  return a.hash();
}

}  // namespace sequent
