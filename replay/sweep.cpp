#include "replay/sweep.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <thread>

#include "engine/state_hash.hpp"
#include "engine/thread_affinity.hpp"
#include "gateways/market_data_reader.hpp"

namespace sequent::replay {

namespace {

std::string format_value(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  return buf;
}

double metric_of(const BacktestReport& r, const std::string& name) {
  if (name == "sharpe") return r.sharpe;
  if (name == "sortino") return r.sortino;
  if (name == "total_return") return r.total_return;
  if (name == "final_equity") return r.final_equity;
  if (name == "max_drawdown") return r.max_drawdown;
  if (name == "win_rate") return r.win_rate;
  if (name == "profit_factor") return r.profit_factor;
  if (name == "num_trades") return static_cast<double>(r.num_trades);
  if (name == "fees") return r.fees;
  if (name == "exposure") return r.exposure;
  return std::nan("");
}

std::string csv_number(double v) {
  if (std::isnan(v)) return "";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

}  // namespace

const std::vector<std::string>& sweep_metrics() {
  static const std::vector<std::string> kMetrics = {"total_return", "sharpe", "sortino", "max_drawdown", "win_rate",
                                                    "profit_factor", "num_trades", "fees", "exposure", "final_equity"};
  return kMetrics;
}

Result<SweepAxis> parse_sweep_axis(const std::string& spec) {
  const auto eq = spec.find('=');
  SweepAxis a;
  if (eq == std::string::npos || eq == 0) return Error{ErrorCode::kInvalidArgument, "--grid " + spec + ": expected KEY=START:STOP:STEP"};
  a.key = spec.substr(0, eq);
  const std::string range = spec.substr(eq + 1);
  char* end = nullptr;
  const char* p = range.c_str();
  a.start = std::strtod(p, &end);
  if (end == p || *end != ':') return Error{ErrorCode::kInvalidArgument, "--grid " + spec + ": expected KEY=START:STOP:STEP"};
  p = end + 1;
  a.stop = std::strtod(p, &end);
  if (end == p || *end != ':') return Error{ErrorCode::kInvalidArgument, "--grid " + spec + ": expected KEY=START:STOP:STEP"};
  p = end + 1;
  a.step = std::strtod(p, &end);
  if (end == p || *end != '\0') return Error{ErrorCode::kInvalidArgument, "--grid " + spec + ": expected KEY=START:STOP:STEP"};
  if (!(a.step > 0) || a.stop < a.start || !std::isfinite(a.start) || !std::isfinite(a.stop))
    return Error{ErrorCode::kInvalidArgument, "--grid " + spec + ": needs STEP > 0 and START <= STOP"};
  if ((a.stop - a.start) / a.step > 1e6) return Error{ErrorCode::kInvalidArgument, "--grid " + spec + ": more than a million values"};
  return a;
}

Result<std::vector<SweepRow>> run_sweep(const SweepOptions& options,
                                        const std::function<void(std::size_t, std::size_t)>& progress) {
  if (std::isnan(metric_of(BacktestReport{}, options.rank)) && options.rank != "sharpe") {
    std::string known;
    for (const std::string& m : sweep_metrics()) known += (known.empty() ? "" : ", ") + m;
    return Error{ErrorCode::kInvalidArgument, "--rank " + options.rank + ": unknown metric (known: " + known + ")"};
  }
  // The grid: every combination, the first axis varying slowest.
  std::vector<std::vector<std::pair<std::string, std::string>>> points{{}};
  for (const SweepAxis& axis : options.grid) {
    std::vector<std::vector<std::pair<std::string, std::string>>> next;
    for (const auto& p : points) {
      for (long k = 0;; ++k) {
        const double v = axis.start + static_cast<double>(k) * axis.step;
        if (v > axis.stop + axis.step * 1e-9) break;
        auto q = p;
        q.emplace_back(axis.key, format_value(v));
        next.push_back(std::move(q));
      }
    }
    points = std::move(next);
  }
  // The data, once.
  const std::string symbol = options.base.symbol.empty() ? symbol_from_path(options.base.data_path) : options.base.symbol;
  auto reader = MarketDataReader::open(options.base.data_path, ReaderOptions{0, options.base.skip_bad_lines});
  if (!reader) return reader.error();
  std::vector<Event> bars;
  for (;;) {
    Event e;
    auto more = (*reader)->next(e);
    if (!more) return more.error();
    if (!*more) break;
    bars.push_back(e);
  }
  const ReaderStats stats = (*reader)->stats();

  std::vector<SweepRow> rows(points.size());
  std::atomic<std::size_t> next_point{0}, done{0};
  auto worker = [&] {
    for (;;) {
      const std::size_t i = next_point.fetch_add(1);
      if (i >= points.size()) return;
      SweepRow& row = rows[i];
      BacktestOptions o = options.base;
      o.journal_dir.clear();
      o.equity_path.clear();
      for (const auto& kv : points[i]) o.params.push_back(kv);
      row.params = o.params;
      const auto t0 = std::chrono::steady_clock::now();
      auto session = BacktestSession::create(o, symbol);
      if (!session) {
        row.ok = false;
        row.error = session.error().message;
      } else {
        for (const Event& b : bars) (*session)->on_bar(b);
        (*session)->finish(stats.interval_ns, row.report);
        row.report.strategy = o.strategy;
        row.report.params = o.params;
        row.report.symbol = symbol;
        row.report.gaps = stats.gaps;
        row.report.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      }
      done.fetch_add(1);
    }
  };
  unsigned jobs = options.jobs != 0 ? options.jobs : static_cast<unsigned>(online_cpu_count());
  if (jobs > points.size()) jobs = static_cast<unsigned>(points.size() == 0 ? 1 : points.size());
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < jobs; ++j) threads.emplace_back(worker);
  while (done.load() < points.size()) {
    if (progress) progress(done.load(), points.size());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // progress display only
  }
  for (std::thread& t : threads) t.join();
  if (progress) progress(points.size(), points.size());

