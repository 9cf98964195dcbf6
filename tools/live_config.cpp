#include "tools/live_config.hpp"

#include <cctype>

#include <toml++/toml.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <type_traits>

namespace sequent::tools {

namespace {

constexpr TimeNs kMs = 1'000'000;

Price price_of(std::string_view s) {
  Price p;
  (void)parse_decimal(s, p);
  return p;
}
Qty qty_of(std::string_view s) {
  Qty q;
  (void)parse_decimal(s, q);
  return q;
}
Money money_of(std::string_view s) {
  Money m;
  (void)parse_decimal(s, m);
  return m;
}

// Reports "file:line: key: problem" for a node (line of the node, or of its table).
Error config_error(const std::string& path, const toml::node* node, std::string_view key, const std::string& problem) {
  std::ostringstream out;
  out << path;
  if (node != nullptr) out << ':' << node->source().begin.line;
  out << ": " << key << ": " << problem;
  return Error{ErrorCode::kInvalidArgument, out.str()};
}

class Reader {
 public:
  Reader(const std::string& path, const toml::table& root) : path_(path), root_(root) {}

  // Integer at dotted key, within [lo, hi]; untouched when absent.
  template <class T>
  Status integer(std::string_view key, T& out, std::int64_t lo, std::int64_t hi) {
    const toml::node* n = root_.at_path(key).node();
    if (n == nullptr) return {};
    auto v = n->value<std::int64_t>();
    if (!n->is_integer() || !v) return config_error(path_, n, key, "expected an integer");
    if (*v < lo || *v > hi)
      return config_error(path_, n, key, "expected " + std::to_string(lo) + ".." + std::to_string(hi) + ", was " + std::to_string(*v));
    out = static_cast<T>(*v);
    return {};
  }
  Status number(std::string_view key, double& out, double lo, double hi) {
    const toml::node* n = root_.at_path(key).node();
    if (n == nullptr) return {};
    auto v = n->value<double>();
    if (!v || !(n->is_integer() || n->is_floating_point())) return config_error(path_, n, key, "expected a number");
    if (!(*v >= lo && *v <= hi))
      return config_error(path_, n, key, "expected a number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    out = *v;
    return {};
  }
  Status string(std::string_view key, std::string& out) {
    const toml::node* n = root_.at_path(key).node();
    if (n == nullptr) return {};
    if (!n->is_string()) return config_error(path_, n, key, "expected a string");
    out = *n->value<std::string>();
    return {};
  }
  // A decimal given as a string ("0.01") or a number (0.01 is read through its shortest form).
  template <class Tag>
  Status decimal(std::string_view key, Fixed<Tag>& out, bool positive) {
    const toml::node* n = root_.at_path(key).node();
    if (n == nullptr) return {};
    std::string text;
    if (n->is_string()) {
      text = *n->value<std::string>();
    } else if (n->is_integer()) {
      text = std::to_string(*n->value<std::int64_t>());
    } else {
      return config_error(path_, n, key, "expected a decimal string such as \"0.01\"");
    }
    Fixed<Tag> v;
    const ParseStatus s = parse_decimal(text, v);
    if (s != ParseStatus::kOk) return config_error(path_, n, key, std::string(to_string(s)) + ": '" + text + "'");
    if (positive && !v.is_positive()) return config_error(path_, n, key, "must be > 0, was " + text);
    if (!positive && v.is_negative()) return config_error(path_, n, key, "must be >= 0, was " + text);
    out = v;
    return {};
  }
  const toml::node* node(std::string_view key) const { return root_.at_path(key).node(); }
  const std::string& path() const { return path_; }

 private:
  const std::string& path_;
  const toml::table& root_;
};

#define SEQUENT_TRY(expr)            \
  do {                               \
    Status s_ = (expr);              \
    if (!s_.ok()) return s_;         \
  } while (false)

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0u : 1u)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// " (did you mean 'X'?)" for the closest known name within 3 edits, else "".
std::string did_you_mean(const std::string& name, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_d = 4;
  for (const std::string& k : known) {
    const std::size_t d = edit_distance(name, k);
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

Status check_known_keys(const std::string& path, const toml::table& root) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> kKnown = {
      {"instruments", {}},
      {"users", {}},
      {"strategies", {}},
      {"session", {"mode", "seed", "pipeline", "wait", "ring_capacity"}},
      {"market", {"events_per_second"}},
      {"strategy", {"name", "bar_interval_ms", "fast", "slow", "signal", "qty", "order_type", "limit_offset_bps", "order_ttl_ms"}},
      {"risk", {"max_order_qty", "max_order_notional", "max_position_qty", "max_position_notional", "price_band_bps",
                "initial_equity", "max_gross_exposure", "max_open_orders", "max_orders_per_second", "max_orders_per_day",
                "trading_day_start_utc", "daily_loss_limit", "max_drawdown", "cancel_on_halt", "flatten_on_halt",
                "instrument", "strategy"}},
      {"threads", {"sequencer", "venue", "core", "strategy", "risk", "router", "console"}},
      {"console", {"address", "enabled", "tls_cert", "tls_key", "max_frame_bytes", "rate_limit_per_s", "max_connections",
                   "max_backlog"}},
      {"journal", {"enabled", "dir", "durability", "gate_orders", "checkpoint_every", "stall_limit_ms"}},
      {"venue", {"kind", "rest_url", "ws_market_url", "ws_api_url", "api_key_env", "api_secret_env", "recv_window_ms",
                 "tls_verify", "tls_ca_file", "error_limit", "rotate_after_ms"}},
  };
  for (const auto& [section, node] : root) {
    const std::vector<std::string>* keys = nullptr;
    for (const auto& [name, list] : kKnown)
      if (name == section.str()) keys = &list;
    if (keys == nullptr) {
      std::vector<std::string> sections;
      for (const auto& [name, list] : kKnown) sections.push_back(name);
      return config_error(path, &node, section.str(), "unknown section" + did_you_mean(std::string(section.str()), sections));
    }
    if (section.str() == "instruments" || section.str() == "users" || section.str() == "strategies")
      continue;  // arrays of tables, checked where read
    const toml::table* t = node.as_table();
    if (t == nullptr) return config_error(path, &node, section.str(), "expected a table ([" + std::string(section.str()) + "])");
    for (const auto& [key, value] : *t) {
      bool known = false;
      for (const std::string& k : *keys) known = known || k == key.str();
      if (!known)
        return config_error(path, &value, std::string(section.str()) + "." + std::string(key.str()),
                            "unknown key" + did_you_mean(std::string(key.str()), *keys));
    }
  }
  return {};
}

// [[instruments]]: when present, replaces the built-in BTCUSDT/ETHUSDT. Ids follow the order in the
// file. The strategy then trades the instruments [strategy.qty] names; per-instrument risk limits
// start from the common defaults.
Status read_instruments(const std::string& path, const toml::table& root, LiveConfig& cfg) {
  const toml::node* node = root.get("instruments");
  if (node == nullptr) return {};
  const toml::array* list = node->as_array();
  if (list == nullptr || list->empty())
    return config_error(path, node, "instruments", "expected one or more [[instruments]] tables");
  static const std::vector<std::string> kKeys = {"symbol", "venue", "tick_size", "lot_size", "min_notional", "sim_start_price"};
  auto registry = std::make_unique<InstrumentRegistry>();
  std::vector<Price> starts;
  std::size_t index = 0;
  for (const toml::node& item : *list) {
    const std::string key = "instruments[" + std::to_string(index++) + "]";
    const toml::table* t = item.as_table();
    if (t == nullptr) return config_error(path, &item, key, "expected a table");
    for (const auto& [k, v] : *t) {
      if (std::find(kKeys.begin(), kKeys.end(), std::string(k.str())) == kKeys.end())
        return config_error(path, &v, key + "." + std::string(k.str()), "unknown key" + did_you_mean(std::string(k.str()), kKeys));
    }
    auto text = [&](const char* name, std::string& out, bool required) -> Status {
      const toml::node* n = t->get(name);
      if (n == nullptr) {
        if (required) return config_error(path, &item, key + "." + name, "missing");
        return {};
      }
      if (!n->is_string()) return config_error(path, n, key + "." + name, "expected a string");
      out = *n->value<std::string>();
      return {};
    };
    auto decimal = [&](const char* name, auto& out, bool required) -> Status {
      std::string s;
      SEQUENT_TRY(text(name, s, required));
      if (s.empty() && !required) return {};
      if (parse_decimal(s, out) != ParseStatus::kOk || out.is_negative())
        return config_error(path, t->get(name), key + "." + name, "expected a non-negative decimal such as \"0.01\", was '" + s + "'");
      return {};
    };
    std::string symbol, venue = "sim";
    Price tick, start;
    Qty lot;
    Money min_notional;
    SEQUENT_TRY(text("symbol", symbol, true));
    SEQUENT_TRY(text("venue", venue, false));
    SEQUENT_TRY(decimal("tick_size", tick, true));
    SEQUENT_TRY(decimal("lot_size", lot, true));
    SEQUENT_TRY(decimal("min_notional", min_notional, false));
    SEQUENT_TRY(decimal("sim_start_price", start, false));
    auto id = registry->add(symbol, venue, tick, lot, min_notional);
    if (!id) return config_error(path, &item, key, id.error().message);
    if (start.is_positive() && !registry->at(*id).price_on_tick(start))
      return config_error(path, t->get("sim_start_price"), key + ".sim_start_price", "not on the tick size");
    if (!start.is_positive() && symbol != "BTCUSDT" && symbol != "ETHUSDT")
      return config_error(path, &item, key + ".sim_start_price", "required for the simulated market (no built-in default for " + symbol + ")");
    starts.push_back(start);
  }
  cfg.registry = std::move(registry);
  cfg.sim_start_prices = std::move(starts);
  cfg.core.strategy.slots.clear();  // [strategy.qty] decides what is traded
  cfg.core.risk.per_instrument.assign(cfg.registry->size(), cfg.core.risk.default_limits);
  return {};
}

// [[users]]: name, role (viewer, trader, manager, admin) and token_sha256. A clear-text token in the
// file is refused: secrets never live in configuration (or, through it, in the journal).
Status read_users(const std::string& path, const toml::table& root, LiveConfig& cfg) {
  const toml::node* node = root.get("users");
  if (node == nullptr) return {};
  const toml::array* list = node->as_array();
  if (list == nullptr) return config_error(path, node, "users", "expected [[users]] tables");
  static const std::vector<std::string> kKeys = {"name", "role", "token_sha256"};
  std::vector<UserConfig> users;
  std::size_t index = 0;
  for (const toml::node& item : *list) {
    const std::string key = "users[" + std::to_string(index++) + "]";
    const toml::table* t = item.as_table();
    if (t == nullptr) return config_error(path, &item, key, "expected a table");
    for (const auto& [k, v] : *t) {
      if (k.str() == "token" || k.str() == "password")
        return config_error(path, &v, key + "." + std::string(k.str()),
                            "never store a secret in the configuration: put its SHA-256 in token_sha256 (`sequent token`)");
      if (std::find(kKeys.begin(), kKeys.end(), std::string(k.str())) == kKeys.end())
        return config_error(path, &v, key + "." + std::string(k.str()), "unknown key" + did_you_mean(std::string(k.str()), kKeys));
    }
    UserConfig u;
    for (const char* name : {"name", "role", "token_sha256"}) {
      const toml::node* n = t->get(name);
      if (n == nullptr || !n->is_string()) return config_error(path, n ? n : &item, key + "." + name, "expected a string");
    }
    u.name = *t->get("name")->value<std::string>();
    const std::string role = *t->get("role")->value<std::string>();
    u.token_sha256 = *t->get("token_sha256")->value<std::string>();
    if (u.name.empty() || u.name.size() > 64) return config_error(path, t->get("name"), key + ".name", "1 to 64 characters");
    for (const UserConfig& other : users)
      if (other.name == u.name) return config_error(path, t->get("name"), key + ".name", "user '" + u.name + "' is defined twice");
    if (role == "viewer") u.role = Role::kViewer;
    else if (role == "trader") u.role = Role::kTrader;
    else if (role == "manager") u.role = Role::kManager;
    else if (role == "admin") u.role = Role::kAdmin;
    else return config_error(path, t->get("role"), key + ".role", "expected viewer, trader, manager or admin, was '" + role + "'");
    bool hex = u.token_sha256.size() == 64;
    for (char c : u.token_sha256) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    if (!hex) return config_error(path, t->get("token_sha256"), key + ".token_sha256", "expected 64 lower-case hex digits (`sequent token` prints them)");
    users.push_back(std::move(u));
  }
  cfg.users = std::move(users);
  return {};
}

// order_type, limit_offset_bps and order_ttl_ms of [strategy] or one [[strategies]] table `t`
// (`key` names it in errors: "strategy", "strategies[1]").
Status read_execution_style(const std::string& path, const toml::table& t, const std::string& key, ExecutionStyle& x) {
  if (const toml::node* n = t.get("order_type")) {
    const std::string v = n->is_string() ? *n->value<std::string>() : std::string();
    if (v == "market") x.order_type = OrderType::kMarket;
    else if (v == "limit") x.order_type = OrderType::kLimit;
    else if (v == "limit_maker") x.order_type = OrderType::kLimitMaker;
    else return config_error(path, n, key + ".order_type", "expected \"market\", \"limit\" or \"limit_maker\"" +
                                                         (n->is_string() ? ", was '" + v + "'" : std::string()));
  }
  auto integer = [&](const char* name, auto& out, std::int64_t hi) -> Status {
    const toml::node* n = t.get(name);
    if (n == nullptr) return {};
    auto v = n->value<std::int64_t>();
    if (!n->is_integer() || !v) return config_error(path, n, key + "." + name, "expected an integer");
    if (*v < 0 || *v > hi)
      return config_error(path, n, key + "." + name, "expected 0.." + std::to_string(hi) + ", was " + std::to_string(*v));
    out = static_cast<std::remove_reference_t<decltype(out)>>(*v);
    return {};
  };
  SEQUENT_TRY(integer("limit_offset_bps", x.limit_offset_bps, ExecutionStyle::kMaxLimitOffsetBps));
  SEQUENT_TRY(integer("order_ttl_ms", x.order_ttl_ms, ExecutionStyle::kMaxOrderTtlMs));
  if (x.limit_offset_bps != 0 && x.order_type == OrderType::kMarket)
    return config_error(path, t.get("limit_offset_bps"), key + ".limit_offset_bps",
                        "prices limit entries: needs order_type = \"limit\" or \"limit_maker\"");
  return {};
}

std::string_view order_type_key(OrderType t) {
  return t == OrderType::kLimit ? "limit" : (t == OrderType::kLimitMaker ? "limit_maker" : "market");
}

// [[strategies]]: several strategies in one engine, ids 1..N in file order. Each names itself
// (unique; [risk.strategy.NAME] refers to it), its algorithm (kind), the instruments it trades
// with its order size per instrument (qty: one decimal for all, or a table by symbol), and
// optionally params (the algorithm's named parameters), bar_interval_ms and enabled.
Status read_strategies(const std::string& path, const toml::table& root, LiveConfig& cfg) {
  const toml::node* node = root.get("strategies");
  if (node == nullptr) return {};
  if (const toml::node* single = root.get("strategy"))
    return config_error(path, single, "strategy",
                        "use either [strategy] (one strategy) or [[strategies]] (several) in one file, not both");
  const toml::array* list = node->as_array();
  if (list == nullptr || list->empty() || !list->is_array_of_tables())
    return config_error(path, node, "strategies", "expected one or more [[strategies]] tables");
  if (list->size() > kMaxStrategies)
    return config_error(path, node, "strategies",
                        "at most " + std::to_string(kMaxStrategies) + " strategies, " + std::to_string(list->size()) + " given");
  static const std::vector<std::string> kKeys = {"name", "kind", "instruments", "qty", "params", "bar_interval_ms", "enabled",
                                                 "order_type", "limit_offset_bps", "order_ttl_ms"};
  static const std::vector<std::string> kKinds = {"macd", "sma_cross", "kama_tsmom"};
  std::vector<StrategyInstanceConfig> out;
  std::size_t index = 0;
  for (const toml::node& item : *list) {
    const std::string key = "strategies[" + std::to_string(index++) + "]";
    const toml::table* t = item.as_table();
    for (const auto& [k, v] : *t) {
      if (std::find(kKeys.begin(), kKeys.end(), std::string(k.str())) == kKeys.end())
        return config_error(path, &v, key + "." + std::string(k.str()), "unknown key" + did_you_mean(std::string(k.str()), kKeys));
    }
    StrategyInstanceConfig ic;
    for (const char* name : {"name", "kind"}) {
      const toml::node* n = t->get(name);
      if (n == nullptr) return config_error(path, &item, key + "." + name, "missing");
      if (!n->is_string()) return config_error(path, n, key + "." + name, "expected a string");
    }
    ic.name = *t->get("name")->value<std::string>();
    ic.kind = *t->get("kind")->value<std::string>();
    bool name_ok = !ic.name.empty() && ic.name.size() <= 32;
    for (char c : ic.name) name_ok = name_ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
    if (!name_ok)
      return config_error(path, t->get("name"), key + ".name", "1 to 32 letters, digits, '_' or '-', was '" + ic.name + "'");
    for (const StrategyInstanceConfig& other : out)
      if (other.name == ic.name)
        return config_error(path, t->get("name"), key + ".name", "strategy '" + ic.name + "' is defined twice");
    if (std::find(kKinds.begin(), kKinds.end(), ic.kind) == kKinds.end())
      return config_error(path, t->get("kind"), key + ".kind",
                          "unknown strategy '" + ic.kind + "'" + did_you_mean(ic.kind, kKinds) + " (known: macd, sma_cross, kama_tsmom)");
    const toml::node* instruments = t->get("instruments");
    if (instruments == nullptr) return config_error(path, &item, key + ".instruments", "missing (a list of symbols)");
    const toml::array* symbols = instruments->as_array();
    if (symbols == nullptr || symbols->empty())
      return config_error(path, instruments, key + ".instruments", "expected a non-empty list of symbols such as [\"BTCUSDT\"]");
    const toml::node* qty = t->get("qty");
    if (qty == nullptr) return config_error(path, &item, key + ".qty", "missing (the order size, per instrument or for all)");
    const toml::table* qty_table = qty->as_table();
    if (qty_table == nullptr && !qty->is_string())
      return config_error(path, qty, key + ".qty", "expected a decimal string such as \"0.01\" or a table { SYMBOL = \"0.01\" }");
    for (const toml::node& sym : *symbols) {
      if (!sym.is_string()) return config_error(path, &sym, key + ".instruments", "expected symbol strings");
      const std::string symbol = *sym.value<std::string>();
      auto id = cfg.registry->find(symbol);
      if (!id) return config_error(path, &sym, key + ".instruments", "unknown instrument '" + symbol + "' (not in [[instruments]])");
      for (const StrategySlotConfig& slot : ic.slots)
        if (slot.instrument == *id) return config_error(path, &sym, key + ".instruments", symbol + " listed twice");
      const toml::node* qn = qty_table != nullptr ? qty_table->get(symbol) : qty;
      const std::string qkey = key + ".qty" + (qty_table != nullptr ? "." + symbol : "");
      if (qn == nullptr) return config_error(path, qty, qkey, "missing: every instrument needs an order size");
      if (!qn->is_string()) return config_error(path, qn, qkey, "expected a decimal string such as \"0.01\"");
      Qty q;
      const std::string text = *qn->value<std::string>();
      if (parse_decimal(text, q) != ParseStatus::kOk || !q.is_positive())
        return config_error(path, qn, qkey, "expected a positive decimal, was '" + text + "'");
      if (!cfg.registry->at(*id).qty_on_lot(q))
        return config_error(path, qn, qkey, "not a multiple of the lot size " + to_string(cfg.registry->at(*id).lot_size));
      ic.slots.push_back(StrategySlotConfig{*id, q});
    }
    if (qty_table != nullptr) {
      for (const auto& [symbol, value] : *qty_table) {
        bool listed = false;
        for (const toml::node& sym : *symbols) listed = listed || (sym.is_string() && *sym.value<std::string>() == symbol.str());
        if (!listed)
          return config_error(path, &value, key + ".qty." + std::string(symbol.str()), "not in " + key + ".instruments");
      }
    }
    if (const toml::node* params = t->get("params")) {
      const toml::table* pt = params->as_table();
      if (pt == nullptr) return config_error(path, params, key + ".params", "expected a table { NAME = value }");
      for (const auto& [k, v] : *pt) {
        std::string value;
        if (v.is_string()) {
          value = *v.value<std::string>();
        } else if (v.is_integer()) {
          value = std::to_string(*v.value<std::int64_t>());
        } else if (v.is_floating_point()) {
          char buf[64];
          std::snprintf(buf, sizeof(buf), "%.17g", *v.value<double>());
          value = buf;
        } else {
          return config_error(path, &v, key + ".params." + std::string(k.str()), "expected a number or a string");
        }
        ic.params.emplace_back(std::string(k.str()), value);
      }
    }
    if (const toml::node* n = t->get("bar_interval_ms")) {
      auto v = n->value<std::int64_t>();
      if (!n->is_integer() || !v || *v < 1 || *v > 86'400'000)
        return config_error(path, n, key + ".bar_interval_ms", "expected an integer in 1..86400000");
      ic.bar_interval_ns = *v * kMs;
    }
    if (const toml::node* n = t->get("enabled")) {
      if (!n->is_boolean()) return config_error(path, n, key + ".enabled", "expected true or false");
      ic.enabled = *n->value<bool>();
    }
    SEQUENT_TRY(read_execution_style(path, *t, key, ic.execution));
    // The algorithm checks its own parameters (names, ranges, fast < slow).
    if (auto made = make_strategy(ic, ic.slots.front()); !made)
      return config_error(path, t->get("params") ? t->get("params") : &item, key + ".params", made.error().message);
    out.push_back(std::move(ic));
  }
  cfg.core.strategy.strategies = std::move(out);
  return {};
}

// [risk.strategy.NAME]: limits of one strategy. Each may only tighten the global or per-instrument
// limit it corresponds to (for every instrument the strategy trades).
Status read_strategy_limits(const std::string& path, const Reader& r, LiveConfig& cfg) {
  const toml::node* n = r.node("risk.strategy");
  if (n == nullptr) return {};
  const toml::table* t = n->as_table();
  if (t == nullptr) return config_error(path, n, "risk.strategy", "expected tables [risk.strategy.NAME]");
  static const std::vector<std::string> kKeys = {"max_order_qty", "max_order_notional", "max_position_qty",
                                                 "max_position_notional", "max_open_orders", "daily_loss_limit"};
  const std::vector<StrategyInstanceConfig> instances = cfg.core.strategy.instances();
  std::vector<std::string> names;
  for (const StrategyInstanceConfig& ic : instances) names.push_back(ic.name);
  RiskConfig& risk = cfg.core.risk;
  Reader reader = r;
  for (const auto& [name, value] : *t) {
    const std::string key = "risk.strategy." + std::string(name.str());
    const auto found = std::find(names.begin(), names.end(), std::string(name.str()));
    if (found == names.end())
      return config_error(path, &value, key, "unknown strategy" + did_you_mean(std::string(name.str()), names) +
                                                 " (strategies: the names in [[strategies]], or [strategy] name)");
    const std::size_t k = static_cast<std::size_t>(found - names.begin());
    const toml::table* lt = value.as_table();
    if (lt == nullptr) return config_error(path, &value, key, "expected a table of limits");
    for (const auto& [lk, lv] : *lt) {
      if (std::find(kKeys.begin(), kKeys.end(), std::string(lk.str())) == kKeys.end())
        return config_error(path, &lv, key + "." + std::string(lk.str()), "unknown key" + did_you_mean(std::string(lk.str()), kKeys));
    }
    StrategyRiskLimits& l = risk.per_strategy[k + 1];
    SEQUENT_TRY(reader.decimal(key + ".max_order_qty", l.max_order_qty, true));
    SEQUENT_TRY(reader.decimal(key + ".max_order_notional", l.max_order_notional, true));
    SEQUENT_TRY(reader.decimal(key + ".max_position_qty", l.max_position_qty, true));
    SEQUENT_TRY(reader.decimal(key + ".max_position_notional", l.max_position_notional, true));
    SEQUENT_TRY(reader.integer(key + ".max_open_orders", l.max_open_orders, 1, 100'000'000));
    SEQUENT_TRY(reader.decimal(key + ".daily_loss_limit", l.daily_loss_limit, true));
    // Contradictions: a per-strategy limit above the global one, or above the per-instrument
    // limit of an instrument the strategy trades.
    auto above = [&](const char* field, std::int64_t mine, std::int64_t limit, const std::string& whose) -> Status {
      if (mine > 0 && limit > 0 && mine > limit)
        return config_error(path, lt->get(field), key + "." + field,
                            "above " + whose + "; a per-strategy limit may only tighten it");
      return {};
    };
    const InstrumentRiskLimits& common = risk.default_limits;
    SEQUENT_TRY(above("max_order_qty", l.max_order_qty.raw(), common.max_order_qty.raw(), "risk.max_order_qty (" + to_string(common.max_order_qty) + ")"));
    SEQUENT_TRY(above("max_order_notional", l.max_order_notional.raw(), common.max_order_notional.raw(),
                      "risk.max_order_notional (" + to_string(common.max_order_notional) + ")"));
    SEQUENT_TRY(above("max_position_qty", l.max_position_qty.raw(), common.max_position_qty.raw(),
                      "risk.max_position_qty (" + to_string(common.max_position_qty) + ")"));
    SEQUENT_TRY(above("max_position_notional", l.max_position_notional.raw(), common.max_position_notional.raw(),
                      "risk.max_position_notional (" + to_string(common.max_position_notional) + ")"));
    for (const StrategySlotConfig& slot : instances[k].slots) {
      if (slot.instrument >= risk.per_instrument.size()) continue;
      const InstrumentRiskLimits& li = risk.per_instrument[slot.instrument];
      const std::string sym = cfg.registry->at(slot.instrument).symbol;
      SEQUENT_TRY(above("max_order_qty", l.max_order_qty.raw(), li.max_order_qty.raw(),
                        "the " + sym + " limit risk.instrument." + sym + ".max_order_qty (" + to_string(li.max_order_qty) + ")"));
      SEQUENT_TRY(above("max_order_notional", l.max_order_notional.raw(), li.max_order_notional.raw(),
                        "the " + sym + " limit risk.instrument." + sym + ".max_order_notional (" + to_string(li.max_order_notional) + ")"));
      SEQUENT_TRY(above("max_position_qty", l.max_position_qty.raw(), li.max_position_qty.raw(),
                        "the " + sym + " limit risk.instrument." + sym + ".max_position_qty (" + to_string(li.max_position_qty) + ")"));
      SEQUENT_TRY(above("max_position_notional", l.max_position_notional.raw(), li.max_position_notional.raw(),
                        "the " + sym + " limit risk.instrument." + sym + ".max_position_notional (" +
                            to_string(li.max_position_notional) + ")"));
    }
    SEQUENT_TRY(above("max_open_orders", l.max_open_orders, risk.max_open_orders,
                      "risk.max_open_orders (" + std::to_string(risk.max_open_orders) + ")"));
    SEQUENT_TRY(above("daily_loss_limit", l.daily_loss_limit.raw(), risk.daily_loss_limit.raw(),
                      "risk.daily_loss_limit (" + to_string(risk.daily_loss_limit) + ")"));
  }
  return {};
}

}  // namespace

std::string_view to_string(Role r) noexcept {
  switch (r) {
    case Role::kViewer: return "viewer";
    case Role::kTrader: return "trader";
    case Role::kManager: return "manager";
    case Role::kAdmin: return "admin";
  }
  return "viewer";
}

LiveConfig default_paper_config() {
  LiveConfig cfg;
  cfg.registry = std::make_unique<InstrumentRegistry>();
  const InstrumentId btc =
      *cfg.registry->add("BTCUSDT", "sim", price_of("0.01"), qty_of("0.00001"), money_of("5"));
  const InstrumentId eth = *cfg.registry->add("ETHUSDT", "sim", price_of("0.01"), qty_of("0.0001"), money_of("5"));
  StrategyStageConfig& s = cfg.core.strategy;
  s.name = "macd";
  s.bar_interval_ns = 100 * kMs;
  s.macd = MacdParams{12, 26, 9};
  s.slots = {{btc, qty_of("0.01")}, {eth, qty_of("0.3")}};
  cfg.core.risk.default_limits = InstrumentRiskLimits::order_limits(qty_of("1"), money_of("50000"));
  cfg.core.risk.per_instrument = {InstrumentRiskLimits::order_limits(qty_of("1"), money_of("50000")),
                                  InstrumentRiskLimits::order_limits(qty_of("20"), money_of("50000"))};
  cfg.pipeline.mode = PipelineMode::kInline;
  cfg.pipeline.wait = WaitKind::kBackoff;
  s.checkpoint_every = 10'000;
  return cfg;
}

Status apply_config_file(const std::string& path, LiveConfig& cfg) {
  std::ifstream in(path);
  if (!in) return Error{ErrorCode::kInvalidArgument, path + ": cannot open the configuration file"};
  std::stringstream text;
  text << in.rdbuf();
  return apply_config_text(text.str(), path, cfg);
}

Status apply_config_text(const std::string& text, const std::string& path, LiveConfig& cfg) {  // NOLINT
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << path << ':' << e.source().begin.line << ": " << e.description();
    return Error{ErrorCode::kInvalidArgument, out.str()};
  } catch (const std::exception& e) {
    return Error{ErrorCode::kInvalidArgument, path + ": " + e.what()};
  }
  SEQUENT_TRY(check_known_keys(path, root));
  Reader r(path, root);
  cfg.source = path;
  SEQUENT_TRY(read_instruments(path, root, cfg));
  SEQUENT_TRY(read_users(path, root, cfg));

