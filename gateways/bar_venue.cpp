#include "gateways/bar_venue.hpp"

namespace sequent {

namespace {

// p × (10000 + delta_bps) / 10000, rounded to a multiple of tick: down or up.
Price scaled_to_tick(Price p, std::int64_t delta_bps, Price tick, bool up) noexcept {
  const Int128 num = static_cast<Int128>(p.raw()) * (10'000 + delta_bps);
  const Int128 den = static_cast<Int128>(tick.raw()) * 10'000;
  Int128 q = num / den;
  const Int128 r = num % den;
  if (r != 0 && up) ++q;  // prices are positive: truncation already rounded down
  return Price::from_raw(static_cast<std::int64_t>(q * tick.raw()));
}

bool is_market(const Event& order) noexcept { return order.payload.order.order_type == OrderType::kMarket; }

}  // namespace

Price floor_to_tick(Price p, Price tick) noexcept { return scaled_to_tick(p, 0, tick, false); }
Price ceil_to_tick(Price p, Price tick) noexcept { return scaled_to_tick(p, 0, tick, true); }

BarVenue::BarVenue(const InstrumentRegistry& registry, BarVenueConfig config)
    : registry_(&registry), config_(config), position_(registry.size()) {
  orders_.reserve(16);
  brackets_.reserve(16);
}

RejectReason BarVenue::validate(const Event& order) const noexcept {
  const OrderPayload& o = order.payload.order;
  if (!registry_->contains(order.instrument())) return RejectReason::kVenueUnknownInstrument;
  if (o.side != Side::kBuy && o.side != Side::kSell) return RejectReason::kVenueInvalidOrder;
  if (o.order_type != OrderType::kMarket && o.order_type != OrderType::kLimit && o.order_type != OrderType::kLimitMaker)
    return RejectReason::kVenueInvalidOrder;
  const Instrument& ins = registry_->at(order.instrument());
  if (!o.qty.is_positive() || o.qty.raw() < ins.lot_size.raw()) return RejectReason::kVenueInvalidQuantity;
  if (!is_market(order) && (!o.price.is_positive() || !ins.price_on_tick(o.price))) return RejectReason::kVenueInvalidPrice;
  return RejectReason::kNone;
}

void BarVenue::submit(const Event& order) { orders_.push_back(Working{order, next_venue_order_id_++}); }

void BarVenue::cancel(const Event& cancel, std::vector<Event>& reports) {
  const ClientOrderId id = cancel.payload.order.client_order_id;
  for (std::size_t i = 0; i < orders_.size(); ++i) {
    if (orders_[i].order.payload.order.client_order_id != id) continue;
    const Working w = orders_[i];
    orders_.erase(orders_.begin() + static_cast<std::ptrdiff_t>(i));
    reports.push_back(report(w.order.instrument(), id, w.venue_order_id, w.order.payload.order.side, ExecType::kCanceled,
                             cancel.header.event_ns));
    return;
  }
  Event e = report(cancel.instrument(), id, 0, cancel.payload.order.side, ExecType::kCancelRejected, cancel.header.event_ns);
  e.payload.exec.reason = RejectReason::kVenueUnknownOrder;
  reports.push_back(e);
}

void BarVenue::fill_at_close(const Event& order, const Event& bar, std::vector<Event>& reports) {
  if (!is_market(order)) {
    submit(order);
    return;
  }
  const std::uint64_t venue_id = next_venue_order_id_++;
  const TimeNs t = bar.header.event_ns + bar.payload.bar.interval_ns;
  if (const RejectReason r = validate(order); r != RejectReason::kNone) {
    reject(order, r, t, reports);
    return;
  }
  const Instrument& ins = registry_->at(order.instrument());
  fill(order, venue_id, slipped(bar.payload.bar.close, order.payload.order.side, ins), Liquidity::kTaker, t, reports);
}

void BarVenue::on_bar(const Event& bar, std::vector<Event>& reports) {
  const BarPayload& b = bar.payload.bar;
  const TimeNs t = bar.header.event_ns;
  // 1 and 2: working orders in arrival order. Market orders (next_open) fill at the open; limits
  // fill if the bar reaches them. Orders on other instruments wait for their own bars.
  std::size_t keep = 0;
  for (std::size_t i = 0; i < orders_.size(); ++i) {
    const Working w = orders_[i];
    bool done = w.order.instrument() == bar.instrument();
    if (done) {
      if (const RejectReason r = validate(w.order); r != RejectReason::kNone) {
        reject(w.order, r, t, reports);
      } else if (is_market(w.order)) {
        const Instrument& ins = registry_->at(w.order.instrument());
        fill(w.order, w.venue_order_id, slipped(b.open, w.order.payload.order.side, ins), Liquidity::kTaker, t, reports);
      } else {
        const Price limit = w.order.payload.order.price;
        if (w.order.payload.order.side == Side::kBuy && b.low <= limit) {
          fill(w.order, w.venue_order_id, b.open <= limit ? b.open : limit, Liquidity::kMaker, t, reports);
        } else if (w.order.payload.order.side == Side::kSell && b.high >= limit) {
          fill(w.order, w.venue_order_id, b.open >= limit ? b.open : limit, Liquidity::kMaker, t, reports);
        } else {
          done = false;
        }
      }
    }
    if (!done) orders_[keep++] = w;
  }
  orders_.resize(keep);

  // 3: bracket exits. Stop first when the bar reaches both.
  keep = 0;
  for (std::size_t i = 0; i < brackets_.size(); ++i) {
    const Bracket br = brackets_[i];
    bool done = false;
    if (br.instrument == bar.instrument()) {
      Event exit = make_event(EventType::kOrderNew, Source::kRouter, br.instrument, t);
      exit.payload.order.client_order_id = br.id;
      exit.payload.order.side = br.side;
      exit.payload.order.qty = br.qty;
      exit.payload.order.order_type = OrderType::kMarket;
      const Instrument& ins = registry_->at(br.instrument);
      const bool sell = br.side == Side::kSell;  // exit of a long
      if (br.stop.is_positive() && (sell ? b.low <= br.stop : b.high >= br.stop)) {
        const Price at = (sell ? b.open <= br.stop : b.open >= br.stop) ? b.open : br.stop;
        fill(exit, br.venue_order_id, slipped(at, br.side, ins), Liquidity::kTaker, t, reports, true);
        done = true;
      } else if (br.take_profit.is_positive() && (sell ? b.high >= br.take_profit : b.low <= br.take_profit)) {
        const Price at = (sell ? b.open >= br.take_profit : b.open <= br.take_profit) ? b.open : br.take_profit;
        fill(exit, br.venue_order_id, at, Liquidity::kMaker, t, reports, true);
        done = true;
      }
    }
    if (!done) brackets_[keep++] = br;
  }
  brackets_.resize(keep);
}

Price BarVenue::slipped(Price p, Side taker_side, const Instrument& ins) const noexcept {
  return taker_side == Side::kBuy ? scaled_to_tick(p, config_.slippage_bps, ins.tick_size, true)
                                  : scaled_to_tick(p, -config_.slippage_bps, ins.tick_size, false);
}

Event BarVenue::report(InstrumentId instrument, ClientOrderId id, std::uint64_t venue_order_id, Side side, ExecType type,
                       TimeNs t) const noexcept {
  Event e = make_event(EventType::kExecReport, Source::kSimVenue, instrument, t);
  ExecReportPayload& x = e.payload.exec;
  x.client_order_id = id;
  x.venue_order_id = venue_order_id;
  x.side = side;
  x.exec_type = type;
  return e;
}

void BarVenue::reject(const Event& order, RejectReason reason, TimeNs t, std::vector<Event>& reports) {
  Event e = report(order.instrument(), order.payload.order.client_order_id, 0, order.payload.order.side, ExecType::kRejected, t);
  e.payload.exec.reason = reason;
  reports.push_back(e);
}

void BarVenue::fill(const Event& order, std::uint64_t venue_order_id, Price price, Liquidity liquidity, TimeNs t,
                    std::vector<Event>& reports, bool bracket_exit) {
  const OrderPayload& o = order.payload.order;
  const Instrument& ins = registry_->at(order.instrument());
  const Qty qty = Qty::from_raw(o.qty.raw() / ins.lot_size.raw() * ins.lot_size.raw());
  if (!bracket_exit) {
    Event ack = report(order.instrument(), o.client_order_id, venue_order_id, o.side, ExecType::kNew, t);
    ack.payload.exec.leaves_qty = qty;
    reports.push_back(ack);
  }
  Event f = report(order.instrument(), o.client_order_id, venue_order_id, o.side, ExecType::kFill, t);
  ExecReportPayload& x = f.payload.exec;
  x.trade_id = next_trade_id_++;
  x.last_price = price;
  x.last_qty = qty;
  x.cum_qty = qty;
  x.fee = apply_bps(notional(price, qty), config_.fee_bps);
  x.liquidity = liquidity;
  reports.push_back(f);

  Qty& pos = position_[order.instrument()];
  pos += o.side == Side::kBuy ? qty : -qty;
  if (bracket_exit) return;
  if (pos.is_zero()) {
    // Flat through the strategy's own order: its exits have nothing left to protect.
    std::size_t keep = 0;
    for (const Bracket& br : brackets_)
      if (br.instrument != order.instrument()) brackets_[keep++] = br;
    brackets_.resize(keep);
  }
  if (o.take_profit_bps > 0 || o.stop_loss_bps > 0) add_bracket(order, price, qty);
}

void BarVenue::add_bracket(const Event& order, Price fill_price, Qty qty) {
  const OrderPayload& o = order.payload.order;
  const Price tick = registry_->at(order.instrument()).tick_size;
  const bool long_entry = o.side == Side::kBuy;
  Bracket br{};
  br.id = o.client_order_id | kBracketExitBit;
  br.instrument = order.instrument();
  br.side = opposite(o.side);
  br.qty = qty;
  // Toward the entry: a long's take-profit rounds down and its stop up (a short's the reverse).
  if (o.take_profit_bps > 0)
    br.take_profit = scaled_to_tick(fill_price, long_entry ? o.take_profit_bps : -o.take_profit_bps, tick, !long_entry);
  if (o.stop_loss_bps > 0)
    br.stop = scaled_to_tick(fill_price, long_entry ? -o.stop_loss_bps : o.stop_loss_bps, tick, long_entry);
  br.venue_order_id = next_venue_order_id_++;
  brackets_.push_back(br);
}

}  // namespace sequent
