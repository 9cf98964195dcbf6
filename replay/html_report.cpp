#include "replay/html_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace sequent::replay {

namespace {

constexpr double kWidth = 1000, kHeight = 260, kPad = 40;

std::string fmt(double v, int decimals = 2) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

std::string date(TimeNs t) {
  const std::time_t s = static_cast<std::time_t>(t / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
  return buf;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

struct Scale {
  TimeNs t0, t1;
  double lo, hi;
  double x(TimeNs t) const { return kPad + (t1 > t0 ? static_cast<double>(t - t0) / static_cast<double>(t1 - t0) : 0) * (kWidth - 2 * kPad); }
  double y(double v) const { return kHeight - kPad - (hi > lo ? (v - lo) / (hi - lo) : 0.5) * (kHeight - 2 * kPad); }
};

std::string chart(const std::string& title, const std::vector<SeriesPoint>& s, double (*value)(const SeriesPoint&),
                  const std::string& colour, const std::string& extra, Scale* out_scale, bool fill_to_zero = false) {
  std::string svg = "<h2>" + title + "</h2>\n<svg viewBox=\"0 0 " + fmt(kWidth, 0) + " " + fmt(kHeight, 0) +
                    "\" role=\"img\" aria-label=\"" + escape(title) + "\">\n";
  if (s.empty()) return svg + "<text x=\"40\" y=\"40\">no data</text></svg>\n";
  Scale sc{s.front().t, s.back().t, value(s.front()), value(s.front())};
  for (const SeriesPoint& p : s) {
    sc.lo = std::min(sc.lo, value(p));
    sc.hi = std::max(sc.hi, value(p));
  }
  if (fill_to_zero) sc.hi = std::max(sc.hi, 0.0);
  svg += "<rect x=\"" + fmt(kPad, 0) + "\" y=\"" + fmt(kPad, 0) + "\" width=\"" + fmt(kWidth - 2 * kPad, 0) + "\" height=\"" +
         fmt(kHeight - 2 * kPad, 0) + "\" class=\"frame\"/>\n";
  svg += "<text x=\"4\" y=\"" + fmt(kPad + 4, 0) + "\" class=\"axis\">" + fmt(sc.hi) + "</text>\n";
  svg += "<text x=\"4\" y=\"" + fmt(kHeight - kPad, 0) + "\" class=\"axis\">" + fmt(sc.lo) + "</text>\n";
  svg += "<text x=\"" + fmt(kPad, 0) + "\" y=\"" + fmt(kHeight - 8, 0) + "\" class=\"axis\">" + date(sc.t0) + "</text>\n";
  svg += "<text x=\"" + fmt(kWidth - kPad - 110, 0) + "\" y=\"" + fmt(kHeight - 8, 0) + "\" class=\"axis\">" + date(sc.t1) + "</text>\n";
  svg += "<polyline fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"1.2\" points=\"";
  for (const SeriesPoint& p : s) svg += fmt(sc.x(p.t), 1) + "," + fmt(sc.y(value(p)), 1) + " ";
  svg += "\"/>\n";
  if (out_scale != nullptr) *out_scale = sc;
  return svg + extra + "</svg>\n";
}

double close_of(const SeriesPoint& p) { return p.close; }
double equity_of(const SeriesPoint& p) { return p.equity; }

}  // namespace

std::string format_report_html(const BacktestReport& r, const std::vector<SeriesPoint>& series) {
  // Drawdown from the running peak, in percent (negative).
  std::vector<SeriesPoint> dd = series;
  double peak = 0;
  for (SeriesPoint& p : dd) {
    peak = std::max(peak, p.equity);
    p.equity = peak > 0 ? (p.equity > 0 ? (p.equity / peak - 1.0) * 100.0 : -100.0) : 0.0;
  }
  std::string html =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Backtest " + escape(r.strategy) + " " + escape(r.symbol) +
      "</title>\n<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}svg{width:100%;max-width:1000px;"
      "background:#fcfcfc}.frame{fill:none;stroke:#ccc}.axis{font-size:11px;fill:#666}table{border-collapse:collapse}"
      "td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:right}th{text-align:left}"
      ".buy{fill:#1a7f37}.sell{fill:#cf222e}</style></head><body>\n";
  html += "<h1>" + escape(r.strategy) + " on " + escape(r.symbol) + "</h1>\n<p>" + date(r.start_ns) + " to " + date(r.end_ns) + " UTC, " +
          std::to_string(r.bars) + " bars";
  std::string params;
  for (const auto& [k, v] : r.params) params += (params.empty() ? "" : ", ") + k + "=" + v;
  if (!params.empty()) html += ", parameters " + escape(params);
  html += ".</p>\n<table>\n";
  auto row = [&](const std::string& k, const std::string& v) { html += "<tr><th>" + k + "</th><td>" + v + "</td></tr>\n"; };
  row("initial cash", fmt(r.initial_cash));
  row("final equity", fmt(r.final_equity));
  row("total return", fmt(r.total_return * 100) + " %");
  row("Sharpe (annualised)", fmt(r.sharpe));
  row("Sortino (annualised)", fmt(r.sortino));
  row("max drawdown", fmt(r.max_drawdown * 100) + " %");
  row("trades", std::to_string(r.num_trades));
  row("win rate", fmt(r.win_rate * 100) + " %");
  row("profit factor", fmt(r.profit_factor));
  row("fees", fmt(r.fees));
  row("exposure", fmt(r.exposure * 100) + " %");
  char hash[17];
  std::snprintf(hash, sizeof(hash), "%016llx", static_cast<unsigned long long>(r.state_hash));
  row("state hash", hash);
  html += "</table>\n";
  // Entries (green, up) and exits (red, down) over the price; at most 2000 of each are drawn.
  Scale price_scale{};
  (void)chart("", series, close_of, "#0969da", "", &price_scale);
  std::string marks;
  const std::size_t step = r.trades.size() > 2000 ? r.trades.size() / 2000 + 1 : 1;
  for (std::size_t i = 0; i < r.trades.size(); i += step) {
    const TradeRecord& t = r.trades[i];
    marks += "<circle class=\"buy\" r=\"3\" cx=\"" + fmt(price_scale.x(t.entry_time), 1) + "\" cy=\"" +
             fmt(price_scale.y(t.entry_price), 1) + "\"><title>entry " + date(t.entry_time) + " at " + fmt(t.entry_price) +
             "</title></circle>\n";
    if (t.exit_time != 0)
      marks += "<circle class=\"sell\" r=\"3\" cx=\"" + fmt(price_scale.x(t.exit_time), 1) + "\" cy=\"" +
               fmt(price_scale.y(t.exit_price), 1) + "\"><title>exit " + date(t.exit_time) + " at " + fmt(t.exit_price) +
               ", P&amp;L " + fmt(t.pnl) + "</title></circle>\n";
  }
  html += chart("Price, entries (green) and exits (red)", series, close_of, "#0969da", marks, nullptr);
  html += chart("Equity", series, equity_of, "#1a7f37", "", nullptr);
  html += chart("Drawdown from peak (%)", dd, equity_of, "#cf222e", "", nullptr, true);
  html += "<p class=\"axis\">Generated by sequent backtest. Series downsampled to " + std::to_string(series.size()) +
          " points.</p>\n</body></html>\n";
  return html;
}

}  // namespace sequent::replay