  SEQUENT_TRY(r.integer("session.seed", cfg.seed, 0, INT64_MAX));
  if (const toml::node* n = r.node("session.mode")) {
    std::string mode;
    SEQUENT_TRY(r.string("session.mode", mode));
    if (mode == "paper") cfg.mode = OperatingMode::kPaper;
    else if (mode == "advisory") cfg.mode = OperatingMode::kAdvisory;
    else if (mode == "live") cfg.mode = OperatingMode::kLive;
    else return config_error(path, n, "session.mode", "expected paper, advisory or live, was '" + mode + "'");
  }
  std::string text_value;
  if (const toml::node* n = r.node("session.pipeline")) {
    SEQUENT_TRY(r.string("session.pipeline", text_value));
    if (!parse_pipeline_mode(text_value, cfg.pipeline.mode))
      return config_error(path, n, "session.pipeline", "expected inline, fused or threaded, was '" + text_value + "'");
  }
  if (const toml::node* n = r.node("session.wait")) {
    SEQUENT_TRY(r.string("session.wait", text_value));
    auto kind = parse_wait_kind(text_value);
    if (!kind) return config_error(path, n, "session.wait", "expected busy_spin, spin_yield or backoff, was '" + text_value + "'");
    cfg.pipeline.wait = *kind;
  }
  SEQUENT_TRY(r.integer("session.ring_capacity", cfg.pipeline.ring_capacity, 2, 1 << 24));
  SEQUENT_TRY(r.number("market.events_per_second", cfg.events_per_second, 1, 1e6));

