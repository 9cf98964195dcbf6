// `sequent indicators`: see indicators_command.hpp.
#include "tools/indicators_command.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <variant>

#include "engine/indicators.hpp"
#include "gateways/market_data_reader.hpp"

namespace sequent::tools {

namespace {

struct KindInfo {
  std::string_view name;
  IndicatorSpec::Kind kind;
  std::size_t min_params, max_params;
  std::string_view form;  // for messages
};

// Parameter ranges are TA-Lib's (2..100000 for most periods; ATR and ROC from 1).
constexpr KindInfo kKinds[] = {
    {"sma", IndicatorSpec::Kind::kSma, 1, 1, "sma:PERIOD (2 to 100000)"},
    {"ema", IndicatorSpec::Kind::kEma, 1, 1, "ema:PERIOD (2 to 100000)"},
    {"macd", IndicatorSpec::Kind::kMacd, 3, 3, "macd:FAST,SLOW,SIGNAL (FAST and SLOW 2 to 100000, SIGNAL 1 to 100000)"},
    {"rsi", IndicatorSpec::Kind::kRsi, 1, 1, "rsi:PERIOD (2 to 100000)"},
    {"kama", IndicatorSpec::Kind::kKama, 1, 1, "kama:PERIOD (2 to 100000)"},
    {"atr", IndicatorSpec::Kind::kAtr, 1, 1, "atr:PERIOD (1 to 100000)"},
    {"bbands", IndicatorSpec::Kind::kBbands, 2, 3,
     "bbands:PERIOD,NBDEV or bbands:PERIOD,NBDEV_UP,NBDEV_DOWN (PERIOD 2 to 100000)"},
    {"roc", IndicatorSpec::Kind::kRoc, 1, 1, "roc:PERIOD (1 to 100000)"},
};

bool parse_int(std::string_view s, int& out) {
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && p == end;
}

bool parse_real(std::string_view s, double& out) {
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && p == end && out > -3e37 && out < 3e37;
}

std::string column_base(const std::string& spec) {
  std::string out = spec;
  for (char& c : out) {
    if (c == ':' || c == ',') c = '_';
  }
  return out;
}

using Indicator = std::variant<Sma, Ema, Macd, Rsi, Kama, Atr, Bbands, Roc>;

Indicator make_indicator(const IndicatorSpec& s) {
  auto p = [&](std::size_t i) { return static_cast<int>(s.params[i]); };
  switch (s.kind) {
    case IndicatorSpec::Kind::kSma: return Sma(p(0));
    case IndicatorSpec::Kind::kEma: return Ema(p(0));
    case IndicatorSpec::Kind::kMacd: return Macd(p(0), p(1), p(2));
    case IndicatorSpec::Kind::kRsi: return Rsi(p(0));
    case IndicatorSpec::Kind::kKama: return Kama(p(0));
    case IndicatorSpec::Kind::kAtr: return Atr(p(0));
    case IndicatorSpec::Kind::kBbands:
      return Bbands(p(0), s.params[1], s.params.size() > 2 ? s.params[2] : s.params[1]);
    case IndicatorSpec::Kind::kRoc: return Roc(p(0));
  }
  return Sma(1);
}

// Appends ",value" (or "," before the lookback) for each of the indicator's columns.
void append_values(const Indicator& ind, bool valid, std::string& row) {
  char buf[40];
  auto put = [&](double v) {
    row += ',';
    if (!valid) return;
    // to_chars with a precision formats as printf's %.17g does, several times faster.
    const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 17);
    row.append(buf, r.ptr);
  };
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Macd>) {
          put(x.macd());
          put(x.signal());
          put(x.hist());
        } else if constexpr (std::is_same_v<T, Bbands>) {
          put(x.upper());
          put(x.middle());
          put(x.lower());
        } else {
          put(x.value());
        }
      },
      ind);
}

bool update(Indicator& ind, const BarPayload& bar) {
  const double close = bar.close.to_double();
  return std::visit(
      [&](auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Atr>) {
          return x.update(bar.high.to_double(), bar.low.to_double(), close);
        } else {
          return x.update(close);
        }
      },
      ind);
}

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "sequent indicators: %s\n", message.c_str());
  return code;
}

}  // namespace

