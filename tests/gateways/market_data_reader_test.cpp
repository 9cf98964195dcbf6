// MarketDataReader: every layout on small files written to a temp directory (plain, gzip, zip),
// exact error messages, skip_bad_lines, gaps, and the real files in ../shared/data.
#include "gateways/market_data_reader.hpp"

#include <gtest/gtest.h>
#include <zip.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace sequent {
namespace {

namespace fs = std::filesystem;

TimeNs utc_ns(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
  using namespace std::chrono;
  const sys_days day{year{y} / month{m} / ::std::chrono::day{d}};
  return duration_cast<nanoseconds>(day.time_since_epoch() + hours{hh} + minutes{mm} + seconds{ss}).count();
}

constexpr TimeNs kMs = 1'000'000;

class ReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sequent_reader_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::string write_gz(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    gzFile f = gzopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
    gzclose(f);
    return path;
  }
  std::string write_zip(const std::string& name, const std::string& entry, const std::string& text) {
    const std::string path = (dir_ / name).string();
    zipFile z = zipOpen64(path.c_str(), APPEND_STATUS_CREATE);
    EXPECT_NE(z, nullptr);
    EXPECT_EQ(zipOpenNewFileInZip64(z, entry.c_str(), nullptr, nullptr, 0, nullptr, 0, nullptr, Z_DEFLATED,
                                    Z_DEFAULT_COMPRESSION, 0),
              ZIP_OK);
    EXPECT_EQ(zipWriteInFileInZip(z, text.data(), static_cast<unsigned>(text.size())), ZIP_OK);
    zipCloseFileInZip(z);
    zipClose(z, nullptr);
    return path;
  }

  fs::path dir_;
};

struct ReadAll {
  std::vector<Event> events;
  ReaderStats stats;
  std::string error;  // empty when the file read to its end
};

ReadAll read_all(const std::string& path, ReaderOptions options = {}) {
  ReadAll out;
  auto reader = MarketDataReader::open(path, options);
  if (!reader) {
    out.error = reader.error().message;
    return out;
  }
  Event e;
  for (;;) {
    Result<bool> more = (*reader)->next(e);
    if (!more) {
      out.error = more.error().message;
      EXPECT_EQ(more.error().code, ErrorCode::kParse);
      break;
    }
    if (!*more) break;
    out.events.push_back(e);
  }
  out.stats = (*reader)->stats();
  return out;
}

std::string error_of_open(const std::string& path) {
  auto reader = MarketDataReader::open(path, {});
  return reader ? std::string() : reader.error().message;
}

const char kKlinesMs[] =
    "1690848000000,4.255,4.256,4.252,4.252,25259.1,1690848059999,107451.0165,208,5452.3,23199.1103,0\n"
    "1690848060000,4.251,4.253,4.251,4.253,2476.0,1690848119999,10527.7466,92,1334.3,5673.4734,0\n"
    "1690848120000,4.253,4.254,4.250,4.250,100,1690848179999,425.1,10,50,212.5,0\n";

TEST_F(ReaderTest, ReadsHeaderlessBinanceKlinesInMilliseconds) {
  const ReadAll r = read_all(write("k.csv", kKlinesMs));
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.events.size(), 3u);
  EXPECT_EQ(r.stats.format, DataFormat::kBinanceKline);
  EXPECT_FALSE(r.stats.has_header);
  EXPECT_EQ(r.stats.time_unit, TimeUnit::kMillis);
  const Event& e = r.events[0];
  EXPECT_EQ(e.type(), EventType::kBar);
  EXPECT_EQ(e.header.source, Source::kFile);
  EXPECT_EQ(e.header.event_ns, 1690848000000 * kMs);
  EXPECT_EQ(e.payload.bar.open.raw(), 425'500'000);
  EXPECT_EQ(e.payload.bar.high.raw(), 425'600'000);
  EXPECT_EQ(e.payload.bar.low.raw(), 425'200'000);
  EXPECT_EQ(e.payload.bar.close.raw(), 425'200'000);
  EXPECT_EQ(e.payload.bar.volume.raw(), 2'525'910'000'000);
  EXPECT_EQ(e.payload.bar.interval_ns, 60'000 * kMs);
  EXPECT_EQ(r.stats.first_event_ns, 1690848000000 * kMs);
  EXPECT_EQ(r.stats.last_event_ns, 1690848120000 * kMs);
  EXPECT_EQ(r.stats.gaps, 0u);
}

