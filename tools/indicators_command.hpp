// `sequent indicators`: TA-Lib-compatible indicators over a bar file, one CSV row per bar
// (INTERFACE.md). Cold path, single-threaded: reads with MarketDataReader, feeds the streaming
// indicators of engine/indicators.hpp, writes with stdio.
//
//   sequent indicators --data BTCUSDT-1m.csv.gz --indicator sma:20 --indicator macd:12,26,9 --out ind.csv
#pragma once

#include <string>
#include <vector>

#include "engine/result.hpp"

namespace sequent::tools {

struct IndicatorsOptions {
  std::string data;                // bar file (any format MarketDataReader reads)
  std::vector<std::string> specs;  // sma:20, ema:20, macd:12,26,9, rsi:14, kama:30, atr:14, bbands:20,2, roc:10
  std::string out;                 // CSV to write
};

// One parsed --indicator SPEC: its kind, parameters and output column names.
struct IndicatorSpec {
  enum class Kind { kSma, kEma, kMacd, kRsi, kKama, kAtr, kBbands, kRoc };
  Kind kind = Kind::kSma;
  std::vector<double> params;
  std::vector<std::string> columns;  // "sma_20"; "macd_12_26_9", "..._signal", "..._hist"; ...
};

// Parses a SPEC. Error kInvalidArgument naming the spec and the accepted form.
Result<IndicatorSpec> parse_indicator_spec(const std::string& spec);

// Runs the command; returns the process exit code (2 for a bad spec or bad data).
int run_indicators(const IndicatorsOptions& options);

}  // namespace sequent::tools
