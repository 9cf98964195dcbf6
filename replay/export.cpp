#include "replay/export.hpp"

#include <cinttypes>
#include <cstdio>

namespace sequent::replay {

namespace {

class JsonObject {
 public:
  JsonObject& str(const char* key, std::string_view v) {
    sep();
    out_ += '"';
    out_ += key;
    out_ += "\":\"";
    for (char c : v) {
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
        out_ += buf;
      } else {
        out_ += c;
      }
    }
    out_ += '"';
    return *this;
  }
  JsonObject& u64(const char* key, std::uint64_t v) { return integer(key, std::to_string(v)); }
  JsonObject& i64(const char* key, std::int64_t v) { return integer(key, std::to_string(v)); }
  template <class Tag>
  JsonObject& dec(const char* key, Fixed<Tag> v) {
    return str(key, to_string(v));
  }
  JsonObject& integer(const char* key, const std::string& digits) {
    sep();
    out_ += '"';
    out_ += key;
    out_ += "\":";
    out_ += digits;
    return *this;
  }
  std::string done() {
    out_ += '}';
    return std::move(out_);
  }

 private:
  void sep() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  std::string out_ = "{";
  bool first_ = true;
};

std::string symbol_of(InstrumentId id, const std::vector<std::string>& symbols) {
  if (id == kNoInstrument) return "";
  return id < symbols.size() ? symbols[id] : "#" + std::to_string(id);
}

void order_fields(JsonObject& j, const OrderPayload& o) {
  j.u64("client_order_id", o.client_order_id)
      .str("side", to_string(o.side))
      .str("order_type", to_string(o.order_type))
      .str("tif", to_string(o.tif))
      .dec("price", o.price)
      .dec("qty", o.qty)
      .u64("strategy_id", o.strategy_id);
  if (o.reason != RejectReason::kNone) j.str("reason", to_string(o.reason)).u64("reason_code", static_cast<std::uint64_t>(o.reason));
}

}  // namespace

std::string input_to_json(const Event& e, const std::vector<std::string>& symbols, const std::vector<std::string>& users) {
  JsonObject j;
  j.u64("seq", e.seq()).i64("event_ns", e.header.event_ns).i64("recv_ns", e.header.recv_ns).str("type", to_string(e.type()));
  j.str("source", to_string(e.header.source));
  if (e.instrument() != kNoInstrument) j.str("instrument", symbol_of(e.instrument(), symbols));
  const auto& p = e.payload;
  switch (e.type()) {
    case EventType::kTrade:
      j.dec("price", p.trade.price).dec("qty", p.trade.qty).u64("trade_id", p.trade.trade_id).str("aggressor", to_string(p.trade.aggressor));
      break;
    case EventType::kQuote:
      j.dec("bid_price", p.quote.bid_price).dec("bid_qty", p.quote.bid_qty).dec("ask_price", p.quote.ask_price).dec("ask_qty", p.quote.ask_qty);
      break;
    case EventType::kBookLevel:
      j.str("side", to_string(p.book.side)).dec("price", p.book.price).dec("qty", p.book.qty)
          .u64("first_update_id", p.book.first_update_id).u64("last_update_id", p.book.last_update_id)
          .u64("flags", p.book.flags);
      break;
    case EventType::kBar:
      j.dec("open", p.bar.open).dec("high", p.bar.high).dec("low", p.bar.low).dec("close", p.bar.close).dec("volume", p.bar.volume)
          .i64("interval_ns", p.bar.interval_ns);
      break;
    case EventType::kExecReport:
      j.u64("client_order_id", p.exec.client_order_id)
          .u64("venue_order_id", p.exec.venue_order_id)
          .str("exec_type", to_string(p.exec.exec_type))
          .str("side", to_string(p.exec.side))
          .u64("trade_id", p.exec.trade_id)
          .dec("last_price", p.exec.last_price)
          .dec("last_qty", p.exec.last_qty)
          .dec("cum_qty", p.exec.cum_qty)
          .dec("leaves_qty", p.exec.leaves_qty)
          .dec("fee", p.exec.fee)
          .str("liquidity", to_string(p.exec.liquidity));
      if (p.exec.reason != RejectReason::kNone)
        j.str("reason", to_string(p.exec.reason)).u64("reason_code", static_cast<std::uint64_t>(p.exec.reason));
      break;
    case EventType::kOrderDenied:
      order_fields(j, p.order);
      break;
    case EventType::kAdmin: {
      const UserId u = p.admin.user_id;
      if (e.header.source == Source::kInternal && p.admin.arg_code != 0)
        j.str("cause", p.admin.arg_code == 1 ? "daily_loss_limit" : "max_drawdown");
      if (p.admin.command == AdminCommand::kDenied) {
        // An audited refusal: what was asked for and why it was refused (never the token).
        j.str("refused", to_string(static_cast<AdminCommand>(p.admin.arg_code)))
            .str("why", p.admin.arg_value == 1 ? "forbidden" : (p.admin.arg_value == 2 ? "unauthenticated" : "auth_failed"));
      }
      j.str("user", u < users.size() && !users[u].empty()
                        ? users[u]
                        : (u == 0 ? "system" : (u == kUnknownUser ? "unauthenticated" : "user#" + std::to_string(u))))
          .str("command", to_string(p.admin.command));
      if (p.admin.strategy_id != 0) j.u64("strategy_id", p.admin.strategy_id);  // scoped to one strategy
      j.u64("arg_code", p.admin.arg_code)
          .i64("arg_value", p.admin.arg_value)
          .u64("request_id", p.admin.request_id);
      break;
    }
    case EventType::kTimer:
      j.u64("timer_id", p.timer.timer_id);
      break;
    default:
      break;
  }
  return j.done();
}

