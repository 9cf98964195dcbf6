#include "replay/report.hpp"

#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>

#include "engine/state_hash.hpp"

namespace sequent::replay {

namespace {

constexpr double kSecondsPerYear = 365.25 * 86400.0;

std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  // Shortest text that reads back to the same double (full precision, no 0.1 → 0.10000000000000001).
  char buf[40];
  // Fixed notation (100000, not 1e+05): shortest digits that read back to the same double.
  char big[400];
  const auto res = std::to_chars(big, big + sizeof(big), v, std::chars_format::fixed);
  if (res.ec == std::errc()) return std::string(big, res.ptr);
  const auto alt = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, alt.ptr);
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string params_text(const BacktestReport& r) {
  std::string s;
  for (const auto& [k, v] : r.params) s += (s.empty() ? "" : ",") + k + "=" + v;
  return s;
}

}  // namespace

PerformanceTracker::PerformanceTracker(Money initial_cash) noexcept
    : initial_cash_(initial_cash),
      cash_(initial_cash),
      equity_(initial_cash),
      previous_equity_(initial_cash.to_double()),
      peak_(initial_cash.to_double()) {}

void PerformanceTracker::on_fill(TimeNs t, Side side, Price price, Qty qty, Money fee) {
  const Money value = notional(price, qty);
  cash_ += side == Side::kBuy ? -value : value;
  cash_ -= fee;
  fees_ += fee;
  const double q = qty.to_double(), p = price.to_double(), f = fee.to_double();
  const Qty signed_qty = side == Side::kBuy ? qty : -qty;
  const bool adding = position_.is_zero() || (position_.is_positive() == signed_qty.is_positive());
  if (adding) {
    if (!open_) {
      open_ = true;
      current_ = TradeRecord{};
      current_.side = side;
      current_.entry_time = t;
      entry_qty_ = entry_value_ = exit_qty_ = exit_value_ = realised_ = 0;
    }
    entry_qty_ += q;
    entry_value_ += p * q;
    current_.fees += f;
    position_ += signed_qty;
    return;
  }
  // Reducing: close up to the open quantity; the rest (a flip) opens the next trade.
  const double open_qty = std::fabs(position_.to_double());
  const double closed = q < open_qty ? q : open_qty;
  const double share = q > 0 ? closed / q : 1.0;
  const double avg_entry = entry_qty_ > 0 ? entry_value_ / entry_qty_ : 0.0;
  const double dir = current_.side == Side::kBuy ? 1.0 : -1.0;
  exit_qty_ += closed;
  exit_value_ += p * closed;
  realised_ += dir * (p - avg_entry) * closed;
  current_.fees += f * share;
  const Qty remaining_signed = position_ + signed_qty;
  const bool flat_or_flipped = remaining_signed.is_zero() || (remaining_signed.is_positive() != position_.is_positive());
  position_ = remaining_signed;
  if (!flat_or_flipped) return;
  current_.qty = entry_qty_;
  current_.entry_price = avg_entry;
  current_.exit_time = t;
  current_.exit_price = exit_qty_ > 0 ? exit_value_ / exit_qty_ : 0.0;
  current_.pnl = realised_ - current_.fees;
  trades_.push_back(current_);
  open_ = false;
  if (!position_.is_zero()) {
    open_ = true;
    current_ = TradeRecord{};
    current_.side = side;
    current_.entry_time = t;
    entry_qty_ = std::fabs(position_.to_double());
    entry_value_ = p * entry_qty_;
    exit_qty_ = exit_value_ = realised_ = 0;
    current_.fees = f * (1.0 - share);
  }
}