Result<IndicatorSpec> parse_indicator_spec(const std::string& spec) {
  const std::size_t colon = spec.find(':');
  const std::string_view name = std::string_view(spec).substr(0, colon);
  const KindInfo* info = nullptr;
  for (const KindInfo& k : kKinds) {
    if (k.name == name) info = &k;
  }
  if (info == nullptr) {
    return Error{ErrorCode::kInvalidArgument,
                 "--indicator '" + spec + "': unknown indicator '" + std::string(name) +
                     "'; known: sma, ema, macd, rsi, kama, atr, bbands, roc (e.g. sma:20, macd:12,26,9, bbands:20,2)"};
  }
  auto bad = [&](const std::string& why) {
    return Error{ErrorCode::kInvalidArgument,
                 "--indicator '" + spec + "': " + why + "; expected " + std::string(info->form)};
  };
  if (colon == std::string::npos || colon + 1 == spec.size()) return bad("no parameters");
  IndicatorSpec out;
  out.kind = info->kind;
  std::string_view rest = std::string_view(spec).substr(colon + 1);
  for (;;) {
    const std::size_t comma = rest.find(',');
    const std::string_view field = rest.substr(0, comma);
    const bool is_deviation = info->kind == IndicatorSpec::Kind::kBbands && !out.params.empty();
    if (is_deviation) {
      double v = 0;
      if (!parse_real(field, v)) return bad("'" + std::string(field) + "' is not a number");
      out.params.push_back(v);
    } else {
      int v = 0;
      if (!parse_int(field, v)) return bad("'" + std::string(field) + "' is not an integer");
      const bool atr_roc = info->kind == IndicatorSpec::Kind::kAtr || info->kind == IndicatorSpec::Kind::kRoc;
      const bool macd_signal = info->kind == IndicatorSpec::Kind::kMacd && out.params.size() == 2;
      const int lowest = (atr_roc || macd_signal) ? 1 : 2;
      if (v < lowest || v > 100000) return bad(std::string(field) + " is out of range");
      out.params.push_back(v);
    }
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  if (out.params.size() < info->min_params || out.params.size() > info->max_params) {
    return bad(std::to_string(out.params.size()) + " parameter(s)");
  }
  const std::string base = column_base(spec);
  if (info->kind == IndicatorSpec::Kind::kMacd) {
    out.columns = {base, base + "_signal", base + "_hist"};
  } else if (info->kind == IndicatorSpec::Kind::kBbands) {
    out.columns = {base + "_upper", base + "_middle", base + "_lower"};
  } else {
    out.columns = {base};
  }
  return out;
}

int run_indicators(const IndicatorsOptions& options) {
  std::vector<IndicatorSpec> specs;
  std::vector<Indicator> indicators;
  std::string header = "open_time";
  for (const std::string& s : options.specs) {
    Result<IndicatorSpec> spec = parse_indicator_spec(s);
    if (!spec) return fail(2, spec.error().message);
    for (const std::string& c : spec->columns) {
      if (header.find("," + c + ",") != std::string::npos || header.ends_with("," + c)) {
        return fail(2, "--indicator '" + s + "' is given twice");
      }
      header += "," + c;
    }
    indicators.push_back(make_indicator(*spec));
    specs.push_back(std::move(*spec));
  }
  if (specs.empty()) return fail(2, "give at least one --indicator SPEC");

  auto reader = MarketDataReader::open(options.data, ReaderOptions{});
  if (!reader) return fail(exit_code_for(reader.error().code), reader.error().message);
  if ((*reader)->stats().format == DataFormat::kTrades) {
    return fail(2, options.data + ": holds trades, not bars; indicators need a bar file (klines or OHLCV)");
  }

  std::FILE* out = std::fopen(options.out.c_str(), "wb");
  if (out == nullptr) return fail(1, options.out + ": cannot create: " + std::strerror(errno));
  auto close_out = [&](bool keep) {
    std::fclose(out);
    if (!keep) std::remove(options.out.c_str());
  };
  header += '\n';
  std::fputs(header.c_str(), out);
  std::string row;
  Event e;
  for (;;) {
    Result<bool> more = (*reader)->next(e);
    if (!more) {
      close_out(false);
      return fail(exit_code_for(more.error().code), more.error().message);
    }
    if (!*more) break;
    row.clear();
    char ts[24];
    const int n = std::snprintf(ts, sizeof ts, "%" PRId64, e.header.event_ns / 1'000'000);
    row.append(ts, static_cast<std::size_t>(n));
    for (Indicator& ind : indicators) {
      const bool valid = update(ind, e.payload.bar);
      append_values(ind, valid, row);
    }
    row += '\n';
    if (std::fwrite(row.data(), 1, row.size(), out) != row.size()) {
      close_out(false);
      return fail(1, options.out + ": write failed: " + std::strerror(errno));
    }
  }
  if (std::fflush(out) != 0 || std::ferror(out)) {
    close_out(false);
    return fail(1, options.out + ": write failed: " + std::strerror(errno));
  }
  close_out(true);
  const ReaderStats& st = (*reader)->stats();
  std::fprintf(stderr, "sequent indicators: %" PRIu64 " bars, %zu columns -> %s\n", st.events,
               static_cast<std::size_t>(std::count(header.begin(), header.end(), ',')), options.out.c_str());
  return 0;
}

}  // namespace sequent::tools
