#include "gateways/console/console_view.hpp"

#include <cinttypes>
#include <cstdio>

#include "engine/fixed_point.hpp"
#include "engine/order_table.hpp"

namespace sequent::console {

namespace {

void add_key(std::string& out, std::string_view key) {
  if (out.back() != '{') out += ',';
  out += '"';
  out += key;
  out += "\":";
}

void add_fixed(std::string& out, std::string_view key, std::int64_t raw) {
  add_key(out, key);
  char buf[kMaxFixedChars];
  out += '"';
  out.append(buf, format_fixed_raw(raw, buf));
  out += '"';
}

void add_uint(std::string& out, std::string_view key, std::uint64_t v) {
  add_key(out, key);
  out += std::to_string(v);
}

void add_int(std::string& out, std::string_view key, std::int64_t v) {
  add_key(out, key);
  out += std::to_string(v);
}

void add_bool(std::string& out, std::string_view key, bool v) {
  add_key(out, key);
  out += v ? "true" : "false";
}

void add_string(std::string& out, std::string_view key, std::string_view v) {
  add_key(out, key);
  append_json_string(out, v);
}

std::string_view breaker_name(std::uint8_t b) noexcept {
  switch (b) {
    case 0: return "none";
    case 1: return "daily_loss";
    case 2: return "drawdown";
    default: return "unknown";
  }
}

void add_instrument_limits(std::string& out, const InstrumentRiskLimits& l) {
  out += '{';
  add_fixed(out, "max_order_qty", l.max_order_qty.raw());
  add_fixed(out, "max_order_notional", l.max_order_notional.raw());
  add_fixed(out, "max_position_qty", l.max_position_qty.raw());
  add_fixed(out, "max_position_notional", l.max_position_notional.raw());
  add_int(out, "price_band_bps", l.price_band_bps);
  out += '}';
}

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help, std::uint64_t v) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += ' ';
  out += std::to_string(v);
  out += '\n';
}

}  // namespace

ConsoleView::ConsoleView(std::vector<std::string> symbols, std::string mode, RiskConfig risk)
    : symbols_(std::move(symbols)), mode_(std::move(mode)), risk_(std::move(risk)) {}

std::string_view ConsoleView::symbol(InstrumentId id) const noexcept {
  if (id < symbols_.size()) return symbols_[id];
  return id == kNoInstrument ? std::string_view("") : std::string_view("unknown");
}

std::optional<InstrumentId> ConsoleView::find_symbol(std::string_view symbol) const noexcept {
  for (std::size_t i = 0; i < symbols_.size() && i < kNoInstrument; ++i) {
    if (symbols_[i] == symbol) return static_cast<InstrumentId>(i);
  }
  return std::nullopt;
}

ChannelMessage ConsoleView::message(ConsoleChannel c, ConflationKey key, std::optional<Seq> seq,
                                    const std::string& data) const {
  std::string text;
  text.reserve(data.size() + 48);
  text += "{\"channel\":\"";
  text += to_string(c);
  text += '"';
  if (seq) {
    text += ",\"seq\":";
    text += std::to_string(*seq);
  }
  text += ",\"data\":";
  text += data;
  text += '}';
  return ChannelMessage{c, key, std::make_shared<const std::string>(std::move(text))};
}

std::string ConsoleView::status_data(const StatusUpdate& s) const {
  std::string out = "{";
  add_uint(out, "seq", s.seq);
  add_int(out, "event_ns", s.event_ns);
  add_uint(out, "orders", s.orders);
  add_uint(out, "fills", s.fills);
  add_uint(out, "rejects", s.rejects);
  add_uint(out, "cancels", s.cancels);
  add_fixed(out, "realised", s.realised_raw);
  add_fixed(out, "unrealised", s.unrealised_raw);
  add_fixed(out, "fees", s.fees_raw);
  add_fixed(out, "pnl", s.net_pnl_raw);
  add_bool(out, "halted", s.halted != 0);
  add_string(out, "breaker", breaker_name(s.breaker));
  add_bool(out, "strategies_enabled", s.strategies_enabled != 0);
  add_string(out, "mode", mode_);
  out += '}';
  return out;
}