TEST_F(ReaderTest, DetectsMicrosecondKlinesFromTheFirstTimestamp) {
  const std::string us =
      "1735689600000000,93576.00,93610.93,93537.50,93610.93,8.21827,1735689659999999,768978.4,1500,5.1,477000.2,0\n"
      "1735689660000000,93610.93,93652.00,93606.00,93648.00,7.0,1735689719999999,655000.0,1200,3.0,280000.0,0\n";
  const ReadAll r = read_all(write("us.csv", us));
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.stats.time_unit, TimeUnit::kMicros);
  EXPECT_EQ(r.events[0].header.event_ns, utc_ns(2025, 1, 1));
  EXPECT_EQ(r.events[1].header.event_ns - r.events[0].header.event_ns, 60'000 * kMs);
  EXPECT_EQ(r.events[0].payload.bar.interval_ns, 60'000 * kMs);
}

TEST_F(ReaderTest, ReadsBinanceKlinesWithTheirHeader) {
  const std::string text =
      "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,"
      "ignore\n" +
      std::string(kKlinesMs);
  const ReadAll r = read_all(write("kh.csv", text));
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.events.size(), 3u);
  EXPECT_TRUE(r.stats.has_header);
  EXPECT_EQ(r.stats.format, DataFormat::kBinanceKline);
}