  StrategyStageConfig& s = cfg.core.strategy;
  SEQUENT_TRY(r.string("strategy.name", s.name));
  std::int64_t bar_ms = s.bar_interval_ns / kMs;
  SEQUENT_TRY(r.integer("strategy.bar_interval_ms", bar_ms, 1, 86'400'000));
  s.bar_interval_ns = bar_ms * kMs;
  SEQUENT_TRY(r.integer("strategy.fast", s.macd.fast, 1, 10'000));
  SEQUENT_TRY(r.integer("strategy.slow", s.macd.slow, 2, 10'000));
  SEQUENT_TRY(r.integer("strategy.signal", s.macd.signal, 1, 10'000));
  if (s.macd.fast >= s.macd.slow)
    return config_error(path, r.node("strategy.fast") ? r.node("strategy.fast") : r.node("strategy.slow"),
                        "strategy.fast", "must be smaller than strategy.slow");
  if (const toml::node* q = r.node("strategy.qty")) {
    const toml::table* t = q->as_table();
    if (t == nullptr) return config_error(path, q, "strategy.qty", "expected a table of SYMBOL = \"quantity\"");
    for (const auto& [symbol, value] : *t) {
      auto id = cfg.registry->find(symbol.str());
      const std::string key = "strategy.qty." + std::string(symbol.str());
      if (!id) return config_error(path, &value, key, "unknown instrument (not in [[instruments]])");
      Qty qty;
      SEQUENT_TRY(r.decimal(key, qty, true));
      if (!cfg.registry->at(*id).qty_on_lot(qty))
        return config_error(path, &value, key, "not a multiple of the lot size " + to_string(cfg.registry->at(*id).lot_size));
      bool found = false;
      for (StrategySlotConfig& slot : s.slots) {
        if (slot.instrument == *id) {
          slot.order_qty = qty;
          found = true;
        }
      }
      if (!found) s.slots.push_back(StrategySlotConfig{*id, qty});
    }
  }
  if (const toml::node* n = r.node("strategy"); n != nullptr && n->as_table() != nullptr)
    SEQUENT_TRY(read_execution_style(path, *n->as_table(), "strategy", s.execution));
  SEQUENT_TRY(read_strategies(path, root, cfg));
  // Common limits ([risk]) apply to every instrument; [risk.instrument.SYMBOL] may only tighten.
  RiskConfig& risk = cfg.core.risk;
  std::vector<InstrumentRiskLimits*> all_limits{&risk.default_limits};
  for (InstrumentRiskLimits& l : risk.per_instrument) all_limits.push_back(&l);
  InstrumentRiskLimits common = risk.default_limits;
  SEQUENT_TRY(r.decimal("risk.max_order_qty", common.max_order_qty, true));
  SEQUENT_TRY(r.decimal("risk.max_order_notional", common.max_order_notional, true));
  SEQUENT_TRY(r.decimal("risk.max_position_qty", common.max_position_qty, true));
  SEQUENT_TRY(r.decimal("risk.max_position_notional", common.max_position_notional, true));
  SEQUENT_TRY(r.integer("risk.price_band_bps", common.price_band_bps, 1, 1'000'000));
  for (InstrumentRiskLimits* lim : all_limits) {
    if (r.node("risk.max_order_qty")) lim->max_order_qty = common.max_order_qty;
    if (r.node("risk.max_order_notional")) lim->max_order_notional = common.max_order_notional;
    if (r.node("risk.max_position_qty")) lim->max_position_qty = common.max_position_qty;
    if (r.node("risk.max_position_notional")) lim->max_position_notional = common.max_position_notional;
    if (r.node("risk.price_band_bps")) lim->price_band_bps = common.price_band_bps;
  }
  SEQUENT_TRY(r.decimal("risk.initial_equity", risk.initial_equity, true));
  if (const toml::node* n = r.node("risk.max_gross_exposure")) {
    Money fraction;  // a multiple of equity, e.g. "2" or "0.5"
    SEQUENT_TRY(r.decimal("risk.max_gross_exposure", fraction, true));
    if (fraction.raw() % 10'000 != 0) return config_error(path, n, "risk.max_gross_exposure", "at most 4 decimal places");
    risk.max_gross_exposure_bps = fraction.raw() / 10'000;
  }
  for (const char* flag : {"risk.cancel_on_halt", "risk.flatten_on_halt"}) {
    if (const toml::node* n = r.node(flag)) {
      if (!n->is_boolean()) return config_error(path, n, flag, "expected true or false");
      (std::string(flag) == "risk.cancel_on_halt" ? cfg.core.router.cancel_on_kill_switch : cfg.core.router.flatten_on_kill_switch) =
          *n->value<bool>();
    }
  }
  SEQUENT_TRY(r.decimal("risk.daily_loss_limit", risk.daily_loss_limit, true));
  if (const toml::node* n = r.node("risk.max_drawdown")) {
    Money fraction;  // of the day's peak equity, e.g. "0.05"
    SEQUENT_TRY(r.decimal("risk.max_drawdown", fraction, true));
    if (fraction.raw() % 10'000 != 0 || fraction > Money::from_units(1))
      return config_error(path, n, "risk.max_drawdown", "expected a fraction in (0, 1] with at most 4 decimal places");
    risk.max_drawdown_bps = fraction.raw() / 10'000;
  }
  SEQUENT_TRY(r.integer("risk.max_open_orders", risk.max_open_orders, 1, 100'000'000));
  SEQUENT_TRY(r.integer("risk.max_orders_per_second", risk.max_orders_per_second, 1, 10'000'000));
  SEQUENT_TRY(r.integer("risk.max_orders_per_day", risk.max_orders_per_day, 1, 1'000'000'000));
  if (const toml::node* n = r.node("risk.trading_day_start_utc")) {
    SEQUENT_TRY(r.string("risk.trading_day_start_utc", text_value));
    int hh = -1, mm = -1;
    if (text_value.size() != 5 || text_value[2] != ':' || std::sscanf(text_value.c_str(), "%2d:%2d", &hh, &mm) != 2 || hh < 0 ||
        hh > 23 || mm < 0 || mm > 59)
      return config_error(path, n, "risk.trading_day_start_utc", "expected HH:MM (UTC), was '" + text_value + "'");
    risk.day_start_offset_ns = (static_cast<TimeNs>(hh) * 60 + mm) * 60 * 1'000'000'000;
  }
  if (const toml::node* n = r.node("risk.instrument")) {
    const toml::table* t = n->as_table();
    if (t == nullptr) return config_error(path, n, "risk.instrument", "expected tables [risk.instrument.SYMBOL]");
    static const std::vector<std::string> kKeys = {"allowed", "max_order_qty", "max_order_notional", "max_position_qty",
                                                   "max_position_notional", "price_band_bps"};
    for (const auto& [symbol, value] : *t) {
      const std::string key = "risk.instrument." + std::string(symbol.str());
      auto id = cfg.registry->find(symbol.str());
      if (!id) return config_error(path, &value, key, "unknown instrument (not in [[instruments]])");
      const toml::table* lt = value.as_table();
      if (lt == nullptr) return config_error(path, &value, key, "expected a table of limits");
      for (const auto& [k, v] : *lt) {
        if (std::find(kKeys.begin(), kKeys.end(), std::string(k.str())) == kKeys.end())
          return config_error(path, &v, key + "." + std::string(k.str()), "unknown key" + did_you_mean(std::string(k.str()), kKeys));
      }
      InstrumentRiskLimits& lim = risk.per_instrument[*id];
      if (const toml::node* a = lt->get("allowed")) {
        if (!a->is_boolean()) return config_error(path, a, key + ".allowed", "expected true or false");
        lim.allowed = *a->value<bool>();
      }
      SEQUENT_TRY(r.decimal(key + ".max_order_qty", lim.max_order_qty, true));
      SEQUENT_TRY(r.decimal(key + ".max_order_notional", lim.max_order_notional, true));
      SEQUENT_TRY(r.decimal(key + ".max_position_qty", lim.max_position_qty, true));
      SEQUENT_TRY(r.decimal(key + ".max_position_notional", lim.max_position_notional, true));
      SEQUENT_TRY(r.integer(key + ".price_band_bps", lim.price_band_bps, 1, 1'000'000));
      // Contradictions: a per-instrument limit looser than the common one.
      auto looser = [&](const char* field, std::int64_t mine, std::int64_t global) -> Status {
        if (r.node(std::string("risk.") + field) && global > 0 && (mine == 0 || mine > global))
          return config_error(path, r.node(key + "." + field), key + "." + field,
                              std::string("looser than the common risk.") + field + "; a per-instrument limit may only tighten it");
        return {};
      };
      if (lt->get("max_order_qty")) SEQUENT_TRY(looser("max_order_qty", lim.max_order_qty.raw(), common.max_order_qty.raw()));
      if (lt->get("max_order_notional"))
        SEQUENT_TRY(looser("max_order_notional", lim.max_order_notional.raw(), common.max_order_notional.raw()));
      if (lt->get("max_position_qty")) SEQUENT_TRY(looser("max_position_qty", lim.max_position_qty.raw(), common.max_position_qty.raw()));
      if (lt->get("max_position_notional"))
        SEQUENT_TRY(looser("max_position_notional", lim.max_position_notional.raw(), common.max_position_notional.raw()));
    }
  }
  SEQUENT_TRY(read_strategy_limits(path, r, cfg));
  const int cpus = 1024;
  SEQUENT_TRY(r.integer("threads.sequencer", cfg.sequencer_cpu, -1, cpus));
  SEQUENT_TRY(r.integer("threads.venue", cfg.venue_cpu, -1, cpus));
  SEQUENT_TRY(r.integer("threads.core", cfg.pipeline.core_cpu, -1, cpus));
  SEQUENT_TRY(r.integer("threads.strategy", cfg.pipeline.strategy_cpu, -1, cpus));
  SEQUENT_TRY(r.integer("threads.risk", cfg.pipeline.risk_cpu, -1, cpus));
  SEQUENT_TRY(r.integer("threads.router", cfg.pipeline.router_cpu, -1, cpus));
  SEQUENT_TRY(r.integer("threads.console", cfg.console_cpu, -1, cpus));
  SEQUENT_TRY(r.string("console.address", cfg.console));
  if (const toml::node* n = r.node("console.enabled")) {
    if (!n->is_boolean()) return config_error(path, n, "console.enabled", "expected true or false");
    cfg.console_settings.enabled = *n->value<bool>();
  }
  SEQUENT_TRY(r.string("console.tls_cert", cfg.console_settings.tls_cert));
  SEQUENT_TRY(r.string("console.tls_key", cfg.console_settings.tls_key));
  if (cfg.console_settings.tls_cert.empty() != cfg.console_settings.tls_key.empty())
    return config_error(path, r.node(cfg.console_settings.tls_cert.empty() ? "console.tls_key" : "console.tls_cert"),
                        "console.tls_cert", "TLS needs both tls_cert and tls_key");
  SEQUENT_TRY(r.integer("console.max_frame_bytes", cfg.console_settings.max_frame_bytes, 256, 16 << 20));
  SEQUENT_TRY(r.number("console.rate_limit_per_s", cfg.console_settings.rate_limit_per_s, 0.1, 100'000));
  SEQUENT_TRY(r.integer("console.max_connections", cfg.console_settings.max_connections, 1, 10'000));
  SEQUENT_TRY(r.integer("console.max_backlog", cfg.console_settings.max_backlog, 16, 1'000'000));

  if (const toml::node* n = r.node("journal.enabled")) {
    if (!n->is_boolean()) return config_error(path, n, "journal.enabled", "expected true or false");
    cfg.journal_enabled = *n->value<bool>();
  }
  SEQUENT_TRY(r.string("journal.dir", cfg.journal_dir));

  VenueSettings& v = cfg.venue;
  SEQUENT_TRY(r.string("venue.kind", v.kind));
  if (v.kind != "sim" && v.kind != "binance")
    return config_error(path, r.node("venue.kind"), "venue.kind", "expected \"sim\" or \"binance\", was \"" + v.kind + "\"");
  SEQUENT_TRY(r.string("venue.rest_url", v.rest_url));
  SEQUENT_TRY(r.string("venue.ws_market_url", v.ws_market_url));
  SEQUENT_TRY(r.string("venue.ws_api_url", v.ws_api_url));
  SEQUENT_TRY(r.string("venue.api_key_env", v.api_key_env));
  SEQUENT_TRY(r.string("venue.api_secret_env", v.api_secret_env));
  SEQUENT_TRY(r.integer("venue.recv_window_ms", v.recv_window_ms, 1, 60'000));
  if (const toml::node* n = r.node("venue.tls_verify")) {
    if (!n->is_boolean()) return config_error(path, n, "venue.tls_verify", "expected true or false");
    v.tls_verify = *n->value<bool>();
  }
  SEQUENT_TRY(r.string("venue.tls_ca_file", v.tls_ca_file));
  SEQUENT_TRY(r.integer("venue.error_limit", v.error_limit, 0, 1'000'000));
  SEQUENT_TRY(r.integer("venue.rotate_after_ms", v.rotate_after_ms, 100, 86'400'000));
  for (const char* key : {"venue.api_key_env", "venue.api_secret_env"}) {
    const std::string& name = std::string(key) == "venue.api_key_env" ? v.api_key_env : v.api_secret_env;
    bool ok = !name.empty();
    for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!ok)
      return config_error(path, r.node(key), key,
                          "expected the NAME of an environment variable (letters, digits, _), never the secret itself");
  }
  if (const toml::node* n = r.node("journal.durability")) {
    SEQUENT_TRY(r.string("journal.durability", text_value));
    if (text_value == "none") cfg.durability = journal::Durability::kNone;
    else if (text_value == "batch") cfg.durability = journal::Durability::kBatch;
    else return config_error(path, n, "journal.durability", "expected none or batch, was '" + text_value + "'");
  }
  if (const toml::node* n = r.node("journal.gate_orders")) {
    if (!n->is_boolean()) return config_error(path, n, "journal.gate_orders", "expected true or false");
    cfg.gate_orders = *n->value<bool>();
  }
  SEQUENT_TRY(r.integer("journal.checkpoint_every", cfg.core.strategy.checkpoint_every, 0, INT64_MAX));
  SEQUENT_TRY(r.integer("journal.stall_limit_ms", cfg.stall_limit_ms, 1, 3'600'000));
  return {};
}

std::string instruments_text(const InstrumentRegistry& registry) {
  std::string out;
  for (const Instrument& ins : registry.all()) {
    out += std::to_string(ins.id) + " " + ins.symbol + " " + ins.venue + " " + to_string(ins.tick_size) + " " +
           to_string(ins.lot_size) + " " + to_string(ins.min_notional) + "\n";
  }
  return out;
}

std::string resolved_config_text(const LiveConfig& cfg) {
  std::ostringstream o;
  o << "# resolved configuration (written by sequent)\n";
  for (const Instrument& ins : cfg.registry->all()) {
    o << "[[instruments]]\nsymbol = \"" << ins.symbol << "\"\nvenue = \"" << ins.venue << "\"\ntick_size = \"" << to_string(ins.tick_size)
      << "\"\nlot_size = \"" << to_string(ins.lot_size) << "\"\nmin_notional = \"" << to_string(ins.min_notional) << "\"\n";
    if (ins.id < cfg.sim_start_prices.size() && cfg.sim_start_prices[ins.id].is_positive())
      o << "sim_start_price = \"" << to_string(cfg.sim_start_prices[ins.id]) << "\"\n";
    o << "\n";
  }
  o << "[session]\nmode = \"" << (cfg.mode == OperatingMode::kPaper ? "paper" : (cfg.mode == OperatingMode::kAdvisory ? "advisory" : "live"))
    << "\"\nseed = " << cfg.seed << "\npipeline = \"" << to_string(cfg.pipeline.mode) << "\"\nwait = \""
    << to_string(cfg.pipeline.wait) << "\"\nring_capacity = " << cfg.pipeline.ring_capacity << "\n\n";
  char rate[64];
  std::snprintf(rate, sizeof(rate), "%.17g", cfg.events_per_second);
  o << "[market]\nevents_per_second = " << rate << "\n\n";
  const StrategyStageConfig& s = cfg.core.strategy;
  if (s.strategies.empty()) {
    o << "[strategy]\nname = \"" << s.name << "\"\nbar_interval_ms = " << s.bar_interval_ns / kMs << "\nfast = " << s.macd.fast
      << "\nslow = " << s.macd.slow << "\nsignal = " << s.macd.signal << "\norder_type = \"" << order_type_key(s.execution.order_type)
      << "\"\nlimit_offset_bps = " << s.execution.limit_offset_bps << "\norder_ttl_ms = " << s.execution.order_ttl_ms
      << "\n\n[strategy.qty]\n";
    for (const StrategySlotConfig& slot : s.slots)
      o << cfg.registry->at(slot.instrument).symbol << " = \"" << to_string(slot.order_qty) << "\"\n";
  } else {
    for (const StrategyInstanceConfig& ic : s.strategies) {
      o << "[[strategies]]\nname = \"" << ic.name << "\"\nkind = \"" << ic.kind << "\"\nbar_interval_ms = "
        << (ic.bar_interval_ns > 0 ? ic.bar_interval_ns : s.bar_interval_ns) / kMs << "\nenabled = " << (ic.enabled ? "true" : "false")
        << "\ninstruments = [";
      for (std::size_t i = 0; i < ic.slots.size(); ++i)
        o << (i == 0 ? "\"" : ", \"") << cfg.registry->at(ic.slots[i].instrument).symbol << "\"";
      o << "]\nqty = { ";
      for (std::size_t i = 0; i < ic.slots.size(); ++i)
        o << (i == 0 ? "" : ", ") << cfg.registry->at(ic.slots[i].instrument).symbol << " = \"" << to_string(ic.slots[i].order_qty) << "\"";
      o << " }\nparams = { ";
      for (std::size_t i = 0; i < ic.params.size(); ++i)
        o << (i == 0 ? "" : ", ") << ic.params[i].first << " = \"" << ic.params[i].second << "\"";
      o << " }\norder_type = \"" << order_type_key(ic.execution.order_type) << "\"\nlimit_offset_bps = "
        << ic.execution.limit_offset_bps << "\norder_ttl_ms = " << ic.execution.order_ttl_ms << "\n\n";
    }
  }
  o << "\n[threads]\nsequencer = " << cfg.sequencer_cpu << "\nvenue = " << cfg.venue_cpu << "\ncore = " << cfg.pipeline.core_cpu
    << "\nstrategy = " << cfg.pipeline.strategy_cpu << "\nrisk = " << cfg.pipeline.risk_cpu << "\nrouter = " << cfg.pipeline.router_cpu << "\nconsole = " << cfg.console_cpu
    << "\n\n[console]\naddress = \"" << cfg.console << "\"\nenabled = " << (cfg.console_settings.enabled ? "true" : "false")
    << "\nmax_frame_bytes = " << cfg.console_settings.max_frame_bytes << "\nrate_limit_per_s = " << cfg.console_settings.rate_limit_per_s
    << "\nmax_connections = " << cfg.console_settings.max_connections << "\nmax_backlog = " << cfg.console_settings.max_backlog << "\n";
  // Certificate paths are recorded, never their contents.
  if (!cfg.console_settings.tls_cert.empty())
    o << "tls_cert = \"" << cfg.console_settings.tls_cert << "\"\ntls_key = \"" << cfg.console_settings.tls_key << "\"\n";
  o << "\n";
  o << "[venue]\nkind = \"" << cfg.venue.kind << "\"\n";
  if (cfg.venue.kind != "sim") {
    // Endpoints and the NAMES of the credential variables: never their values.
    o << "rest_url = \"" << cfg.venue.rest_url << "\"\nws_market_url = \"" << cfg.venue.ws_market_url
      << "\"\nws_api_url = \"" << cfg.venue.ws_api_url << "\"\napi_key_env = \"" << cfg.venue.api_key_env
      << "\"\napi_secret_env = \"" << cfg.venue.api_secret_env << "\"\nrecv_window_ms = " << cfg.venue.recv_window_ms
      << "\ntls_verify = " << (cfg.venue.tls_verify ? "true" : "false") << "\n";
    if (!cfg.venue.tls_ca_file.empty()) o << "tls_ca_file = \"" << cfg.venue.tls_ca_file << "\"\n";
    o << "rotate_after_ms = " << cfg.venue.rotate_after_ms << "\n";
  }
  o << "error_limit = " << cfg.venue.error_limit << "\n\n";
  o << "[journal]\nenabled = " << (cfg.journal_enabled ? "true" : "false") << "\ndurability = \""
    << (cfg.durability == journal::Durability::kNone ? "none" : "batch") << "\"\ngate_orders = " << (cfg.gate_orders ? "true" : "false")
    << "\ncheckpoint_every = " << s.checkpoint_every << "\nstall_limit_ms = " << cfg.stall_limit_ms << "\n";
  for (const UserConfig& u : cfg.users)
    o << "\n[[users]]\nname = \"" << u.name << "\"\nrole = \"" << to_string(u.role) << "\"\ntoken_sha256 = \"" << u.token_sha256 << "\"\n";
  const RiskConfig& risk = cfg.core.risk;
  char day[32];
  const long minutes = static_cast<long>(risk.day_start_offset_ns / (60LL * 1'000'000'000));
  std::snprintf(day, sizeof(day), "%02ld:%02ld", minutes / 60, minutes % 60);
  o << "\n[risk]\ncancel_on_halt = " << (cfg.core.router.cancel_on_kill_switch ? "true" : "false") << "\nflatten_on_halt = "
    << (cfg.core.router.flatten_on_kill_switch ? "true" : "false") << "\ninitial_equity = \"" << to_string(risk.initial_equity) << "\"\ntrading_day_start_utc = \"" << day << "\"\n";
  if (risk.max_gross_exposure_bps > 0)
    o << "max_gross_exposure = \"" << to_string(Money::from_raw(risk.max_gross_exposure_bps * 10'000)) << "\"\n";
  if (risk.daily_loss_limit.is_positive()) o << "daily_loss_limit = \"" << to_string(risk.daily_loss_limit) << "\"\n";
  if (risk.max_drawdown_bps > 0) o << "max_drawdown = \"" << to_string(Money::from_raw(risk.max_drawdown_bps * 10'000)) << "\"\n";
  // The common limits (risk's defaults, part of its state hash) where every instrument's own
  // limit is within them, so reading this text back gives the same defaults and the same hash.
  {
    const InstrumentRiskLimits& d = risk.default_limits;
    auto within = [&](auto field) {
      if (!(d.*field).is_positive()) return false;
      for (const InstrumentRiskLimits& l : risk.per_instrument)
        if (!(l.*field).is_positive() || (l.*field) > (d.*field)) return false;
      return true;
    };
    if (within(&InstrumentRiskLimits::max_order_qty)) o << "max_order_qty = \"" << to_string(d.max_order_qty) << "\"\n";
    if (within(&InstrumentRiskLimits::max_order_notional)) o << "max_order_notional = \"" << to_string(d.max_order_notional) << "\"\n";
    if (within(&InstrumentRiskLimits::max_position_qty)) o << "max_position_qty = \"" << to_string(d.max_position_qty) << "\"\n";
    if (within(&InstrumentRiskLimits::max_position_notional))
      o << "max_position_notional = \"" << to_string(d.max_position_notional) << "\"\n";
  }
  if (risk.max_open_orders > 0) o << "max_open_orders = " << risk.max_open_orders << "\n";
  if (risk.max_orders_per_second > 0) o << "max_orders_per_second = " << risk.max_orders_per_second << "\n";
  if (risk.max_orders_per_day > 0) o << "max_orders_per_day = " << risk.max_orders_per_day << "\n";
  for (std::size_t i = 0; i < risk.per_instrument.size(); ++i) {
    const InstrumentRiskLimits& l = risk.per_instrument[i];
    o << "\n[risk.instrument." << cfg.registry->at(static_cast<InstrumentId>(i)).symbol << "]\nallowed = "
      << (l.allowed ? "true" : "false") << "\n";
    if (l.max_order_qty.is_positive()) o << "max_order_qty = \"" << to_string(l.max_order_qty) << "\"\n";
    if (l.max_order_notional.is_positive()) o << "max_order_notional = \"" << to_string(l.max_order_notional) << "\"\n";
    if (l.max_position_qty.is_positive()) o << "max_position_qty = \"" << to_string(l.max_position_qty) << "\"\n";
    if (l.max_position_notional.is_positive()) o << "max_position_notional = \"" << to_string(l.max_position_notional) << "\"\n";
    if (l.price_band_bps > 0) o << "price_band_bps = " << l.price_band_bps << "\n";
  }
  const std::vector<StrategyInstanceConfig> instances = s.instances();
  for (std::size_t k = 0; k < instances.size() && k + 1 < risk.per_strategy.size(); ++k) {
    const StrategyRiskLimits& l = risk.per_strategy[k + 1];
    if (!l.any()) continue;
    o << "\n[risk.strategy." << instances[k].name << "]\n";
    if (l.max_order_qty.is_positive()) o << "max_order_qty = \"" << to_string(l.max_order_qty) << "\"\n";
    if (l.max_order_notional.is_positive()) o << "max_order_notional = \"" << to_string(l.max_order_notional) << "\"\n";
    if (l.max_position_qty.is_positive()) o << "max_position_qty = \"" << to_string(l.max_position_qty) << "\"\n";
    if (l.max_position_notional.is_positive()) o << "max_position_notional = \"" << to_string(l.max_position_notional) << "\"\n";
    if (l.max_open_orders > 0) o << "max_open_orders = " << l.max_open_orders << "\n";
    if (l.daily_loss_limit.is_positive()) o << "daily_loss_limit = \"" << to_string(l.daily_loss_limit) << "\"\n";
  }
  return o.str();
}

}  // namespace sequent::tools
