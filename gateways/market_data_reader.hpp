// MarketDataReader: historical bars and trades from CSV files, as engine events.
//
// Cold path: one reader per file, used by one thread (the backtest driver or a tool); not
// thread-safe. Streams: memory is fixed at open (a 256 KiB chunk buffer, the decompressor's
// state and a 16-bar look-ahead), whatever the file's length.
//
// Files are plain, gzip or Binance's zip, detected from their first bytes. Formats
// (INTERFACE.md, `sequent backtest`; details in docs/backtesting.md "Data formats"):
//   - Binance public-data klines, 12 columns, with or without the header line;
//   - `open_time,open,high,low,close,volume` (freqtrade's 6 columns) and any header naming a
//     date or time column and open, high, low, close (volume optional), case-insensitive, extra
//     columns ignored (Yahoo's `Date,Open,High,Low,Close,Adj Close,Volume`; `date,time,...`);
//   - trades: Binance trades / aggTrades (headerless 7 / 8 columns, or any header naming a time
//     column, price and qty/quantity/amount, optionally an id and is_buyer_maker or side).
// Epoch times are seconds, ms, µs or ns: a `_s`/`_ms`/`_us`/`_ns` suffix on the column name
// says which, otherwise the magnitude of the first value decides for the whole file (Binance
// switched spot klines to µs in 2025). Dates and date-times (`2014-01-02`, `2006-01-02 09:05:00`,
// a `date` plus a `time` column) are read as UTC.
//
//   auto reader = MarketDataReader::open("BTCUSDT-1m.csv.gz", ReaderOptions{.instrument = 0});
//   if (!reader) { std::fprintf(stderr, "%s\n", reader.error().message.c_str()); return 2; }
//   Event e;
//   for (;;) {
//     Result<bool> more = (*reader)->next(e);
//     if (!more) { ...error...; break; }
//     if (!*more) break;
//     ... e.payload.bar ...
//   }
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/event.hpp"
#include "engine/result.hpp"
#include "engine/types.hpp"
#include "gateways/detail/field_parse.hpp"
#include "gateways/detail/line_reader.hpp"

namespace sequent {

struct ReaderOptions {
  InstrumentId instrument = 0;
  // false: the first bad line ends the read with its error. true: bad lines are counted in
  // ReaderStats::bad_lines (the first one's message kept) and reading goes on.
  bool skip_bad_lines = false;
};

enum class DataFormat : std::uint8_t {
  kBinanceKline = 1,  // 12-column Binance kline rows
  kBars = 2,          // another OHLC(V) layout named by its header
  kTrades = 3,        // trades or aggregate trades
};
std::string_view to_string(DataFormat f) noexcept;

enum class TimeUnit : std::uint8_t { kSeconds, kMillis, kMicros, kNanos, kDate };
std::string_view to_string(TimeUnit u) noexcept;

struct ReaderStats {
  DataFormat format = DataFormat::kBars;
  detail::Compression compression = detail::Compression::kNone;
  bool has_header = false;
  std::string time_column;     // the column event times come from ("date+time" for two)
  TimeUnit time_unit = TimeUnit::kMillis;
  std::uint64_t lines = 0;     // lines read so far, header and blank lines included
  std::uint64_t events = 0;    // events returned by next()
  std::uint64_t bad_lines = 0; // skipped (skip_bad_lines only)
  std::string first_bad_line;  // the first skipped line's error message
  TimeNs interval_ns = 0;      // bars: the smallest step between the first 17 bars; 0 if unknown
  std::uint64_t gaps = 0;      // bars: steps larger than interval_ns (counted, never filled)
  TimeNs largest_gap_ns = 0;   // bars: the largest such step
  TimeNs first_event_ns = 0;
  TimeNs last_event_ns = 0;
  std::uint64_t bytes = 0;     // decompressed bytes read
};

class MarketDataReader {
 public:
  // Opens `path` and reads its header (or first line). Allocates the chunk buffer. Errors: kIo
  // (cannot open or read), kCorrupt (damaged compression), kParse ("file:1: ..." when the layout
  // is not one of the formats above).
  static Result<std::unique_ptr<MarketDataReader>> open(const std::string& path, const ReaderOptions& options);

  // The next event: kBar with BarPayload (event_ns = bar open time, interval_ns set) or kTrade
  // with TradePayload (event_ns = trade time), source kFile, seq and recv_ns 0 (the sequencer
  // stamps them). Returns false at the end of the file. No allocation unless a line is bad.
  // Errors: kParse "file:line: column NAME: problem" (wrong column count, a non-numeric field,
  // time not after the previous bar's or before the previous trade's, high below low, ...),
  // unless skip_bad_lines; kIo / kCorrupt from the file. After an error the reader stays failed
  // and returns the same error.
  Result<bool> next(Event& out);

  const ReaderStats& stats() const noexcept { return stats_; }

  ~MarketDataReader();
  MarketDataReader(const MarketDataReader&) = delete;
  MarketDataReader& operator=(const MarketDataReader&) = delete;

  // Layout of the columns this reader uses; public for the implementation file's helpers.
  struct Columns {
    static constexpr int kNone = -1;
    std::size_t count = 0;  // every data line must have exactly this many fields
    int time = kNone, time_of_day = kNone;
    int open = kNone, high = kNone, low = kNone, close = kNone, volume = kNone;
    int price = kNone, qty = kNone, trade_id = kNone, buyer_maker = kNone, side = kNone;
    std::array<std::string, detail::kMaxFields> names;  // for messages
  };

 private:
  enum class LineOutcome : std::uint8_t { kEvent, kBad, kSkip };

  MarketDataReader(std::string path, const ReaderOptions& options, std::unique_ptr<detail::LineReader> lines);
  Status read_header();
  Result<bool> read_event(Event& out);
  LineOutcome parse_line(std::string_view line, Event& out);
  bool parse_time(const detail::Fields& f, TimeNs& out);
  bool parse_bar(const detail::Fields& f, Event& out);
  bool parse_trade(const detail::Fields& f, Event& out);
  void probe_interval();
  void emit(Event& out) noexcept;
  [[gnu::cold]] void bad(int column, std::string problem);
  [[gnu::cold]] void bad_count(std::size_t found);
  [[gnu::cold]] bool bad_number(int column, std::string_view text, ParseStatus status);

  std::string path_;
  ReaderOptions options_;
  std::unique_ptr<detail::LineReader> lines_;
  Columns columns_;
  ReaderStats stats_;
  detail::Fields fields_{};
  Event blank_{};  // make_event() of this file's event type, time 0
  bool unit_from_magnitude_ = false;
  bool unit_known_ = false;
  std::int64_t unit_ns_ = 1'000'000;  // nanoseconds per epoch time unit
  bool have_previous_ = false;
  TimeNs previous_ns_ = 0;             // last accepted line's time (order check)
  std::uint64_t previous_line_ = 0;
  bool have_emitted_ = false;
  TimeNs emitted_ns_ = 0;              // last returned event's time (gap count)
  // Look-ahead of the first bars, so that the first bar already carries interval_ns.
  static constexpr std::size_t kProbeBars = 17;
  std::array<Event, kProbeBars> pending_{};
  std::size_t pending_size_ = 0, pending_next_ = 0;
  bool probed_ = false;
  bool failed_ = false;
  Error error_;  // the current line's error; once failed_, the one next() keeps returning
  // A headerless file's first line, read to detect the layout and parsed as data after.
  std::string first_line_;  // the line, then kFieldPadding zero bytes
  std::size_t first_line_size_ = 0;
  bool replay_first_line_ = false;
};

}  // namespace sequent
