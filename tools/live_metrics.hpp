// The live engine's own metrics in Prometheus text exposition format 0.0.4, for the console's
// GET /metrics (the console server adds its own). Cold path: runs on the console thread when a
// scraper asks, reading single-writer atomics and histogram snapshots.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/latency_histogram.hpp"

namespace sequent::tools {

// `# HELP` / `# TYPE` lines then the sample: name{labels} value.
void append_metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                   double value);

// A histogram in seconds from a nanosecond LatencyHistogram: cumulative buckets at fixed bounds
// (250 ns .. 1 s, then +Inf), _count, and _sum estimated from bucket midpoints (the histogram keeps
// counts, not the exact sum; the estimate is within the buckets' 6.25 % resolution). labels is
// either empty or `key="value"` pairs without braces; write_header once per metric name.
void append_histogram(std::string& out, std::string_view name, std::string_view help, std::string_view labels,
                      const LatencyHistogram::Snapshot& snapshot, bool write_header);

}  // namespace sequent::tools