void PerformanceTracker::on_bar_close(TimeNs t, Price close) noexcept {
  equity_ = position_.is_zero() ? cash_ : cash_ + notional(close, position_);  // skip the 128-bit divide when flat
  const double eq = equity_.to_double();
  if (bars_ == 0) first_ns_ = t;
  last_ns_ = t;
  ++bars_;
  if (!position_.is_zero()) ++bars_in_market_;
  // A return needs positive equity to be relative to. Once the account has gone to zero or below
  // (orders are not limited to the cash), the ratios are undefined and reported as null;
  // max_drawdown is 1 and total_return shows the loss.
  if (eq <= 0.0) ruined_ = true;
  if (!ruined_ && previous_equity_ > 0.0) {
    const double r = eq / previous_equity_ - 1.0;
    ++returns_;
    const double delta = r - mean_;
    mean_ += delta / static_cast<double>(returns_);
    m2_ += delta * (r - mean_);
    if (r < 0) downside_sq_ += r * r;
  }
  previous_equity_ = eq;
  if (eq > peak_) peak_ = eq;
  if (peak_ > 0) {
    // Equity below zero (orders are not limited to the cash: a backtest may borrow) is a total loss.
    const double dd = eq > 0 ? (peak_ - eq) / peak_ : 1.0;
    if (dd > max_drawdown_) max_drawdown_ = dd;
  }
}

void PerformanceTracker::finish(TimeNs interval_ns, BacktestReport& report) const {
  report.bars = bars_;
  report.start_ns = first_ns_;
  report.end_ns = last_ns_;
  report.interval_ns = interval_ns;
  report.initial_cash = initial_cash_.to_double();
  report.final_equity = equity_.to_double();
  report.total_return = report.initial_cash != 0 ? report.final_equity / report.initial_cash - 1.0 : 0.0;
  const double periods = interval_ns > 0 ? kSecondsPerYear / (static_cast<double>(interval_ns) / 1e9) : 0.0;
  const double ann = std::sqrt(periods);
  const double stdev = returns_ > 1 ? std::sqrt(m2_ / static_cast<double>(returns_ - 1)) : 0.0;
  report.sharpe = stdev > 0 ? mean_ / stdev * ann : 0.0;
  const double downside = returns_ > 0 ? std::sqrt(downside_sq_ / static_cast<double>(returns_)) : 0.0;
  report.sortino = downside > 0 ? mean_ / downside * ann : 0.0;
  if (ruined_) report.sharpe = report.sortino = std::numeric_limits<double>::quiet_NaN();
  report.max_drawdown = max_drawdown_;
  report.exposure = bars_ > 0 ? static_cast<double>(bars_in_market_) / static_cast<double>(bars_) : 0.0;
  report.fees = fees_.to_double();
  report.final_position = position_.to_double();
  report.trades = trades_;
  report.num_trades = trades_.size();
  double wins = 0, gross_profit = 0, gross_loss = 0;
  for (const TradeRecord& t : trades_) {
    if (t.pnl > 0) {
      ++wins;
      gross_profit += t.pnl;
    } else {
      gross_loss -= t.pnl;
    }
  }
  report.win_rate = trades_.empty() ? 0.0 : wins / static_cast<double>(trades_.size());
  report.profit_factor = gross_loss > 0 ? gross_profit / gross_loss
                                        : (gross_profit > 0 ? std::numeric_limits<double>::infinity() : 0.0);
}

