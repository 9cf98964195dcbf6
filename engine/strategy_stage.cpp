#include "engine/strategy_stage.hpp"

#include <utility>

namespace sequent {

Result<std::unique_ptr<Strategy>> make_strategy(const StrategyStageConfig& config, const StrategySlotConfig& slot) {
  if (config.name == "macd") {
    const MacdParams& p = config.macd;
    if (p.fast < 1 || p.slow < 1 || p.signal < 1)
      return Error{ErrorCode::kInvalidArgument, "strategy macd: fast, slow and signal must be >= 1"};
    if (p.fast >= p.slow)
      return Error{ErrorCode::kInvalidArgument, "strategy macd: fast must be smaller than slow"};
    return std::unique_ptr<Strategy>(new MacdCrossStrategy(p, slot.order_qty));
  }
  return Error{ErrorCode::kInvalidArgument, "unknown strategy '" + config.name + "' (known: macd)"};
}

Result<std::unique_ptr<StrategyStage>> StrategyStage::create(const InstrumentRegistry& registry,
                                                             const StrategyStageConfig& config) {
  if (config.bar_interval_ns <= 0)
    return Error{ErrorCode::kInvalidArgument, "strategy bar_interval must be > 0"};
  std::unique_ptr<StrategyStage> stage(new StrategyStage(registry, config));
  for (const StrategySlotConfig& sc : config.slots) {
    if (!registry.contains(sc.instrument))
      return Error{ErrorCode::kInvalidArgument, "strategy slot: unknown instrument id " + std::to_string(sc.instrument)};
    if (!sc.order_qty.is_positive())
      return Error{ErrorCode::kInvalidArgument,
                   "strategy " + config.name + " " + registry.at(sc.instrument).symbol + ": order qty must be > 0"};
    if (stage->slot_index_[sc.instrument] >= 0)
      return Error{ErrorCode::kInvalidArgument,
                   "strategy " + config.name + ": instrument " + registry.at(sc.instrument).symbol + " listed twice"};
    auto strategy = make_strategy(config, sc);
    if (!strategy) return strategy.error();
    stage->slot_index_[sc.instrument] = static_cast<int>(stage->slots_.size());
    stage->slots_.push_back(Slot{sc.instrument, BarAggregator(config.bar_interval_ns), std::move(*strategy), Qty{}, 0, false, 0});
  }
  return stage;
}

StrategyStage::StrategyStage(const InstrumentRegistry& registry, const StrategyStageConfig& config)
    : registry_(&registry),
      strategy_id_(config.strategy_id),
      enabled_(config.enabled),
      checkpoint_every_(config.checkpoint_every),
      slot_index_(registry.size(), -1) {
  slots_.reserve(config.slots.size());
}

StrategyStage::Slot* StrategyStage::slot_for(InstrumentId id) noexcept {
  if (id >= slot_index_.size()) return nullptr;
  const int idx = slot_index_[id];
  return idx < 0 ? nullptr : &slots_[static_cast<std::size_t>(idx)];
}

void StrategyStage::on_trade(const Event& e) noexcept {
  Slot* slot = slot_for(e.instrument());
  if (slot == nullptr) return;
  Bar done;
  if (slot->bars.on_trade(e.header.event_ns, e.payload.trade.price, e.payload.trade.qty, done)) {
    run_bar(*slot, done, e);
  }
  signals_.clear();
  slot->strategy->on_trade(e.payload.trade.price, e.payload.trade.qty,
                           StrategyView{slot->position, slot->working != 0}, signals_);
  emit_signals(*slot, e);
}

void StrategyStage::on_bar_input(const Event& e) noexcept {
  Slot* slot = slot_for(e.instrument());
  if (slot == nullptr) return;
  const BarPayload& b = e.payload.bar;
  Bar bar{e.header.event_ns, b.interval_ns, b.open, b.high, b.low, b.close, b.volume, 0};
  run_bar(*slot, bar, e);
}

void StrategyStage::on_timer(const Event& e) noexcept {
  for (Slot& slot : slots_) {
    Bar done;
    if (slot.bars.on_time(e.header.event_ns, done)) run_bar(slot, done, e);
  }
}

void StrategyStage::run_bar(Slot& slot, const Bar& bar, const Event& origin) noexcept {
  signals_.clear();
  slot.strategy->on_bar(bar, StrategyView{slot.position, slot.working != 0}, signals_);
  emit_signals(slot, origin);
}

void StrategyStage::emit_signals(Slot& slot, const Event& origin) noexcept {
  if (!enabled_) return;
  for (std::size_t i = 0; i < signals_.size() && out_count_ < kMaxOut; ++i) {
    const Signal& s = signals_[i];
    if (s.side == Side::kNone || !s.qty.is_positive()) continue;
    Event& intent = out_[out_count_];
    intent = make_event(EventType::kOrderIntent, Source::kStrategy, slot.instrument, origin.header.event_ns);
    intent.header.seq = origin.header.seq;
    intent.header.recv_ns = origin.header.recv_ns;
    intent.header.flags = kFlagDerived;
    OrderPayload& o = intent.payload.order;
    o.client_order_id = make_client_order_id(origin.header.seq, static_cast<unsigned>(out_count_));
    o.price = s.order_type == OrderType::kMarket ? Price{} : s.limit_price;
    o.qty = s.qty;
    o.strategy_id = strategy_id_;
    o.side = s.side;
    o.order_type = s.order_type;
    o.tif = s.order_type == OrderType::kMarket ? TimeInForce::kIoc : TimeInForce::kGtc;
    slot.working = o.client_order_id;
    ++out_count_;
    intents_.store(intents_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
}

Event StrategyStage::make_checkpoint(const Event& origin) const noexcept {
  Event c = make_event(EventType::kCheckpoint, Source::kStrategy, kNoInstrument, origin.header.event_ns);
  c.header.seq = origin.header.seq;
  c.header.recv_ns = origin.header.recv_ns;
  c.header.flags = kFlagDerived;
  c.payload.checkpoint.strategy_hash = state_hash();
  return c;
}

void StrategyStage::on_exec(const Event& e) noexcept {
  const ExecReportPayload& x = e.payload.exec;
  Slot* slot = slot_for(e.instrument());
  if (slot == nullptr) return;
  if (reconciling_ && x.exec_type == ExecType::kNew && (e.header.flags & kFlagVenueState) != 0 &&
      x.client_order_id == slot->working)
    slot->working_confirmed = true;
  // Only our own orders: their ids come from the seq of inputs this stage reacted to. During
  // reconciliation a fill of an order this stage never saw (its origin input was lost in the
  // crash) is still ours: every order on the instrument comes from this slot's strategy.
  if ((x.exec_type == ExecType::kPartialFill || x.exec_type == ExecType::kFill) && x.trade_id != 0) {
    if (x.trade_id <= slot->max_trade_id) return;
    slot->max_trade_id = x.trade_id;
  }
  if (x.exec_type == ExecType::kPartialFill || x.exec_type == ExecType::kFill) {
    const bool ours = x.client_order_id == slot->working || (reconciling_ && e.header.source == Source::kReconcile);
    if (origin_seq_of(x.client_order_id) != 0 && ours) {
      const Qty signed_qty = x.side == Side::kBuy ? x.last_qty : -x.last_qty;
      slot->position += signed_qty;
      slot->strategy->on_fill(x.last_price, signed_qty);
    }
  }
  const bool terminal = x.exec_type == ExecType::kFill || x.exec_type == ExecType::kCanceled ||
                        x.exec_type == ExecType::kRejected || x.exec_type == ExecType::kExpired;
  if (terminal && x.client_order_id == slot->working) slot->working = 0;
}

void StrategyStage::on_denied(const Event& e) noexcept {
  Slot* slot = slot_for(e.instrument());
  if (slot != nullptr && slot->working == e.payload.order.client_order_id) slot->working = 0;
}

void StrategyStage::on_reconcile(const Event& e) noexcept {
  if (e.payload.reconcile.phase == ReconcilePhase::kBegin) {
    reconciling_ = true;
    for (Slot& s : slots_) s.working_confirmed = false;
    return;
  }
  reconciling_ = false;
  // A working order the venue did not report open has ended (its fills came in the window).
  for (Slot& s : slots_) {
    if (s.working != 0 && !s.working_confirmed) s.working = 0;
    s.working_confirmed = false;
  }
}

void StrategyStage::on_admin(const Event& e) noexcept {
  switch (e.payload.admin.command) {
    case AdminCommand::kStrategyStart: enabled_ = true; break;
    case AdminCommand::kStrategyStop: enabled_ = false; break;
    default: break;
  }
}

void StrategyStage::archive(StateArchive& a) noexcept {
  a.tag("strategy");
  a.u64(last_seq_);
  a.boolean(enabled_);
  a.boolean(reconciling_);
  a.expect_count(slots_.size());
  for (Slot& s : slots_) {
    InstrumentId id = s.instrument;
    a.u16(id);
    if (id != s.instrument) a.fail();
    s.bars.archive(a);
    s.strategy->archive(a);
    a.fixed(s.position);
    a.u64(s.working);
    a.boolean(s.working_confirmed);
    a.u64(s.max_trade_id);
  }
}

std::uint64_t StrategyStage::state_hash() const noexcept {
  StateArchive a = StateArchive::hasher();
  const_cast<StrategyStage*>(this)->archive(a);  // kHash mode only reads the state
  return a.hash();
}

}  // namespace sequent