std::string ConsoleView::position_data(const PositionUpdate& p) const {
  std::string out = "{";
  add_string(out, "symbol", symbol(p.instrument));
  add_fixed(out, "qty", p.qty_raw);
  add_fixed(out, "avg_price", p.avg_price_raw);
  add_fixed(out, "last_price", p.last_price_raw);
  add_fixed(out, "realised", p.realised_raw);
  add_fixed(out, "unrealised", p.unrealised_raw);
  add_fixed(out, "fees", p.fees_raw);
  add_fixed(out, "pnl", p.realised_raw + p.unrealised_raw - p.fees_raw);
  out += '}';
  return out;
}

std::string ConsoleView::order_data(const OrderUpdate& o) const {
  const OrderRecord& r = o.order;
  std::string out = "{";
  add_uint(out, "client_order_id", r.client_order_id);
  add_string(out, "symbol", symbol(r.instrument));
  add_string(out, "side", to_string(r.side));
  add_string(out, "type", to_string(r.order_type));
  add_string(out, "status", to_string(r.status));
  add_fixed(out, "price", r.price.raw());
  add_fixed(out, "qty", r.qty.raw());
  add_fixed(out, "cum_qty", r.cum_qty.raw());
  add_uint(out, "strategy_id", r.strategy_id);
  add_string(out, "reason", to_string(o.reason));
  out += '}';
  return out;
}

std::string ConsoleView::fill_data(const FillUpdate& f) const {
  std::string out = "{";
  add_uint(out, "client_order_id", f.client_order_id);
  add_string(out, "symbol", symbol(f.instrument));
  add_string(out, "side", to_string(f.side));
  add_fixed(out, "price", f.price_raw);
  add_fixed(out, "qty", f.qty_raw);
  add_fixed(out, "fee", f.fee_raw);
  add_string(out, "liquidity", to_string(f.liquidity));
  add_uint(out, "trade_id", f.trade_id);
  out += '}';
  return out;
}

std::string ConsoleView::risk_data() const {
  std::string out = "{";
  add_bool(out, "halted", halted_ != 0);
  add_string(out, "breaker", breaker_name(breaker_));
  add_uint(out, "rejects_total", rejects_total_);
  add_key(out, "rejects_by_reason");
  out += '{';
  for (const auto& [reason, n] : rejects_) add_uint(out, to_string(reason), n);
  out += '}';
  add_key(out, "limits");
  out += '{';
  const InstrumentRiskLimits& d = risk_.default_limits;
  add_fixed(out, "max_order_qty", d.max_order_qty.raw());
  add_fixed(out, "max_order_notional", d.max_order_notional.raw());
  add_fixed(out, "max_position_qty", d.max_position_qty.raw());
  add_fixed(out, "max_position_notional", d.max_position_notional.raw());
  add_int(out, "price_band_bps", d.price_band_bps);
  add_uint(out, "max_open_orders", risk_.max_open_orders);
  add_uint(out, "max_orders_per_second", risk_.max_orders_per_second);
  add_uint(out, "max_orders_per_day", risk_.max_orders_per_day);
  add_fixed(out, "daily_loss_limit", risk_.daily_loss_limit.raw());
  add_int(out, "max_drawdown_bps", risk_.max_drawdown_bps);
  add_int(out, "max_gross_exposure_bps", risk_.max_gross_exposure_bps);
  add_key(out, "instruments");
  out += '{';
  for (std::size_t i = 0; i < symbols_.size(); ++i) {
    if (out.back() != '{') out += ',';
    append_json_string(out, symbols_[i]);
    out += ':';
    add_instrument_limits(out, i < risk_.per_instrument.size() ? risk_.per_instrument[i] : d);
  }
  out += "}}}";
  return out;
}

