#include "gateways/binance/parser.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "gateways/binance/decimal.hpp"

namespace sequent::binance {

namespace od = simdjson::ondemand;

namespace {

constexpr TimeNs kMsNs = 1'000'000;

enum class VT : std::uint8_t { kAbsent = 0, kString, kInt, kBool, kNull, kArray, kOther };

const char* vt_name(VT t) noexcept {
  switch (t) {
    case VT::kString: return "string";
    case VT::kInt: return "integer";
    case VT::kBool: return "boolean";
    case VT::kNull: return "null";
    case VT::kArray: return "array";
    case VT::kOther: return "object or non-integer number";
    case VT::kAbsent: break;
  }
  return "nothing";
}

struct Val {
  VT type = VT::kAbsent;
  std::string_view s;
  std::int64_t i = 0;
  bool b = false;
};

template <std::size_t N>
void copy_into(std::array<char, N>& dst, std::string_view src) noexcept {
  const std::size_t n = std::min(src.size(), N - 1);
  if (n != 0) std::memcpy(dst.data(), src.data(), n);  // an empty view may have a null data()
  dst[n] = '\0';
}

bool eq(std::string_view a, const char* b) noexcept { return a == std::string_view(b); }

ParseErrc from_status(ParseStatus s) noexcept {
  switch (s) {
    case ParseStatus::kOk: return ParseErrc::kOk;
    case ParseStatus::kTooPrecise: return ParseErrc::kTooPrecise;
    case ParseStatus::kOutOfRange: return ParseErrc::kOutOfRange;
    case ParseStatus::kEmpty:
    case ParseStatus::kBadCharacter: break;
  }
  return ParseErrc::kBadDecimal;
}

bool is_terminal(std::string_view X) noexcept {
  return eq(X, "FILLED") || eq(X, "CANCELED") || eq(X, "REJECTED") || eq(X, "EXPIRED") || eq(X, "EXPIRED_IN_MATCH");
}

OrderStatus order_status_of(std::string_view s) noexcept {
  if (eq(s, "NEW")) return OrderStatus::kNew;
  if (eq(s, "PENDING_NEW")) return OrderStatus::kPendingNew;
  if (eq(s, "PARTIALLY_FILLED")) return OrderStatus::kPartiallyFilled;
  if (eq(s, "FILLED")) return OrderStatus::kFilled;
  if (eq(s, "CANCELED")) return OrderStatus::kCanceled;
  if (eq(s, "PENDING_CANCEL")) return OrderStatus::kPendingCancel;
  if (eq(s, "REJECTED")) return OrderStatus::kRejected;
  if (eq(s, "EXPIRED")) return OrderStatus::kExpired;
  if (eq(s, "EXPIRED_IN_MATCH")) return OrderStatus::kExpiredInMatch;
  return OrderStatus::kUnknown;
}

Side side_of(std::string_view s) noexcept {
  if (eq(s, "BUY")) return Side::kBuy;
  if (eq(s, "SELL")) return Side::kSell;
  return Side::kNone;
}

RateLimitType rate_type_of(std::string_view s) noexcept {
  if (eq(s, "REQUEST_WEIGHT")) return RateLimitType::kRequestWeight;
  if (eq(s, "ORDERS")) return RateLimitType::kOrders;
  if (eq(s, "RAW_REQUESTS")) return RateLimitType::kRawRequests;
  return RateLimitType::kUnknown;
}

RateInterval interval_of(std::string_view s) noexcept {
  if (eq(s, "SECOND")) return RateInterval::kSecond;
  if (eq(s, "MINUTE")) return RateInterval::kMinute;
  if (eq(s, "HOUR")) return RateInterval::kHour;
  if (eq(s, "DAY")) return RateInterval::kDay;
  return RateInterval::kUnknown;
}

// The key of a field as written (no unescaping: no key we look for contains an escape, and a
// key that does simply matches nothing).
std::string_view raw_key(od::field& f) noexcept {
  const char* k = f.key().raw();
  const char* q = k;
  while (*q != '"') {
    if (*q == '\\' && q[1] != '\0') ++q;
    ++q;
  }
  return std::string_view(k, static_cast<std::size_t>(q - k));
}

}  // namespace

// ---- names -----------------------------------------------------------------------------------

std::string_view to_string(MessageKind k) noexcept {
  switch (k) {
    case MessageKind::kNone: return "none";
    case MessageKind::kTrade: return "trade";
    case MessageKind::kAggTrade: return "aggTrade";
    case MessageKind::kBookTicker: return "bookTicker";
    case MessageKind::kDepthUpdate: return "depthUpdate";
    case MessageKind::kDepthSnapshot: return "depth snapshot";
    case MessageKind::kExecutionReport: return "executionReport";
    case MessageKind::kForeignOrder: return "executionReport (not ours)";
    case MessageKind::kAccountPosition: return "outboundAccountPosition";
    case MessageKind::kBalanceUpdate: return "balanceUpdate";
    case MessageKind::kListStatus: return "listStatus";
    case MessageKind::kStreamTerminated: return "eventStreamTerminated";
    case MessageKind::kServerShutdown: return "serverShutdown";
    case MessageKind::kOrderResponse: return "order response";
    case MessageKind::kError: return "error";
    case MessageKind::kControlReply: return "control reply";
  }
  return "unknown";
}

std::string_view to_string(ParseErrc e) noexcept {
  switch (e) {
    case ParseErrc::kOk: return "ok";
    case ParseErrc::kJson: return "malformed JSON";
    case ParseErrc::kNotObject: return "not a JSON object";
    case ParseErrc::kMissingField: return "missing field";
    case ParseErrc::kWrongType: return "wrong type";
    case ParseErrc::kBadDecimal: return "not a decimal number";
    case ParseErrc::kTooPrecise: return "more than 8 decimal places";
    case ParseErrc::kOutOfRange: return "out of range";
    case ParseErrc::kUnknownEvent: return "unknown message type";
    case ParseErrc::kUnknownSymbol: return "unknown symbol";
    case ParseErrc::kBadValue: return "unknown value";
    case ParseErrc::kTooManyLevels: return "too many entries";
    case ParseErrc::kTooLarge: return "message too large";
  }
  return "unknown";
}

std::string_view to_string(OrderStatus s) noexcept {
  switch (s) {
    case OrderStatus::kUnknown: return "UNKNOWN";
    case OrderStatus::kNew: return "NEW";
    case OrderStatus::kPendingNew: return "PENDING_NEW";
    case OrderStatus::kPartiallyFilled: return "PARTIALLY_FILLED";
    case OrderStatus::kFilled: return "FILLED";
    case OrderStatus::kCanceled: return "CANCELED";
    case OrderStatus::kPendingCancel: return "PENDING_CANCEL";
    case OrderStatus::kRejected: return "REJECTED";
    case OrderStatus::kExpired: return "EXPIRED";
    case OrderStatus::kExpiredInMatch: return "EXPIRED_IN_MATCH";
  }
  return "UNKNOWN";
}

std::string ParseError::message() const {
  std::string m = "binance ";
  m += where[0] == '\0' ? "message" : where.data();
  m += ": ";
  if (field[0] != '\0') {
    m += "field \"";
    m += field.data();
    m += "\": ";
  }
  m += to_string(code);
  if (detail[0] != '\0') {
    m += " (";
    m += detail.data();
    m += ")";
  }
  return m;
}

std::size_t format_client_order_id(ClientOrderId id, char* buf) noexcept {
  char tmp[20];
  std::size_t n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + id % 10);
    id /= 10;
  } while (id != 0);
  for (std::size_t k = 0; k < n; ++k) buf[k] = tmp[n - 1 - k];
  return n;
}

