#include "engine/strategy_stage.hpp"

#include <cstdlib>

#include "engine/trend_strategies.hpp"

#include <utility>

namespace sequent {

namespace {

// Reads the named parameters of one strategy: each key must be one of `known`; values parse as
// numbers in range. Errors name the strategy, the key and the valid keys.
class ParamReader {
 public:
  ParamReader(const StrategyInstanceConfig& config, std::vector<std::string> known)
      : config_(config), known_(std::move(known)) {}

  Status check_keys() const {
    for (const auto& [key, value] : config_.params) {
      bool ok = false;
      for (const std::string& k : known_) ok = ok || k == key;
      if (!ok) return Error{ErrorCode::kInvalidArgument, "strategy " + config_.kind + ": unknown parameter '" + key + "' (valid: " + list() + ")"};
    }
    return {};
  }
  Status integer(const std::string& key, int& out, int lo, int hi) const {
    for (const auto& [k, v] : config_.params) {
      if (k != key) continue;
      char* end = nullptr;
      const long x = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || x < lo || x > hi)
        return Error{ErrorCode::kInvalidArgument, "strategy " + config_.kind + ": parameter " + key + "=" + v + ": expected an integer in " +
                                                      std::to_string(lo) + ".." + std::to_string(hi)};
      out = static_cast<int>(x);
    }
    return {};
  }
  Status number(const std::string& key, double& out, double lo, double hi) const {
    for (const auto& [k, v] : config_.params) {
      if (k != key) continue;
      char* end = nullptr;
      const double x = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(x >= lo && x <= hi))
        return Error{ErrorCode::kInvalidArgument, "strategy " + config_.kind + ": parameter " + key + "=" + v + ": expected a number in [" +
                                                      std::to_string(lo) + ", " + std::to_string(hi) + "]"};
      out = x;
    }
    return {};
  }

 private:
  std::string list() const {
    std::string s;
    for (const std::string& k : known_) s += (s.empty() ? "" : ", ") + k;
    return s;
  }
  const StrategyInstanceConfig& config_;
  std::vector<std::string> known_;
};

#define SEQUENT_STRATEGY_TRY(expr) \
  do {                             \
    Status st_ = (expr);           \
    if (!st_.ok()) return st_.error(); \
  } while (false)

}  // namespace

std::vector<std::string> registered_strategies() {
  return {"macd(fast=12, slow=26, signal=9, take_profit_pct=0, stop_loss_pct=0)", "sma_cross(fast=10, slow=30)",
          "kama_tsmom(er_period=10, fast=2, slow=30, lookback=20, threshold=0)"};
}

std::vector<StrategyInstanceConfig> StrategyStageConfig::instances() const {
  if (!strategies.empty()) return strategies;
  StrategyInstanceConfig one;
  one.name = name;
  one.kind = name;
  one.macd = macd;
  one.params = params;
  one.enabled = true;
  one.execution = execution;
  one.slots = slots;
  return {one};
}

Result<std::unique_ptr<Strategy>> make_strategy(const StrategyStageConfig& config, const StrategySlotConfig& slot) {
  return make_strategy(config.instances().front(), slot);
}

