#include "engine/risk_stage.hpp"

#include <algorithm>
#include <utility>

namespace sequent {

namespace {
constexpr TimeNs kSecond = 1'000'000'000;
constexpr TimeNs kDay = 86'400 * kSecond;
Int128 abs128(Int128 v) noexcept { return v < 0 ? -v : v; }
}  // namespace

RiskStage::RiskStage(const InstrumentRegistry& registry, RiskConfig config)
    : registry_(&registry),
      config_(std::move(config)),
      last_price_(registry.size()),
      positions_(registry.size()),
      open_(config_.open_order_capacity),
      trade_ids_(registry.size()),
      open_buy_(registry.size(), 0),
      open_sell_(registry.size(), 0),
      recent_(std::max<std::size_t>(config_.max_orders_per_second, kRateWindowCapacity), 0),
      books_(registry.size()),
      s_open_buy_(registry.size() * kStrategyBooks, 0),
      s_open_sell_(registry.size() * kStrategyBooks, 0) {
  // Every instrument gets its own slot so an operator can set one instrument's limits at run
  // time without allocating; own_limits_ says which slots differ from the defaults.
  own_limits_.assign(registry.size(), 0);
  for (std::size_t i = 0; i < own_limits_.size() && i < config_.per_instrument.size(); ++i) own_limits_[i] = 1;
  config_.per_instrument.resize(registry.size(), config_.default_limits);
  config_.per_strategy[0] = StrategyRiskLimits{};  // the system book is never limited
  refresh_strategy_flags();
}

void RiskStage::refresh_strategy_flags() noexcept {
  strategy_loss_mask_ = 0;
  bool any = false;
  for (std::size_t b = 1; b < kStrategyBooks; ++b) {
    const StrategyRiskLimits& l = config_.per_strategy[b];
    any = any || l.any();
    if (l.daily_loss_limit.is_positive()) strategy_loss_mask_ = static_cast<std::uint8_t>(strategy_loss_mask_ | (1u << b));
  }
  strategy_checks_ = any || strategy_halted_ != 0;
}

const InstrumentRiskLimits& RiskStage::limits_for(InstrumentId id) const noexcept {
  return id < own_limits_.size() && own_limits_[id] != 0 ? config_.per_instrument[id] : config_.default_limits;
}

bool RiskStage::set_limit(RiskLimitId limit, InstrumentId instrument, std::int64_t value) noexcept {
  if (value < 0) return false;
  const bool scoped = instrument != kNoInstrument;
  if (scoped && !registry_->contains(instrument)) return false;
  const auto code = static_cast<std::uint8_t>(limit);
  const bool instrument_limit = code >= static_cast<std::uint8_t>(RiskLimitId::kMaxOrderQty) &&
                                code <= static_cast<std::uint8_t>(RiskLimitId::kPriceBandBps);
  if (scoped && !instrument_limit) return false;  // the rest are global
  InstrumentRiskLimits* lim = &config_.default_limits;
  if (scoped) {
    if (own_limits_[instrument] == 0) config_.per_instrument[instrument] = config_.default_limits;
    own_limits_[instrument] = 1;
    lim = &config_.per_instrument[instrument];
  }
  switch (limit) {
    case RiskLimitId::kMaxOrderQty: lim->max_order_qty = Qty::from_raw(value); return true;
    case RiskLimitId::kMaxOrderNotional: lim->max_order_notional = Money::from_raw(value); return true;
    case RiskLimitId::kMaxPositionQty: lim->max_position_qty = Qty::from_raw(value); return true;
    case RiskLimitId::kMaxPositionNotional: lim->max_position_notional = Money::from_raw(value); return true;
    case RiskLimitId::kPriceBandBps: lim->price_band_bps = value; return true;
    default: break;
  }
  switch (limit) {
    case RiskLimitId::kMaxOpenOrders:
      config_.max_open_orders = static_cast<std::uint32_t>(std::min<std::int64_t>(value, UINT32_MAX));
      return true;
    case RiskLimitId::kMaxOrdersPerSecond:
      // The approval-time ring is sized at start: a larger rate cannot be tracked exactly.
      if (static_cast<std::uint64_t>(value) > recent_.size()) return false;
      config_.max_orders_per_second = static_cast<std::uint32_t>(value);
      return true;
    case RiskLimitId::kMaxOrdersPerDay:
      config_.max_orders_per_day = static_cast<std::uint32_t>(std::min<std::int64_t>(value, UINT32_MAX));
      return true;
    case RiskLimitId::kDailyLossLimit: config_.daily_loss_limit = Money::from_raw(value); return true;
    case RiskLimitId::kMaxDrawdownBps: config_.max_drawdown_bps = value; return true;
    case RiskLimitId::kMaxGrossExposureBps: config_.max_gross_exposure_bps = value; return true;
    default: return false;
  }
}

std::int64_t RiskStage::day_of(TimeNs t) const noexcept {
  const TimeNs shifted = t - config_.day_start_offset_ns;
  return shifted >= 0 ? shifted / kDay : (shifted - kDay + 1) / kDay;
}

bool RiskStage::second_window_full(TimeNs t) const noexcept {
  // The ring holds the last approval times (at least max_orders_per_second of them): the window
  // is full exactly when the limit-th most recent is still inside (t - 1 s, t]. O(1).
  const std::size_t limit = config_.max_orders_per_second;
  if (recent_count_ < limit) return false;
  return recent_[(recent_head_ + recent_count_ - limit) % recent_.size()] > t - kSecond;
}

Money RiskStage::equity() const noexcept {
  Money e = config_.initial_equity;
  for (const Position& p : positions_) e += p.net_pnl();
  return e;
}

RejectReason RiskStage::check(const Event& intent) const noexcept {
  const OrderPayload& o = intent.payload.order;
  const InstrumentId id = intent.instrument();
  if (!registry_->contains(id)) return RejectReason::kRiskUnknownInstrument;
  const InstrumentRiskLimits& lim = limits_for(id);
  if (!lim.allowed) return RejectReason::kRiskNotWhitelisted;
  if (!o.qty.is_positive()) return RejectReason::kRiskBadQuantity;
  const Instrument& ins = registry_->at(id);
  if (!ins.qty_on_lot(o.qty)) return RejectReason::kRiskLotSize;
  const bool market = o.order_type == OrderType::kMarket;
  if (!market && (!o.price.is_positive() || !ins.price_on_tick(o.price))) return RejectReason::kRiskTickSize;
  const Price last = last_price_[id];
  const Price ref = market ? last : o.price;
  if (!ref.is_positive()) return RejectReason::kRiskNoReferencePrice;
  const Int128 order_notional = notional128(ref, o.qty);
  if (order_notional < ins.min_notional.raw()) return RejectReason::kRiskMinNotional;
  if (lim.max_order_qty.is_positive() && o.qty > lim.max_order_qty) return RejectReason::kRiskMaxOrderQty;
  if (lim.max_order_notional.is_positive() && order_notional > lim.max_order_notional.raw())
    return RejectReason::kRiskMaxOrderNotional;
  if (!market && lim.price_band_bps > 0 && last.is_positive()) {
    // |limit - last| / last > band  ⇔  |limit - last| × 10000 > band × last (exact in 128 bits)
    const Int128 distance = abs128(static_cast<Int128>(o.price.raw()) - last.raw());
    if (distance * 10'000 > static_cast<Int128>(lim.price_band_bps) * last.raw()) return RejectReason::kRiskPriceBand;
  }
  const std::int64_t pos = positions_[id].qty().raw();
  const std::int64_t signed_qty = o.side == Side::kBuy ? o.qty.raw() : -o.qty.raw();
  // The kill switch stops every new order (the router's own flatten orders do not pass here);
  // a tripped breaker lets a strategy reduce its position toward zero without crossing it.
  if (halted_) return RejectReason::kRiskHalted;
  if (breaker_ != 0) {
    const bool reduces = pos != 0 && ((pos > 0) != (signed_qty > 0)) && (signed_qty < 0 ? -signed_qty : signed_qty) <= (pos < 0 ? -pos : pos);
    if (!reduces) return RejectReason::kRiskBreakerTripped;
  }
  if (config_.max_open_orders != 0 && open_.size() >= config_.max_open_orders) return RejectReason::kRiskMaxOpenOrders;
  const TimeNs t = intent.header.event_ns;
  if (config_.max_orders_per_second != 0 && second_window_full(t))
    return RejectReason::kRiskRatePerSecond;
  if (config_.max_orders_per_day != 0 && day_of(t) == day_ && orders_today_ >= config_.max_orders_per_day)
    return RejectReason::kRiskRatePerDay;
  if (lim.max_position_qty.is_positive() || lim.max_position_notional.is_positive() || config_.max_gross_exposure_bps > 0) {
    // Open orders count at their working quantity, on their side; for exposure, at the price risk
    // approved them at (limit price, or the last trade for market orders).
    const std::int64_t projected = signed_qty > 0 ? pos + open_buy_[id] + signed_qty : pos - open_sell_[id] + signed_qty;
    const std::int64_t projected_abs = projected < 0 ? -projected : projected;
    if (lim.max_position_qty.is_positive() && projected_abs > lim.max_position_qty.raw()) return RejectReason::kRiskMaxPositionQty;
    if (lim.max_position_notional.is_positive() && notional128(ref, Qty::from_raw(projected_abs)) > lim.max_position_notional.raw())
      return RejectReason::kRiskMaxPositionNotional;
    if (config_.max_gross_exposure_bps > 0) {
      Int128 gross = div_round_half_even(open_notional_e16_, kFixedScale) + order_notional;
      for (std::size_t i = 0; i < positions_.size(); ++i) {
        const std::int64_t q = positions_[i].qty().raw();
        if (q != 0) gross += notional128(last_price_[i], Qty::from_raw(q < 0 ? -q : q));
      }
      const Int128 cap = static_cast<Int128>(equity().raw()) * config_.max_gross_exposure_bps / 10'000;
      if (gross > cap) return RejectReason::kRiskMaxGrossExposure;
    }
  }
  if (strategy_checks_) [[unlikely]] return check_strategy(intent, order_notional, ref);
  return RejectReason::kNone;
}

RejectReason RiskStage::check_strategy(const Event& intent, Int128 order_notional, Price ref) const noexcept {
  const OrderPayload& o = intent.payload.order;
  const std::size_t book = book_of(o.strategy_id);
  if (book == 0) return RejectReason::kNone;  // the system book has no strategy limits
  const StrategyRiskLimits& l = config_.per_strategy[book];
  const InstrumentId id = intent.instrument();
  const std::int64_t pos = books_.at(o.strategy_id, id).qty().raw();
  const std::int64_t signed_qty = o.side == Side::kBuy ? o.qty.raw() : -o.qty.raw();
  if (((static_cast<unsigned>(strategy_halted_) >> book) & 1u) != 0) {
    // The strategy's own breaker: it may only reduce its own position toward zero.
    const bool reduces = pos != 0 && ((pos > 0) != (signed_qty > 0)) && (signed_qty < 0 ? -signed_qty : signed_qty) <= (pos < 0 ? -pos : pos);
    if (!reduces) return RejectReason::kRiskStrategyHalted;
  }
  if (l.max_order_qty.is_positive() && o.qty > l.max_order_qty) return RejectReason::kRiskStrategyMaxOrderQty;
  if (l.max_order_notional.is_positive() && order_notional > l.max_order_notional.raw())
    return RejectReason::kRiskStrategyMaxOrderNotional;
  if (l.max_open_orders != 0 && s_open_count_[book] >= l.max_open_orders) return RejectReason::kRiskStrategyMaxOpenOrders;
  if (l.max_position_qty.is_positive() || l.max_position_notional.is_positive()) {
    const std::size_t k = book * books_.instrument_count() + id;
    const std::int64_t projected = signed_qty > 0 ? pos + s_open_buy_[k] + signed_qty : pos - s_open_sell_[k] + signed_qty;
    const std::int64_t projected_abs = projected < 0 ? -projected : projected;
    if (l.max_position_qty.is_positive() && projected_abs > l.max_position_qty.raw())
      return RejectReason::kRiskStrategyMaxPositionQty;
    if (l.max_position_notional.is_positive() && notional128(ref, Qty::from_raw(projected_abs)) > l.max_position_notional.raw())
      return RejectReason::kRiskStrategyMaxPositionNotional;
  }
  return RejectReason::kNone;
}

void RiskStage::on_approved(const Event& order) noexcept {
  OrderRecord r = order_record_of(order);
  // Market orders are carried at the price risk approved them at (the last trade).
  if (r.order_type == OrderType::kMarket) r.price = last_price_[order.instrument()];
  if (open_.insert(r)) {  // a full table under-counts; max_open_orders bounds it
    adjust_open(r, r.qty.raw());
    ++s_open_count_[book_of(r.strategy_id)];
  }
  const TimeNs t = order.header.event_ns;
  {  // always recorded, so a rate limit set at run time counts the orders before it
    recent_[(recent_head_ + recent_count_) % recent_.size()] = t;
    if (recent_count_ < recent_.size()) ++recent_count_;
    else recent_head_ = (recent_head_ + 1) % recent_.size();
  }
  const std::int64_t day = day_of(t);
  if (day != day_) {
    day_ = day;
    orders_today_ = 0;
  }
  ++orders_today_;
  approved_.store(approved_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

void RiskStage::adjust_open(const OrderRecord& r, std::int64_t delta) noexcept {
  if (r.instrument >= open_buy_.size() || delta == 0) return;
  (r.side == Side::kBuy ? open_buy_ : open_sell_)[r.instrument] += delta;
  (r.side == Side::kBuy ? s_open_buy_ : s_open_sell_)[book_of(r.strategy_id) * open_buy_.size() + r.instrument] += delta;
  open_notional_e16_ += static_cast<Int128>(r.price.raw()) * delta;
}

void RiskStage::release_open(const OrderRecord& r) noexcept {
  adjust_open(r, -(r.qty.raw() - r.cum_qty.raw()));
  --s_open_count_[book_of(r.strategy_id)];
}

void RiskStage::drop_open(ClientOrderId id) noexcept {
  OrderRecord* r = open_.find(id);
  if (r == nullptr) return;
  release_open(*r);
  (void)open_.erase(id);
}

void RiskStage::on_exec(const Event& e) noexcept {
  const ExecReportPayload& x = e.payload.exec;
  if ((e.header.flags & kFlagVenueState) != 0) return on_venue_open(e);
  const bool fill = x.exec_type == ExecType::kFill || x.exec_type == ExecType::kPartialFill;
  if (fill && !trade_ids_.fresh(e.instrument(), x.trade_id)) return;  // applied already
  OrderRecord* r = open_.find(x.client_order_id);
  if (fill && e.instrument() < positions_.size()) {
    positions_[e.instrument()].apply_fill(x.side, x.last_price, x.last_qty, x.fee);
    // Attributed through the order's strategy_id; an order risk does not hold (a venue's bracket
    // exit, the router's flatten order) through its client order id (engine/types.hpp).
    const StrategyId owner = r != nullptr ? r->strategy_id : strategy_of_order(x.client_order_id);
    books_.apply_fill(owner, e.instrument(), x.side, x.last_price, x.last_qty, x.fee);
    if (r != nullptr) {
      const std::int64_t working = r->qty.raw() - r->cum_qty.raw();
      const std::int64_t done = x.last_qty.raw() < working ? x.last_qty.raw() : working;
      adjust_open(*r, -done);
      r->cum_qty += Qty::from_raw(done);
    }
  }
  const bool terminal = x.exec_type == ExecType::kFill || x.exec_type == ExecType::kCanceled ||
                        x.exec_type == ExecType::kRejected || x.exec_type == ExecType::kExpired;
  if (terminal && r != nullptr) drop_open(x.client_order_id);
}

// Reconciliation (after a restart, or after the venue's report stream was lost for a while):
// between begin and end the venue reports every order it holds open (kFlagVenueState acks).
// Risk keeps the ones it knows, adopts the ones it does not (their origin was lost in a crash)
// and, at the end, forgets every open order the venue did not report: it ended while we could not
// hear (its fills came in the window) or never arrived. The same rule as the router's, so risk's
// open-order limits count what is really working.
void RiskStage::on_venue_open(const Event& e) noexcept {
  const ExecReportPayload& x = e.payload.exec;
  if (!reconciling_ || x.exec_type != ExecType::kNew) return;
  if (OrderRecord* known = open_.find(x.client_order_id); known != nullptr) {
    known->confirmed = true;
    return;
  }
  const OrderRecord r = adopted_order_record(e);
  if (open_.insert(r)) {
    adjust_open(r, x.leaves_qty.raw());
    ++s_open_count_[book_of(r.strategy_id)];
  }
}

void RiskStage::on_reconcile(const Event& e) noexcept {
  if (e.payload.reconcile.phase == ReconcilePhase::kBegin) {
    reconciling_ = true;
    open_.for_each([](OrderRecord& r) { r.confirmed = false; });
    return;
  }
  if (!reconciling_) return;
  reconciling_ = false;
  (void)open_.drop_unconfirmed([this](const OrderRecord& r) { release_open(r); });
}

void RiskStage::update_strategy_breakers(TimeNs t) noexcept {
  const std::int64_t day = day_of(t);
  const bool new_day = day != strategy_day_;
  strategy_day_ = day;
  for (std::size_t b = 1; b < kStrategyBooks; ++b) {
    if (((static_cast<unsigned>(strategy_loss_mask_) >> b) & 1u) == 0) continue;
    const Money pnl = books_.net_pnl(static_cast<StrategyId>(b));
    if (new_day) strategy_day_start_[b] = pnl;
    if (((static_cast<unsigned>(strategy_halted_) >> b) & 1u) != 0) continue;
    if (strategy_day_start_[b] - pnl >= config_.per_strategy[b].daily_loss_limit) {
      strategy_halted_ = static_cast<std::uint8_t>(strategy_halted_ | (1u << b));
      strategy_trip_pending_ = static_cast<std::uint8_t>(strategy_trip_pending_ | (1u << b));
      strategy_checks_ = true;
    }
  }
}

Event RiskStage::make_strategy_trip(const Event& origin) noexcept {
  unsigned b = 1;
  while (((static_cast<unsigned>(strategy_trip_pending_) >> b) & 1u) == 0) ++b;
  strategy_trip_pending_ = static_cast<std::uint8_t>(strategy_trip_pending_ & ~(1u << b));
  Event trip = make_event(EventType::kAdmin, Source::kRisk, kNoInstrument, origin.header.event_ns);
  trip.header.seq = origin.header.seq;
  trip.header.recv_ns = origin.header.recv_ns;
  trip.header.flags = kFlagDerived;
  trip.payload.admin.command = AdminCommand::kStrategyHalt;
  trip.payload.admin.strategy_id = static_cast<StrategyId>(b);
  trip.payload.admin.arg_code = 1;  // daily loss
  return trip;
}

void RiskStage::update_breakers(TimeNs t) noexcept {
  if (strategy_loss_mask_ != 0) update_strategy_breakers(t);
  if (config_.daily_loss_limit.is_zero() && config_.max_drawdown_bps == 0) return;
  const Money eq = equity();
  const std::int64_t day = day_of(t);
  if (day != breaker_day_) {
    breaker_day_ = day;
    day_start_equity_ = eq;
    day_peak_equity_ = eq;
  }
  if (eq > day_peak_equity_) day_peak_equity_ = eq;
  if (breaker_ != 0) return;
  std::uint8_t cause = 0;
  if (config_.daily_loss_limit.is_positive() && day_start_equity_ - eq >= config_.daily_loss_limit) cause = 1;
  if (cause == 0 && config_.max_drawdown_bps > 0 && day_peak_equity_.is_positive() &&
      static_cast<Int128>((day_peak_equity_ - eq).raw()) * 10'000 >=
          static_cast<Int128>(config_.max_drawdown_bps) * day_peak_equity_.raw())
    cause = 2;
  if (cause != 0) {
    breaker_ = cause;
    trip_pending_ = cause;
  }
}

Event RiskStage::make_trip(const Event& origin) noexcept {
  Event trip = make_event(EventType::kAdmin, Source::kRisk, kNoInstrument, origin.header.event_ns);
  trip.header.seq = origin.header.seq;
  trip.header.recv_ns = origin.header.recv_ns;
  trip.header.flags = kFlagDerived;
  trip.payload.admin.command = AdminCommand::kKillSwitch;
  trip.payload.admin.arg_code = trip_pending_;
  trip_pending_ = 0;
  return trip;
}

void RiskStage::observe(const Event& e) noexcept {
  last_seq_ = e.seq();
  const InstrumentId id = e.instrument();
  switch (e.type()) {
    case EventType::kTrade:
      if (id < last_price_.size()) {
        last_price_[id] = e.payload.trade.price;
        positions_[id].mark(e.payload.trade.price);
        books_.mark(id, e.payload.trade.price);
        update_breakers(e.header.event_ns);
      }
      break;
    case EventType::kBar:
      if (id < last_price_.size()) {
        last_price_[id] = e.payload.bar.close;
        positions_[id].mark(e.payload.bar.close);
        books_.mark(id, e.payload.bar.close);
        update_breakers(e.header.event_ns);
      }
      break;
    case EventType::kExecReport:
      on_exec(e);
      update_breakers(e.header.event_ns);
      break;
    case EventType::kOrderDenied:
      // An order risk approved that the router or the venue gateway refused: not open.
      drop_open(e.payload.order.client_order_id);
      break;
    case EventType::kReconcile:
      on_reconcile(e);
      break;
    case EventType::kAdmin:
      // A breaker's own announcement (fed back with its cause) is not an operator's kill switch:
      // the breaker already holds risk at reduce-only. Any other kill switch (operator, journal
      // alarm) stops every order.
      if (e.payload.admin.command == AdminCommand::kKillSwitch &&
          !(e.header.source == Source::kInternal && e.payload.admin.arg_code != 0))
        halted_ = true;
      if (e.payload.admin.command == AdminCommand::kStrategyHalt) {
        // A strategy breaker's announcement fed back (risk already holds it): idempotent.
        const StrategyId sid = e.payload.admin.strategy_id;
        if (sid >= 1 && sid <= kMaxStrategies) strategy_halted_ = static_cast<std::uint8_t>(strategy_halted_ | (1u << sid));
        refresh_strategy_flags();
      }
      if (e.payload.admin.command == AdminCommand::kResume) {
        const StrategyId sid = e.payload.admin.strategy_id;
        if (sid == 0) {
          halted_ = false;
          breaker_ = 0;  // an operator's resume also re-arms the breakers
          day_start_equity_ = equity();
          day_peak_equity_ = day_start_equity_;
          strategy_halted_ = 0;
          for (std::size_t b = 1; b < kStrategyBooks; ++b) strategy_day_start_[b] = books_.net_pnl(static_cast<StrategyId>(b));
        } else if (sid <= kMaxStrategies) {
          // Scoped to one strategy: re-arms only its breaker, from its P&L now.
          strategy_halted_ = static_cast<std::uint8_t>(strategy_halted_ & ~(1u << sid));
          strategy_day_start_[sid] = books_.net_pnl(sid);
        }
        refresh_strategy_flags();
      }
      if (e.payload.admin.command == AdminCommand::kSetRiskLimit)
        (void)set_limit(static_cast<RiskLimitId>(e.payload.admin.arg_code), e.instrument(), e.payload.admin.arg_value);
      break;
    default:
      break;
  }
}

void RiskStage::count_denial(RejectReason r) noexcept {
  const auto code = static_cast<std::size_t>(r);
  ++denials_[code >= 100 && code < 100 + kReasonSlots ? code - 100 : kReasonSlots - 1];
  denied_total_.store(denied_total_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

std::uint64_t RiskStage::denied_for(RejectReason r) const noexcept {
  const auto code = static_cast<std::size_t>(r);
  return denials_[code >= 100 && code < 100 + kReasonSlots ? code - 100 : kReasonSlots - 1];
}

void RiskStage::archive(StateArchive& a) {
  a.tag("risk");
  a.u64(last_seq_);
  a.boolean(halted_);
  a.u8(breaker_);
  a.u8(trip_pending_);
  a.i64(breaker_day_);
  a.fixed(day_start_equity_);
  a.fixed(day_peak_equity_);
  a.expect_count(last_price_.size());
  for (Price& p : last_price_) a.fixed(p);
  for (Position& p : positions_) p.archive(a);
  open_.archive(a);
  trade_ids_.archive(a);
  a.boolean(reconciling_);
  for (std::int64_t& v : open_buy_) a.i64(v);
  for (std::int64_t& v : open_sell_) a.i64(v);
  auto hi = static_cast<std::int64_t>(open_notional_e16_ >> 64);
  auto lo = static_cast<std::uint64_t>(open_notional_e16_);
  a.i64(hi);
  a.u64(lo);
  open_notional_e16_ = (static_cast<Int128>(hi) << 64) | static_cast<Int128>(lo);
  a.expect_count(recent_.size());
  for (TimeNs& t : recent_) a.i64(t);
  std::uint64_t head = recent_head_, count = recent_count_;
  a.u64(head);
  a.u64(count);
  recent_head_ = static_cast<std::size_t>(head);
  recent_count_ = static_cast<std::size_t>(count);
  if (recent_head_ >= recent_.size() || recent_count_ > recent_.size()) a.fail();
  a.i64(day_);
  a.u32(orders_today_);
  for (std::uint64_t& d : denials_) a.u64(d);
  // Limits are state too: an operator may have changed them (set_risk_limit).
  auto limits = [&a](InstrumentRiskLimits& l) {
    a.fixed(l.max_order_qty);
    a.fixed(l.max_order_notional);
    a.fixed(l.max_position_qty);
    a.fixed(l.max_position_notional);
    a.i64(l.price_band_bps);
    a.boolean(l.allowed);
  };
  limits(config_.default_limits);
  a.expect_count(own_limits_.size());
  for (std::size_t i = 0; i < own_limits_.size(); ++i) {
    a.u8(own_limits_[i]);
    limits(config_.per_instrument[i]);
  }
  a.u32(config_.max_open_orders);
  a.u32(config_.max_orders_per_second);
  a.u32(config_.max_orders_per_day);
  a.fixed(config_.daily_loss_limit);
  a.i64(config_.max_drawdown_bps);
  a.i64(config_.max_gross_exposure_bps);
  if (config_.max_orders_per_second > recent_.size()) a.fail();
  // Per strategy: its book, open orders, breaker, and its limits.
  a.tag("risk-strategy");
  books_.archive(a);
  a.expect_count(s_open_buy_.size());
  for (std::int64_t& v : s_open_buy_) a.i64(v);
  for (std::int64_t& v : s_open_sell_) a.i64(v);
  for (std::uint32_t& n : s_open_count_) a.u32(n);
  a.u8(strategy_halted_);
  a.u8(strategy_trip_pending_);
  a.i64(strategy_day_);
  for (Money& m : strategy_day_start_) a.fixed(m);
  for (StrategyRiskLimits& l : config_.per_strategy) {
    a.fixed(l.max_order_qty);
    a.fixed(l.max_order_notional);
    a.fixed(l.max_position_qty);
    a.fixed(l.max_position_notional);
    a.u32(l.max_open_orders);
    a.fixed(l.daily_loss_limit);
  }
  if (a.reading()) refresh_strategy_flags();
}

std::uint64_t RiskStage::state_hash() const noexcept {
  StateArchive a = StateArchive::hasher();
  const_cast<RiskStage*>(this)->archive(a);  // kHash mode only reads the state (no allocation)
  return a.hash();
}

}  // namespace sequent
