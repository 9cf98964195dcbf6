// MarketDataReader: header detection, row parsing and checks. See market_data_reader.hpp.
#include "gateways/market_data_reader.hpp"

#include <cctype>
#include <initializer_list>
#include <limits>
#include <utility>

namespace sequent {

using detail::Fields;

namespace {

constexpr std::size_t kBinanceKlineColumns = 12;

// Binance public-data layouts without a header line.
constexpr std::array<const char*, 12> kKlineNames = {
    "open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "count",
    "taker_buy_volume", "taker_buy_quote_volume", "ignore"};
constexpr std::array<const char*, 7> kTradeNames = {
    "id", "price", "qty", "quote_qty", "time", "is_buyer_maker", "is_best_match"};
constexpr std::array<const char*, 8> kAggTradeNames = {
    "agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id", "transact_time", "is_buyer_maker",
    "is_best_match"};

// Epoch magnitudes: which unit a first value is in, and the band later values must stay in.
struct UnitBand {
  TimeUnit unit;
  std::int64_t ns_per_unit;
  std::int64_t lowest, highest;  // [lowest, highest)
};
constexpr std::array<UnitBand, 4> kBands = {{
    {TimeUnit::kSeconds, 1'000'000'000, 0, 100'000'000'000},                        // to year 5138
    {TimeUnit::kMillis, 1'000'000, 100'000'000'000, 100'000'000'000'000},             // from 1973
    {TimeUnit::kMicros, 1'000, 100'000'000'000'000, 100'000'000'000'000'000},
    {TimeUnit::kNanos, 1, 100'000'000'000'000'000, std::numeric_limits<std::int64_t>::max()},
}};

const UnitBand& band_of(TimeUnit u) noexcept {
  for (const UnitBand& b : kBands) {
    if (b.unit == u) return b;
  }
  return kBands[1];
}

// Lower-case, trimmed of spaces and quotes, inner spaces as '_': "Adj Close" -> "adj_close".
std::string normalise(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '"' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '"' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out) {
    c = c == ' ' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// "trade_time_ms" -> ("trade_time", kMillis). Returns false when the name has no unit suffix.
bool split_unit(std::string_view name, std::string_view& base, TimeUnit& unit) {
  static constexpr std::pair<std::string_view, TimeUnit> kSuffixes[] = {
      {"_ms", TimeUnit::kMillis}, {"_us", TimeUnit::kMicros}, {"_ns", TimeUnit::kNanos}, {"_s", TimeUnit::kSeconds}};
  for (const auto& [suffix, u] : kSuffixes) {
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      base = name.substr(0, name.size() - suffix.size());
      unit = u;
      return true;
    }
  }
  base = name;
  return false;
}

bool equals_ignore_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

bool is_blank(std::string_view line) noexcept {
  for (char c : line) {
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(DataFormat f) noexcept {
  switch (f) {
    case DataFormat::kBinanceKline: return "binance_kline";
    case DataFormat::kBars: return "bars";
    case DataFormat::kTrades: return "trades";
  }
  return "unknown";
}

std::string_view to_string(TimeUnit u) noexcept {
  switch (u) {
    case TimeUnit::kSeconds: return "s";
    case TimeUnit::kMillis: return "ms";
    case TimeUnit::kMicros: return "us";
    case TimeUnit::kNanos: return "ns";
    case TimeUnit::kDate: return "date";
  }
  return "unknown";
}

MarketDataReader::MarketDataReader(std::string path, const ReaderOptions& options,
                                   std::unique_ptr<detail::LineReader> lines)
    : path_(std::move(path)), options_(options), lines_(std::move(lines)) {}

MarketDataReader::~MarketDataReader() = default;

Result<std::unique_ptr<MarketDataReader>> MarketDataReader::open(const std::string& path,
                                                                  const ReaderOptions& options) {
  Result<std::unique_ptr<detail::ByteSource>> source = detail::ByteSource::open(path);
  if (!source) return source.error();
  auto lines = std::make_unique<detail::LineReader>(std::move(*source));
  std::unique_ptr<MarketDataReader> reader(new MarketDataReader(path, options, std::move(lines)));
  if (Status s = reader->read_header(); !s) return s.error();
  return reader;
}

Status MarketDataReader::read_header() {
  std::string_view line;
  Result<bool> more = lines_->next(line);
  if (!more) return more.error();
  stats_.compression = lines_->compression();
  stats_.lines = lines_->line_number();
  if (!*more) return Error{ErrorCode::kParse, path_ + ": empty file; expected a CSV header or data line"};
  if (line.size() >= 3 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // UTF-8 BOM
  const std::size_t count = detail::split_fields(line, fields_);
  if (count > detail::kMaxFields) {
    return Error{ErrorCode::kParse, path_ + ":1: more than " + std::to_string(detail::kMaxFields) +
                                        " columns; not a market-data CSV"};
  }
  Columns& c = columns_;
  c.count = count;
  stats_.has_header = !(line.size() > 0 && std::isdigit(static_cast<unsigned char>(line[0])));
  if (stats_.has_header) {
    for (std::size_t i = 0; i < count; ++i) c.names[i] = normalise(fields_[i]);
  } else {
    auto take = [&](const auto& names) {
      for (std::size_t i = 0; i < names.size(); ++i) c.names[i] = names[i];
    };
    if (count == kKlineNames.size()) {
      take(kKlineNames);
    } else if (count == kTradeNames.size()) {
      take(kTradeNames);
    } else if (count == kAggTradeNames.size()) {
      take(kAggTradeNames);
    } else {
      return Error{ErrorCode::kParse,
                   path_ + ":1: no header line and " + std::to_string(count) +
                       " columns; without a header only Binance klines (12 columns), trades (7) and aggTrades (8) "
                       "are known; add a header line naming the columns"};
    }
    // Kept with zeroed padding behind it, as LineReader's lines have (field_parse.hpp).
    first_line_.assign(line);
    first_line_.append(detail::kFieldPadding, '\0');
    first_line_size_ = line.size();
    replay_first_line_ = true;
  }

  // Roles by name; the first column with a name wins.
  auto find = [&](std::initializer_list<std::string_view> names) {
    for (std::string_view n : names) {
      for (std::size_t i = 0; i < count; ++i) {
        if (c.names[i] == n) return static_cast<int>(i);
      }
    }
    return Columns::kNone;
  };
  c.open = find({"open"});
  c.high = find({"high"});
  c.low = find({"low"});
  c.close = find({"close"});
  c.volume = find({"volume"});
  const bool bars = c.open != Columns::kNone && c.high != Columns::kNone && c.low != Columns::kNone &&
                    c.close != Columns::kNone;
  if (!bars) {
    c.price = find({"price"});
    c.qty = find({"qty", "quantity", "amount", "size", "volume"});
    c.trade_id = find({"trade_id", "agg_trade_id", "id"});
    c.buyer_maker = find({"is_buyer_maker", "m"});
    c.side = find({"side"});
    c.volume = Columns::kNone;
    if (c.price == Columns::kNone || c.qty == Columns::kNone) {
      return Error{ErrorCode::kParse,
                   path_ + ":1: header '" + std::string(line) +
                       "' names neither bars (open, high, low, close) nor trades (price and qty, quantity or amount)"};
    }
  }
  blank_ = make_event(bars ? EventType::kBar : EventType::kTrade, Source::kFile, options_.instrument, 0);
  stats_.format = !bars ? DataFormat::kTrades
                        : (count == kBinanceKlineColumns && find({"close_time"}) != Columns::kNone
                               ? DataFormat::kBinanceKline
                               : DataFormat::kBars);

  // The time column, by base name (a unit suffix such as _ms set aside) in order of preference.
  static constexpr std::string_view kBarTimes[] = {"open_time", "datetime", "date", "timestamp", "time", "ts"};
  static constexpr std::string_view kTradeTimes[] = {"trade_time", "transact_time", "time", "timestamp", "ts",
                                                     "datetime", "date", "event_time", "local_ts", "local_timestamp"};
  auto pick_time = [&](const auto& preferred) {
    for (std::string_view want : preferred) {
      for (std::size_t i = 0; i < count; ++i) {
        std::string_view base;
        TimeUnit unit = TimeUnit::kMillis;
        const bool has_unit = split_unit(c.names[i], base, unit);
        if (base != want) continue;
        c.time = static_cast<int>(i);
        if (has_unit) {
          unit_known_ = true;
          stats_.time_unit = unit;
          unit_ns_ = band_of(unit).ns_per_unit;
        } else {
          unit_from_magnitude_ = true;
        }
        return;
      }
    }
  };
  if (bars) {
    pick_time(kBarTimes);
  } else {
    pick_time(kTradeTimes);
  }
  if (c.time == Columns::kNone) {
    return Error{ErrorCode::kParse, path_ + ":1: header '" + std::string(line) +
                                        "' has no time column (open_time, datetime, date, timestamp, time or "
                                        "trade_time, with an optional _s/_ms/_us/_ns suffix)"};
  }
  stats_.time_column = c.names[static_cast<std::size_t>(c.time)];
  if (c.names[static_cast<std::size_t>(c.time)] == "date") {
    c.time_of_day = find({"time"});
    if (c.time_of_day != Columns::kNone) stats_.time_column = "date+time";
  }
  return {};
}

Result<bool> MarketDataReader::next(Event& out) {
  if (!probed_) [[unlikely]] {
    probed_ = true;
    if (stats_.format != DataFormat::kTrades) probe_interval();
  }
  if (pending_next_ < pending_size_) [[unlikely]] {
    out = pending_[pending_next_++];
    emit(out);
    return true;
  }
  if (failed_) [[unlikely]] return error_;
  Result<bool> more = read_event(out);
  if (!more || !*more) return more;
  emit(out);
  return true;
}

void MarketDataReader::probe_interval() {
  while (pending_size_ < kProbeBars) {
    Result<bool> more = read_event(pending_[pending_size_]);
    if (!more || !*more) break;  // an error stays in error_ and follows the look-ahead
    ++pending_size_;
  }
  TimeNs step = 0;
  for (std::size_t i = 1; i < pending_size_; ++i) {
    const TimeNs d = pending_[i].header.event_ns - pending_[i - 1].header.event_ns;
    if (d > 0 && (step == 0 || d < step)) step = d;
  }
  stats_.interval_ns = step;
}

void MarketDataReader::emit(Event& out) noexcept {
  const TimeNs t = out.header.event_ns;
  if (out.header.type == EventType::kBar) {
    out.payload.bar.interval_ns = stats_.interval_ns;
    if (have_emitted_ && stats_.interval_ns > 0) {
      const TimeNs step = t - emitted_ns_;
      if (step > stats_.interval_ns) [[unlikely]] {
        ++stats_.gaps;
        if (step > stats_.largest_gap_ns) stats_.largest_gap_ns = step;
      }
    }
  }
  if (!have_emitted_) stats_.first_event_ns = t;
  have_emitted_ = true;
  emitted_ns_ = t;
  stats_.last_event_ns = t;
  ++stats_.events;
}

Result<bool> MarketDataReader::read_event(Event& out) {
  for (;;) {
    std::string_view line;
    if (replay_first_line_) [[unlikely]] {
      replay_first_line_ = false;
      line = std::string_view(first_line_.data(), first_line_size_);
    } else {
      Result<bool> more = lines_->next(line);
      if (!more) [[unlikely]] {
        failed_ = true;
        error_ = more.error();
        if (error_.code == ErrorCode::kParse) error_.message = path_ + ": " + error_.message;  // line too long
        return error_;
      }
      stats_.lines = lines_->line_number();
      stats_.bytes = lines_->bytes();
      if (!*more) return false;
    }
    switch (parse_line(line, out)) {
      case LineOutcome::kEvent: return true;
      case LineOutcome::kSkip: continue;
      case LineOutcome::kBad:
        if (!options_.skip_bad_lines) {
          failed_ = true;
          return error_;
        }
        if (stats_.bad_lines++ == 0) stats_.first_bad_line = error_.message;
        continue;
    }
  }
}

MarketDataReader::LineOutcome MarketDataReader::parse_line(std::string_view line, Event& out) {
  const std::size_t count = detail::split_fields(line, fields_);
  if (count != columns_.count) [[unlikely]] {
    if (count == 1 && is_blank(line)) return LineOutcome::kSkip;
    bad_count(count);
    return LineOutcome::kBad;
  }
  TimeNs t = 0;
  if (!parse_time(fields_, t)) return LineOutcome::kBad;
  const bool trades = stats_.format == DataFormat::kTrades;
  if (have_previous_ && (trades ? t < previous_ns_ : t <= previous_ns_)) [[unlikely]] {
    bad(columns_.time, "'" + std::string(fields_[static_cast<std::size_t>(columns_.time)]) + "' is " +
                           (trades ? "before the previous trade" : "not after the previous bar") + " (line " +
                           std::to_string(previous_line_) + "); rows must be in time order");
    return LineOutcome::kBad;
  }
  out = blank_;  // a zeroed event of the right type (make_event), copied rather than rebuilt
  out.header.event_ns = t;
  if (!(trades ? parse_trade(fields_, out) : parse_bar(fields_, out))) return LineOutcome::kBad;
  have_previous_ = true;
  previous_ns_ = t;
  previous_line_ = stats_.lines;
  return LineOutcome::kEvent;
}

bool MarketDataReader::parse_time(const Fields& f, TimeNs& out) {
  const std::string_view text = f[static_cast<std::size_t>(columns_.time)];
  std::int64_t v = 0;
  if (detail::parse_uint(text, v)) [[likely]] {
    if (!unit_known_) [[unlikely]] {
      for (const UnitBand& b : kBands) {
        if (v >= b.lowest && v < b.highest) {
          stats_.time_unit = b.unit;
          unit_ns_ = b.ns_per_unit;
        }
      }
      unit_known_ = true;
    }
    if (unit_from_magnitude_) {
      const UnitBand& b = band_of(stats_.time_unit);
      if (v < b.lowest || v >= b.highest) [[unlikely]] {
        bad(columns_.time, "'" + std::string(text) + "' is not in " + std::string(to_string(stats_.time_unit)) +
                               " like the file's first time; mixed time units (Binance moved spot data from "
                               "ms to us in 2025): split the file at the change");
        return false;
      }
    }
    if (v > std::numeric_limits<std::int64_t>::max() / unit_ns_) [[unlikely]] {
      bad(columns_.time, "'" + std::string(text) + "' is out of range");
      return false;
    }
    out = v * unit_ns_;
    return true;
  }
  if (!detail::parse_iso_datetime(text, out)) {
    bad(columns_.time, "'" + std::string(text) +
                           "' is not a time (an epoch number, YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, read as UTC)");
    return false;
  }
  stats_.time_unit = TimeUnit::kDate;
  if (columns_.time_of_day != Columns::kNone) {
    const std::string_view tod = f[static_cast<std::size_t>(columns_.time_of_day)];
    TimeNs day_ns = 0;
    if (!detail::parse_time_of_day(tod, day_ns)) {
      bad(columns_.time_of_day, "'" + std::string(tod) + "' is not a time of day (HH:MM or HH:MM:SS)");
      return false;
    }
    out += day_ns;
  }
  return true;
}

bool MarketDataReader::parse_bar(const Fields& f, Event& out) {
  const Columns& c = columns_;
  std::int64_t open = 0, high = 0, low = 0, close = 0, volume = 0;
  auto field = [&](int col, std::int64_t& raw) {
    const std::string_view text = f[static_cast<std::size_t>(col)];
    const ParseStatus s = detail::parse_fixed(text, raw);
    return s == ParseStatus::kOk || bad_number(col, text, s);
  };
  if (!field(c.open, open) || !field(c.high, high) || !field(c.low, low) || !field(c.close, close) ||
      (c.volume != Columns::kNone && !field(c.volume, volume))) [[unlikely]] {
    return false;
  }
  if (high < low || open > high || open < low || close > high || close < low || volume < 0) [[unlikely]] {
    auto text = [&](int col) { return std::string(f[static_cast<std::size_t>(col)]); };
    if (high < low) {
      bad(c.high, text(c.high) + " is below low " + text(c.low));
    } else if (open > high || open < low) {
      bad(c.open, text(c.open) + " is outside the bar's range [low " + text(c.low) + ", high " + text(c.high) + "]");
    } else if (close > high || close < low) {
      bad(c.close, text(c.close) + " is outside the bar's range [low " + text(c.low) + ", high " + text(c.high) + "]");
    } else {
      bad(c.volume, text(c.volume) + " is negative");
    }
    return false;
  }
  BarPayload& bar = out.payload.bar;
  bar.open = Price::from_raw(open);
  bar.high = Price::from_raw(high);
  bar.low = Price::from_raw(low);
  bar.close = Price::from_raw(close);
  bar.volume = Qty::from_raw(volume);
  return true;
}

bool MarketDataReader::parse_trade(const Fields& f, Event& out) {
  const Columns& c = columns_;
  TradePayload& trade = out.payload.trade;
  std::int64_t price = 0, qty = 0;
  const std::string_view price_text = f[static_cast<std::size_t>(c.price)];
  if (ParseStatus s = detail::parse_fixed(price_text, price); s != ParseStatus::kOk) [[unlikely]] {
    return bad_number(c.price, price_text, s);
  }
  const std::string_view qty_text = f[static_cast<std::size_t>(c.qty)];
  if (ParseStatus s = detail::parse_fixed(qty_text, qty); s != ParseStatus::kOk) [[unlikely]] {
    return bad_number(c.qty, qty_text, s);
  }
  if (price <= 0 || qty <= 0) [[unlikely]] {
    const int col = price <= 0 ? c.price : c.qty;
    bad(col, std::string(f[static_cast<std::size_t>(col)]) + " is not positive");
    return false;
  }
  trade.price = Price::from_raw(price);
  trade.qty = Qty::from_raw(qty);
  trade.trade_id = 0;
  if (c.trade_id != Columns::kNone) {
    const std::string_view id_text = f[static_cast<std::size_t>(c.trade_id)];
    std::int64_t id = 0;
    if (!detail::parse_uint(id_text, id)) [[unlikely]] {
      if (!have_previous_) {
        // Non-numeric ids from the first row on (Tardis' UUIDs): the file has no usable id.
        columns_.trade_id = Columns::kNone;
      } else {
        bad(c.trade_id, "'" + std::string(id_text) + "' is not a non-negative integer id");
        return false;
      }
    }
    trade.trade_id = static_cast<std::uint64_t>(id);
  }
  trade.aggressor = Side::kNone;
  if (c.buyer_maker != Columns::kNone) {
    const std::string_view m = f[static_cast<std::size_t>(c.buyer_maker)];
    // The buyer resting on the book means the seller took liquidity.
    if (m == "1" || equals_ignore_case(m, "true")) {
      trade.aggressor = Side::kSell;
    } else if (m == "0" || equals_ignore_case(m, "false")) {
      trade.aggressor = Side::kBuy;
    } else {
      bad(c.buyer_maker, "'" + std::string(m) + "' is not true, false, 1 or 0");
      return false;
    }
  } else if (c.side != Columns::kNone) {
    const std::string_view s = f[static_cast<std::size_t>(c.side)];
    if (equals_ignore_case(s, "buy")) {
      trade.aggressor = Side::kBuy;
    } else if (equals_ignore_case(s, "sell")) {
      trade.aggressor = Side::kSell;
    } else {
      bad(c.side, "'" + std::string(s) + "' is not buy or sell");
      return false;
    }
  }
  return true;
}

void MarketDataReader::bad(int column, std::string problem) {
  error_.code = ErrorCode::kParse;
  error_.message = path_ + ":" + std::to_string(stats_.lines) + ": column " +
                   columns_.names[static_cast<std::size_t>(column)] + ": " + problem;
}

void MarketDataReader::bad_count(std::size_t found) {
  const std::string expected = "expected " + std::to_string(columns_.count) + " columns, found ";
  error_.code = ErrorCode::kParse;
  if (found < columns_.count) {
    error_.message = path_ + ":" + std::to_string(stats_.lines) + ": column " + columns_.names[found] +
                     ": missing (" + expected + std::to_string(found) + ")";
  } else {
    error_.message = path_ + ":" + std::to_string(stats_.lines) + ": column " + std::to_string(columns_.count + 1) +
                     ": unexpected extra field (" + expected +
                     (found > detail::kMaxFields ? "more than " + std::to_string(detail::kMaxFields)
                                                 : std::to_string(found)) +
                     ")";
  }
}

bool MarketDataReader::bad_number(int column, std::string_view text, ParseStatus status) {
  bad(column, "'" + std::string(text) + "' is " +
                  (status == ParseStatus::kOutOfRange ? std::string("out of range for 8-decimal fixed point")
                                                      : std::string("not a decimal number")));
  return false;
}

}  // namespace sequent
