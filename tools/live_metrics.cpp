#include "tools/live_metrics.hpp"

#include <array>
#include <cinttypes>
#include <cstdio>

namespace sequent::tools {

namespace {

std::string number_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

void append_metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                   double value) {
  header(out, name, type, help);
  out.append(name).append(" ").append(number_text(value)).append("\n");
}

void append_histogram(std::string& out, std::string_view name, std::string_view help, std::string_view labels,
                      const LatencyHistogram::Snapshot& s, bool write_header) {
  static constexpr std::array<std::uint64_t, 16> kBoundsNs = {
      250,     500,     1'000,     2'000,     5'000,      10'000,      25'000,      50'000,
      100'000, 250'000, 1'000'000, 5'000'000, 25'000'000, 100'000'000, 500'000'000, 1'000'000'000};
  if (write_header) header(out, name, "histogram", help);
  const std::string base = std::string(name);
  const std::string sep = labels.empty() ? "" : std::string(labels) + ",";
  std::uint64_t total = 0;
  double sum_ns = 0;
  for (std::size_t b = 0; b < LatencyHistogram::kBuckets; ++b) {
    if (s.counts[b] == 0) continue;
    total += s.counts[b];
    const std::uint64_t hi = LatencyHistogram::upper_bound_of(b);
    const std::uint64_t lo = b == 0 ? 0 : LatencyHistogram::upper_bound_of(b - 1) + 1;
    sum_ns += static_cast<double>(s.counts[b]) * (static_cast<double>(lo) + static_cast<double>(hi)) / 2.0;
  }
  // Cumulative: a bucket counts at a bound when its whole range lies at or below it.
  for (std::uint64_t bound : kBoundsNs) {
    std::uint64_t at_or_below = 0;
    for (std::size_t b = 0; b < LatencyHistogram::kBuckets && LatencyHistogram::upper_bound_of(b) <= bound; ++b)
      at_or_below += s.counts[b];
    out.append(base).append("_bucket{").append(sep).append("le=\"").append(number_text(static_cast<double>(bound) / 1e9));
    out.append("\"} ").append(std::to_string(at_or_below)).append("\n");
  }
  out.append(base).append("_bucket{").append(sep).append("le=\"+Inf\"} ").append(std::to_string(total)).append("\n");
  const std::string braces = labels.empty() ? "" : "{" + std::string(labels) + "}";
  out.append(base).append("_sum").append(braces).append(" ").append(number_text(sum_ns / 1e9)).append("\n");
  out.append(base).append("_count").append(braces).append(" ").append(std::to_string(total)).append("\n");
}

}  // namespace sequent::tools