Result<std::unique_ptr<Strategy>> make_strategy(const StrategyInstanceConfig& config, const StrategySlotConfig& slot) {
  if (config.kind == "macd") {
    ParamReader r(config, {"fast", "slow", "signal", "take_profit_pct", "stop_loss_pct"});
    SEQUENT_STRATEGY_TRY(r.check_keys());
    MacdParams p = config.macd;
    double tp = p.take_profit_bps / 100.0, sl = p.stop_loss_bps / 100.0;
    SEQUENT_STRATEGY_TRY(r.integer("fast", p.fast, 1, 100'000));
    SEQUENT_STRATEGY_TRY(r.integer("slow", p.slow, 1, 100'000));
    SEQUENT_STRATEGY_TRY(r.integer("signal", p.signal, 1, 100'000));
    SEQUENT_STRATEGY_TRY(r.number("take_profit_pct", tp, 0, 1000));
    SEQUENT_STRATEGY_TRY(r.number("stop_loss_pct", sl, 0, 100));
    if (p.fast >= p.slow) return Error{ErrorCode::kInvalidArgument, "strategy macd: fast must be smaller than slow"};
    p.take_profit_bps = static_cast<std::int32_t>(tp * 100.0 + 0.5);
    p.stop_loss_bps = static_cast<std::int32_t>(sl * 100.0 + 0.5);
    return std::unique_ptr<Strategy>(new MacdCrossStrategy(p, slot.order_qty));
  }
  if (config.kind == "sma_cross") {
    ParamReader r(config, {"fast", "slow"});
    SEQUENT_STRATEGY_TRY(r.check_keys());
    int fast = 10, slow = 30;
    SEQUENT_STRATEGY_TRY(r.integer("fast", fast, 1, 100'000));
    SEQUENT_STRATEGY_TRY(r.integer("slow", slow, 1, 100'000));
    if (fast >= slow) return Error{ErrorCode::kInvalidArgument, "strategy sma_cross: fast must be smaller than slow"};
    return std::unique_ptr<Strategy>(new SmaCrossStrategy(fast, slow, slot.order_qty));
  }
  if (config.kind == "kama_tsmom") {
    ParamReader r(config, {"er_period", "fast", "slow", "lookback", "threshold"});
    SEQUENT_STRATEGY_TRY(r.check_keys());
    int er = 10, fast = 2, slow = 30, lookback = 20;
    double threshold = 0.0;
    SEQUENT_STRATEGY_TRY(r.integer("er_period", er, 2, 100'000));
    SEQUENT_STRATEGY_TRY(r.integer("fast", fast, 1, 100'000));
    SEQUENT_STRATEGY_TRY(r.integer("slow", slow, 1, 100'000));
    SEQUENT_STRATEGY_TRY(r.integer("lookback", lookback, 1, 100'000));
    SEQUENT_STRATEGY_TRY(r.number("threshold", threshold, -1.0, 100.0));
    if (fast >= slow) return Error{ErrorCode::kInvalidArgument, "strategy kama_tsmom: fast must be smaller than slow"};
    return std::unique_ptr<Strategy>(new KamaTsmomStrategy(er, fast, slow, lookback, threshold, slot.order_qty));
  }
  std::string known;
  for (const std::string& s : registered_strategies()) known += (known.empty() ? "" : "; ") + s;
  return Error{ErrorCode::kInvalidArgument, "unknown strategy '" + config.kind + "' (known: " + known + ")"};
}

Result<std::unique_ptr<StrategyStage>> StrategyStage::create(const InstrumentRegistry& registry,
                                                             const StrategyStageConfig& config) {
  if (config.bar_interval_ns <= 0)
    return Error{ErrorCode::kInvalidArgument, "strategy bar_interval must be > 0"};
  if (config.strategies.empty() && config.strategy_id != 1)
    return Error{ErrorCode::kInvalidArgument, "strategy_id: the single strategy is id 1"};
  const std::vector<StrategyInstanceConfig> instances = config.instances();
  if (instances.size() > kMaxStrategies)
    return Error{ErrorCode::kInvalidArgument, "at most " + std::to_string(kMaxStrategies) + " strategies, " +
                                                  std::to_string(instances.size()) + " configured"};
  std::unique_ptr<StrategyStage> stage(new StrategyStage(registry, config));
  std::size_t total_slots = 0;
  for (const StrategyInstanceConfig& ic : instances) total_slots += ic.slots.size();
  stage->slots_.reserve(total_slots);
  for (std::size_t k = 0; k < instances.size(); ++k) {
    const StrategyInstanceConfig& ic = instances[k];
    const auto id = static_cast<StrategyId>(k + 1);
    const std::string label = ic.name == ic.kind ? ic.name : ic.name + " (" + ic.kind + ")";
    if (ic.name.empty()) return Error{ErrorCode::kInvalidArgument, "strategy " + std::to_string(id) + ": no name"};
    for (std::size_t j = 0; j < k; ++j)
      if (instances[j].name == ic.name)
        return Error{ErrorCode::kInvalidArgument, "strategy name '" + ic.name + "' is used twice"};
    if (ic.bar_interval_ns < 0) return Error{ErrorCode::kInvalidArgument, "strategy " + label + ": bar interval must be > 0"};
    const ExecutionStyle& x = ic.execution;
    if (x.order_type != OrderType::kMarket && x.order_type != OrderType::kLimit && x.order_type != OrderType::kLimitMaker)
      return Error{ErrorCode::kInvalidArgument, "strategy " + label + ": order_type must be market, limit or limit_maker"};
    if (x.limit_offset_bps < 0 || x.limit_offset_bps > ExecutionStyle::kMaxLimitOffsetBps)
      return Error{ErrorCode::kInvalidArgument, "strategy " + label + ": limit_offset_bps must be in 0.." +
                                                    std::to_string(ExecutionStyle::kMaxLimitOffsetBps)};
    if (x.limit_offset_bps != 0 && x.order_type == OrderType::kMarket)
      return Error{ErrorCode::kInvalidArgument, "strategy " + label + ": limit_offset_bps needs order_type limit or limit_maker"};
    if (x.order_ttl_ms < 0 || x.order_ttl_ms > ExecutionStyle::kMaxOrderTtlMs)
      return Error{ErrorCode::kInvalidArgument, "strategy " + label + ": order_ttl_ms must be in 0.." +
                                                    std::to_string(ExecutionStyle::kMaxOrderTtlMs)};
    stage->instances_.push_back(Instance{ic.name, ic.enabled});
    const TimeNs interval = ic.bar_interval_ns > 0 ? ic.bar_interval_ns : config.bar_interval_ns;
    for (const StrategySlotConfig& sc : ic.slots) {
      if (!registry.contains(sc.instrument))
        return Error{ErrorCode::kInvalidArgument, "strategy slot: unknown instrument id " + std::to_string(sc.instrument)};
      if (!sc.order_qty.is_positive())
        return Error{ErrorCode::kInvalidArgument,
                     "strategy " + label + " " + registry.at(sc.instrument).symbol + ": order qty must be > 0"};
      if (stage->slot_for(sc.instrument, id) != nullptr)
        return Error{ErrorCode::kInvalidArgument,
                     "strategy " + label + ": instrument " + registry.at(sc.instrument).symbol + " listed twice"};
      auto strategy = make_strategy(ic, sc);
      if (!strategy) return strategy.error();
      InstrumentSlots& in = stage->by_instrument_[sc.instrument];
      in.slot[in.count++] = static_cast<std::uint16_t>(stage->slots_.size());
      stage->slots_.push_back(Slot{sc.instrument, id, BarAggregator(interval), std::move(*strategy), Qty{}, 0, false, true,
                                   ic.execution, registry.at(sc.instrument).tick_size, ic.execution.order_ttl_ms * 1'000'000,
                                   Price{}, 0, Side::kNone, OrderType::kMarket, Price{}, Qty{}, false, false});
    }
  }
  return stage;
}

StrategyStage::StrategyStage(const InstrumentRegistry& registry, const StrategyStageConfig& config)
    : registry_(&registry),
      enabled_(config.enabled),
      checkpoint_every_(config.checkpoint_every),
      by_instrument_(registry.size()),
      trade_ids_(registry.size()) {
  if (config.book_levels_per_side > 0) {
    books_.reserve(registry.size());
    for (std::size_t i = 0; i < registry.size(); ++i)
      books_.emplace_back(static_cast<InstrumentId>(i), config.book_levels_per_side);
  }
}

StrategyStage::Slot* StrategyStage::slot_for(InstrumentId id, StrategyId strategy) noexcept {
  if (id >= by_instrument_.size()) return nullptr;
  const InstrumentSlots& in = by_instrument_[id];
  for (std::uint8_t i = 0; i < in.count; ++i) {
    Slot& s = slots_[in.slot[i]];
    if (s.sid == strategy) return &s;
  }
  return nullptr;
}

Qty StrategyStage::strategy_position(StrategyId id, InstrumentId instrument) const noexcept {
  const Slot* s = const_cast<StrategyStage*>(this)->slot_for(instrument, id);
  return s == nullptr ? Qty{} : s->position;
}

void StrategyStage::on_trade(const Event& e) noexcept {
  if (e.instrument() >= by_instrument_.size()) return;
  const InstrumentSlots& in = by_instrument_[e.instrument()];
  for (std::uint8_t i = 0; i < in.count; ++i) {
    Slot& slot = slots_[in.slot[i]];
    slot.reference = e.payload.trade.price;
    expire_working(slot, e);
    Bar done;
    if (slot.bars.on_trade(e.header.event_ns, e.payload.trade.price, e.payload.trade.qty, done)) run_bar(slot, done, e);
    signals_.clear();
    slot.strategy->on_trade(e.payload.trade.price, e.payload.trade.qty, StrategyView{slot.position, slot.working != 0},
                            signals_);
    emit_signals(slot, e);
  }
}

void StrategyStage::on_bar_input(const Event& e) noexcept {
  if (e.instrument() >= by_instrument_.size()) return;
  const BarPayload& b = e.payload.bar;
  const Bar bar{e.header.event_ns, b.interval_ns, b.open, b.high, b.low, b.close, b.volume, 0};
  const InstrumentSlots& in = by_instrument_[e.instrument()];
  for (std::uint8_t i = 0; i < in.count; ++i) {
    Slot& slot = slots_[in.slot[i]];
    slot.reference = b.close;
    expire_working(slot, e);
    run_bar(slot, bar, e);
  }
}

void StrategyStage::on_timer(const Event& e) noexcept {
  for (Slot& slot : slots_) {
    expire_working(slot, e);
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
  if (signals_.size() == 0 || !enabled_ || !slot.enabled || !instances_[slot.sid - 1].enabled) return;
  std::uint8_t& numbered = out_per_strategy_[slot.sid - 1];
  for (std::size_t i = 0; i < signals_.size() && out_count_ < kMaxOut && numbered < kMaxPerStrategy; ++i) {
    const Signal& s = signals_[i];
    if (s.side == Side::kNone || !s.qty.is_positive()) continue;
    OrderType type = s.order_type;
    Price price = type == OrderType::kMarket ? Price{} : s.limit_price;
    if (type == OrderType::kMarket && slot.execution.order_type != OrderType::kMarket) {
      // The instance sends limit entries: price the market signal off the reference.
      if (slot.reference.is_positive())
        price = passive_limit_price(slot.reference, s.side, slot.execution.limit_offset_bps, slot.tick);
      if (!price.is_positive()) [[unlikely]] {
        limit_dropped_.store(limit_dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        continue;
      }
      type = slot.execution.order_type;
    }
    Event& intent = out_[out_count_];
    intent = make_event(EventType::kOrderIntent, Source::kStrategy, slot.instrument, origin.header.event_ns);
    intent.header.seq = origin.header.seq;
    intent.header.recv_ns = origin.header.recv_ns;
    intent.header.flags = kFlagDerived;
    OrderPayload& o = intent.payload.order;
    o.client_order_id = make_client_order_id(origin.header.seq, strategy_order_index(slot.sid, numbered++));
    o.price = price;
    o.qty = s.qty;
    o.strategy_id = slot.sid;
    o.side = s.side;
    o.order_type = type;
    o.tif = type == OrderType::kMarket ? TimeInForce::kIoc : TimeInForce::kGtc;
    o.take_profit_bps = s.take_profit_bps;
    o.stop_loss_bps = s.stop_loss_bps;
    slot.working = o.client_order_id;
    slot.working_placed_ns = origin.header.event_ns;
    slot.working_side = s.side;
    slot.working_type = type;
    slot.working_price = price;
    slot.working_qty = s.qty;
    slot.working_rests = o.tif == TimeInForce::kGtc;
    slot.cancel_sent = false;
    ++out_count_;
    intents_.store(intents_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
}

void StrategyStage::expire_working(Slot& slot, const Event& origin) noexcept {
  if (slot.ttl_ns == 0 || slot.working == 0 || !slot.working_rests || slot.cancel_sent) return;
  if (origin.header.event_ns < slot.working_placed_ns + slot.ttl_ns || out_count_ == kMaxOut) return;
  // Full output buffer: the cancel goes out with the next input instead (cancel_sent stays false).
  Event& cancel = out_[out_count_++];
  cancel = make_event(EventType::kOrderCancel, Source::kStrategy, slot.instrument, origin.header.event_ns);
  cancel.header.seq = origin.header.seq;
  cancel.header.recv_ns = origin.header.recv_ns;
  cancel.header.flags = kFlagDerived;
  cancel.payload.order.client_order_id = slot.working;
  cancel.payload.order.strategy_id = slot.sid;
  cancel.payload.order.side = slot.working_side;
  cancel.payload.order.order_type = slot.working_type;
  cancel.payload.order.tif = TimeInForce::kGtc;
  cancel.payload.order.price = slot.working_price;
  cancel.payload.order.qty = slot.working_qty;
  slot.cancel_sent = true;
  ttl_cancels_.store(ttl_cancels_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
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
  if (e.instrument() >= by_instrument_.size()) return;
  const bool fill = x.exec_type == ExecType::kPartialFill || x.exec_type == ExecType::kFill;
  // A duplicate fill (by venue trade id, as in risk and the router) moves nothing.
  if (fill && !trade_ids_.fresh(e.instrument(), x.trade_id)) return;
  // The report belongs to the strategy its client order id names (engine/types.hpp): its own
  // orders, exits the venue holds for it (take profit, stop loss) and the router's flatten orders
  // for its book all move its position. Fills of no strategy (the system book) move none.
  Slot* slot = slot_for(e.instrument(), strategy_of_order(x.client_order_id));
  if (slot == nullptr) return;
  if (reconciling_ && x.exec_type == ExecType::kNew && (e.header.flags & kFlagVenueState) != 0 &&
      x.client_order_id == slot->working)
    slot->working_confirmed = true;
  if (fill) {
    const Qty signed_qty = x.side == Side::kBuy ? x.last_qty : -x.last_qty;
    slot->position += signed_qty;
    slot->strategy->on_fill(x.last_price, signed_qty);
  }
  // Our TTL cancel was refused (the gateway was backing off or disconnected, or the venue no
  // longer knew the order because it had just filled): the order may still rest, so the TTL
  // starts again and the cancel is retried one TTL later, never in a loop.
  if (x.exec_type == ExecType::kCancelRejected && x.client_order_id == slot->working && slot->cancel_sent) {
    slot->cancel_sent = false;
    slot->working_placed_ns = e.header.event_ns;
  }
  const bool terminal = x.exec_type == ExecType::kFill || x.exec_type == ExecType::kCanceled ||
                        x.exec_type == ExecType::kRejected || x.exec_type == ExecType::kExpired;
  if (terminal && x.client_order_id == slot->working) slot->working = 0;
}

void StrategyStage::on_denied(const Event& e) noexcept {
  Slot* slot = slot_for(e.instrument(), strategy_of_order(e.payload.order.client_order_id));
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
  // Scoped to the event's instrument (kNoInstrument = every instrument) and to the payload's
  // strategy_id (0 = every strategy).
  const AdminPayload& a = e.payload.admin;
  const bool all_instruments = e.instrument() == kNoInstrument;
  const StrategyId only = a.strategy_id;
  auto in_scope = [&](const Slot& s) {
    return (all_instruments || s.instrument == e.instrument()) && (only == 0 || s.sid == only);
  };
  switch (a.command) {
    case AdminCommand::kStrategyStart:
    case AdminCommand::kStrategyStop: {
      const bool on = a.command == AdminCommand::kStrategyStart;
      if (all_instruments) {
        if (only == 0) enabled_ = on;
        for (std::size_t k = 0; k < instances_.size(); ++k)
          if (only == 0 || k + 1 == only) instances_[k].enabled = on;
      }
      for (Slot& s : slots_)
        if (in_scope(s)) s.enabled = on;
      break;
    }
    case AdminCommand::kSetStrategyParam:
      if (static_cast<StrategyParamId>(a.arg_code) == StrategyParamId::kOrderQty && a.arg_value > 0) {
        for (Slot& s : slots_)
          if (in_scope(s)) (void)s.strategy->set_order_qty(Qty::from_raw(a.arg_value));
      }
      break;
    default:
      break;
  }
}

void StrategyStage::archive(StateArchive& a) noexcept {
  a.tag("strategy");
  a.u64(last_seq_);
  a.boolean(enabled_);
  a.boolean(reconciling_);
  a.expect_count(instances_.size());
  for (Instance& in : instances_) a.boolean(in.enabled);
  a.expect_count(slots_.size());
  for (Slot& s : slots_) {
    InstrumentId id = s.instrument;
    StrategyId sid = s.sid;
    a.u16(id);
    a.u16(sid);
    if (id != s.instrument || sid != s.sid) a.fail();
    s.bars.archive(a);
    s.strategy->archive(a);
    a.fixed(s.position);
    a.u64(s.working);
    a.boolean(s.working_confirmed);
    a.boolean(s.enabled);
    if (s.execution.active()) {  // configuration decides: writer and reader agree
      a.fixed(s.reference);
      a.i64(s.working_placed_ns);
      a.enumeration(s.working_side);
      a.enumeration(s.working_type);
      a.fixed(s.working_price);
      a.fixed(s.working_qty);
      a.boolean(s.working_rests);
      a.boolean(s.cancel_sent);
    }
  }
  trade_ids_.archive(a);
  a.expect_count(books_.size());
  for (L2Book& b : books_) b.archive(a);
}

std::uint64_t StrategyStage::state_hash() const noexcept {
  StateArchive a = StateArchive::hasher();
  const_cast<StrategyStage*>(this)->archive(a);  // kHash mode only reads the state
  return a.hash();
}

}  // namespace sequent