std::string iso8601_utc(TimeNs t) {
  std::int64_t secs = t / 1'000'000'000;
  if (t < 0 && t % 1'000'000'000 != 0) --secs;
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string format_summary(const BacktestReport& r) {
  char hash[17] = {};
  format_hash_hex(r.state_hash, hash);
  std::string s;
  auto line = [&](const char* key, const std::string& value) { s += std::string(key) + "=" + value + "\n"; };
  line("strategy", r.strategy);
  line("params", params_text(r));
  line("symbol", r.symbol);
  line("bars", std::to_string(r.bars));
  line("start", iso8601_utc(r.start_ns));
  line("end", iso8601_utc(r.end_ns));
  line("initial_cash", number(r.initial_cash));
  line("final_equity", number(r.final_equity));
  line("total_return", number(r.total_return));
  line("sharpe", number(r.sharpe));
  line("sortino", number(r.sortino));
  line("max_drawdown", number(r.max_drawdown));
  line("win_rate", number(r.win_rate));
  line("profit_factor", std::isfinite(r.profit_factor) ? number(r.profit_factor) : "inf");
  line("num_trades", std::to_string(r.num_trades));
  line("fees", number(r.fees));
  line("exposure", number(r.exposure));
  line("final_position", number(r.final_position));
  line("gaps", std::to_string(r.gaps) + (r.gaps > 0 ? " (largest " + std::to_string(r.largest_gap_ns / 1'000'000'000) + " s)" : ""));
  line("bad_lines_skipped", std::to_string(r.bad_lines_skipped) +
                                (r.bad_lines_skipped > 0 ? " (first: " + r.first_bad_line + ")" : ""));
  line("state_hash", hash);
  char ms[32];
  std::snprintf(ms, sizeof(ms), "%.3f", r.elapsed_ms);
  line("elapsed_ms", ms);
  return s;
}

std::string format_report_json(const BacktestReport& r) {
  char hash[17] = {};
  format_hash_hex(r.state_hash, hash);
  std::string s = "{";
  auto field = [&](const char* key, const std::string& value) {
    if (s.size() > 1) s += ",";
    s += "\n  \"" + std::string(key) + "\": " + value;
  };
  field("strategy", json_string(r.strategy));
  std::string params = "{";
  for (const auto& [k, v] : r.params) params += (params.size() > 1 ? ", " : "") + json_string(k) + ": " + json_string(v);
  field("params", params + "}");
  field("symbol", json_string(r.symbol));
  field("bars", std::to_string(r.bars));
  field("start", json_string(iso8601_utc(r.start_ns)));
  field("end", json_string(iso8601_utc(r.end_ns)));
  field("initial_cash", number(r.initial_cash));
  field("final_equity", number(r.final_equity));
  field("total_return", number(r.total_return));
  field("sharpe", number(r.sharpe));
  field("sortino", number(r.sortino));
  field("max_drawdown", number(r.max_drawdown));
  field("win_rate", number(r.win_rate));
  field("profit_factor", number(r.profit_factor));
  field("num_trades", std::to_string(r.num_trades));
  field("fees", number(r.fees));
  field("exposure", number(r.exposure));
  field("final_position", number(r.final_position));
  field("orders", std::to_string(r.orders));
  field("fills", std::to_string(r.fills));
  field("state_hash", json_string(hash));
  field("elapsed_ms", number(r.elapsed_ms));
  field("gaps", std::to_string(r.gaps));
  field("largest_gap_seconds", number(static_cast<double>(r.largest_gap_ns) / 1e9));
  field("bad_lines_skipped", std::to_string(r.bad_lines_skipped));
  std::string trades = "[";
  for (const TradeRecord& t : r.trades) {
    trades += (trades.size() > 1 ? ",\n    " : "\n    ");
    trades += "{\"side\": " + json_string(t.side == Side::kBuy ? "long" : "short") + ", \"qty\": " + number(t.qty) +
              ", \"entry_time\": " + json_string(iso8601_utc(t.entry_time)) + ", \"entry_price\": " + number(t.entry_price) +
              ", \"exit_time\": " + json_string(iso8601_utc(t.exit_time)) + ", \"exit_price\": " + number(t.exit_price) +
              ", \"pnl\": " + number(t.pnl) + ", \"fees\": " + number(t.fees) + "}";
  }
  field("trades", trades + (r.trades.empty() ? "]" : "\n  ]"));
  return s + "\n}\n";
}

std::string format_trades_csv(const BacktestReport& r) {
  std::string s = "side,qty,entry_time,entry_price,exit_time,exit_price,pnl,fees\n";
  for (const TradeRecord& t : r.trades) {
    s += std::string(t.side == Side::kBuy ? "long" : "short") + "," + number(t.qty) + "," + iso8601_utc(t.entry_time) + "," +
         number(t.entry_price) + "," + iso8601_utc(t.exit_time) + "," + number(t.exit_price) + "," + number(t.pnl) + "," +
         number(t.fees) + "\n";
  }
  return s;
}

}  // namespace sequent::replay