  const bool ascending = options.rank == "max_drawdown" || options.rank == "fees";
  std::stable_sort(rows.begin(), rows.end(), [&](const SweepRow& a, const SweepRow& b) {
    if (a.ok != b.ok) return a.ok;
    const double x = metric_of(a.report, options.rank), y = metric_of(b.report, options.rank);
    if (std::isnan(x) != std::isnan(y)) return !std::isnan(x);
    if (std::isnan(x)) return false;
    return ascending ? x < y : x > y;
  });
  return rows;
}

std::string sweep_csv(const std::vector<SweepRow>& rows, const SweepOptions& options) {
  std::string out = "rank";
  std::vector<std::string> keys;
  for (const auto& kv : options.base.params) keys.push_back(kv.first);
  for (const SweepAxis& a : options.grid) keys.push_back(a.key);
  for (const std::string& k : keys) out += "," + k;
  for (const std::string& m : sweep_metrics()) out += "," + m;
  out += ",state_hash,error\n";
  std::size_t rank = 0;
  for (const SweepRow& r : rows) {
    out += std::to_string(++rank);
    for (const std::string& k : keys) {
      std::string v;
      for (const auto& kv : r.params)
        if (kv.first == k) v = kv.second;
      out += "," + v;
    }
    for (const std::string& m : sweep_metrics()) out += "," + (r.ok ? csv_number(metric_of(r.report, m)) : std::string());
    char hash[17] = {};
    if (r.ok) format_hash_hex(r.report.state_hash, hash);
    std::string err = r.error;
    std::replace(err.begin(), err.end(), ',', ';');
    std::replace(err.begin(), err.end(), '\n', ' ');
    out += "," + std::string(r.ok ? hash : "") + "," + err + "\n";
  }
  return out;
}

}  // namespace sequent::replay
