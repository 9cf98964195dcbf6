// SimVenue: validation, matching at the touch, resting orders and the report FIFO. Runs on the
// simulated exchange thread; nothing here allocates after the constructor.
#include "gateways/sim_venue.hpp"

#include <utility>

namespace sequent {
namespace {

constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);

bool valid_side(Side s) noexcept { return s == Side::kBuy || s == Side::kSell; }
bool valid_order_type(OrderType t) noexcept {
  return t == OrderType::kMarket || t == OrderType::kLimit || t == OrderType::kLimitMaker;
}
bool valid_tif(TimeInForce t) noexcept {
  return t == TimeInForce::kGtc || t == TimeInForce::kIoc || t == TimeInForce::kFok;
}

}  // namespace

SimVenue::SimVenue(const InstrumentRegistry& registry, SimVenueConfig config)
    : registry_(registry), config_(std::move(config)) {
  books_.resize(registry_.size());
  open_.reserve(config_.max_open_orders);
  std::size_t capacity =
      config_.report_capacity == 0 ? 4 * config_.max_open_orders : config_.report_capacity;
  if (capacity < config_.max_open_orders + kSimVenueMaxReportsPerOrder)
    capacity = config_.max_open_orders + kSimVenueMaxReportsPerOrder;
  config_.report_capacity = capacity;
  reports_.resize(capacity, make_event(EventType::kNone, Source::kSimVenue, kNoInstrument, 0));
}

void SimVenue::on_market(const Event& market) noexcept {
  switch (market.type()) {
    case EventType::kQuote: {
      venue_ns_ = market.header.event_ns;
      const InstrumentId id = market.instrument();
      if (id >= books_.size()) [[unlikely]] {
        ++ignored_events_;
        return;
      }
      TopOfBook& top = books_[id];
      top.bid = market.payload.quote.bid_price;
      top.ask = market.payload.quote.ask_price;
      top.valid = true;
      if (!open_.empty()) fill_crossed(id, top);
      return;
    }
    case EventType::kTrade: venue_ns_ = market.header.event_ns; return;
    default: ++ignored_events_; return;
  }
}

void SimVenue::on_order(const Event& order) noexcept {
  switch (order.type()) {
    case EventType::kOrderNew: on_new_order(order); return;
    case EventType::kOrderCancel: on_cancel(order); return;
    default: ++ignored_events_; return;
  }
}

void SimVenue::on_new_order(const Event& event) noexcept {
  const OrderPayload& order = event.payload.order;
  const InstrumentId id = event.instrument();
  if (id >= books_.size()) [[unlikely]] {
    reject(id, order, RejectReason::kVenueUnknownInstrument);
    return;
  }
  if (!valid_side(order.side) || !valid_order_type(order.order_type) || !valid_tif(order.tif))
      [[unlikely]] {
    reject(id, order, kSimVenueRejectInvalidOrder);
    return;
  }
  const Instrument& ins = registry_.at(id);
  if (!order.qty.is_positive() || !ins.qty_on_lot(order.qty)) {
    reject(id, order, RejectReason::kVenueInvalidQuantity);
    return;
  }
  const bool is_market = order.order_type == OrderType::kMarket;
  if (!is_market && (!order.price.is_positive() || !ins.price_on_tick(order.price))) {
    reject(id, order, RejectReason::kVenueInvalidPrice);
    return;
  }
  if (find_open(order.client_order_id) != kNotFound) {
    reject(id, order, RejectReason::kVenueDuplicateOrder);
    return;
  }

  const TopOfBook& top = books_[id];
  const bool buy = order.side == Side::kBuy;
  const Price touch = buy ? top.ask : top.bid;
  if (is_market) {
    if (!top.valid) {
      reject(id, order, RejectReason::kVenueNoLiquidity);
      return;
    }
    const std::uint64_t venue_order_id = next_venue_order_id_++;
    push_report(make_report(id, order, venue_order_id, ExecType::kNew));
    fill(id, order, venue_order_id, touch, Liquidity::kTaker);
    return;
  }

  const bool marketable = top.valid && (buy ? order.price >= touch : order.price <= touch);
  if (marketable) {
    if (order.order_type == OrderType::kLimitMaker) {
      reject(id, order, RejectReason::kVenueWouldTake);
      return;
    }
    const std::uint64_t venue_order_id = next_venue_order_id_++;
    push_report(make_report(id, order, venue_order_id, ExecType::kNew));
    fill(id, order, venue_order_id, touch, Liquidity::kTaker);
    return;
  }
  if (order.tif != TimeInForce::kGtc) {
    const std::uint64_t venue_order_id = next_venue_order_id_++;
    push_report(make_report(id, order, venue_order_id, ExecType::kNew));
    Event expired = make_report(id, order, venue_order_id, ExecType::kExpired);
    expired.payload.exec.leaves_qty = Qty{};
    push_report(expired);
    return;
  }
  if (open_.size() >= config_.max_open_orders) [[unlikely]] {
    reject(id, order, kSimVenueRejectTooManyOrders);
    return;
  }
  RestingOrder resting;
  resting.client_order_id = order.client_order_id;
  resting.venue_order_id = next_venue_order_id_++;
  resting.limit_price = order.price;
  resting.qty = order.qty;
  resting.instrument = id;
  resting.side = order.side;
  open_.push_back(resting);  // within the reserved capacity: never allocates
  push_report(make_report(id, order, resting.venue_order_id, ExecType::kNew));
}