void ConsoleView::apply_limit(RiskLimitId id, InstrumentId instrument, std::int64_t value) {
  if (is_instrument_limit(id)) {
    InstrumentRiskLimits* l = &risk_.default_limits;
    if (instrument != kNoInstrument) {
      if (instrument >= symbols_.size()) return;
      if (risk_.per_instrument.size() <= instrument) risk_.per_instrument.resize(instrument + 1u, risk_.default_limits);
      l = &risk_.per_instrument[instrument];
    }
    switch (id) {
      case RiskLimitId::kMaxOrderQty: l->max_order_qty = Qty::from_raw(value); break;
      case RiskLimitId::kMaxOrderNotional: l->max_order_notional = Money::from_raw(value); break;
      case RiskLimitId::kMaxPositionQty: l->max_position_qty = Qty::from_raw(value); break;
      case RiskLimitId::kMaxPositionNotional: l->max_position_notional = Money::from_raw(value); break;
      case RiskLimitId::kPriceBandBps: l->price_band_bps = value; break;
      default: break;
    }
    return;
  }
  switch (id) {
    case RiskLimitId::kMaxOpenOrders: risk_.max_open_orders = static_cast<std::uint32_t>(value); break;
    case RiskLimitId::kMaxOrdersPerSecond: risk_.max_orders_per_second = static_cast<std::uint32_t>(value); break;
    case RiskLimitId::kMaxOrdersPerDay: risk_.max_orders_per_day = static_cast<std::uint32_t>(value); break;
    case RiskLimitId::kDailyLossLimit: risk_.daily_loss_limit = Money::from_raw(value); break;
    case RiskLimitId::kMaxDrawdownBps: risk_.max_drawdown_bps = value; break;
    case RiskLimitId::kMaxGrossExposureBps: risk_.max_gross_exposure_bps = value; break;
    default: break;
  }
}

std::optional<ChannelMessage> ConsoleView::apply(const ConsoleUpdate& u) {
  switch (u.kind) {
    case ConsoleUpdateKind::kStatus: {
      const StatusUpdate& s = u.body.status;
      status_ = s;
      return message(ConsoleChannel::kStatus, conflation_key(ConsoleChannel::kStatus, 0), s.seq, status_data(s));
    }
    case ConsoleUpdateKind::kPosition: {
      const PositionUpdate& p = u.body.position;
      positions_[p.instrument] = p;
      return message(ConsoleChannel::kPositions, conflation_key(ConsoleChannel::kPositions, p.instrument), p.seq,
                     position_data(p));
    }
    case ConsoleUpdateKind::kOrder: {
      const OrderUpdate& o = u.body.order;
      if (is_terminal(o.order.status)) {
        orders_.erase(o.order.client_order_id);
      } else {
        orders_[o.order.client_order_id] = o;
      }
      return message(ConsoleChannel::kOrders, kNoConflation, o.seq, order_data(o));
    }
    case ConsoleUpdateKind::kFill: {
      const FillUpdate& f = u.body.fill;
      return message(ConsoleChannel::kFills, kNoConflation, f.seq, fill_data(f));
    }
    case ConsoleUpdateKind::kRisk: {
      const RiskUpdate& r = u.body.risk;
      halted_ = r.halted;
      breaker_ = r.breaker;
      risk_seq_ = r.seq;
      if (r.rejects_total > rejects_total_) rejects_total_ = r.rejects_total;
      if (r.last_reason != RejectReason::kNone) ++rejects_[r.last_reason];
      if (r.changed_limit != RiskLimitId::kNone) apply_limit(r.changed_limit, r.limit_instrument, r.limit_value);
      return message(ConsoleChannel::kRisk, conflation_key(ConsoleChannel::kRisk, 0), r.seq, risk_data());
    }
    case ConsoleUpdateKind::kAdminApplied: return std::nullopt;
  }
  return std::nullopt;
}

ChannelMessage ConsoleView::alert(AlertSeverity severity, std::string_view code, std::string_view text) {
  std::string out = "{";
  add_string(out, "severity", to_string(severity));
  add_string(out, "code", code);
  add_string(out, "message", text);
  out += '}';
  return message(ConsoleChannel::kAlerts, kNoConflation, std::nullopt, out);
}

