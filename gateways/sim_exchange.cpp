// SimExchange: the exchange thread's poll loop over the inbox, the venue and the market.
#include "gateways/sim_exchange.hpp"

#include <utility>
#include <vector>

namespace sequent {

SimExchange::SimExchange(const InstrumentRegistry& registry, SimExchangeConfig config)
    : inbox_(config.inbox_capacity), market_(registry, std::move(config.market)),
      venue_(registry, config.venue) {}

std::size_t SimExchange::poll(TimeNs now_ns, std::span<Event> out,
                              std::size_t max_market_events) noexcept {
  // 1. Orders: take them only while the FIFO has room for everything one order can cause.
  Event order{};
  while (venue_.report_space() >= kSimVenueMaxReportsPerOrder && inbox_.try_pop(order)) {
    if (log_ != nullptr) log_->append(VenueLog::Kind::kOrder, order);
    venue_.on_order(order);
  }

  // 2. Reports still pending (from the last poll or from step 1), oldest first.
  std::size_t written = drain_logged(out);

  // 3. Market events due, each followed by the fills it caused. A new one is generated only when
  //    every earlier report has been written, so the output keeps the venue's order.
  std::size_t generated = 0;
  while (generated < max_market_events && written < out.size() && venue_.pending_reports() == 0 &&
         market_.next_event_ns() != kSimNeverNs && market_.next_event_ns() <= now_ns) {
    const Event market = market_.next();
    ++generated;
    venue_.on_market(market);
    out[written++] = market;
    written += drain_logged(out.subspan(written));
  }
  return written;
}

std::size_t SimExchange::drain_logged(std::span<Event> out) noexcept {
  const std::size_t n = venue_.drain(out);
  if (log_ != nullptr) {
    for (std::size_t i = 0; i < n; ++i) log_->append(VenueLog::Kind::kReport, out[i]);
  }
  return n;
}

Result<SimExchange::VenueView> SimExchange::restore(const VenueLog::Contents& contents) {
  VenueView view;
  std::uint64_t max_venue_order_id = 0, max_trade_id = 0;
  std::vector<SimVenue::RestoredOrder> open;
  auto track = [&](ClientOrderId id) {
    if (origin_seq_of(id) > view.max_origin_seq) view.max_origin_seq = origin_seq_of(id);
  };
  for (const Event& o : contents.orders) {
    track(o.payload.order.client_order_id);
    if (o.type() != EventType::kOrderNew) continue;
    SimVenue::RestoredOrder r;
    r.client_order_id = o.payload.order.client_order_id;
    r.limit_price = o.payload.order.price;
    r.qty = o.payload.order.qty;
    r.instrument = o.instrument();
    r.side = o.payload.order.side;
    open.push_back(r);  // pruned below by the reports
  }
  for (const Event& rep : contents.reports) {
    const ExecReportPayload& x = rep.payload.exec;
    track(x.client_order_id);
    if (x.venue_order_id > max_venue_order_id) max_venue_order_id = x.venue_order_id;
    if (x.trade_id > max_trade_id) max_trade_id = x.trade_id;
    if (x.exec_type == ExecType::kFill || x.exec_type == ExecType::kPartialFill) view.fills.push_back(rep);
    view.reports.push_back(rep);
    for (SimVenue::RestoredOrder& r : open) {
      if (r.client_order_id != x.client_order_id || r.client_order_id == 0) continue;
      if (x.exec_type == ExecType::kNew) {
        r.venue_order_id = x.venue_order_id;
      } else if (x.exec_type != ExecType::kPartialFill && x.exec_type != ExecType::kCancelRejected) {
        r.client_order_id = 0;  // done: filled, canceled, expired or rejected
      }
    }
  }
  std::vector<SimVenue::RestoredOrder> resting;
  for (const SimVenue::RestoredOrder& r : open) {
    if (r.client_order_id == 0 || r.venue_order_id == 0) continue;  // never acknowledged: not resting
    resting.push_back(r);
    Event ack = make_event(EventType::kExecReport, Source::kSimVenue, r.instrument, 0);
    ack.payload.exec.client_order_id = r.client_order_id;
    ack.payload.exec.venue_order_id = r.venue_order_id;
    ack.payload.exec.exec_type = ExecType::kNew;
    ack.payload.exec.side = r.side;
    ack.payload.exec.leaves_qty = r.qty;
    ack.payload.exec.last_price = r.limit_price;
    view.open_acks.push_back(ack);
  }
  if (!venue_.restore(resting, max_venue_order_id + 1, max_trade_id + 1))
    return Error{ErrorCode::kCorrupt, "venue log: more resting orders than max_open_orders"};
  return view;
}

void SimExchange::hash_state(StateHasher& hasher) const noexcept {
  market_.hash_state(hasher);
  venue_.hash_state(hasher);
}

}  // namespace sequent