void SimVenue::on_cancel(const Event& event) noexcept {
  const OrderPayload& cancel = event.payload.order;
  const std::size_t index = find_open(cancel.client_order_id);
  if (index == kNotFound) {
    Event report = make_report(event.instrument(), cancel, 0, ExecType::kCancelRejected);
    report.payload.exec.leaves_qty = Qty{};
    report.payload.exec.reason = RejectReason::kVenueUnknownOrder;
    push_report(report);
    return;
  }
  const RestingOrder resting = open_[index];
  open_.erase(open_.begin() + static_cast<std::ptrdiff_t>(index));
  Event report =
      make_report(resting.instrument, cancel, resting.venue_order_id, ExecType::kCanceled);
  report.payload.exec.side = resting.side;
  report.payload.exec.leaves_qty = Qty{};
  push_report(report);
}

void SimVenue::fill_crossed(InstrumentId instrument, const TopOfBook& top) noexcept {
  // One stable pass: fill crossed orders of this instrument in arrival order, compact the rest.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < open_.size(); ++i) {
    const RestingOrder& r = open_[i];
    const bool crossed =
        r.instrument == instrument &&
        (r.side == Side::kBuy ? top.ask <= r.limit_price : top.bid >= r.limit_price);
    if (crossed) {
      OrderPayload order{};
      order.client_order_id = r.client_order_id;
      order.price = r.limit_price;
      order.qty = r.qty;
      order.side = r.side;
      fill(instrument, order, r.venue_order_id, r.limit_price, Liquidity::kMaker);
    } else {
      if (kept != i) open_[kept] = r;
      ++kept;
    }
  }
  open_.resize(kept);  // shrinking never allocates
}

Event SimVenue::make_report(InstrumentId instrument, const OrderPayload& order,
                            std::uint64_t venue_order_id, ExecType exec_type) const noexcept {
  Event report = make_event(EventType::kExecReport, Source::kSimVenue, instrument, venue_ns_);
  ExecReportPayload& exec = report.payload.exec;
  exec.client_order_id = order.client_order_id;
  exec.venue_order_id = venue_order_id;
  exec.leaves_qty = order.qty;
  exec.exec_type = exec_type;
  exec.side = order.side;
  exec.liquidity = Liquidity::kNone;
  exec.reason = RejectReason::kNone;
  return report;
}

void SimVenue::reject(InstrumentId instrument, const OrderPayload& order,
                      RejectReason reason) noexcept {
  Event report = make_report(instrument, order, 0, ExecType::kRejected);
  report.payload.exec.leaves_qty = Qty{};
  report.payload.exec.reason = reason;
  push_report(report);
}

void SimVenue::fill(InstrumentId instrument, const OrderPayload& order,
                    std::uint64_t venue_order_id, Price price, Liquidity liquidity) noexcept {
  Event report = make_report(instrument, order, venue_order_id, ExecType::kFill);
  ExecReportPayload& exec = report.payload.exec;
  exec.trade_id = next_trade_id_++;
  exec.last_price = price;
  exec.last_qty = order.qty;
  exec.cum_qty = order.qty;
  exec.leaves_qty = Qty{};
  exec.liquidity = liquidity;
  const std::int64_t bps =
      liquidity == Liquidity::kMaker ? config_.maker_fee_bps : config_.taker_fee_bps;
  exec.fee = apply_bps(notional(price, order.qty), bps);
  push_report(report);
}

void SimVenue::push_report(const Event& report) noexcept {
  if (report_count_ == reports_.size()) [[unlikely]] {
    ++dropped_reports_;
    return;
  }
  std::size_t slot = report_head_ + report_count_;
  if (slot >= reports_.size()) slot -= reports_.size();
  reports_[slot] = report;
  ++report_count_;
}

std::size_t SimVenue::drain(std::span<Event> out) noexcept {
  const std::size_t n = out.size() < report_count_ ? out.size() : report_count_;
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = reports_[report_head_];
    if (++report_head_ == reports_.size()) report_head_ = 0;
  }
  report_count_ -= n;
  return n;
}

std::size_t SimVenue::find_open(ClientOrderId id) const noexcept {
  for (std::size_t i = 0; i < open_.size(); ++i) {
    if (open_[i].client_order_id == id) return i;
  }
  return kNotFound;
}

bool SimVenue::restore(const std::vector<RestoredOrder>& open, std::uint64_t next_venue_order_id,
                       std::uint64_t next_trade_id) {
  open_.clear();
  bool all = true;
  for (const RestoredOrder& r : open) {
    if (open_.size() >= config_.max_open_orders) {
      all = false;
      break;
    }
    open_.push_back(RestingOrder{r.client_order_id, r.venue_order_id, r.limit_price, r.qty, r.instrument, r.side});
  }
  next_venue_order_id_ = next_venue_order_id;
  next_trade_id_ = next_trade_id;
  return all;
}

void SimVenue::hash_state(StateHasher& hasher) const noexcept {
  hasher.add_i64(venue_ns_);
  hasher.add_u64(next_venue_order_id_);
  hasher.add_u64(next_trade_id_);
  hasher.add_u64(books_.size());
  for (const TopOfBook& top : books_) {
    hasher.add_bool(top.valid);
    hasher.add(top.bid);
    hasher.add(top.ask);
  }
  hasher.add_u64(open_.size());
  for (const RestingOrder& r : open_) {
    hasher.add_u64(r.client_order_id);
    hasher.add_u64(r.venue_order_id);
    hasher.add(r.limit_price);
    hasher.add(r.qty);
    hasher.add_u16(r.instrument);
    hasher.add_byte(static_cast<std::uint8_t>(r.side));
  }
}

}  // namespace sequent