ChannelMessage ConsoleView::latency(const LatencySample& s) {
  auto us = [](std::uint64_t ns) {
    char buf[32];
    const int n = std::snprintf(buf, sizeof(buf), "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
    return std::string(buf, static_cast<std::size_t>(n > 0 ? n : 0));
  };
  std::string out = "{";
  add_key(out, "t2o_p50_us");
  out += us(s.p50_ns);
  add_key(out, "t2o_p99_us");
  out += us(s.p99_ns);
  add_key(out, "t2o_p999_us");
  out += us(s.p999_ns);
  add_uint(out, "t2o_count", s.count);
  out += '}';
  latency_data_ = out;
  return message(ConsoleChannel::kLatency, conflation_key(ConsoleChannel::kLatency, 0), std::nullopt, out);
}

std::vector<std::string> ConsoleView::snapshot_data(ConsoleChannel c) const {
  std::vector<std::string> out;
  switch (c) {
    case ConsoleChannel::kStatus:
      if (status_) out.push_back(status_data(*status_));
      break;
    case ConsoleChannel::kPositions:
      for (const auto& [id, p] : positions_) out.push_back(position_data(p));
      break;
    case ConsoleChannel::kOrders:
      for (const auto& [id, o] : orders_) out.push_back(order_data(o));
      break;
    case ConsoleChannel::kRisk: out.push_back(risk_data()); break;
    case ConsoleChannel::kLatency:
      if (latency_data_) out.push_back(*latency_data_);
      break;
    case ConsoleChannel::kFills:
    case ConsoleChannel::kAlerts: break;  // events, no state
  }
  return out;
}

std::vector<ChannelMessage> ConsoleView::snapshot_messages(ConsoleChannel c) const {
  std::vector<ChannelMessage> out;
  switch (c) {
    case ConsoleChannel::kStatus:
      if (status_) out.push_back(message(c, conflation_key(c, 0), status_->seq, status_data(*status_)));
      break;
    case ConsoleChannel::kPositions:
      for (const auto& [id, p] : positions_) out.push_back(message(c, conflation_key(c, id), p.seq, position_data(p)));
      break;
    case ConsoleChannel::kOrders:
      for (const auto& [id, o] : orders_) out.push_back(message(c, kNoConflation, o.seq, order_data(o)));
      break;
    case ConsoleChannel::kRisk: out.push_back(message(c, conflation_key(c, 0), risk_seq_, risk_data())); break;
    case ConsoleChannel::kLatency:
      if (latency_data_) out.push_back(message(c, conflation_key(c, 0), std::nullopt, *latency_data_));
      break;
    case ConsoleChannel::kFills:
    case ConsoleChannel::kAlerts: break;
  }
  return out;
}

void render_prometheus(std::string& out, const ConsoleCounters& c,
                       const std::map<RejectReason, std::uint64_t>& rejects) {
  metric(out, "sequent_console_connections", "gauge", "WebSocket clients connected now.", c.connections);
  metric(out, "sequent_console_connections_total", "counter", "WebSocket clients accepted since start.",
         c.connections_total);
  metric(out, "sequent_console_messages_sent_total", "counter", "WebSocket messages written to clients.",
         c.messages_sent);
  metric(out, "sequent_console_conflated_total", "counter",
         "State updates replaced in a client's queue by a newer one before being sent.", c.conflated);
  metric(out, "sequent_console_slow_consumer_disconnects_total", "counter",
         "Clients disconnected because their backlog passed max_backlog.", c.slow_consumer_disconnects);
  metric(out, "sequent_console_auth_failures_total", "counter", "Refused console tokens.", c.auth_failures);
  metric(out, "sequent_console_rate_limited_total", "counter", "Console requests refused by the rate limit.",
         c.rate_limited);
  metric(out, "sequent_console_updates_received_total", "counter", "Updates read from the core's console feed.",
         c.updates_received);
  metric(out, "sequent_console_commands_submitted_total", "counter", "Admin commands submitted to the engine.",
         c.commands_submitted);
  metric(out, "sequent_console_denied_total", "counter", "Console requests refused and journaled as denied.",
         c.denied);
  metric(out, "sequent_console_http_requests_total", "counter", "HTTP requests served by the console.",
         c.http_requests);
  out += "# HELP sequent_rejects_total Order rejections (risk denials and venue rejects) by reason, from the console feed.\n";
  out += "# TYPE sequent_rejects_total counter\n";
  for (const auto& [reason, n] : rejects) {
    out += "sequent_rejects_total{reason=\"";
    out += to_string(reason);
    out += "\"} ";
    out += std::to_string(n);
    out += '\n';
  }
}

}  // namespace sequent::console
