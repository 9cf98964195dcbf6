// Exchange: request handlers, matching, rate limits and faults of the local Binance-spot venue.
// Cold path throughout (a test venue): clear code, std::map and std::string allowed.
#include "gateways/binance_venue/exchange.hpp"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <charconv>
#include <cstdio>
#include <set>

#include "engine/fixed_point.hpp"
#include "gateways/binance_venue/hmac.hpp"
#include "gateways/binance_venue/json_out.hpp"

namespace sequent::binance_venue {
namespace {

constexpr std::int64_t kScale = 100'000'000;

Reply error_reply(unsigned status, int code, std::string msg) {
  Reply r;
  r.status = status;
  r.code = code;
  r.msg = std::move(msg);
  return r;
}
Reply bad(int code, std::string msg) { return error_reply(400, code, std::move(msg)); }
Reply missing(std::string_view name) {
  return bad(-1102, "Mandatory parameter '" + std::string(name) +
                        "' was not sent, was empty/null, or malformed.");
}
Reply ok_body(std::string body) {
  Reply r;
  r.body = std::move(body);
  return r;
}

std::optional<std::string_view> get(const Params& p, std::string_view name) {
  auto it = p.find(name);
  if (it == p.end() || it->second.empty()) return std::nullopt;
  return std::string_view(it->second);
}

bool parse_int(std::string_view text, std::int64_t& out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// A decimal parameter in raw 1e-8 units; an error reply names the parameter.
std::optional<Reply> parse_dec(const Params& p, std::string_view name, std::int64_t& raw) {
  auto v = get(p, name);
  if (!v) return missing(name);
  const ParseStatus s = parse_fixed_raw(*v, raw, Rounding::kExact);
  if (s == ParseStatus::kTooPrecise)
    return bad(-1111, "Parameter '" + std::string(name) + "' has too much precision.");
  if (s != ParseStatus::kOk || raw < 0 || v->find_first_of("eE+") != std::string_view::npos)
    return bad(-1100, "Illegal characters found in parameter '" + std::string(name) +
                          "'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.");
  return std::nullopt;
}

std::int64_t notional_raw(std::int64_t price_raw, std::int64_t qty_raw) {
  return static_cast<std::int64_t>(notional128(Price::from_raw(price_raw), Qty::from_raw(qty_raw)));
}
std::int64_t bps_of(std::int64_t raw, std::int64_t bps) {
  return apply_bps(Money::from_raw(raw), bps).raw();
}

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

bool valid_client_id(std::string_view id) {
  if (id.empty() || id.size() > 36) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == ':' || c == '/' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

struct SymbolSpec {
  const char* name;
  std::int64_t tick_raw, lot_raw, min_notional_raw, max_qty_raw;
};
constexpr SymbolSpec kKnownSymbols[] = {
    {"BTCUSDT", 1'000'000, 1'000, 5 * kScale, 9000 * kScale},
    {"ETHUSDT", 1'000'000, 10'000, 5 * kScale, 9000 * kScale},
};
constexpr const char* kQuoteAssets[] = {"USDT", "USDC", "FDUSD", "BTC", "ETH", "BNB"};

void write_filters(JsonOut& j, std::int64_t tick, std::int64_t min_price, std::int64_t max_price,
                   std::int64_t lot, std::int64_t min_qty, std::int64_t max_qty, std::int64_t min_notional) {
  j.key("filters").begin_array();
  j.begin_object().kv_str("filterType", "PRICE_FILTER").kv_dec8("minPrice", min_price)
      .kv_dec8("maxPrice", max_price).kv_dec8("tickSize", tick).end_object();
  j.begin_object().kv_str("filterType", "LOT_SIZE").kv_dec8("minQty", min_qty)
      .kv_dec8("maxQty", max_qty).kv_dec8("stepSize", lot).end_object();
  j.begin_object().kv_str("filterType", "NOTIONAL").kv_dec8("minNotional", min_notional)
      .kv_bool("applyMinToMarket", true).kv_dec8("maxNotional", 9'000'000 * kScale)
      .kv_bool("applyMaxToMarket", false).kv_int("avgPriceMins", 5).end_object();
  j.end_array();
}

void write_rate_limit(JsonOut& j, std::string_view type, std::string_view interval, int num,
                      std::int64_t limit, const std::int64_t* count) {
  j.begin_object().kv_str("rateLimitType", type).kv_str("interval", interval)
      .kv_int("intervalNum", num).kv_int("limit", limit);
  if (count != nullptr) j.kv_int("count", *count);
  j.end_object();
}

}  // namespace

std::string Reply::error_body() const {
  JsonOut j;
  j.begin_object().kv_int("code", code).kv_str("msg", msg).end_object();
  return j.take();
}

// ---- fault specs ------------------------------------------------------------------------------

Status parse_fault_spec(std::string_view spec, FaultPlan& plan) {
  std::vector<std::pair<std::string, std::string>> items;  // key, value text
  std::size_t first = spec.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  if (spec[first] == '{') {
    simdjson::dom::parser parser;
    simdjson::dom::object object;
    if (parser.parse(spec.data(), spec.size()).get(object) != simdjson::SUCCESS)
      return Error{ErrorCode::kInvalidArgument, "fault spec: not a JSON object: " + std::string(spec)};
    for (auto field : object) {
      std::string value;
      bool b = false;
      std::int64_t i = 0;
      if (field.value.get(b) == simdjson::SUCCESS) value = b ? "true" : "false";
      else if (field.value.get(i) == simdjson::SUCCESS) value = std::to_string(i);
      else return Error{ErrorCode::kInvalidArgument,
                        "fault spec: '" + std::string(field.key) + "' must be an integer or a boolean"};
      items.emplace_back(std::string(field.key), value);
    }
  } else {
    std::size_t pos = 0;
    while (pos <= spec.size()) {
      std::size_t comma = spec.find(',', pos);
      if (comma == std::string_view::npos) comma = spec.size();
      std::string_view item = spec.substr(pos, comma - pos);
      pos = comma + 1;
      if (item.empty()) continue;
      const std::size_t eq = item.find('=');
      if (eq == std::string_view::npos)
        items.emplace_back(std::string(item), "true");
      else
        items.emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
    }
  }
  bool have_count = false, have_slow = false;
  std::int64_t count = 0;
  for (const auto& [key, value] : items) {
    std::int64_t n = 0;
    const bool is_bool = value == "true" || value == "false";
    const bool is_int = parse_int(value, n) && n >= 0;
    const bool flag = value == "true" || (is_int && n != 0);
    auto need_int = [&]() -> Status {
      if (!is_int)
        return Error{ErrorCode::kInvalidArgument,
                     "fault spec: '" + key + "' needs a non-negative integer, got '" + value + "'"};
      return {};
    };
    auto need_flag = [&]() -> Status {
      if (!is_bool && !is_int)
        return Error{ErrorCode::kInvalidArgument,
                     "fault spec: '" + key + "' needs true or false, got '" + value + "'"};
      return {};
    };
    if (key == "drop_depth") {
      if (Status s = need_int(); !s) return s;
      plan.drop_depth += n;
    } else if (key == "reject_429") {
      if (Status s = need_int(); !s) return s;
      plan.reject_429 += n;
    } else if (key == "slow_ms") {
      if (Status s = need_int(); !s) return s;
      plan.slow_ms = n;
      have_slow = true;
    } else if (key == "count") {
      if (Status s = need_int(); !s) return s;
      count = n;
      have_count = true;
    } else if (key == "ban_418") {
      if (Status s = need_flag(); !s) return s;
      plan.ban_418 = flag;
    } else if (key == "disconnect_streams") {
      if (Status s = need_flag(); !s) return s;
      plan.disconnect_streams = plan.disconnect_streams || flag;
    } else if (key == "disconnect_user_stream") {
      if (Status s = need_flag(); !s) return s;
      plan.disconnect_user_stream = plan.disconnect_user_stream || flag;
    } else if (key == "refuse_ws_api") {
      if (Status s = need_flag(); !s) return s;
      plan.refuse_ws_api = flag;  // sticky: stays until set false
    } else {
      return Error{ErrorCode::kInvalidArgument,
                   "fault spec: unknown fault '" + key +
                       "' (known: drop_depth, disconnect_streams, reject_429, ban_418, slow_ms, count, "
                       "disconnect_user_stream, refuse_ws_api)"};
    }
  }
  if (have_count && !have_slow)
    return Error{ErrorCode::kInvalidArgument, "fault spec: 'count' goes with 'slow_ms'"};
  if (have_slow) plan.slow_count += have_count ? count : 1;
  return {};
}

// ---- construction -----------------------------------------------------------------------------

Exchange::Exchange(ExchangeConfig config, Sink& sink) : config_(std::move(config)), sink_(sink) {
  if (!config_.now_ms) config_.now_ms = system_now_ms;
}

Result<std::unique_ptr<Exchange>> Exchange::create(ExchangeConfig config, Sink& sink) {
  std::unique_ptr<Exchange> ex(new Exchange(std::move(config), sink));
  if (ex->config_.symbols.empty())
    return Error{ErrorCode::kInvalidArgument, "venue: no symbols given"};
  for (const std::string& name : ex->config_.symbols) {
    Symbol s;
    s.name = name;
    s.lower = lower(name);
    for (const char* q : kQuoteAssets) {
      const std::string_view quote(q);
      if (name.size() > quote.size() && name.ends_with(quote)) {
        s.quote = std::string(quote);
        s.base = name.substr(0, name.size() - quote.size());
        break;
      }
    }
    if (s.quote.empty() || name != [&] { std::string u(name); for (char& c : u) if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A'); return u; }())
      return Error{ErrorCode::kInvalidArgument,
                   "venue: symbol '" + name + "' must be upper case and end in a quote asset (USDT, USDC, FDUSD, BTC, ETH, BNB)"};
    s.tick_raw = 1'000'000;
    s.lot_raw = 100'000;
    s.min_notional_raw = kScale;
    s.max_qty_raw = 9'000 * kScale;  // max price × max qty stays inside int64 raw money
    for (const SymbolSpec& spec : kKnownSymbols) {
      if (name == spec.name) {
        s.tick_raw = spec.tick_raw;
        s.lot_raw = spec.lot_raw;
        s.min_notional_raw = spec.min_notional_raw;
        s.max_qty_raw = spec.max_qty_raw;
      }
    }
    s.min_price_raw = s.tick_raw;
    s.max_price_raw = 1'000'000 * kScale;
    s.min_qty_raw = s.lot_raw;
    auto id = ex->registry_.add(name, "binance-sim", Price::from_raw(s.tick_raw), Qty::from_raw(s.lot_raw),
                                Money::from_raw(s.min_notional_raw));
    if (!id) return Error{ErrorCode::kInvalidArgument, "venue: symbol '" + name + "': " + id.error().message};
    s.instrument = *id;
    ex->symbol_names_.push_back(name);
    ex->syms_.push_back(std::move(s));
  }
  // Balances.
  if (ex->config_.balances.empty()) {
    ex->balances_["USDT"].free = 100'000 * kScale;
    ex->balances_["BTC"].free = 10 * kScale;
    ex->balances_["ETH"].free = 100 * kScale;
    for (const Symbol& s : ex->syms_) {
      if (!ex->balances_.contains(s.base)) ex->balances_[s.base].free = 100 * kScale;
      if (!ex->balances_.contains(s.quote)) ex->balances_[s.quote].free = 100'000 * kScale;
    }
  } else {
    for (const auto& [asset, amount] : ex->config_.balances) {
      std::int64_t raw = 0;
      if (parse_fixed_raw(amount, raw) != ParseStatus::kOk || raw < 0)
        return Error{ErrorCode::kInvalidArgument, "venue: balance of " + asset + ": bad amount '" + amount + "'"};
      ex->balances_[asset].free = raw;
    }
  }
  if (!ex->config_.replay) {
    // The market follows the wall clock even when tests inject their own server clock.
    const std::int64_t start_ns = system_now_ms() * 1'000'000;
    SimMarketConfig mc = default_sim_market_config(ex->registry_, ex->config_.seed, start_ns);
    for (const Symbol& s : ex->syms_) {
      const bool known = std::any_of(mc.instruments.begin(), mc.instruments.end(),
                                     [&](const SimInstrumentParams& p) { return p.instrument == s.instrument; });
      if (known) continue;
      SimInstrumentParams p;
      p.instrument = s.instrument;
      p.start_price = Price::from_units(100);
      p.mean_quote_qty = Qty::from_units(10);
      p.mean_trade_qty = Qty::from_units(1);
      mc.instruments.push_back(p);
    }
    // Keep the instruments in registry order, so runs with the same symbols and seed match.
    std::sort(mc.instruments.begin(), mc.instruments.end(),
              [](const SimInstrumentParams& a, const SimInstrumentParams& b) { return a.instrument < b.instrument; });
    mc.events_per_second = ex->config_.market_events_per_second;
    if (Status st = validate_sim_market_config(ex->registry_, mc); !st) return st.error();
    ex->market_ = std::make_unique<SimMarket>(ex->registry_, std::move(mc));
  }
  return ex;
}

// ---- admission: faults, rate limits, SIGNED checks --------------------------------------------

namespace {

int endpoint_weight(Endpoint e, const Params& p) {
  switch (e) {
    case Endpoint::kPing:
    case Endpoint::kTime: return 1;
    case Endpoint::kExchangeInfo: return 20;
    case Endpoint::kDepth: {
      std::int64_t limit = 100;
      if (auto v = get(p, "limit")) (void)parse_int(*v, limit);
      if (limit <= 100) return 5;
      if (limit <= 500) return 25;
      if (limit <= 1000) return 50;
      return 250;
    }
    case Endpoint::kOrderNew:
    case Endpoint::kOrderCancel:
    case Endpoint::kCancelAll: return 1;
    case Endpoint::kOpenOrders: return get(p, "symbol") ? 6 : 80;
    case Endpoint::kOrderQuery: return 4;
    case Endpoint::kAccount:
    case Endpoint::kMyTrades: return 20;
    case Endpoint::kUserDataSubscribe: return 2;
  }
  return 1;
}

bool is_signed(Endpoint e) {
  switch (e) {
    case Endpoint::kPing:
    case Endpoint::kTime:
    case Endpoint::kExchangeInfo:
    case Endpoint::kDepth: return false;
    default: return true;
  }
}

std::int64_t ceil_seconds(std::int64_t ms) { return ms <= 0 ? 0 : (ms + 999) / 1000; }

}  // namespace

Reply Exchange::handle(Endpoint endpoint, const Params& params, const Auth& auth) {
  ++requests_;
  Usage usage;
  bool orders = endpoint == Endpoint::kOrderNew;
  Reply r;
  if (auto refused = admit(endpoint, params, auth, usage, orders)) {
    r = std::move(*refused);
  } else {
    r = dispatch(endpoint, params);
  }
  r.usage = usage;
  r.counts_orders = orders;
  if (faults_.slow_count > 0) {
    --faults_.slow_count;
    ++fault_counts_.slowed;
    r.delay_ms = faults_.slow_ms;
  }
  return r;
}

std::optional<Reply> Exchange::admit(Endpoint endpoint, const Params& params, const Auth& auth,
                                     Usage& usage, bool& orders) {
  const std::int64_t now = config_.now_ms();
  const std::string who = auth.remote.empty() ? std::string("127.0.0.1") : auth.remote;
  const std::string key = auth.api_key.empty() ? "ip:" + who : auth.api_key;
  KeyUsage& u = usage_[key];
  // A client told to wait (429/418 with Retry-After) that sends a request it created inside the
  // window, past the grace for requests already in flight, is counted (inside_retry_after).
  if (auto w = told_to_wait_.find(who); w != told_to_wait_.end()) {
    if (now >= w->second.until_ms) {
      told_to_wait_.erase(w);
    } else {
      std::int64_t created = now;
      if (auto ts = get(params, "timestamp")) (void)parse_int(*ts, created);
      const std::int64_t grace = config_.limits.retry_after_grace_ms;
      if (created >= w->second.issued_ms + grace && created < w->second.until_ms - grace) ++fault_counts_.inside_retry_after;
    }
  }
  auto told = [&](Reply& r, std::int64_t until) {
    r.retry_until_ms = until;
    RetryWindow& w = told_to_wait_[who];
    if (until > w.until_ms) w = RetryWindow{now, until};
  };
  auto ban_reply = [&](std::int64_t until) {
    Reply r = error_reply(418, -1003,
                          "Way too many requests; IP(" + who + ") banned until " + std::to_string(until) +
                              ". Please use WebSocket Streams for live updates to avoid bans.");
    r.retry_after_s = ceil_seconds(until - now);
    told(r, until);
    return r;
  };
  auto limit_reply = [&](std::int64_t until) {
    Reply r = error_reply(429, -1003,
                          "Too many requests; current limit of IP(" + who + ") request weight per 1 MINUTE is " +
                              std::to_string(config_.limits.weight_per_minute) +
                              ". Please use WebSocket Streams for live updates to avoid polling the API.");
    r.retry_after_s = std::max<std::int64_t>(1, ceil_seconds(until - now));
    told(r, until);
    return r;
  };
  // Windows roll first, so headers always show the current window's usage.
  const std::int64_t minute = now - now % 60'000, ten_s = now - now % 10'000, day = now - now % 86'400'000;
  if (u.minute_start != minute) { u.minute_start = minute; u.weight = 0; }
  if (u.ten_s_start != ten_s) { u.ten_s_start = ten_s; u.orders_10s = 0; }
  if (u.day_start != day) { u.day_start = day; u.orders_1d = 0; }
  auto fill_usage = [&] {
    usage.weight_1m = u.weight;
    usage.orders_10s = u.orders_10s;
    usage.orders_1d = u.orders_1d;
  };
  fill_usage();

  if (faults_.ban_418) {
    ++fault_counts_.banned_418;
    return ban_reply(now + config_.limits.ban_ms);
  }
  if (faults_.reject_429 > 0) {
    --faults_.reject_429;
    ++fault_counts_.rejected_429;
    return limit_reply(now + 1000);
  }
  if (u.banned_until > now) {
    ++fault_counts_.limit_418;
    return ban_reply(u.banned_until);
  }
  if (u.limited_until > now) {
    if (++u.hits_while_limited >= config_.limits.requests_after_429_before_ban) {
      u.banned_until = now + config_.limits.ban_ms;
      ++fault_counts_.limit_418;
      return ban_reply(u.banned_until);
    }
    ++fault_counts_.limit_429;
    return limit_reply(u.limited_until);
  }
  u.hits_while_limited = 0;
  u.weight += endpoint_weight(endpoint, params);
  fill_usage();
  if (u.weight > config_.limits.weight_per_minute) {
    u.limited_until = minute + 60'000;
    ++fault_counts_.limit_429;
    return limit_reply(u.limited_until);
  }
  if (is_signed(endpoint)) {
    if (auto refused = verify_signed(params, auth)) return refused;
  }
  if (orders) {
    ++u.orders_10s;
    ++u.orders_1d;
    fill_usage();
    if (u.orders_10s > config_.limits.orders_per_10s) {
      u.limited_until = ten_s + 10'000;
      ++fault_counts_.limit_429;
      Reply r = error_reply(429, -1015, "Too many new orders; current limit is " +
                                            std::to_string(config_.limits.orders_per_10s) +
                                            " orders per 10 SECOND.");
      r.retry_after_s = std::max<std::int64_t>(1, ceil_seconds(u.limited_until - now));
      told(r, u.limited_until);
      return r;
    }
    if (u.orders_1d > config_.limits.orders_per_day) {
      return error_reply(429, -1015, "Too many new orders; current limit is " +
                                         std::to_string(config_.limits.orders_per_day) + " orders per 1 DAY.");
    }
  }
  return std::nullopt;
}

std::optional<Reply> Exchange::check_signed(const Params& params, const Auth& auth) {
  return verify_signed(params, auth);
}

std::optional<Reply> Exchange::verify_signed(const Params& params, const Auth& auth) {
  if (auth.api_key.empty()) return error_reply(401, -2014, "API-key format invalid.");
  if (auth.api_key != config_.api_key)
    return error_reply(401, -2015, "Invalid API-key, IP, or permissions for action.");
  auto ts_text = get(params, "timestamp");
  if (!ts_text) return missing("timestamp");
  std::int64_t ts = 0;
  if (!parse_int(*ts_text, ts))
    return bad(-1100, "Illegal characters found in parameter 'timestamp'; legal range is '^[0-9]{1,20}$'.");
  std::int64_t recv_window = 5000;
  if (auto rw = get(params, "recvWindow")) {
    if (!parse_int(*rw, recv_window) || recv_window < 0)
      return bad(-1100, "Illegal characters found in parameter 'recvWindow'; legal range is '^[0-9]{1,20}$'.");
    if (recv_window > 60'000) return bad(-1131, "recvWindow must be less than 60000");
  }
  const std::int64_t now = config_.now_ms();
  if (ts >= now + 1000) return bad(-1021, "Timestamp for this request was 1000ms ahead of the server's time.");
  if (now - ts > recv_window) return bad(-1021, "Timestamp for this request is outside of the recvWindow.");
  if (auth.signature.empty()) return missing("signature");
  const std::string expected = hmac_sha256_hex(config_.api_secret, auth.signed_payload);
  if (!signature_equal(expected, auth.signature)) return bad(-1022, "Signature for this request is not valid.");
  return std::nullopt;
}

Reply Exchange::dispatch(Endpoint endpoint, const Params& p) {
  switch (endpoint) {
    case Endpoint::kPing: return ping();
    case Endpoint::kTime: return time();
    case Endpoint::kExchangeInfo: return exchange_info(p);
    case Endpoint::kDepth: ++depth_snapshots_; return depth(p);
    case Endpoint::kOrderNew: return order_new(p);
    case Endpoint::kOrderCancel: return order_cancel(p);
    case Endpoint::kCancelAll: return cancel_all(p);
    case Endpoint::kOpenOrders: return open_orders(p);
    case Endpoint::kOrderQuery: return order_query(p);
    case Endpoint::kAccount: return account();
    case Endpoint::kMyTrades: return my_trades(p);
    case Endpoint::kUserDataSubscribe: return ok_body("{}");
  }
  return bad(-1000, "An unknown error occurred while processing the request.");
}

std::string Exchange::ws_rate_limits(const Usage& usage, bool orders) const {
  JsonOut j;
  j.begin_array();
  if (orders) {
    write_rate_limit(j, "ORDERS", "SECOND", 10, config_.limits.orders_per_10s, &usage.orders_10s);
    write_rate_limit(j, "ORDERS", "DAY", 1, config_.limits.orders_per_day, &usage.orders_1d);
  }
  write_rate_limit(j, "REQUEST_WEIGHT", "MINUTE", 1, config_.limits.weight_per_minute, &usage.weight_1m);
  j.end_array();
  return j.take();
}

// ---- market data endpoints --------------------------------------------------------------------

Reply Exchange::ping() { return ok_body("{}"); }

Reply Exchange::time() {
  JsonOut j;
  j.begin_object().kv_int("serverTime", config_.now_ms()).end_object();
  return ok_body(j.take());
}

std::optional<std::size_t> Exchange::find_symbol(std::string_view name) const {
  for (std::size_t i = 0; i < syms_.size(); ++i)
    if (syms_[i].name == name) return i;
  return std::nullopt;
}

Reply Exchange::exchange_info(const Params& p) {
  std::vector<std::size_t> chosen;
  if (auto one = get(p, "symbol")) {
    auto i = find_symbol(*one);
    if (!i) return bad(-1121, "Invalid symbol.");
    chosen.push_back(*i);
  } else if (auto many = get(p, "symbols")) {
    simdjson::dom::parser parser;
    simdjson::dom::array array;
    if (parser.parse(many->data(), many->size()).get(array) != simdjson::SUCCESS)
      return bad(-1100, "Illegal characters found in parameter 'symbols'; legal range is '^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'.");
    for (auto element : array) {
      std::string_view name;
      if (element.get(name) != simdjson::SUCCESS) return bad(-1121, "Invalid symbol.");
      auto i = find_symbol(name);
      if (!i) return bad(-1121, "Invalid symbol.");
      chosen.push_back(*i);
    }
  } else {
    for (std::size_t i = 0; i < syms_.size(); ++i) chosen.push_back(i);
  }
  JsonOut j;
  j.begin_object().kv_str("timezone", "UTC").kv_int("serverTime", config_.now_ms());
  j.key("rateLimits").begin_array();
  write_rate_limit(j, "REQUEST_WEIGHT", "MINUTE", 1, config_.limits.weight_per_minute, nullptr);
  write_rate_limit(j, "ORDERS", "SECOND", 10, config_.limits.orders_per_10s, nullptr);
  write_rate_limit(j, "ORDERS", "DAY", 1, config_.limits.orders_per_day, nullptr);
  write_rate_limit(j, "RAW_REQUESTS", "MINUTE", 5, 61000, nullptr);
  j.end_array();
  j.key("exchangeFilters").begin_array().end_array();
  j.key("symbols").begin_array();
  for (std::size_t i : chosen) {
    const Symbol& s = syms_[i];
    j.begin_object().kv_str("symbol", s.name).kv_str("status", "TRADING").kv_str("baseAsset", s.base)
        .kv_int("baseAssetPrecision", 8).kv_str("quoteAsset", s.quote).kv_int("quotePrecision", 8)
        .kv_int("quoteAssetPrecision", 8).kv_int("baseCommissionPrecision", 8)
        .kv_int("quoteCommissionPrecision", 8);
    j.key("orderTypes").begin_array().str("LIMIT").str("LIMIT_MAKER").str("MARKET").end_array();
    j.kv_bool("icebergAllowed", false).kv_bool("ocoAllowed", false).kv_bool("otoAllowed", false)
        .kv_bool("opoAllowed", false).kv_bool("quoteOrderQtyMarketAllowed", false)
        .kv_bool("allowTrailingStop", false).kv_bool("cancelReplaceAllowed", false)
        .kv_bool("amendAllowed", false).kv_bool("pegInstructionsAllowed", false)
        .kv_bool("isSpotTradingAllowed", true).kv_bool("isMarginTradingAllowed", false);
    write_filters(j, s.tick_raw, s.min_price_raw, s.max_price_raw, s.lot_raw, s.min_qty_raw, s.max_qty_raw,
                  s.min_notional_raw);
    j.key("permissions").begin_array().end_array();
    j.key("permissionSets").begin_array().begin_array().str("SPOT").end_array().end_array();
    j.kv_str("defaultSelfTradePreventionMode", "NONE");
    j.key("allowedSelfTradePreventionModes").begin_array().str("NONE").end_array();
    j.end_object();
  }
  j.end_array().end_object();
  return ok_body(j.take());
}

Reply Exchange::depth(const Params& p) {
  auto name = get(p, "symbol");
  if (!name) return missing("symbol");
  auto i = find_symbol(*name);
  if (!i) return bad(-1121, "Invalid symbol.");
  std::int64_t limit = 100;
  if (auto v = get(p, "limit")) {
    if (!parse_int(*v, limit) || limit < 1 || limit > 5000)
      return bad(-1100, "Illegal characters found in parameter 'limit'; legal range is '1 .. 5000'.");
  }
  const Symbol& s = syms_[*i];
  const Book& b = s.book;
  // Replay: the recorded snapshot, byte for byte, unless a smaller limit cuts it.
  if (config_.replay && b.have_snapshot && !get(p, "limit")) return ok_body(b.snapshot_text);
  JsonOut j;
  j.begin_object().kv_uint("lastUpdateId", b.last_update_id);
  j.key("bids").begin_array();
  std::int64_t n = 0;
  for (auto it = b.bids.begin(); it != b.bids.end() && n < limit; ++it, ++n)
    j.begin_array().dec8(it->first).dec8(it->second).end_array();
  j.end_array().key("asks").begin_array();
  n = 0;
  for (auto it = b.asks.begin(); it != b.asks.end() && n < limit; ++it, ++n)
    j.begin_array().dec8(it->first).dec8(it->second).end_array();
  j.end_array().end_object();
  return ok_body(j.take());
}

// ---- orders ------------------------------------------------------------------------------------

std::string Exchange::client_order_id(const Params& p, std::string_view key) {
  if (auto v = get(p, key)) return std::string(*v);
  char buf[32];
  std::snprintf(buf, sizeof buf, "sim%019llu", static_cast<unsigned long long>(++generated_ids_));
  return buf;
}

void Exchange::write_order_result(JsonOut& j, const Order& o, bool with_working) const {
  j.kv_dec8("price", o.type == "MARKET" ? 0 : o.price_raw).kv_dec8("origQty", o.qty_raw)
      .kv_dec8("executedQty", o.executed_raw).kv_dec8("origQuoteOrderQty", 0)
      .kv_dec8("cummulativeQuoteQty", o.cum_quote_raw).kv_str("status", o.status)
      .kv_str("timeInForce", o.tif).kv_str("type", o.type).kv_str("side", o.buy ? "BUY" : "SELL");
  if (with_working) j.kv_int("workingTime", o.working_ms >= 0 ? o.working_ms : o.time_ms);
  j.kv_str("selfTradePreventionMode", "NONE");
}

void Exchange::write_order_query(JsonOut& j, const Order& o) const {
  j.begin_object().kv_str("symbol", syms_[o.symbol].name).kv_uint("orderId", o.id)
      .kv_int("orderListId", -1).kv_str("clientOrderId", o.client_id)
      .kv_dec8("price", o.type == "MARKET" ? 0 : o.price_raw).kv_dec8("origQty", o.qty_raw)
      .kv_dec8("executedQty", o.executed_raw).kv_dec8("cummulativeQuoteQty", o.cum_quote_raw)
      .kv_str("status", o.status).kv_str("timeInForce", o.tif).kv_str("type", o.type)
      .kv_str("side", o.buy ? "BUY" : "SELL").kv_dec8("stopPrice", 0).kv_dec8("icebergQty", 0)
      .kv_int("time", o.time_ms).kv_int("updateTime", o.update_ms)
      .kv_bool("isWorking", o.working_ms >= 0)
      .kv_int("workingTime", o.working_ms >= 0 ? o.working_ms : -1)
      .kv_dec8("origQuoteOrderQty", 0).kv_str("selfTradePreventionMode", "NONE").end_object();
}

void Exchange::execution_report(const Order& o, std::string_view exec_type, const Fill* fill,
                                std::string_view reject_reason, std::string_view orig_client_id) {
  const std::int64_t now = config_.now_ms();
  const bool canceled = exec_type == "CANCELED";
  const bool on_book = o.working_ms >= 0 && (o.status == "NEW" || o.status == "PARTIALLY_FILLED");
  JsonOut j;
  j.begin_object().kv_str("e", "executionReport").kv_int("E", now).kv_str("s", syms_[o.symbol].name)
      .kv_str("c", canceled ? orig_client_id : std::string_view(o.client_id))
      .kv_str("S", o.buy ? "BUY" : "SELL").kv_str("o", o.type).kv_str("f", o.tif)
      .kv_dec8("q", o.qty_raw).kv_dec8("p", o.type == "MARKET" ? 0 : o.price_raw).kv_dec8("P", 0)
      .kv_dec8("F", 0).kv_int("g", -1).kv_str("C", canceled ? std::string_view(o.client_id) : "")
      .kv_str("x", exec_type).kv_str("X", o.status).kv_str("r", reject_reason).kv_uint("i", o.id)
      .kv_dec8("l", fill ? fill->qty_raw : 0).kv_dec8("z", o.executed_raw)
      .kv_dec8("L", fill ? fill->price_raw : 0);
  if (fill) j.kv_dec8("n", fill->commission_raw).kv_str("N", fill->commission_asset);
  else j.kv_str("n", "0").kv_null("N");
  j.kv_int("T", fill ? fill->time_ms : now).kv_int("t", fill ? static_cast<std::int64_t>(fill->trade_id) : -1)
      .kv_uint("I", next_execution_id_++).kv_bool("w", on_book).kv_bool("m", fill ? fill->maker : false)
      .kv_bool("M", false).kv_int("O", o.time_ms).kv_dec8("Z", o.cum_quote_raw)
      .kv_dec8("Y", fill ? fill->quote_raw : 0).kv_dec8("Q", 0);
  if (o.working_ms >= 0) j.kv_int("W", o.working_ms);
  j.kv_str("V", "NONE").end_object();
  sink_.user_event(j.take());
}

void Exchange::account_position(const std::vector<std::string>& assets) {
  const std::int64_t now = config_.now_ms();
  JsonOut j;
  j.begin_object().kv_str("e", "outboundAccountPosition").kv_int("E", now).kv_int("u", now);
  j.key("B").begin_array();
  std::set<std::string> seen;
  for (const std::string& a : assets) {
    if (!seen.insert(a).second) continue;
    const Balance& b = balances_[a];
    j.begin_object().kv_str("a", a).kv_dec8("f", b.free).kv_dec8("l", b.locked).end_object();
  }
  j.end_array().end_object();
  sink_.user_event(j.take());
}

void Exchange::fill_order(Order& o, std::int64_t price_raw, std::int64_t qty_raw, bool maker,
                          std::vector<Fill>& fills) {
  Symbol& s = syms_[o.symbol];
  Fill f;
  f.trade_id = next_own_trade_id_++;
  f.order_id = o.id;
  f.symbol = o.symbol;
  f.price_raw = price_raw;
  f.qty_raw = qty_raw;
  f.quote_raw = notional_raw(price_raw, qty_raw);
  f.time_ms = config_.now_ms();
  f.buyer = o.buy;
  f.maker = maker;
  Balance& base = balances_[s.base];
  Balance& quote = balances_[s.quote];
  if (o.buy) {
    f.commission_raw = bps_of(qty_raw, config_.commission_bps);
    f.commission_asset = s.base;
    if (maker) {
      const std::int64_t release = std::min(o.locked_raw, f.quote_raw);
      o.locked_raw -= release;
      quote.locked -= release;
      quote.free -= f.quote_raw - release;
    } else {
      quote.free -= f.quote_raw;
    }
    base.free += qty_raw - f.commission_raw;
  } else {
    f.commission_raw = bps_of(f.quote_raw, config_.commission_bps);
    f.commission_asset = s.quote;
    if (maker) {
      const std::int64_t release = std::min(o.locked_raw, qty_raw);
      o.locked_raw -= release;
      base.locked -= release;
      base.free -= qty_raw - release;
    } else {
      base.free -= qty_raw;
    }
    quote.free += f.quote_raw - f.commission_raw;
  }
  o.executed_raw += qty_raw;
  o.cum_quote_raw += f.quote_raw;
  o.update_ms = f.time_ms;
  o.status = o.executed_raw >= o.qty_raw ? "FILLED" : "PARTIALLY_FILLED";
  if (o.status == "FILLED" && o.locked_raw > 0) {  // rounding leftovers of the lock
    (o.buy ? quote : base).locked -= o.locked_raw;
    (o.buy ? quote : base).free += o.locked_raw;
    o.locked_raw = 0;
  }
  fills_.push_back(f);
  fills.push_back(f);
  execution_report(o, "TRADE", &fills.back());
}

Reply Exchange::order_new(const Params& p) {
  auto name = get(p, "symbol");
  if (!name) return missing("symbol");
  auto si = find_symbol(*name);
  if (!si) return bad(-1121, "Invalid symbol.");
  Symbol& s = syms_[*si];
  auto side = get(p, "side");
  if (!side) return missing("side");
  if (*side != "BUY" && *side != "SELL") return bad(-1117, "Invalid side.");
  auto type = get(p, "type");
  if (!type) return missing("type");
  if (*type != "MARKET" && *type != "LIMIT" && *type != "LIMIT_MAKER") return bad(-1116, "Invalid orderType.");
  std::string tif = "GTC";
  if (*type == "LIMIT") {
    auto t = get(p, "timeInForce");
    if (!t) return missing("timeInForce");
    if (*t != "GTC" && *t != "IOC" && *t != "FOK") return bad(-1115, "Invalid timeInForce.");
    tif = std::string(*t);
  } else if (get(p, "timeInForce")) {
    return bad(-1106, "Parameter 'timeInForce' sent when not required.");
  }
  std::int64_t qty = 0, price = 0;
  if (*type == "MARKET" && !get(p, "quantity")) {
    if (get(p, "quoteOrderQty")) return bad(-1013, "Filter failure: quoteOrderQty is not supported by the sim venue");
    return bad(-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!");
  }
  if (auto e = parse_dec(p, "quantity", qty)) return *e;
  if (*type != "MARKET") {
    if (auto e = parse_dec(p, "price", price)) return *e;
  } else if (get(p, "price")) {
    return bad(-1106, "Parameter 'price' sent when not required.");
  }
  // Binance's default: FULL for MARKET and LIMIT, ACK for the other types.
  std::string resp_type = (*type == "LIMIT_MAKER") ? "ACK" : "FULL";
  if (auto rt = get(p, "newOrderRespType")) {
    if (*rt != "ACK" && *rt != "RESULT" && *rt != "FULL")
      return bad(-1100, "Illegal characters found in parameter 'newOrderRespType'; legal range is 'ACK, RESULT, FULL'.");
    resp_type = std::string(*rt);
  }
  if (auto id = get(p, "newClientOrderId"); id && !valid_client_id(*id))
    return bad(-1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.");
  // Filters.
  if (*type != "MARKET") {
    if (price < s.min_price_raw || price > s.max_price_raw || (price - s.min_price_raw) % s.tick_raw != 0)
      return bad(-1013, "Filter failure: PRICE_FILTER");
  }
  if (qty < s.min_qty_raw || qty > s.max_qty_raw || (qty - s.min_qty_raw) % s.lot_raw != 0)
    return bad(-1013, "Filter failure: LOT_SIZE");
  const bool buy = *side == "BUY";
  std::int64_t reference = price;
  if (*type == "MARKET") {
    if (buy && !s.book.asks.empty()) reference = s.book.asks.begin()->first;
    if (!buy && !s.book.bids.empty()) reference = s.book.bids.begin()->first;
  }
  if (reference > 0 && notional_raw(reference, qty) < s.min_notional_raw)
    return bad(-1013, "Filter failure: NOTIONAL");
  const std::string client_id = client_order_id(p, "newClientOrderId");
  for (std::uint64_t id : open_)
    if (orders_[id].client_id == client_id) return bad(-2010, "Duplicate order sent.");

  // What the order would take from the book (best first, within the limit).
  std::vector<std::pair<std::int64_t, std::int64_t>> takes;
  std::int64_t available = 0;
  auto walk = [&](const auto& levels) {
    for (const auto& [level_price, level_qty] : levels) {
      if (available >= qty) break;
      if (*type != "MARKET" && (buy ? level_price > price : level_price < price)) break;
      const std::int64_t take = std::min(qty - available, level_qty);
      takes.emplace_back(level_price, take);
      available += take;
    }
  };
  if (buy) walk(s.book.asks); else walk(s.book.bids);
  if (*type == "LIMIT_MAKER" && !takes.empty()) return bad(-2010, "Order would immediately match and take.");
  const bool fok_fails = tif == "FOK" && available < qty;
  if (fok_fails) takes.clear();
  const bool rests = (*type == "LIMIT_MAKER" || (*type == "LIMIT" && tif == "GTC")) && available < qty;
  const std::int64_t rest_qty = rests ? qty - available : 0;
  // Balance check: buys spend quote (fills + the lock of the resting part), sells spend base.
  Balance& base = balances_[s.base];
  Balance& quote = balances_[s.quote];
  if (buy) {
    std::int64_t cost = rests ? notional_raw(price, rest_qty) : 0;
    for (const auto& [tp, tq] : takes) cost += notional_raw(tp, tq);
    if (cost > quote.free) return bad(-2010, "Account has insufficient balance for requested action.");
  } else {
    if (qty > base.free) return bad(-2010, "Account has insufficient balance for requested action.");
  }

  Order o;
  o.id = next_order_id_++;
  o.symbol = *si;
  o.client_id = client_id;
  o.buy = buy;
  o.type = std::string(*type);
  o.tif = tif;
  o.price_raw = price;
  o.qty_raw = qty;
  o.status = "NEW";
  o.time_ms = o.update_ms = config_.now_ms();
  o.working_ms = *type == "MARKET" ? -1 : o.time_ms;
  Order& order = orders_.emplace(o.id, std::move(o)).first->second;
  execution_report(order, "NEW", nullptr);
  std::vector<Fill> fills;
  for (const auto& [tp, tq] : takes) fill_order(order, tp, tq, false, fills);
  if (order.executed_raw < order.qty_raw) {
    if (rests) {
      order.locked_raw = buy ? notional_raw(price, rest_qty) : rest_qty;
      Balance& b = buy ? quote : base;
      b.free -= order.locked_raw;
      b.locked += order.locked_raw;
      open_.push_back(order.id);
    } else {
      order.status = "EXPIRED";
      order.update_ms = config_.now_ms();
      execution_report(order, "EXPIRED", nullptr);
    }
  }
  if (!fills.empty() || rests) account_position({s.base, s.quote});

  JsonOut j;
  j.begin_object().kv_str("symbol", s.name).kv_uint("orderId", order.id).kv_int("orderListId", -1)
      .kv_str("clientOrderId", order.client_id).kv_int("transactTime", order.time_ms);
  if (resp_type != "ACK") write_order_result(j, order, true);
  if (resp_type == "FULL") {
    j.key("fills").begin_array();
    for (const Fill& f : fills)
      j.begin_object().kv_dec8("price", f.price_raw).kv_dec8("qty", f.qty_raw)
          .kv_dec8("commission", f.commission_raw).kv_str("commissionAsset", f.commission_asset)
          .kv_uint("tradeId", f.trade_id).end_object();
    j.end_array();
  }
  j.end_object();
  return ok_body(j.take());
}

Exchange::Order* Exchange::find_order(std::size_t symbol, const Params& p, Reply& error, int unknown_code) {
  const char* unknown_msg = unknown_code == -2013 ? "Order does not exist." : "Unknown order sent.";
  if (auto id_text = get(p, "orderId")) {
    std::int64_t id = 0;
    if (!parse_int(*id_text, id)) {
      error = bad(-1100, "Illegal characters found in parameter 'orderId'; legal range is '^[0-9]{1,20}$'.");
      return nullptr;
    }
    auto it = orders_.find(static_cast<std::uint64_t>(id));
    if (it == orders_.end() || it->second.symbol != symbol) {
      error = bad(unknown_code, unknown_msg);
      return nullptr;
    }
    return &it->second;
  }
  if (auto cid = get(p, "origClientOrderId")) {
    Order* found = nullptr;  // the latest order with that id (ids may be reused once closed)
    for (auto& [id, o] : orders_)
      if (o.symbol == symbol && o.client_id == *cid) found = &o;
    if (!found) error = bad(unknown_code, unknown_msg);
    return found;
  }
  error = bad(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
  return nullptr;
}

void Exchange::cancel_order(Order& o) {
  Symbol& s = syms_[o.symbol];
  Balance& b = balances_[o.buy ? s.quote : s.base];
  b.locked -= o.locked_raw;
  b.free += o.locked_raw;
  o.locked_raw = 0;
  o.status = "CANCELED";
  o.update_ms = config_.now_ms();
  open_.erase(std::remove(open_.begin(), open_.end(), o.id), open_.end());
}

std::string Exchange::cancel_result(const Order& o, std::string_view cancel_client_id) const {
  JsonOut j;
  j.begin_object().kv_str("symbol", syms_[o.symbol].name).kv_str("origClientOrderId", o.client_id)
      .kv_uint("orderId", o.id).kv_int("orderListId", -1).kv_str("clientOrderId", cancel_client_id)
      .kv_int("transactTime", o.update_ms);
  write_order_result(j, o, false);
  j.end_object();
  return j.take();
}

Reply Exchange::order_cancel(const Params& p) {
  auto name = get(p, "symbol");
  if (!name) return missing("symbol");
  auto si = find_symbol(*name);
  if (!si) return bad(-1121, "Invalid symbol.");
  Reply error;
  Order* o = find_order(*si, p, error, -2011);
  if (!o) return error;
  if (o->status != "NEW" && o->status != "PARTIALLY_FILLED") return bad(-2011, "Unknown order sent.");
  const std::string cancel_id = client_order_id(p, "newClientOrderId");
  cancel_order(*o);
  execution_report(*o, "CANCELED", nullptr, "NONE", cancel_id);
  account_position({syms_[*si].base, syms_[*si].quote});
  return ok_body(cancel_result(*o, cancel_id));
}

Reply Exchange::cancel_all(const Params& p) {
  auto name = get(p, "symbol");
  if (!name) return missing("symbol");
  auto si = find_symbol(*name);
  if (!si) return bad(-1121, "Invalid symbol.");
  std::vector<std::uint64_t> ids;
  for (std::uint64_t id : open_)
    if (orders_[id].symbol == *si) ids.push_back(id);
  if (ids.empty()) return bad(-2011, "Unknown order sent.");
  JsonOut j;
  j.begin_array();
  for (std::uint64_t id : ids) {
    Order& o = orders_[id];
    const std::string cancel_id = client_order_id(Params{}, "");
    cancel_order(o);
    execution_report(o, "CANCELED", nullptr, "NONE", cancel_id);
    j.raw(cancel_result(o, cancel_id));
  }
  j.end_array();
  account_position({syms_[*si].base, syms_[*si].quote});
  return ok_body(j.take());
}

Reply Exchange::open_orders(const Params& p) {
  std::optional<std::size_t> si;
  if (auto name = get(p, "symbol")) {
    si = find_symbol(*name);
    if (!si) return bad(-1121, "Invalid symbol.");
  }
  JsonOut j;
  j.begin_array();
  for (std::uint64_t id : open_) {
    const Order& o = orders_[id];
    if (!si || o.symbol == *si) write_order_query(j, o);
  }
  j.end_array();
  return ok_body(j.take());
}

Reply Exchange::order_query(const Params& p) {
  auto name = get(p, "symbol");
  if (!name) return missing("symbol");
  auto si = find_symbol(*name);
  if (!si) return bad(-1121, "Invalid symbol.");
  Reply error;
  Order* o = find_order(*si, p, error, -2013);
  if (!o) return error;
  JsonOut j;
  write_order_query(j, *o);
  return ok_body(j.take());
}

Reply Exchange::account() {
  const std::string rate = fmt8(config_.commission_bps * kScale / 10'000);
  JsonOut j;
  j.begin_object().kv_int("makerCommission", config_.commission_bps).kv_int("takerCommission", config_.commission_bps)
      .kv_int("buyerCommission", 0).kv_int("sellerCommission", 0);
  j.key("commissionRates").begin_object().kv_str("maker", rate).kv_str("taker", rate)
      .kv_dec8("buyer", 0).kv_dec8("seller", 0).end_object();
  j.kv_bool("canTrade", true).kv_bool("canWithdraw", false).kv_bool("canDeposit", false)
      .kv_bool("brokered", false).kv_bool("requireSelfTradePrevention", false).kv_bool("preventSor", false)
      .kv_int("updateTime", fills_.empty() ? 0 : fills_.back().time_ms).kv_str("accountType", "SPOT");
  j.key("balances").begin_array();
  for (const auto& [asset, b] : balances_)
    j.begin_object().kv_str("asset", asset).kv_dec8("free", b.free).kv_dec8("locked", b.locked).end_object();
  j.end_array();
  j.key("permissions").begin_array().str("SPOT").end_array().kv_int("uid", 1).end_object();
  return ok_body(j.take());
}

Reply Exchange::my_trades(const Params& p) {
  auto name = get(p, "symbol");
  if (!name) return missing("symbol");
  auto si = find_symbol(*name);
  if (!si) return bad(-1121, "Invalid symbol.");
  std::int64_t order_id = -1, limit = 500;
  if (auto v = get(p, "orderId"); v && !parse_int(*v, order_id))
    return bad(-1100, "Illegal characters found in parameter 'orderId'; legal range is '^[0-9]{1,20}$'.");
  if (auto v = get(p, "limit"); v && (!parse_int(*v, limit) || limit < 1 || limit > 1000))
    return bad(-1100, "Illegal characters found in parameter 'limit'; legal range is '1 .. 1000'.");
  JsonOut j;
  j.begin_array();
  std::int64_t n = 0;
  for (const Fill& f : fills_) {
    if (f.symbol != *si || (order_id >= 0 && f.order_id != static_cast<std::uint64_t>(order_id))) continue;
    if (n++ >= limit) break;
    j.begin_object().kv_str("symbol", syms_[f.symbol].name).kv_uint("id", f.trade_id).kv_uint("orderId", f.order_id)
        .kv_int("orderListId", -1).kv_dec8("price", f.price_raw).kv_dec8("qty", f.qty_raw)
        .kv_dec8("quoteQty", f.quote_raw).kv_dec8("commission", f.commission_raw)
        .kv_str("commissionAsset", f.commission_asset).kv_int("time", f.time_ms).kv_bool("isBuyer", f.buyer)
        .kv_bool("isMaker", f.maker).kv_bool("isBestMatch", true).end_object();
  }
  j.end_array();
  return ok_body(j.take());
}

// ---- market data ------------------------------------------------------------------------------

void Exchange::apply_level(std::size_t symbol, bool bid, std::int64_t price_raw, std::int64_t qty_raw) {
  Symbol& s = syms_[symbol];
  if (bid) {
    if (qty_raw == 0) s.book.bids.erase(price_raw); else s.book.bids[price_raw] = qty_raw;
    s.acc100.bids[price_raw] = qty_raw;
    s.acc1000.bids[price_raw] = qty_raw;
  } else {
    if (qty_raw == 0) s.book.asks.erase(price_raw); else s.book.asks[price_raw] = qty_raw;
    s.acc100.asks[price_raw] = qty_raw;
    s.acc1000.asks[price_raw] = qty_raw;
  }
}

void Exchange::set_sim_book(std::size_t symbol, std::int64_t bid, std::int64_t bid_qty, std::int64_t ask,
                            std::int64_t ask_qty) {
  Symbol& s = syms_[symbol];
  const std::int64_t mean_lots = std::max<std::int64_t>(1, (bid_qty + ask_qty) / 2 / s.lot_raw);
  auto level_qty = [&](std::int64_t price) {
    const std::uint64_t h = mix64(static_cast<std::uint64_t>(price) ^ (config_.seed * 0x2545F4914F6CDD1DULL));
    return s.lot_raw * (1 + static_cast<std::int64_t>(h % static_cast<std::uint64_t>(2 * mean_lots)));
  };
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  for (int i = 0; i < config_.book_levels; ++i) {
    const std::int64_t bp = bid - i * s.tick_raw, ap = ask + i * s.tick_raw;
    if (bp > 0) bids[bp] = i == 0 ? bid_qty : level_qty(bp);
    asks[ap] = i == 0 ? ask_qty : level_qty(ap);
  }
  std::vector<std::tuple<bool, std::int64_t, std::int64_t>> changes;
  for (const auto& [price, q] : s.book.bids)
    if (!bids.contains(price)) changes.emplace_back(true, price, 0);
  for (const auto& [price, q] : bids)
    if (auto it = s.book.bids.find(price); it == s.book.bids.end() || it->second != q) changes.emplace_back(true, price, q);
  for (const auto& [price, q] : s.book.asks)
    if (!asks.contains(price)) changes.emplace_back(false, price, 0);
  for (const auto& [price, q] : asks)
    if (auto it = s.book.asks.find(price); it == s.book.asks.end() || it->second != q) changes.emplace_back(false, price, q);
  if (changes.empty()) return;
  const std::uint64_t id = ++s.book.last_update_id;
  for (DepthAccumulator* acc : {&s.acc100, &s.acc1000}) {
    if (acc->first_id == 0) acc->first_id = id;
    acc->last_id = id;
  }
  for (const auto& [is_bid, price, q] : changes) apply_level(symbol, is_bid, price, q);
  const std::string stream = s.lower + "@bookTicker";
  ++book_ticker_messages_;
  if (sink_.has_subscribers(stream)) {
    JsonOut j;
    j.begin_object().kv_uint("u", id).kv_str("s", s.name).kv_dec8("b", bid).kv_dec8("B", bid_qty)
        .kv_dec8("a", ask).kv_dec8("A", ask_qty).end_object();
    const std::string raw = j.take();
    sink_.publish(stream, "{\"stream\":\"" + stream + "\",\"data\":" + raw + "}", raw);
  }
}

void Exchange::publish_trade(std::size_t symbol, std::int64_t price_raw, std::int64_t qty_raw, bool buyer_maker,
                             std::int64_t trade_time_ms) {
  Symbol& s = syms_[symbol];
  const std::uint64_t id = s.next_trade_id++;
  const std::string stream = s.lower + "@trade";
  ++trade_messages_;
  if (!sink_.has_subscribers(stream)) return;
  JsonOut j;
  j.begin_object().kv_str("e", "trade").kv_int("E", config_.now_ms()).kv_str("s", s.name).kv_uint("t", id)
      .kv_dec8("p", price_raw).kv_dec8("q", qty_raw).kv_int("T", trade_time_ms).kv_bool("m", buyer_maker)
      .kv_bool("M", true).end_object();
  const std::string raw = j.take();
  sink_.publish(stream, "{\"stream\":\"" + stream + "\",\"data\":" + raw + "}", raw);
}

void Exchange::on_public_trade(std::size_t symbol, std::int64_t price_raw, std::int64_t qty_raw) {
  std::int64_t left = qty_raw;
  std::vector<std::uint64_t> done;
  std::set<std::string> assets;
  for (std::uint64_t id : open_) {
    if (left <= 0) break;
    Order& o = orders_[id];
    if (o.symbol != symbol) continue;
    const bool crosses = o.buy ? price_raw <= o.price_raw : price_raw >= o.price_raw;
    if (!crosses) continue;
    const std::int64_t take = std::min(left, o.qty_raw - o.executed_raw);
    left -= take;
    std::vector<Fill> fills;
    fill_order(o, o.price_raw, take, true, fills);
    if (o.status == "FILLED") done.push_back(id);
    assets.insert(syms_[symbol].base);
    assets.insert(syms_[symbol].quote);
  }
  for (std::uint64_t id : done) open_.erase(std::remove(open_.begin(), open_.end(), id), open_.end());
  if (!assets.empty()) account_position(std::vector<std::string>(assets.begin(), assets.end()));
}

void Exchange::advance_sim(std::int64_t now_ns) {
  if (!market_) return;
  // Bounded per call, so a stalled clock (a suspended machine) cannot freeze the venue thread.
  for (int budget = 100'000; budget > 0 && market_->next_event_ns() <= now_ns; --budget) {
    const Event e = market_->next();
    const std::size_t symbol = e.header.instrument;
    if (symbol >= syms_.size()) continue;
    if (e.header.type == EventType::kQuote) {
      const QuotePayload& q = e.payload.quote;
      set_sim_book(symbol, q.bid_price.raw(), q.bid_qty.raw(), q.ask_price.raw(), q.ask_qty.raw());
    } else if (e.header.type == EventType::kTrade) {
      const TradePayload& t = e.payload.trade;
      publish_trade(symbol, t.price.raw(), t.qty.raw(), t.aggressor == Side::kSell, e.header.event_ns / 1'000'000);
      on_public_trade(symbol, t.price.raw(), t.qty.raw());
    }
  }
}

void Exchange::flush_acc(std::size_t symbol, DepthAccumulator& acc, std::string_view suffix) {
  if (acc.first_id == 0) return;
  Symbol& s = syms_[symbol];
  const std::string stream = s.lower + std::string(suffix);
  if (sink_.has_subscribers(stream)) {
    if (faults_.drop_depth > 0) {
      --faults_.drop_depth;
      ++fault_counts_.depth_dropped;
    } else {
      JsonOut j;
      j.begin_object().kv_str("e", "depthUpdate").kv_int("E", config_.now_ms()).kv_str("s", s.name)
          .kv_uint("U", acc.first_id).kv_uint("u", acc.last_id);
      j.key("b").begin_array();
      for (const auto& [price, q] : acc.bids) j.begin_array().dec8(price).dec8(q).end_array();
      j.end_array().key("a").begin_array();
      for (const auto& [price, q] : acc.asks) j.begin_array().dec8(price).dec8(q).end_array();
      j.end_array().end_object();
      const std::string raw = j.take();
      ++depth_messages_;
      sink_.publish(stream, "{\"stream\":\"" + stream + "\",\"data\":" + raw + "}", raw);
    }
  }
  acc = DepthAccumulator{};
}

void Exchange::flush_depth(bool flush_100ms, bool flush_1000ms) {
  for (std::size_t i = 0; i < syms_.size(); ++i) {
    if (flush_100ms) flush_acc(i, syms_[i].acc100, "@depth@100ms");
    if (flush_1000ms) flush_acc(i, syms_[i].acc1000, "@depth");
  }
}

// ---- replay -----------------------------------------------------------------------------------

Status Exchange::set_replay_snapshot(std::string_view symbol, std::string_view json_text) {
  auto si = find_symbol(symbol);
  if (!si) return Error{ErrorCode::kInvalidArgument, "replay: snapshot for unknown symbol " + std::string(symbol)};
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  std::uint64_t last_id = 0;
  if (parser.parse(json_text.data(), json_text.size()).get(object) != simdjson::SUCCESS ||
      object["lastUpdateId"].get(last_id) != simdjson::SUCCESS)
    return Error{ErrorCode::kParse, "replay: the depth snapshot is not {\"lastUpdateId\":..,\"bids\":..,\"asks\":..}"};
  Book& b = syms_[*si].book;
  b.bids.clear();
  b.asks.clear();
  for (const char* side : {"bids", "asks"}) {
    simdjson::dom::array levels;
    if (object[side].get(levels) != simdjson::SUCCESS)
      return Error{ErrorCode::kParse, std::string("replay: the depth snapshot has no ") + side};
    for (auto level : levels) {
      std::string_view price_text, qty_text;
      std::int64_t price = 0, qty = 0;
      if (level.at(0).get(price_text) != simdjson::SUCCESS || level.at(1).get(qty_text) != simdjson::SUCCESS ||
          parse_fixed_raw(price_text, price) != ParseStatus::kOk || parse_fixed_raw(qty_text, qty) != ParseStatus::kOk)
        return Error{ErrorCode::kParse, "replay: bad level in the depth snapshot"};
      if (side[0] == 'b') b.bids[price] = qty; else b.asks[price] = qty;
    }
  }
  b.last_update_id = last_id;
  b.have_snapshot = true;
  b.snapshot_text = std::string(json_text);
  return {};
}

void Exchange::on_replay_message(std::string_view stream, std::string_view combined, std::string_view raw) {
  const std::size_t at = stream.find('@');
  std::optional<std::size_t> si;
  for (std::size_t i = 0; i < syms_.size(); ++i)
    if (stream.substr(0, at) == syms_[i].lower) si = i;
  const bool is_depth = stream.find("@depth") != std::string_view::npos;
  const bool is_trade = stream.ends_with("@trade");
  if (si && (is_depth || is_trade)) {
    simdjson::dom::parser parser;
    simdjson::dom::object data;
    if (parser.parse(raw.data(), raw.size()).get(data) == simdjson::SUCCESS) {
      Symbol& s = syms_[*si];
      if (is_depth) {
        std::uint64_t last = 0;
        if (data["u"].get(last) == simdjson::SUCCESS && s.book.have_snapshot && last > s.book.last_update_id) {
          for (const char* side : {"b", "a"}) {
            simdjson::dom::array levels;
            if (data[side].get(levels) != simdjson::SUCCESS) continue;
            for (auto level : levels) {
              std::string_view pt, qt;
              std::int64_t price = 0, qty = 0;
              if (level.at(0).get(pt) != simdjson::SUCCESS || level.at(1).get(qt) != simdjson::SUCCESS ||
                  parse_fixed_raw(pt, price) != ParseStatus::kOk || parse_fixed_raw(qt, qty) != ParseStatus::kOk)
                continue;
              auto& book_side_bid = s.book.bids;
              auto& book_side_ask = s.book.asks;
              if (side[0] == 'b') {
                if (qty == 0) book_side_bid.erase(price); else book_side_bid[price] = qty;
              } else {
                if (qty == 0) book_side_ask.erase(price); else book_side_ask[price] = qty;
              }
            }
          }
          s.book.last_update_id = last;
        }
      } else {
        std::string_view pt, qt;
        std::int64_t price = 0, qty = 0;
        if (data["p"].get(pt) == simdjson::SUCCESS && data["q"].get(qt) == simdjson::SUCCESS &&
            parse_fixed_raw(pt, price) == ParseStatus::kOk && parse_fixed_raw(qt, qty) == ParseStatus::kOk)
          on_public_trade(*si, price, qty);
      }
    }
  }
  if (is_depth) {
    if (!sink_.has_subscribers(stream)) return;
    if (faults_.drop_depth > 0) {
      --faults_.drop_depth;
      ++fault_counts_.depth_dropped;
      return;
    }
    ++depth_messages_;
  } else if (is_trade) {
    ++trade_messages_;
  } else {
    ++book_ticker_messages_;
  }
  sink_.publish(stream, combined, raw);
}

Reply Exchange::inject_trade(const Params& p) {
  auto name = get(p, "symbol");
  if (!name) return missing("symbol");
  auto si = find_symbol(*name);
  if (!si) return bad(-1121, "Invalid symbol.");
  std::int64_t price = 0, qty = 0;
  if (auto e = parse_dec(p, "price", price)) return *e;
  if (auto e = parse_dec(p, "qty", qty)) return *e;
  const bool buyer_maker = get(p, "buyerMaker").value_or("false") == "true";
  publish_trade(*si, price, qty, buyer_maker, config_.now_ms());
  on_public_trade(*si, price, qty);
  return ok_body("{}");
}

// ---- faults and state -------------------------------------------------------------------------

Reply Exchange::apply_faults(std::string_view spec) {
  FaultPlan plan = faults_;
  if (Status s = parse_fault_spec(spec, plan); !s) return bad(-1100, s.error().message);
  if (faults_.ban_418 && !plan.ban_418) told_to_wait_.clear();  // the ban is lifted: no window left
  faults_ = plan;
  return ok_body(state_json());
}

bool Exchange::take_disconnect_streams() noexcept {
  const bool v = faults_.disconnect_streams;
  faults_.disconnect_streams = false;
  return v;
}
bool Exchange::take_disconnect_user_stream() noexcept {
  const bool v = faults_.disconnect_user_stream;
  faults_.disconnect_user_stream = false;
  return v;
}
void Exchange::count_disconnects(std::uint64_t streams, std::uint64_t user_streams) noexcept {
  fault_counts_.streams_disconnected += streams;
  fault_counts_.user_streams_disconnected += user_streams;
}

std::string Exchange::state_json() const {
  JsonOut j;
  j.begin_object().kv_int("serverTime", config_.now_ms()).kv_bool("replay", config_.replay)
      .kv_uint("requests", requests_).kv_uint("pongs", pongs_);
  j.key("orders").begin_array();
  for (const auto& [id, o] : orders_)
    j.begin_object().kv_uint("orderId", id).kv_str("symbol", syms_[o.symbol].name).kv_str("clientOrderId", o.client_id)
        .kv_str("side", o.buy ? "BUY" : "SELL").kv_str("type", o.type).kv_str("timeInForce", o.tif)
        .kv_dec8("price", o.price_raw).kv_dec8("origQty", o.qty_raw).kv_dec8("executedQty", o.executed_raw)
        .kv_str("status", o.status).end_object();
  j.end_array().kv_uint("openOrders", open_.size());
  j.key("fills").begin_array();
  for (const Fill& f : fills_)
    j.begin_object().kv_uint("tradeId", f.trade_id).kv_uint("orderId", f.order_id).kv_str("symbol", syms_[f.symbol].name)
        .kv_dec8("price", f.price_raw).kv_dec8("qty", f.qty_raw).kv_dec8("commission", f.commission_raw)
        .kv_str("commissionAsset", f.commission_asset).kv_bool("isBuyer", f.buyer).kv_bool("isMaker", f.maker)
        .end_object();
  j.end_array();
  j.key("balances").begin_array();
  for (const auto& [asset, b] : balances_)
    j.begin_object().kv_str("asset", asset).kv_dec8("free", b.free).kv_dec8("locked", b.locked).end_object();
  j.end_array();
  j.key("books").begin_array();
  for (const Symbol& s : syms_) {
    j.begin_object().kv_str("symbol", s.name).kv_uint("lastUpdateId", s.book.last_update_id)
        .kv_uint("bidLevels", s.book.bids.size()).kv_uint("askLevels", s.book.asks.size());
    if (!s.book.bids.empty()) j.kv_dec8("bestBid", s.book.bids.begin()->first);
    if (!s.book.asks.empty()) j.kv_dec8("bestAsk", s.book.asks.begin()->first);
    j.end_object();
  }
  j.end_array();
  j.key("faults").begin_object();
  j.key("pending").begin_object().kv_int("drop_depth", faults_.drop_depth).kv_int("reject_429", faults_.reject_429)
      .kv_bool("ban_418", faults_.ban_418).kv_int("slow_ms", faults_.slow_ms).kv_int("slow_count", faults_.slow_count)
      .kv_bool("refuse_ws_api", faults_.refuse_ws_api).end_object();
  j.key("applied").begin_object().kv_uint("drop_depth", fault_counts_.depth_dropped)
      .kv_uint("reject_429", fault_counts_.rejected_429).kv_uint("ban_418", fault_counts_.banned_418)
      .kv_uint("slow", fault_counts_.slowed).kv_uint("disconnect_streams", fault_counts_.streams_disconnected)
      .kv_uint("disconnect_user_stream", fault_counts_.user_streams_disconnected)
      .kv_uint("refuse_ws_api", fault_counts_.ws_api_refused)
      .kv_uint("rate_limit_429", fault_counts_.limit_429).kv_uint("rate_limit_418", fault_counts_.limit_418)
      .kv_uint("inside_retry_after", fault_counts_.inside_retry_after)
      .end_object();
  j.end_object();
  j.key("streams").begin_object().kv_uint("depth_messages", depth_messages_)
      .kv_uint("trade_messages", trade_messages_).kv_uint("book_ticker_messages", book_ticker_messages_)
      .kv_uint("depth_snapshots", depth_snapshots_).end_object();
  j.key("connections").begin_object().kv_uint("market", market_connections_).kv_uint("api", api_connections_).end_object();
  j.end_object();
  return j.take();
}

}  // namespace sequent::binance_venue