std::string output_to_json(const Event& e, std::uint32_t index, const std::vector<std::string>& symbols) {
  JsonObject j;
  j.str("output", to_string(e.type())).u64("seq", e.seq()).u64("index", index);
  if (e.type() == EventType::kAdmin) {
    j.str("command", to_string(e.payload.admin.command))
        .str("cause", e.payload.admin.arg_code == 1 ? "daily_loss_limit" : (e.payload.admin.arg_code == 2 ? "max_drawdown" : "operator"));
    if (e.payload.admin.strategy_id != 0) j.u64("strategy_id", e.payload.admin.strategy_id);
    return j.done();
  }
  j.str("instrument", symbol_of(e.instrument(), symbols));
  order_fields(j, e.payload.order);
  return j.done();
}

Status export_jsonl(journal::JournalReader& reader, const std::vector<std::string>& symbols,
                    const std::vector<std::string>& users, const ExportOptions& options, std::ostream& out) {
  std::vector<std::pair<Event, std::uint32_t>> outputs;
  if (options.outputs) {
    Status s = reader.for_each_output(options.from, options.to, [&](const Event& e, std::uint32_t index) {
      outputs.emplace_back(e, index);
      return true;
    });
    if (!s.ok()) return s;
  }
  std::size_t next = 0;
  Status s = reader.for_each_input(options.from, options.to, [&](const Event& e) {
    out << input_to_json(e, symbols, users) << '\n';
    while (next < outputs.size() && outputs[next].first.seq() <= e.seq()) {
      out << output_to_json(outputs[next].first, outputs[next].second, symbols) << '\n';
      ++next;
    }
    return static_cast<bool>(out);
  });
  if (!s.ok()) return s;
  // Outputs recorded for inputs that never became durable (a crash): kept as evidence, last.
  for (; next < outputs.size(); ++next) out << output_to_json(outputs[next].first, outputs[next].second, symbols) << '\n';
  if (!out) return Error{ErrorCode::kIo, "export: write failed"};
  return {};
}

}  // namespace sequent::replay
