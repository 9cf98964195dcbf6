// GET /api/v3/exchangeInfo → per-symbol trading rules and the account's rate limits (cold path:
// simdjson's DOM, std::string results, errors that name the symbol and field).
#include <simdjson.h>

#include <string>

#include "gateways/binance/decimal.hpp"
#include "gateways/binance/parser.hpp"

namespace sequent::binance {

namespace {

Error info_error(const std::string& where, const std::string& what) {
  return Error{ErrorCode::kParse, "binance exchangeInfo: " + where + ": " + what};
}

RateLimitType rule_type(std::string_view s) {
  if (s == "REQUEST_WEIGHT") return RateLimitType::kRequestWeight;
  if (s == "ORDERS") return RateLimitType::kOrders;
  if (s == "RAW_REQUESTS") return RateLimitType::kRawRequests;
  return RateLimitType::kUnknown;
}

RateInterval rule_interval(std::string_view s) {
  if (s == "SECOND") return RateInterval::kSecond;
  if (s == "MINUTE") return RateInterval::kMinute;
  if (s == "HOUR") return RateInterval::kHour;
  if (s == "DAY") return RateInterval::kDay;
  return RateInterval::kUnknown;
}

// Reads a required string member.
Status get_string(simdjson::dom::object obj, const char* key, std::string_view& out, const std::string& where) {
  simdjson::dom::element el;
  if (obj[key].get(el)) return info_error(where, std::string("missing field \"") + key + "\"");
  if (el.get_string().get(out)) return info_error(where, std::string("field \"") + key + "\": expected string");
  return {};
}

template <class Tag>
Status get_decimal(simdjson::dom::object obj, const char* key, Fixed<Tag>& out, const std::string& where) {
  std::string_view s;
  if (Status st = get_string(obj, key, s, where); !st) return st;
  const ParseStatus p = parse_binance_decimal(s, out);
  if (p != ParseStatus::kOk)
    return info_error(where, std::string("field \"") + key + "\": \"" + std::string(s) + "\": " + std::string(to_string(p)));
  return {};
}

Status get_int(simdjson::dom::object obj, const char* key, std::int64_t& out, const std::string& where) {
  simdjson::dom::element el;
  if (obj[key].get(el)) return info_error(where, std::string("missing field \"") + key + "\"");
  if (el.get_int64().get(out)) return info_error(where, std::string("field \"") + key + "\": expected integer");
  return {};
}

Status parse_filter(simdjson::dom::object filter, SymbolRules& r, bool& notional_seen, const std::string& where) {
  std::string_view type;
  if (Status st = get_string(filter, "filterType", type, where); !st) return st;
  const std::string fw = where + " filter " + std::string(type);
  if (type == "PRICE_FILTER") {
    if (Status st = get_decimal(filter, "tickSize", r.tick_size, fw); !st) return st;
    if (Status st = get_decimal(filter, "minPrice", r.min_price, fw); !st) return st;
    return get_decimal(filter, "maxPrice", r.max_price, fw);
  }
  if (type == "LOT_SIZE") {
    if (Status st = get_decimal(filter, "stepSize", r.step_size, fw); !st) return st;
    if (Status st = get_decimal(filter, "minQty", r.min_qty, fw); !st) return st;
    return get_decimal(filter, "maxQty", r.max_qty, fw);
  }
  if (type == "MARKET_LOT_SIZE") {
    if (Status st = get_decimal(filter, "stepSize", r.market_step_size, fw); !st) return st;
    return get_decimal(filter, "maxQty", r.market_max_qty, fw);
  }
  if (type == "NOTIONAL") {  // the current filter: wins over a legacy MIN_NOTIONAL
    r.has_notional_filter = true;
    notional_seen = true;
    if (Status st = get_decimal(filter, "minNotional", r.min_notional, fw); !st) return st;
    return get_decimal(filter, "maxNotional", r.max_notional, fw);
  }
  if (type == "MIN_NOTIONAL") {
    Money m;
    if (Status st = get_decimal(filter, "minNotional", m, fw); !st) return st;
    if (!notional_seen) r.min_notional = m;
    r.has_notional_filter = true;
    return {};
  }
  return {};  // other filters (PERCENT_PRICE, ICEBERG_PARTS, ...) are not rules we enforce
}

}  // namespace

Result<ExchangeInfo> parse_exchange_info(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  if (auto e = parser.parse(padded).get(doc)) return info_error("document", simdjson::error_message(e));
  simdjson::dom::object root;
  if (doc.get_object().get(root)) return info_error("document", "not a JSON object");
  ExchangeInfo info;
  if (simdjson::dom::element t; !root["serverTime"].get(t)) {
    if (t.get_int64().get(info.server_time_ms)) return info_error("serverTime", "expected integer");
  }
  if (simdjson::dom::array limits; !root["rateLimits"].get_array().get(limits)) {
    std::size_t k = 0;
    for (simdjson::dom::element el : limits) {
      const std::string where = "rateLimits[" + std::to_string(k++) + "]";
      simdjson::dom::object o;
      if (el.get_object().get(o)) return info_error(where, "expected object");
      if (o.size() == 0) continue;  // the docs' placeholder {}
      std::string_view type, interval;
      std::int64_t num = 0;
      RateLimitRule rule;
      if (Status st = get_string(o, "rateLimitType", type, where); !st) return st.error();
      if (Status st = get_string(o, "interval", interval, where); !st) return st.error();
      if (Status st = get_int(o, "intervalNum", num, where); !st) return st.error();
      if (Status st = get_int(o, "limit", rule.limit, where); !st) return st.error();
      rule.type = rule_type(type);
      rule.interval = rule_interval(interval);
      if (rule.type == RateLimitType::kUnknown) return info_error(where, "unknown rateLimitType \"" + std::string(type) + "\"");
      if (rule.interval == RateInterval::kUnknown) return info_error(where, "unknown interval \"" + std::string(interval) + "\"");
      rule.interval_num = static_cast<std::int32_t>(num);
      info.rate_limits.push_back(rule);
    }
  }
  simdjson::dom::array symbols;
  if (root["symbols"].get_array().get(symbols)) return info_error("document", "missing array \"symbols\"");
  std::size_t k = 0;
  for (simdjson::dom::element el : symbols) {
    std::string where = "symbols[" + std::to_string(k++) + "]";
    simdjson::dom::object o;
    if (el.get_object().get(o)) return info_error(where, "expected object");
    SymbolRules r;
    std::string_view s;
    if (Status st = get_string(o, "symbol", s, where); !st) return st.error();
    r.symbol = std::string(s);
    where = "symbol " + r.symbol;
    if (Status st = get_string(o, "status", s, where); !st) return st.error();
    r.status = std::string(s);
    if (Status st = get_string(o, "baseAsset", s, where); !st) return st.error();
    r.base_asset = std::string(s);
    if (Status st = get_string(o, "quoteAsset", s, where); !st) return st.error();
    r.quote_asset = std::string(s);
    simdjson::dom::array filters;
    if (o["filters"].get_array().get(filters)) return info_error(where, "missing array \"filters\"");
    bool notional_seen = false;
    for (simdjson::dom::element fe : filters) {
      simdjson::dom::object fo;
      if (fe.get_object().get(fo)) return info_error(where, "filters: expected objects");
      if (Status st = parse_filter(fo, r, notional_seen, where); !st) return st.error();
    }
    info.symbols.push_back(std::move(r));
  }
  return info;
}

const SymbolRules* ExchangeInfo::find(std::string_view symbol) const noexcept {
  for (const SymbolRules& s : symbols)
    if (s.symbol == symbol) return &s;
  return nullptr;
}

}  // namespace sequent::binance