TEST_F(ReaderTest, ReadsSixColumnBarsAndRoundsFloatReprsHalfEven) {
  const std::string text =
      "open_time,open,high,low,close,volume\n"
      "1747699200000,105573.73,105597.1,105554.31,105554.32,10.82647\n"
      "1747699260000,1e-05,2.5e-05,1e-05,2e-05,0.123456789\n";
  const ReadAll r = read_all(write("six.csv", text));
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.stats.format, DataFormat::kBars);
  EXPECT_EQ(r.events[0].payload.bar.open.raw(), 10'557'373'000'000);
  EXPECT_EQ(r.events[1].payload.bar.open.raw(), 1'000);
  EXPECT_EQ(r.events[1].payload.bar.high.raw(), 2'500);
  EXPECT_EQ(r.events[1].payload.bar.volume.raw(), 12'345'679);  // 9th decimal rounded
}

TEST_F(ReaderTest, ReadsYahooDailyCaseInsensitiveIgnoringAdjClose) {
  const std::string text =
      "Date,Open,High,Low,Close,Adj Close,Volume\r\n"
      "2014-01-02,37.799999,37.990002,37.500000,37.840000,35.927433,16200000\r\n"
      "2014-01-03,37.849998,38.009998,37.509998,37.619999,35.718548,12030800\r\n"
      "2014-01-06,37.610001,37.930000,37.369999,37.470001,35.576180,15063100\r\n";
  const ReadAll r = read_all(write("yahoo.csv", text));
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.events.size(), 3u);
  EXPECT_EQ(r.stats.time_unit, TimeUnit::kDate);
  EXPECT_EQ(r.stats.time_column, "date");
  EXPECT_EQ(r.events[0].header.event_ns, utc_ns(2014, 1, 2));
  EXPECT_EQ(r.events[0].payload.bar.close.raw(), 3'784'000'000);  // Close, not Adj Close
  EXPECT_EQ(r.events[0].payload.bar.volume.raw(), 1'620'000'000'000'000);
  // Daily step from the first bars; the weekend is one gap of three days.
  EXPECT_EQ(r.stats.interval_ns, utc_ns(1970, 1, 2));
  EXPECT_EQ(r.stats.gaps, 1u);
  EXPECT_EQ(r.stats.largest_gap_ns, 3 * utc_ns(1970, 1, 2));
}

TEST_F(ReaderTest, ReadsDateAndTimeColumnsAndDateTimes) {
  const ReadAll two = read_all(write("bt.csv",
                                     "date,time,open,high,low,close,volume,openinterest\n"
                                     "2006-01-02,09:05:00,3578.73,3587.88,3578.73,3582.99,0,0\n"
                                     "2006-01-02,09:10:00,3583.01,3588.40,3583.01,3588.03,0,0\n"));
  ASSERT_EQ(two.error, "");
  ASSERT_EQ(two.events.size(), 2u);
  EXPECT_EQ(two.stats.time_column, "date+time");
  EXPECT_EQ(two.events[0].header.event_ns, utc_ns(2006, 1, 2, 9, 5));
  EXPECT_EQ(two.stats.interval_ns, 5 * 60 * 1'000'000'000LL);

  const ReadAll one = read_all(write("dt.csv",
                                     "Datetime,Open,High,Low,Close\n"
                                     "2006-01-02 09:05:00,1,2,1,2\n"
                                     "2006-01-02T09:10:00Z,2,3,1,2\n"));
  ASSERT_EQ(one.error, "");
  EXPECT_EQ(one.events[1].header.event_ns, utc_ns(2006, 1, 2, 9, 10));
  EXPECT_EQ(one.events[1].payload.bar.volume.raw(), 0);  // no volume column
}

TEST_F(ReaderTest, ReadsHeaderlessBinanceTradesAndAggTrades) {
  const ReadAll trades = read_all(write("t.csv",
                                        "3735683259,61837.63000000,0.02000000,1236.7526,1723161255342,True,True\n"
                                        "3735683260,61837.64000000,0.04800000,2968.2067,1723161255617,False,True\n"));
  ASSERT_EQ(trades.error, "");
  ASSERT_EQ(trades.events.size(), 2u);
  EXPECT_EQ(trades.stats.format, DataFormat::kTrades);
  const TradePayload& t = trades.events[0].payload.trade;
  EXPECT_EQ(trades.events[0].type(), EventType::kTrade);
  EXPECT_EQ(trades.events[0].header.event_ns, 1723161255342 * kMs);
  EXPECT_EQ(t.trade_id, 3735683259u);
  EXPECT_EQ(t.price.raw(), 6'183'763'000'000);
  EXPECT_EQ(t.qty.raw(), 2'000'000);
  EXPECT_EQ(t.aggressor, Side::kSell);  // the buyer was the maker
  EXPECT_EQ(trades.events[1].payload.trade.aggressor, Side::kBuy);

  const ReadAll agg = read_all(write("a.csv",
                                     "26129,0.01633102,4.70443515,27781,27781,1498793709153,true,true\n"
                                     "26130,0.01633102,0.5,27782,27783,1498793709153,false,true\n"));
  ASSERT_EQ(agg.error, "");
  ASSERT_EQ(agg.events.size(), 2u);  // equal trade times are fine
  EXPECT_EQ(agg.stats.time_column, "transact_time");
  EXPECT_EQ(agg.events[1].payload.trade.trade_id, 26130u);
}

TEST_F(ReaderTest, ReadsTradesByHeaderWithUnitSuffixes) {
  const ReadAll r = read_all(write("ticks.csv",
                                   "local_ts_ns,event_time_ms,trade_time_ms,trade_id,price,qty,is_buyer_maker\n"
                                   "1723161254087896568,1723161255343,1723161255342,3735683259,61837.63,0.02,1\n"
                                   "1723161254347673567,1723161255619,1723161255617,3735683260,61837.63,0.048,0\n"));
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.stats.time_column, "trade_time_ms");
  EXPECT_EQ(r.events[0].header.event_ns, 1723161255342 * kMs);

  const ReadAll ns = read_all(write("ns.csv", "local_ts_ns,price,qty\n1723161254087896568,61837.63,0.02\n"));
  ASSERT_EQ(ns.error, "");
  EXPECT_EQ(ns.stats.time_unit, TimeUnit::kNanos);
  EXPECT_EQ(ns.events[0].header.event_ns, 1723161254087896568);

  const ReadAll kraken = read_all(write("kraken.csv", "timestamp_s,price,volume\n1672531436,90.54,1.1044842\n"));
  ASSERT_EQ(kraken.error, "");
  EXPECT_EQ(kraken.events[0].header.event_ns, 1672531436LL * 1'000'000'000);
  EXPECT_EQ(kraken.events[0].payload.trade.aggressor, Side::kNone);

  const ReadAll freqtrade = read_all(write("ft.csv", "timestamp_ms,trade_id,side,price,amount,cost\n"
                                                     "1570752011620,13519807,sell,0.00141342,23.0,0.03250866\n"));
  ASSERT_EQ(freqtrade.error, "");
  EXPECT_EQ(freqtrade.events[0].payload.trade.aggressor, Side::kSell);
  EXPECT_EQ(freqtrade.events[0].payload.trade.qty.raw(), 2'300'000'000);
}

TEST_F(ReaderTest, GzipAndZipGiveTheSameEventsAsPlain) {
  std::string text = "open_time,open,high,low,close,volume\n";
  for (int i = 0; i < 5000; ++i) {
    text += std::to_string(1747699200000 + 60'000LL * i) + ",100." + std::to_string(i % 100) + ",101,99,100.5,1.25\n";
  }
  const ReadAll plain = read_all(write("bars.csv", text));
  const ReadAll gz = read_all(write_gz("bars.csv.gz", text));
  const ReadAll zip = read_all(write_zip("bars.zip", "bars.csv", text));
  ASSERT_EQ(plain.error, "");
  ASSERT_EQ(gz.error, "");
  ASSERT_EQ(zip.error, "");
  EXPECT_EQ(gz.stats.compression, detail::Compression::kGzip);
  EXPECT_EQ(zip.stats.compression, detail::Compression::kZip);
  ASSERT_EQ(plain.events.size(), 5000u);
  ASSERT_EQ(gz.events.size(), plain.events.size());
  ASSERT_EQ(zip.events.size(), plain.events.size());
  for (std::size_t i = 0; i < plain.events.size(); ++i) {
    ASSERT_EQ(std::memcmp(&plain.events[i], &gz.events[i], sizeof(Event)), 0) << i;
    ASSERT_EQ(std::memcmp(&plain.events[i], &zip.events[i], sizeof(Event)), 0) << i;
  }
  EXPECT_EQ(gz.stats.bytes, text.size());
}

TEST_F(ReaderTest, ReadsLinesAcrossChunkBoundariesAndALastLineWithoutNewline) {
  std::string text = "open_time,open,high,low,close,volume\n";
  const int rows = 40'000;  // ~2 MB: several 256 KiB chunks
  for (int i = 0; i < rows; ++i) {
    text += std::to_string(1747699200000 + 60'000LL * i) + ",105573.73,105597.1,105554.31,105554.32,10.82647";
    if (i + 1 < rows) text += '\n';
  }
  const ReadAll r = read_all(write_gz("long.csv.gz", text));
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.events.size(), static_cast<std::size_t>(rows));
  EXPECT_EQ(r.events.back().header.event_ns, (1747699200000 + 60'000LL * (rows - 1)) * kMs);
  EXPECT_EQ(r.events.back().payload.bar.volume.raw(), 1'082'647'000);
}

const char kSixHeader[] = "open_time,open,high,low,close,volume\n";

TEST_F(ReaderTest, ParsesEveryDigitCountLikeTheEngineParser) {
  // Integer parts of 0 to 10 digits and fractions of 0 to 12 (past 8: rounded half to even), so
  // every length of the eight-at-a-time digit parser and its fallback is covered.
  std::string text = "open_time,open,high,low,close,volume\n";
  std::vector<std::string> values;
  std::uint64_t seed = 12345;
  long long t = 1747699200000;
  for (int int_digits = 0; int_digits <= 10; ++int_digits) {
    for (int frac_digits = 0; frac_digits <= 12; ++frac_digits) {
      if (int_digits + frac_digits == 0) continue;
      std::string v;
      for (int i = 0; i < int_digits; ++i) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        v += static_cast<char>('1' + (seed >> 33) % 9);
      }
      if (frac_digits > 0) v += '.';
      for (int i = 0; i < frac_digits; ++i) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        v += static_cast<char>('0' + (seed >> 33) % 10);
      }
      values.push_back(v);
      text += std::to_string(t) + "," + v + "," + v + "," + v + "," + v + "," + v + "\n";
      t += 60'000;
    }
  }
  const ReadAll r = read_all(write("digits.csv", text));
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.events.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::int64_t expected = 0;
    ASSERT_EQ(parse_fixed_raw(values[i], expected, Rounding::kHalfEven), ParseStatus::kOk) << values[i];
    EXPECT_EQ(r.events[i].payload.bar.close.raw(), expected) << values[i];
    EXPECT_EQ(r.events[i].payload.bar.volume.raw(), expected) << values[i];
  }
}


TEST_F(ReaderTest, NamesFileLineAndColumnOfBadFields) {
  const std::string missing = write("missing.csv", std::string(kSixHeader) + "1747699200000,1,2,1,2,5\n1747699260000,1,2,1,2\n");
  EXPECT_EQ(read_all(missing).error, missing + ":3: column volume: missing (expected 6 columns, found 5)");

  const std::string extra = write("extra.csv", std::string(kSixHeader) + "1747699200000,1,2,1,2,5,9\n");
  EXPECT_EQ(read_all(extra).error, extra + ":2: column 7: unexpected extra field (expected 6 columns, found 7)");

  const std::string text = write("text.csv", std::string(kSixHeader) + "1747699200000,1,abc,1,2,5\n");
  EXPECT_EQ(read_all(text).error, text + ":2: column high: 'abc' is not a decimal number");

  const std::string order = write("order.csv", std::string(kSixHeader) +
                                                   "1747699260000,1,2,1,2,5\n1747699260000,1,2,1,2,5\n");
  EXPECT_EQ(read_all(order).error, order + ":3: column open_time: '1747699260000' is not after the previous bar "
                                           "(line 2); rows must be in time order");

  const std::string range = write("range.csv", std::string(kSixHeader) + "1747699200000,1.5,1,2,1.5,5\n");
  EXPECT_EQ(read_all(range).error, range + ":2: column high: 1 is below low 2");

  const std::string open = write("open.csv", std::string(kSixHeader) + "1747699200000,3,2,1,1.5,5\n");
  EXPECT_EQ(read_all(open).error, open + ":2: column open: 3 is outside the bar's range [low 1, high 2]");

  const std::string volume = write("volume.csv", std::string(kSixHeader) + "1747699200000,1,2,1,2,-5\n");
  EXPECT_EQ(read_all(volume).error, volume + ":2: column volume: -5 is negative");

  const std::string date = write("date.csv", "date,open,high,low,close\n2014-13-02,1,2,1,2\n");
  EXPECT_EQ(read_all(date).error,
            date + ":2: column date: '2014-13-02' is not a time (an epoch number, YYYY-MM-DD or YYYY-MM-DD "
                   "HH:MM:SS, read as UTC)");

  const std::string side = write("side.csv", "time,price,qty,side\n1747699200000,1,2,hold\n");
  EXPECT_EQ(read_all(side).error, side + ":2: column side: 'hold' is not buy or sell");
}

TEST_F(ReaderTest, RefusesMixedTimeUnits) {
  const std::string path = write("mixed.csv", std::string(kSixHeader) +
                                                  "1735689540000,1,2,1,2,5\n1735689600000000,1,2,1,2,5\n");
  EXPECT_EQ(read_all(path).error,
            path + ":3: column open_time: '1735689600000000' is not in ms like the file's first time; mixed time "
                   "units (Binance moved spot data from ms to us in 2025): split the file at the change");
}

TEST_F(ReaderTest, SkipBadLinesCountsThemAndKeepsTheFirstMessage) {
  const std::string path = write("bad.csv", std::string(kSixHeader) +
                                                "1747699200000,1,2,1,2,5\n"
                                                "1747699260000,1,x,1,2,5\n"
                                                "\n"
                                                "1747699320000,1,2,1,2\n"
                                                "1747699380000,1,2,1,2,5\n"
                                                "1747699440000,1,2,1,2,5\n");
  ReaderOptions options;
  options.skip_bad_lines = true;
  const ReadAll r = read_all(path, options);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.events.size(), 3u);
  EXPECT_EQ(r.stats.bad_lines, 2u);
  EXPECT_EQ(r.stats.first_bad_line, path + ":3: column high: 'x' is not a decimal number");
  EXPECT_EQ(r.stats.lines, 7u);
  // The skipped minutes leave a gap (counted, not filled).
  EXPECT_EQ(r.stats.interval_ns, 60'000 * kMs);
  EXPECT_EQ(r.stats.gaps, 1u);
  EXPECT_EQ(r.stats.largest_gap_ns, 180'000 * kMs);
}

TEST_F(ReaderTest, CountsGapsWithoutFillingThem) {
  std::string text = kSixHeader;
  for (long long t : {0LL, 1LL, 2LL, 5LL, 6LL, 16LL}) {
    text += std::to_string(1747699200000 + 60'000 * t) + ",1,2,1,2,5\n";
  }
  const ReadAll r = read_all(write("gaps.csv", text));
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.events.size(), 6u);
  EXPECT_EQ(r.stats.interval_ns, 60'000 * kMs);
  EXPECT_EQ(r.stats.gaps, 2u);
  EXPECT_EQ(r.stats.largest_gap_ns, 600'000 * kMs);
}

TEST_F(ReaderTest, StopsAtTheFirstBadLineAfterTheGoodOnes) {
  // The error comes after the good bars before it, even inside the interval look-ahead.
  const std::string path = write("late.csv", std::string(kSixHeader) + "1747699200000,1,2,1,2,5\n1747699260000,1,2,1,z,5\n");
  auto reader = MarketDataReader::open(path, {});
  ASSERT_TRUE(reader);
  Event e;
  Result<bool> first = (*reader)->next(e);
  ASSERT_TRUE(first);
  EXPECT_TRUE(*first);
  Result<bool> second = (*reader)->next(e);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().message, path + ":3: column close: 'z' is not a decimal number");
  EXPECT_FALSE((*reader)->next(e));  // stays failed
}

TEST_F(ReaderTest, RefusesUnknownLayoutsAtOpen) {
  const std::string empty = write("empty.csv", "");
  EXPECT_EQ(error_of_open(empty), empty + ": empty file; expected a CSV header or data line");
  const std::string five = write("five.csv", "1,2,3,4,5\n");
  EXPECT_EQ(error_of_open(five),
            five + ":1: no header line and 5 columns; without a header only Binance klines (12 columns), trades (7) "
                   "and aggTrades (8) are known; add a header line naming the columns");
  const std::string notime = write("notime.csv", "x,open,high,low,close\n");
  EXPECT_NE(error_of_open(notime).find(notime + ":1: header 'x,open,high,low,close' has no time column"),
            std::string::npos);
  const std::string neither = write("neither.csv", "time,bid,ask\n");
  EXPECT_NE(error_of_open(neither).find("names neither bars"), std::string::npos);
  EXPECT_NE(error_of_open((dir_ / "absent.csv").string()).find("cannot open"), std::string::npos);
}

TEST_F(ReaderTest, ReportsATruncatedGzipFile) {
  std::string text = kSixHeader;
  for (int i = 0; i < 20'000; ++i) text += std::to_string(1747699200000 + 60'000LL * i) + ",1,2,1,2,5\n";
  const std::string path = write_gz("cut.csv.gz", text);
  fs::resize_file(path, fs::file_size(path) / 2);
  auto reader = MarketDataReader::open(path, {});
  ASSERT_TRUE(reader);
  Event e;
  Result<bool> more = true;
  while (more && *more) more = (*reader)->next(e);
  ASSERT_FALSE(more);
  EXPECT_EQ(more.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(more.error().message.find("damaged gzip data"), std::string::npos) << more.error().message;
}

// ---- the real files (../shared/data, from the repository root = the test working directory) ----

const std::string kData = "../shared/data/";

struct RealFile {
  std::string path;
  std::size_t rows;
  TimeNs first_ns, last_ns;
  bool regular;  // no gaps expected
};

std::vector<RealFile> real_bar_files() {
  return {
      {"crypto_1m/binance_spot_BTCUSDT_1m_20250520_20250818.csv.gz", 130'708, 1747699200000 * kMs,
       utc_ns(2025, 8, 18, 18, 27), true},
      {"crypto_1m/binance_spot_ETHUSDT_1m_20250520_20250818.csv.gz", 130'708, utc_ns(2025, 5, 20),
       utc_ns(2025, 8, 18, 18, 27), true},
      {"crypto_1m/binance_spot_BTCUSDT_1m_20240726_20240825.csv.gz", 43'209, utc_ns(2024, 7, 26, 14, 15),
       utc_ns(2024, 8, 25, 14, 23), true},
      {"crypto_1m/binance_spot_ETHUSDT_1m_20240726_20240825.csv.gz", 43'208, utc_ns(2024, 7, 26, 14, 16),
       utc_ns(2024, 8, 25, 14, 23), true},
      {"crypto_1m/binance_um_FILUSDT_1m_2023-08_2023-11.csv.gz", 175'680, utc_ns(2023, 8, 1),
       utc_ns(2023, 11, 30, 23, 59), true},
      {"crypto_1m/binance_um_NEARUSDT_1m_2023-08_2023-10.csv.gz", 132'480, utc_ns(2023, 8, 1),
       utc_ns(2023, 10, 31, 23, 59), true},
      {"equity_daily/yahoo_ORCL_daily_1995_2014.csv", 5'036, utc_ns(1995, 1, 3), utc_ns(2014, 12, 31), false},
      {"equity_daily/yahoo_NVDA_daily_1999_2014.csv", 4'012, utc_ns(1999, 1, 22), utc_ns(2014, 12, 31), false},
      {"equity_daily/yahoo_YHOO_daily_1996_2015.csv", 4'965, utc_ns(1996, 4, 12), utc_ns(2015, 12, 31), false},
      {"equity_daily/bt_index_daily_2005_2006.csv", 512, utc_ns(2005, 1, 3), utc_ns(2006, 12, 29), false},
      {"equity_daily/bt_index_daily_2006.csv", 255, utc_ns(2006, 1, 2), utc_ns(2006, 12, 29), false},
      {"equity_daily/bt_index_5min_2006-01.csv", 2'142, utc_ns(2006, 1, 2, 9, 5), utc_ns(2006, 1, 30, 17, 30),
       false},
  };
}

TEST(RealData, EveryBarFileReadsFullyWithTheReadmeRowsAndRange) {
  for (const RealFile& f : real_bar_files()) {
    const std::string path = kData + f.path;
    if (!fs::exists(path)) GTEST_SKIP() << "real data not found: " << path;
    SCOPED_TRACE(path);
    const ReadAll r = read_all(path);
    ASSERT_EQ(r.error, "");
    EXPECT_EQ(r.events.size(), f.rows);
    EXPECT_EQ(r.stats.bad_lines, 0u);
    EXPECT_EQ(r.stats.first_event_ns, f.first_ns);
    EXPECT_EQ(r.stats.last_event_ns, f.last_ns);
    if (f.regular) {
      EXPECT_EQ(r.stats.interval_ns, 60'000 * kMs);
      EXPECT_EQ(r.stats.gaps, 0u);
    }
  }
}

TEST(RealData, FuturesKlinesKeepTheirTickPrecision) {
  const std::string path = kData + "crypto_1m/binance_um_NEARUSDT_1m_2023-08_2023-10.csv.gz";
  if (!fs::exists(path)) GTEST_SKIP() << "real data not found: " << path;
  auto reader = MarketDataReader::open(path, {});
  ASSERT_TRUE(reader);
  Event e;
  ASSERT_TRUE((*reader)->next(e));
  EXPECT_EQ((*reader)->stats().format, DataFormat::kBinanceKline);
  EXPECT_EQ(e.payload.bar.open.raw(), 137'000'000);     // 1.3700
  EXPECT_EQ(e.payload.bar.volume.raw(), 7'942'600'000'000);  // 79426
}

TEST(RealData, TradeFilesReadFully) {
  const std::vector<std::pair<std::string, std::size_t>> files = {
      {"ticks_l2/binance_spot_BTCUSDT_20240808_2359_trades.csv.gz", 19'904},
      {"ticks_l2/binance_um_BTCUSDT_20240808_2359_trades.csv.gz", 21'313},
      {"ticks_l2/binance_spot_XRPETH_20191011_aggtrades_freqtrade.csv", 12'477},
      {"ticks_l2/kraken_BCHEUR_trades_freqtrade.csv", 148},
      {"ticks_l2/tardis_bitmex_XBTUSD_20200301_trades.csv", 10},
  };
  for (const auto& [name, rows] : files) {
    const std::string path = kData + name;
    if (!fs::exists(path)) GTEST_SKIP() << "real data not found: " << path;
    SCOPED_TRACE(path);
    const ReadAll r = read_all(path);
    ASSERT_EQ(r.error, "");
    EXPECT_EQ(r.stats.format, DataFormat::kTrades);
    EXPECT_EQ(r.events.size(), rows);
  }
}

// README: 1-minute bars built from the spot trade capture equal the 2024 bar file's O/H/L/C/V
// for the ten complete minutes 23:55 to 00:04.
TEST(RealData, BarsBuiltFromTradesMatchTheBarFile) {
  const std::string trades_path = kData + "ticks_l2/binance_spot_BTCUSDT_20240808_2359_trades.csv.gz";
  const std::string bars_path = kData + "crypto_1m/binance_spot_BTCUSDT_1m_20240726_20240825.csv.gz";
  if (!fs::exists(trades_path)) GTEST_SKIP() << "real data not found: " << trades_path;
  if (!fs::exists(bars_path)) GTEST_SKIP() << "real data not found: " << bars_path;
  const TimeNs minute = 60'000 * kMs;
  const TimeNs from = utc_ns(2024, 8, 8, 23, 55), to = utc_ns(2024, 8, 9, 0, 5);
  std::map<TimeNs, BarPayload> built;
  for (const Event& e : read_all(trades_path).events) {
    const TimeNs t = e.header.event_ns / minute * minute;
    if (t < from || t >= to) continue;
    const TradePayload& tr = e.payload.trade;
    auto [it, fresh] = built.try_emplace(t, BarPayload{tr.price, tr.price, tr.price, tr.price, tr.qty, minute});
    if (fresh) continue;
    BarPayload& b = it->second;
    if (tr.price > b.high) b.high = tr.price;
    if (tr.price < b.low) b.low = tr.price;
    b.close = tr.price;
    b.volume += tr.qty;
  }
  ASSERT_EQ(built.size(), 10u);
  std::size_t compared = 0;
  for (const Event& e : read_all(bars_path).events) {
    auto it = built.find(e.header.event_ns);
    if (it == built.end()) continue;
    SCOPED_TRACE(e.header.event_ns);
    EXPECT_EQ(e.payload.bar.open, it->second.open);
    EXPECT_EQ(e.payload.bar.high, it->second.high);
    EXPECT_EQ(e.payload.bar.low, it->second.low);
    EXPECT_EQ(e.payload.bar.close, it->second.close);
    EXPECT_EQ(e.payload.bar.volume, it->second.volume);
    ++compared;
  }
  EXPECT_EQ(compared, 10u);
}

}  // namespace
}  // namespace sequent