bool parse_client_order_id(std::string_view text, ClientOrderId& out) noexcept {
  if (text.empty() || text.size() > 20) return false;
  if (text.size() > 1 && text[0] == '0') return false;  // we never send leading zeros
  std::uint64_t v = 0;
  for (char c : text) {
    const unsigned d = static_cast<unsigned char>(c - '0');
    if (d > 9) return false;
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

bool map_exec_type(std::string_view x, std::string_view X, ExecType& out) noexcept {
  if (eq(x, "NEW")) out = ExecType::kNew;
  else if (eq(x, "TRADE")) out = eq(X, "FILLED") ? ExecType::kFill : ExecType::kPartialFill;
  else if (eq(x, "CANCELED")) out = ExecType::kCanceled;
  else if (eq(x, "REJECTED")) out = ExecType::kRejected;
  else if (eq(x, "EXPIRED") || eq(x, "TRADE_PREVENTION")) out = ExecType::kExpired;
  else return false;  // REPLACED (order amend): we never amend, so it is not ours to map
  return true;
}

RejectReason map_reject_reason(std::string_view r) noexcept {
  if (r.empty() || eq(r, "NONE")) return RejectReason::kNone;
  if (eq(r, "INSUFFICIENT_BALANCE") || eq(r, "INSUFFICIENT_BALANCES")) return RejectReason::kVenueInsufficientBalance;
  if (eq(r, "WOULD_MATCH_IMMEDIATELY") || eq(r, "GTX_ORDER_REJECT")) return RejectReason::kVenueWouldTake;
  if (eq(r, "UNKNOWN_ORDER")) return RejectReason::kVenueUnknownOrder;
  if (eq(r, "DUPLICATE_ORDER")) return RejectReason::kVenueDuplicateOrder;
  if (eq(r, "UNKNOWN_INSTRUMENT")) return RejectReason::kVenueUnknownInstrument;
  if (eq(r, "PRICE_QTY_EXCEED_HARD_LIMITS")) return RejectReason::kVenueInvalidPrice;
  if (eq(r, "MAX_OPEN_ORDERS") || eq(r, "TOO_MANY_ORDERS")) return RejectReason::kVenueTooManyOrders;
  return RejectReason::kVenueOther;
}

// ---- the parser ------------------------------------------------------------------------------

struct BinanceParser::Impl {
  Impl(std::vector<SymbolBinding> syms, Options o) : symbols(std::move(syms)), opt(o) {
    events.reserve(opt.max_levels + 1);
    fills.reserve(opt.max_items);
    balances.reserve(opt.max_items);
    list_orders.reserve(opt.max_items);
    limits.reserve(opt.max_items);
    // Allocates the parser's internal buffers for the largest message up front.
    if (parser.allocate(opt.max_message_bytes) != simdjson::SUCCESS) parser = od::parser{};
    padded.resize(opt.max_message_bytes + kPadding);
  }

  od::parser parser;
  std::vector<SymbolBinding> symbols;
  Options opt;
  std::vector<Event> events;
  std::vector<OrderFill> fills;
  std::vector<Balance> balances;
  std::vector<ListOrder> list_orders;
  std::vector<RateLimitUsage> limits;
  std::vector<char> padded;

  // Per message.
  ParseError* err = nullptr;
  BinanceParser* owner = nullptr;
  std::array<Val, 128> f{};
  std::array<std::uint8_t, 128> touched{};
  std::size_t n_touched = 0;
  std::string_view stream;
  std::int64_t subscription_id = -1;
  bool has_last_update_id = false;
  std::uint64_t last_update_id = 0;
  bool has_bids = false, has_asks = false;
  bool has_code = false;
  std::int64_t code = 0;
  std::string_view msg;
  bool has_ws_id = false;
  std::string_view ws_id;
  std::int32_t ws_status = 0;
  bool result_null = false;
  bool has_limits = false;
  bool has_order_id = false;
  bool has_order_status = false;
  bool has_nested_subscription = false;
  OrderResponse order;

  void reset() noexcept {
    for (std::size_t k = 0; k < n_touched; ++k) f[touched[k]] = Val{};
    n_touched = 0;
    stream = {};
    subscription_id = -1;
    has_last_update_id = has_bids = has_asks = has_code = has_ws_id = result_null = has_limits = false;
    has_order_id = has_order_status = has_nested_subscription = false;
    last_update_id = 0;
    code = 0;
    msg = {};
    ws_id = {};
    ws_status = 0;
    order = OrderResponse{};
    events.clear();
    fills.clear();
    balances.clear();
    list_orders.clear();
    limits.clear();
  }

  // ---- errors ----
  ParseErrc fail(ParseErrc code_, std::string_view field, std::string_view detail = {}) noexcept {
    err->code = code_;
    if (err->where[0] == '\0' && f['e'].type == VT::kString) copy_into(err->where, f['e'].s);
    copy_into(err->field, field);
    copy_into(err->detail, detail);
    return code_;
  }
  ParseErrc json_fail(simdjson::error_code e, std::string_view field = {}) noexcept {
    return fail(ParseErrc::kJson, field, simdjson::error_message(e));
  }

  // ---- single-character fields ----
  ParseErrc need(char k, VT type) noexcept {
    const Val& v = f[static_cast<unsigned char>(k)];
    const char name[2] = {k, '\0'};
    if (v.type == type) return ParseErrc::kOk;
    if (v.type == VT::kAbsent) return fail(ParseErrc::kMissingField, name);
    std::string_view got = vt_name(v.type);
    char detail[48] = "expected ";
    std::size_t n = 9;
    for (std::string_view part : {std::string_view(vt_name(type)), std::string_view(", got "), got})
      for (char ch : part)
        if (n + 1 < sizeof(detail)) detail[n++] = ch;
    detail[n] = '\0';
    return fail(ParseErrc::kWrongType, name, std::string_view(detail, n));
  }
  ParseErrc need_str(char k, std::string_view& out) noexcept {
    if (ParseErrc e = need(k, VT::kString); e != ParseErrc::kOk) return e;
    out = f[static_cast<unsigned char>(k)].s;
    return ParseErrc::kOk;
  }
  ParseErrc need_int(char k, std::int64_t& out) noexcept {
    if (ParseErrc e = need(k, VT::kInt); e != ParseErrc::kOk) return e;
    out = f[static_cast<unsigned char>(k)].i;
    return ParseErrc::kOk;
  }
  ParseErrc need_id(char k, std::uint64_t& out) noexcept {
    std::int64_t v = 0;
    if (ParseErrc e = need_int(k, v); e != ParseErrc::kOk) return e;
    if (v < 0) {
      const char name[2] = {k, '\0'};
      return fail(ParseErrc::kOutOfRange, name, "negative id");
    }
    out = static_cast<std::uint64_t>(v);
    return ParseErrc::kOk;
  }
  ParseErrc need_bool(char k, bool& out) noexcept {
    if (ParseErrc e = need(k, VT::kBool); e != ParseErrc::kOk) return e;
    out = f[static_cast<unsigned char>(k)].b;
    return ParseErrc::kOk;
  }
  template <class Tag>
  ParseErrc decimal(std::string_view text, Fixed<Tag>& out, std::string_view field) noexcept {
    const ParseStatus s = parse_binance_decimal(text, out);
    if (s == ParseStatus::kOk) return ParseErrc::kOk;
    return fail(from_status(s), field, text);
  }
  template <class Tag>
  ParseErrc need_dec(char k, Fixed<Tag>& out) noexcept {
    std::string_view s;
    if (ParseErrc e = need_str(k, s); e != ParseErrc::kOk) return e;
    const char name[2] = {k, '\0'};
    return decimal(s, out, std::string_view(name, 1));
  }
  // Binance millisecond times → ns, refusing values past year 2262 (int64 ns overflow).
  ParseErrc ms_to_ns(char k, std::int64_t ms, TimeNs& out) noexcept {
    constexpr std::int64_t kMax = INT64_MAX / kMsNs;
    if (ms > kMax || ms < -kMax) {
      const char name[2] = {k, '\0'};
      return fail(ParseErrc::kOutOfRange, name, "millisecond time out of range");
    }
    out = ms * kMsNs;
    return ParseErrc::kOk;
  }
  bool has(char k, VT type) const noexcept { return f[static_cast<unsigned char>(k)].type == type; }
  const Val& val(char k) const noexcept { return f[static_cast<unsigned char>(k)]; }

  ParseErrc symbol(InstrumentId& out) noexcept {
    std::string_view s;
    if (ParseErrc e = need_str('s', s); e != ParseErrc::kOk) return e;
    out = owner->instrument_of(s);
    if (out == kNoInstrument) return fail(ParseErrc::kUnknownSymbol, "s", s);
    return ParseErrc::kOk;
  }

  Event& new_event(EventType type, InstrumentId instrument, TimeNs event_ns) noexcept {
    Event& e = events.emplace_back();
    e.header.type = type;
    e.header.source = opt.source;
    e.header.instrument = instrument;
    e.header.event_ns = event_ns;
    return e;
  }

  // ---- arrays ----
  ParseErrc levels(od::value& v, Side side, std::string_view field) noexcept {
    od::array arr;
    if (auto e = v.get_array().get(arr)) return json_fail(e, field);
    for (auto item : arr) {
      od::array pair;
      if (auto e = item.get_array().get(pair)) {
        return e == simdjson::INCORRECT_TYPE ? fail(ParseErrc::kWrongType, field, "expected [price, qty] arrays")
                                             : json_fail(e, field);
      }
      std::string_view texts[2];
      std::size_t n = 0;
      for (auto x : pair) {
        if (n >= 2) break;  // extra elements are ignored (the loop skips them)
        if (auto e = x.get_string().get(texts[n])) {
          return e == simdjson::INCORRECT_TYPE ? fail(ParseErrc::kWrongType, field, "expected [price, qty] strings")
                                               : json_fail(e, field);
        }
        ++n;
      }
      if (n != 2) return fail(ParseErrc::kWrongType, field, "expected [price, qty] pairs");
      if (events.size() >= opt.max_levels) return fail(ParseErrc::kTooManyLevels, field, "raise Options::max_levels");
      Event& ev = events.emplace_back();
      ev.header.type = EventType::kBookLevel;
      BookLevelPayload& b = ev.payload.book;
      b.side = side;
      if (ParseErrc e = decimal(texts[0], b.price, field); e != ParseErrc::kOk) return e;
      if (ParseErrc e = decimal(texts[1], b.qty, field); e != ParseErrc::kOk) return e;
    }
    return ParseErrc::kOk;
  }

  template <class Fn>
  ParseErrc each_object(od::value& v, std::string_view field, std::size_t current, Fn&& fn) noexcept {
    od::array arr;
    if (auto e = v.get_array().get(arr)) return json_fail(e, field);
    for (auto item : arr) {
      od::object obj;
      if (auto e = item.get_object().get(obj)) {
        return e == simdjson::INCORRECT_TYPE ? fail(ParseErrc::kWrongType, field, "expected an array of objects")
                                             : json_fail(e, field);
      }
      if (current++ >= opt.max_items) return fail(ParseErrc::kTooManyLevels, field, "raise Options::max_items");
      if (ParseErrc e = fn(obj); e != ParseErrc::kOk) return e;
    }
    return ParseErrc::kOk;
  }

  // Reads the fields of a small object by name into callbacks: fn(key, value&) → ParseErrc.
  template <class Fn>
  ParseErrc fields(od::object& obj, std::string_view where_field, Fn&& fn) noexcept {
    for (auto fr : obj) {
      od::field fld;
      if (auto e = std::move(fr).get(fld)) return json_fail(e, where_field);
      const std::string_view key = raw_key(fld);
      if (ParseErrc e = fn(key, fld.value()); e != ParseErrc::kOk) return e;
    }
    return ParseErrc::kOk;
  }

  ParseErrc get_str(od::value& v, std::string_view key, std::string_view& out) noexcept {
    if (auto e = v.get_string().get(out)) {
      return e == simdjson::INCORRECT_TYPE ? fail(ParseErrc::kWrongType, key, "expected string") : json_fail(e, key);
    }
    return ParseErrc::kOk;
  }
  ParseErrc get_int(od::value& v, std::string_view key, std::int64_t& out) noexcept {
    if (auto e = v.get_int64().get(out)) {
      return e == simdjson::INCORRECT_TYPE ? fail(ParseErrc::kWrongType, key, "expected integer") : json_fail(e, key);
    }
    return ParseErrc::kOk;
  }
  template <class Tag>
  ParseErrc get_dec(od::value& v, std::string_view key, Fixed<Tag>& out) noexcept {
    std::string_view s;
    if (ParseErrc e = get_str(v, key, s); e != ParseErrc::kOk) return e;
    return decimal(s, out, key);
  }

  ParseErrc fill_array(od::value& v) noexcept {
    return each_object(v, "fills", fills.size(), [&](od::object& obj) {
      OrderFill fl;
      bool has_price = false, has_qty = false;
      const ParseErrc e = fields(obj, "fills", [&](std::string_view key, od::value& x) {
        if (eq(key, "price")) { has_price = true; return get_dec(x, "fills.price", fl.price); }
        if (eq(key, "qty")) { has_qty = true; return get_dec(x, "fills.qty", fl.qty); }
        if (eq(key, "commission")) return get_dec(x, "fills.commission", fl.commission);
        if (eq(key, "commissionAsset")) return get_str(x, "fills.commissionAsset", fl.commission_asset);
        if (eq(key, "tradeId")) {
          std::int64_t t = 0;
          const ParseErrc r = get_int(x, "fills.tradeId", t);
          fl.trade_id = t < 0 ? 0 : static_cast<std::uint64_t>(t);
          return r;
        }
        return ParseErrc::kOk;
      });
      if (e != ParseErrc::kOk) return e;
      if (!has_price) return fail(ParseErrc::kMissingField, "fills.price");
      if (!has_qty) return fail(ParseErrc::kMissingField, "fills.qty");
      fills.push_back(fl);
      return ParseErrc::kOk;
    });
  }

  ParseErrc balance_array(od::value& v) noexcept {
    return each_object(v, "B", balances.size(), [&](od::object& obj) {
      Balance b;
      bool has_asset = false;
      const ParseErrc e = fields(obj, "B", [&](std::string_view key, od::value& x) {
        if (eq(key, "a")) { has_asset = true; return get_str(x, "B.a", b.asset); }
        if (eq(key, "f")) return get_dec(x, "B.f", b.free);
        if (eq(key, "l")) return get_dec(x, "B.l", b.locked);
        return ParseErrc::kOk;
      });
      if (e != ParseErrc::kOk) return e;
      if (!has_asset) return fail(ParseErrc::kMissingField, "B.a");
      balances.push_back(b);
      return ParseErrc::kOk;
    });
  }

  ParseErrc list_order_array(od::value& v) noexcept {
    return each_object(v, "O", list_orders.size(), [&](od::object& obj) {
      ListOrder o;
      const ParseErrc e = fields(obj, "O", [&](std::string_view key, od::value& x) {
        if (eq(key, "s")) return get_str(x, "O.s", o.symbol);
        if (eq(key, "c")) return get_str(x, "O.c", o.client_order_id);
        if (eq(key, "i")) {
          std::int64_t i = 0;
          const ParseErrc r = get_int(x, "O.i", i);
          o.venue_order_id = i < 0 ? 0 : static_cast<std::uint64_t>(i);
          return r;
        }
        return ParseErrc::kOk;
      });
      if (e != ParseErrc::kOk) return e;
      list_orders.push_back(o);
      return ParseErrc::kOk;
    });
  }

  ParseErrc limit_array(od::value& v) noexcept {
    has_limits = true;
    return each_object(v, "rateLimits", limits.size(), [&](od::object& obj) {
      RateLimitUsage u;
      const ParseErrc e = fields(obj, "rateLimits", [&](std::string_view key, od::value& x) {
        std::string_view s;
        std::int64_t i = 0;
        if (eq(key, "rateLimitType")) {
          const ParseErrc r = get_str(x, "rateLimits.rateLimitType", s);
          u.type = rate_type_of(s);
          return r;
        }
        if (eq(key, "interval")) {
          const ParseErrc r = get_str(x, "rateLimits.interval", s);
          u.interval = interval_of(s);
          return r;
        }
        if (eq(key, "intervalNum")) {
          const ParseErrc r = get_int(x, "rateLimits.intervalNum", i);
          u.interval_num = static_cast<std::int32_t>(std::clamp<std::int64_t>(i, 0, INT32_MAX));
          return r;
        }
        if (eq(key, "limit")) return get_int(x, "rateLimits.limit", u.limit);
        if (eq(key, "count")) return get_int(x, "rateLimits.count", u.count);
        return ParseErrc::kOk;
      });
      if (e != ParseErrc::kOk) return e;
      limits.push_back(u);
      return ParseErrc::kOk;
    });
  }

  // ---- the one recursive object scan ----
  ParseErrc scan(od::object& obj, int depth) noexcept {
    for (auto fr : obj) {
      od::field fld;
      if (auto e = std::move(fr).get(fld)) return json_fail(e);
      const char* k = fld.key().raw();
      od::value& v = fld.value();
      od::json_type type;
      if (auto e = v.type().get(type)) return json_fail(e, std::string_view(k, k[0] == '"' ? 0 : 1));
      if (k[0] != '"' && k[0] != '\\' && k[1] == '"' && static_cast<unsigned char>(k[0]) < 128) {
        if (ParseErrc e = single(static_cast<unsigned char>(k[0]), v, type); e != ParseErrc::kOk) return e;
        continue;
      }
      if (ParseErrc e = named(raw_key(fld), v, type, depth); e != ParseErrc::kOk) return e;
    }
    return ParseErrc::kOk;
  }

  ParseErrc single(unsigned char c, od::value& v, od::json_type type) noexcept {
    Val& slot = f[c];
    if (slot.type == VT::kAbsent) touched[n_touched++] = c;
    const char name[2] = {static_cast<char>(c), '\0'};
    switch (type) {
      case od::json_type::string:
        slot.type = VT::kString;
        if (auto e = v.get_string().get(slot.s)) return json_fail(e, name);
        return ParseErrc::kOk;
      case od::json_type::number:
        // One parse: a non-integer or out-of-range number fails get_int64 without consuming
        // the value (the object iterator skips it) and is recorded as "other".
        slot.type = v.get_int64().get(slot.i) == simdjson::SUCCESS ? VT::kInt : VT::kOther;
        return ParseErrc::kOk;
      case od::json_type::boolean:
        slot.type = VT::kBool;
        if (auto e = v.get_bool().get(slot.b)) return json_fail(e, name);
        return ParseErrc::kOk;
      case od::json_type::null:
        slot.type = VT::kNull;
        return ParseErrc::kOk;
      case od::json_type::array:
        slot.type = VT::kArray;
        if (c == 'b') return levels(v, Side::kBuy, "b");
        if (c == 'a') return levels(v, Side::kSell, "a");
        if (c == 'B') return balance_array(v);
        if (c == 'O') return list_order_array(v);
        return ParseErrc::kOk;
      case od::json_type::object:
        slot.type = VT::kOther;
        return ParseErrc::kOk;
    }
    return ParseErrc::kOk;
  }

  ParseErrc nested(od::value& v, std::string_view key, int depth) noexcept {
    if (depth >= 2) return ParseErrc::kOk;  // deeper envelopes are not Binance's
    od::object child;
    if (auto e = v.get_object().get(child)) return json_fail(e, key);
    return scan(child, depth + 1);
  }

  ParseErrc named(std::string_view key, od::value& v, od::json_type type, int depth) noexcept {
    using JT = od::json_type;
    switch (key.size()) {
      case 2:
        if (eq(key, "id")) {
          has_ws_id = true;
          if (type == JT::string) return get_str(v, key, ws_id);
          ws_id = v.raw_json_token();
          while (!ws_id.empty() && (ws_id.back() == ' ' || ws_id.back() == '\n' || ws_id.back() == '\r' || ws_id.back() == '\t'))
            ws_id.remove_suffix(1);
          return ParseErrc::kOk;
        }
        break;
      case 3:
        if (eq(key, "msg")) return get_str(v, key, msg);
        break;
      case 4:
        if (eq(key, "data") && type == JT::object) return nested(v, key, depth);
        if (eq(key, "code")) {
          has_code = true;
          return get_int(v, key, code);
        }
        if (eq(key, "bids") && type == JT::array) {
          has_bids = true;
          return levels(v, Side::kBuy, key);
        }
        if (eq(key, "asks") && type == JT::array) {
          has_asks = true;
          return levels(v, Side::kSell, key);
        }
        if (eq(key, "side")) {
          std::string_view s;
          if (ParseErrc e = get_str(v, key, s); e != ParseErrc::kOk) return e;
          order.side = side_of(s);
          if (order.side == Side::kNone) return fail(ParseErrc::kBadValue, key, s);
          return ParseErrc::kOk;
        }
        if (eq(key, "type") && type == JT::string) return get_str(v, key, order.type);
        break;
      case 5:
        if (eq(key, "event") && type == JT::object) return nested(v, key, depth);
        if (eq(key, "error") && type == JT::object) return nested(v, key, depth);
        if (eq(key, "price")) return get_dec(v, key, order.price);
        if (eq(key, "fills") && type == JT::array) return fill_array(v);
        break;
      case 6:
        if (eq(key, "stream")) return get_str(v, key, stream);
        if (eq(key, "symbol")) return get_str(v, key, order.symbol);
        if (eq(key, "result")) {
          if (type == JT::null) {
            result_null = true;
            return ParseErrc::kOk;
          }
          if (type == JT::object) return nested(v, key, depth);
          return ParseErrc::kOk;  // other results (arrays) carry nothing we use
        }
        if (eq(key, "status")) {
          if (type == JT::number) {
            std::int64_t s = 0;
            if (ParseErrc e = get_int(v, key, s); e != ParseErrc::kOk) return e;
            ws_status = static_cast<std::int32_t>(std::clamp<std::int64_t>(s, INT32_MIN, INT32_MAX));
            return ParseErrc::kOk;
          }
          std::string_view s;
          if (ParseErrc e = get_str(v, key, s); e != ParseErrc::kOk) return e;
          has_order_status = true;
          order.has_result = true;
          order.status = order_status_of(s);
          if (order.status == OrderStatus::kUnknown) return fail(ParseErrc::kBadValue, key, s);
          return ParseErrc::kOk;
        }
        break;
      case 7:
        if (eq(key, "orderId")) {
          has_order_id = true;
          std::int64_t id = 0;
          if (ParseErrc e = get_int(v, key, id); e != ParseErrc::kOk) return e;
          if (id < 0) return fail(ParseErrc::kOutOfRange, key, "negative id");
          order.venue_order_id = static_cast<std::uint64_t>(id);
          return ParseErrc::kOk;
        }
        if (eq(key, "origQty")) return get_dec(v, key, order.orig_qty);
        break;
      case 10:
        if (eq(key, "rateLimits") && type == JT::array) return limit_array(v);
        break;
      case 11:
        if (eq(key, "orderListId")) return get_int(v, key, order.order_list_id);
        if (eq(key, "executedQty")) return get_dec(v, key, order.executed_qty);
        if (eq(key, "timeInForce")) return get_str(v, key, order.time_in_force);
        break;
      case 12:
        if (eq(key, "lastUpdateId")) {
          has_last_update_id = true;
          std::int64_t id = 0;
          if (ParseErrc e = get_int(v, key, id); e != ParseErrc::kOk) return e;
          if (id < 0) return fail(ParseErrc::kOutOfRange, key, "negative id");
          last_update_id = static_cast<std::uint64_t>(id);
          return ParseErrc::kOk;
        }
        if (eq(key, "transactTime")) return get_int(v, key, order.transact_time_ms);
        break;
      case 13:
        if (eq(key, "clientOrderId")) return get_str(v, key, order.client_order_id);
        break;
      case 14:
        if (eq(key, "subscriptionId")) {
          if (depth > 0) has_nested_subscription = true;
          return get_int(v, key, subscription_id);
        }
        break;
      case 17:
        if (eq(key, "origClientOrderId")) return get_str(v, key, order.orig_client_order_id);
        break;
      case 19:
        if (eq(key, "cummulativeQuoteQty")) return get_dec(v, key, order.cumulative_quote_qty);
        break;
      default:
        break;
    }
    return ParseErrc::kOk;
  }

  // ---- message builders ----
  ParseErrc finish(Parsed& out, InstrumentId context) noexcept {
    out.stream = stream;
    out.subscription_id = subscription_id;
    if (has_ws_id || ws_status != 0) out.wsapi = WsApiMeta{ws_id, ws_status, std::span<const RateLimitUsage>(limits)};
    else if (has_limits) out.wsapi.rate_limits = std::span<const RateLimitUsage>(limits);
    if (val('e').type != VT::kAbsent) {
      std::string_view e;
      if (ParseErrc r = need_str('e', e); r != ParseErrc::kOk) return r;
      copy_into(err->where, e);
      if (has('E', VT::kInt))
        if (ParseErrc r = ms_to_ns('E', val('E').i, out.event_ns); r != ParseErrc::kOk) return r;
      if (eq(e, "depthUpdate")) return depth_update(out);
      if (eq(e, "trade")) return trade(out, false);
      if (eq(e, "aggTrade")) return trade(out, true);
      if (eq(e, "executionReport")) return exec_report(out);
      if (eq(e, "outboundAccountPosition")) return account_position(out);
      if (eq(e, "balanceUpdate")) return balance_update(out);
      if (eq(e, "listStatus")) return list_status(out);
      if (eq(e, "eventStreamTerminated")) {
        out.kind = MessageKind::kStreamTerminated;
        return ParseErrc::kOk;
      }
      if (eq(e, "serverShutdown")) {
        out.kind = MessageKind::kServerShutdown;
        return ParseErrc::kOk;
      }
      copy_into(err->where, std::string_view("event"));
      return fail(ParseErrc::kUnknownEvent, "e", e);
    }
    if (has('u', VT::kInt) && has('b', VT::kString)) {
      copy_into(err->where, std::string_view("bookTicker"));
      return book_ticker(out);
    }
    if (has_last_update_id) {
      copy_into(err->where, std::string_view("depth snapshot"));
      return snapshot(out, context);
    }
    if (has_code) {
      copy_into(err->where, std::string_view("error"));
      out.kind = MessageKind::kError;
      out.error = VenueError{code, msg};
      return ParseErrc::kOk;
    }
    if (has_order_id) {
      copy_into(err->where, std::string_view("order response"));
      return order_response(out);
    }
    if (has_ws_id || result_null || has_nested_subscription) {
      out.kind = MessageKind::kControlReply;
      return ParseErrc::kOk;
    }
    copy_into(err->where, std::string_view("message"));
    if (val('u').type != VT::kAbsent || val('b').type != VT::kAbsent) {  // looks like a bookTicker
      copy_into(err->where, std::string_view("bookTicker"));
      if (ParseErrc r = need('u', VT::kInt); r != ParseErrc::kOk) return r;
      return need('b', VT::kString);
    }
    return fail(ParseErrc::kUnknownEvent, {}, "no event type or known fields");
  }

  ParseErrc depth_update(Parsed& out) noexcept {
    DepthHeader h;
    std::int64_t U = 0, u = 0, E = 0;
    if (ParseErrc e = symbol(h.instrument); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_int('E', E); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_int('U', U); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_int('u', u); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need('b', VT::kArray); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need('a', VT::kArray); e != ParseErrc::kOk) return e;
    if (U < 0 || u < U) return fail(ParseErrc::kOutOfRange, "U", "need 0 <= U <= u");
    h.first_update_id = static_cast<std::uint64_t>(U);
    h.last_update_id = static_cast<std::uint64_t>(u);
    if (ParseErrc e = ms_to_ns('E', E, h.event_ns); e != ParseErrc::kOk) return e;
    stamp_levels(h, 0);
    out.depth = h;
    out.events = events;
    out.kind = MessageKind::kDepthUpdate;
    return ParseErrc::kOk;
  }

  void stamp_levels(const DepthHeader& h, std::uint8_t first_flags) noexcept {
    for (Event& ev : events) {
      ev.header.source = opt.source;
      ev.header.instrument = h.instrument;
      ev.header.event_ns = h.event_ns;
      ev.payload.book.first_update_id = h.first_update_id;
      ev.payload.book.last_update_id = h.last_update_id;
    }
    if (!events.empty()) {
      events.front().payload.book.flags = static_cast<std::uint8_t>(events.front().payload.book.flags | first_flags);
      events.back().payload.book.flags = static_cast<std::uint8_t>(events.back().payload.book.flags | kBookLast);
    }
  }

  ParseErrc snapshot(Parsed& out, InstrumentId context) noexcept {
    if (!has_bids) return fail(ParseErrc::kMissingField, "bids");
    if (!has_asks) return fail(ParseErrc::kMissingField, "asks");
    DepthHeader h;
    h.instrument = context;
    h.first_update_id = h.last_update_id = last_update_id;
    h.snapshot = true;
    if (events.empty()) {  // an empty book: one level-less event that clears it
      Event& ev = new_event(EventType::kBookLevel, context, 0);
      ev.payload.book.side = Side::kNone;
    }
    stamp_levels(h, kBookClear);
    out.depth = h;
    out.events = events;
    out.kind = MessageKind::kDepthSnapshot;
    return ParseErrc::kOk;
  }

  ParseErrc trade(Parsed& out, bool aggregate) noexcept {
    InstrumentId id = kNoInstrument;
    std::uint64_t trade_id = 0;
    bool buyer_maker = false;
    std::int64_t T = 0;
    Price p;
    Qty q;
    if (ParseErrc e = symbol(id); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_id(aggregate ? 'a' : 't', trade_id); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_dec('p', p); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_dec('q', q); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_bool('m', buyer_maker); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_int('T', T); e != ParseErrc::kOk) return e;
    TimeNs t_ns = 0;
    if (ParseErrc e = ms_to_ns('T', T, t_ns); e != ParseErrc::kOk) return e;
    events.clear();
    Event& ev = new_event(EventType::kTrade, id, t_ns);
    ev.payload.trade = TradePayload{p, q, trade_id, buyer_maker ? Side::kSell : Side::kBuy};
    out.events = events;
    out.kind = aggregate ? MessageKind::kAggTrade : MessageKind::kTrade;
    return ParseErrc::kOk;
  }

  ParseErrc book_ticker(Parsed& out) noexcept {
    InstrumentId id = kNoInstrument;
    QuotePayload qp{};
    std::uint64_t u = 0;
    if (ParseErrc e = symbol(id); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_id('u', u); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_dec('b', qp.bid_price); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_dec('B', qp.bid_qty); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_dec('a', qp.ask_price); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_dec('A', qp.ask_qty); e != ParseErrc::kOk) return e;
    if (has('E', VT::kInt))
      if (ParseErrc e = ms_to_ns('E', val('E').i, out.event_ns); e != ParseErrc::kOk) return e;
    events.clear();
    Event& ev = new_event(EventType::kQuote, id, out.event_ns);
    ev.payload.quote = qp;
    out.update_id = u;
    out.events = events;
    out.kind = MessageKind::kBookTicker;
    return ParseErrc::kOk;
  }

  ParseErrc exec_report(Parsed& out) noexcept {
    std::string_view c, C, x, X, r, S;
    if (ParseErrc e = need_str('c', c); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_str('x', x); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_str('X', X); e != ParseErrc::kOk) return e;
    if (has('C', VT::kString)) C = val('C').s;
    // A cancel's report carries the cancel request's id in c and the order's own id in C.
    const std::string_view id_text = (eq(x, "CANCELED") && !C.empty()) ? C : c;
    ClientOrderId cid = 0;
    if (!parse_client_order_id(id_text, cid)) {
      ++owner->foreign_orders_;
      out.kind = MessageKind::kForeignOrder;
      return ParseErrc::kOk;
    }
    InstrumentId id = kNoInstrument;
    if (ParseErrc e = symbol(id); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_str('S', S); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_str('r', r); e != ParseErrc::kOk) return e;
    ExecReportPayload p{};
    p.client_order_id = cid;
    if (!map_exec_type(x, X, p.exec_type)) return fail(ParseErrc::kBadValue, "x", x);
    p.side = side_of(S);
    if (p.side == Side::kNone) return fail(ParseErrc::kBadValue, "S", S);
    if (ParseErrc e = need_id('i', p.venue_order_id); e != ParseErrc::kOk) return e;
    Qty q, z;
    if (ParseErrc e = need_dec('q', q); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_dec('z', z); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_dec('l', p.last_qty); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_dec('L', p.last_price); e != ParseErrc::kOk) return e;
    p.cum_qty = z;
    p.leaves_qty = is_terminal(X) || z >= q ? Qty{} : q - z;
    std::int64_t t = -1;
    if (has('t', VT::kInt)) t = val('t').i;
    p.trade_id = t < 0 ? 0 : static_cast<std::uint64_t>(t);
    if (eq(x, "TRADE")) {
      bool maker = false;
      if (ParseErrc e = need_bool('m', maker); e != ParseErrc::kOk) return e;
      p.liquidity = maker ? Liquidity::kMaker : Liquidity::kTaker;
      Qty n;
      if (ParseErrc e = need_dec('n', n); e != ParseErrc::kOk) return e;
      if (!n.is_zero()) {
        const std::string_view N = has('N', VT::kString) ? val('N').s : std::string_view{};
        const SymbolBinding* sb = binding(id);
        if (sb != nullptr && N == sb->quote_asset) p.fee = Money::from_raw(n.raw());
        else if (sb != nullptr && N == sb->base_asset) p.fee = notional(p.last_price, n);
        else ++owner->fees_unconverted_;
      }
    }
    p.reason = map_reject_reason(r);
    if (p.exec_type == ExecType::kRejected && p.reason == RejectReason::kNone) p.reason = RejectReason::kVenueOther;
    std::int64_t E = 0;
    if (ParseErrc e = need_int('E', E); e != ParseErrc::kOk) return e;
    TimeNs e_ns = 0;
    if (ParseErrc e = ms_to_ns('E', E, e_ns); e != ParseErrc::kOk) return e;
    events.clear();
    Event& ev = new_event(EventType::kExecReport, id, e_ns);
    ev.payload.exec = p;
    out.events = events;
    out.kind = MessageKind::kExecutionReport;
    return ParseErrc::kOk;
  }

  const SymbolBinding* binding(InstrumentId id) const noexcept {
    for (const SymbolBinding& s : symbols)
      if (s.instrument == id) return &s;
    return nullptr;
  }

  ParseErrc account_position(Parsed& out) noexcept {
    if (ParseErrc e = need('B', VT::kArray); e != ParseErrc::kOk) return e;
    std::int64_t u = 0;
    if (ParseErrc e = need_int('u', u); e != ParseErrc::kOk) return e;
    out.account = AccountPosition{out.event_ns, u, std::span<const Balance>(balances)};
    out.kind = MessageKind::kAccountPosition;
    return ParseErrc::kOk;
  }

  ParseErrc balance_update(Parsed& out) noexcept {
    BalanceUpdate b;
    b.event_ns = out.event_ns;
    if (ParseErrc e = need_str('a', b.asset); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_dec('d', b.delta); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_int('T', b.clear_time_ms); e != ParseErrc::kOk) return e;
    out.balance = b;
    out.kind = MessageKind::kBalanceUpdate;
    return ParseErrc::kOk;
  }

  ParseErrc list_status(Parsed& out) noexcept {
    ListStatus l;
    l.event_ns = out.event_ns;
    if (ParseErrc e = need_str('s', l.symbol); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_int('g', l.order_list_id); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_str('c', l.contingency_type); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_str('l', l.list_status_type); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_str('L', l.list_order_status); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_str('r', l.reject_reason); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_str('C', l.list_client_order_id); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need_int('T', l.transaction_time_ms); e != ParseErrc::kOk) return e;
    if (ParseErrc e = need('O', VT::kArray); e != ParseErrc::kOk) return e;
    l.orders = list_orders;
    out.list = l;
    out.kind = MessageKind::kListStatus;
    return ParseErrc::kOk;
  }

  ParseErrc order_response(Parsed& out) noexcept {
    if (order.symbol.empty()) return fail(ParseErrc::kMissingField, "symbol");
    if (order.client_order_id.empty()) return fail(ParseErrc::kMissingField, "clientOrderId");
    order.instrument = owner->instrument_of(order.symbol);
    // A cancel response names the order in origClientOrderId (clientOrderId is the cancel's).
    const std::string_view ours = order.orig_client_order_id.empty() ? order.client_order_id : order.orig_client_order_id;
    order.ours = parse_client_order_id(ours, order.our_id);
    if (order.has_result && order.side == Side::kNone) return fail(ParseErrc::kMissingField, "side");
    order.fills = fills;
    out.order = order;
    out.kind = MessageKind::kOrderResponse;
    return ParseErrc::kOk;
  }
};

// ---- BinanceParser ---------------------------------------------------------------------------

BinanceParser::BinanceParser(std::vector<SymbolBinding> symbols) : BinanceParser(std::move(symbols), Options{}) {}

BinanceParser::BinanceParser(std::vector<SymbolBinding> symbols, Options options)
    : impl_(std::make_unique<Impl>(std::move(symbols), options)) {
  impl_->owner = this;
  impl_->err = &error_;
}

BinanceParser::~BinanceParser() = default;

InstrumentId BinanceParser::instrument_of(std::string_view symbol) const noexcept {
  for (const SymbolBinding& s : impl_->symbols)
    if (s.symbol == symbol) return s.instrument;
  return kNoInstrument;
}

ParseErrc BinanceParser::parse(std::string_view message, Parsed& out, InstrumentId context) noexcept {
  if (message.size() > impl_->opt.max_message_bytes) {
    out = Parsed{};
    error_ = ParseError{};
    error_.code = ParseErrc::kTooLarge;
    char d[64];
    const int n = std::snprintf(d, sizeof(d), "%zu bytes > max_message_bytes %zu", message.size(), impl_->opt.max_message_bytes);
    copy_into(error_.detail, std::string_view(d, n < 0 ? 0 : std::min<std::size_t>(static_cast<std::size_t>(n), sizeof(d) - 1)));
    ++messages_;
    ++errors_;
    return error_.code;
  }
  if (!message.empty()) std::memcpy(impl_->padded.data(), message.data(), message.size());
  std::memset(impl_->padded.data() + message.size(), 0, kPadding);
  return parse_padded(impl_->padded.data(), message.size(), message.size() + kPadding, out, context);
}

ParseErrc BinanceParser::parse_padded(const char* data, std::size_t len, std::size_t capacity, Parsed& out,
                                      InstrumentId context) noexcept {
  ++messages_;
  out = Parsed{};
  error_ = ParseError{};
  Impl& m = *impl_;
  m.reset();
  ParseErrc r = ParseErrc::kOk;
  od::document doc;
  od::object root;
  if (capacity < len + kPadding) {
    r = m.fail(ParseErrc::kTooLarge, {}, "buffer lacks 64 bytes of padding");
  } else if (auto e = m.parser.iterate(data, len, capacity).get(doc)) {
    r = m.json_fail(e);
  } else if (auto e2 = doc.get_object().get(root)) {
    r = e2 == simdjson::INCORRECT_TYPE ? m.fail(ParseErrc::kNotObject, {}) : m.json_fail(e2);
  } else {
    r = m.scan(root, 0);
    if (r == ParseErrc::kOk) r = m.finish(out, context);
  }
  if (r != ParseErrc::kOk) {
    ++errors_;
    out = Parsed{};
  }
  return r;
}

}  // namespace sequent::binance
