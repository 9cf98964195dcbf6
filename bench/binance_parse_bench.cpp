// Binance protocol core on the real spot capture (../shared/data/ticks_l2/raw/..., resolved from
// the working directory: run from the repository root). Messages are loaded once into one arena,
// each followed by 64 bytes of padding, so the parser runs without copies, as on a socket buffer.
//
//   BM_Parse_Depth / _Trade / _BookTicker   BinanceParser::parse_padded → engine Events
//   BM_Parse_Mixed                          every message of the capture in file order
//   BM_DepthPipeline                        parse + DepthSync + the core's L2Book, depth only
//   BM_Decimal_Binance / _Engine            the fast 8-decimal parser vs engine parse_fixed_raw
//   BM_L2Book_Apply                         the book alone on the capture's levels
//
//   build/bench/binance_parse_bench --benchmark_filter=Parse
#include <benchmark/benchmark.h>
#include <zlib.h>

#include <cstring>
#include <string>
#include <vector>

#include "engine/l2_book.hpp"
#include "gateways/binance/decimal.hpp"
#include "gateways/binance/depth_sync.hpp"
#include "gateways/binance/parser.hpp"

namespace {

using namespace sequent;
using namespace sequent::binance;

const std::string kCapture = "../shared/data/ticks_l2/raw/binance_spot_BTCUSDT_20240808_2359_ws.jsonl.gz";
constexpr InstrumentId kBtc = 0;

struct Message {
  std::size_t offset, len;
  MessageKind kind;
};

struct Capture {
  std::vector<char> arena;
  std::vector<Message> all;
  std::vector<std::string> prices;  // decimal strings of every depth level
  std::vector<Event> levels;        // every depth level event, in order
  std::string error;
};

std::vector<SymbolBinding> symbols() { return {{"BTCUSDT", kBtc, "BTC", "USDT"}}; }

const Capture& capture() {
  static const Capture c = [] {
    Capture cap;
    gzFile f = gzopen(kCapture.c_str(), "rb");
    if (f == nullptr) {
      cap.error = "cannot open " + kCapture + " (run from the repository root)";
      return cap;
    }
    std::string data;
    char buf[1 << 16];
    for (int n; (n = gzread(f, buf, sizeof(buf))) > 0;) data.append(buf, static_cast<std::size_t>(n));
    gzclose(f);
    BinanceParser parser(symbols());
    Parsed m;
    std::size_t pos = 0;
    while (pos < data.size()) {
      std::size_t eol = data.find('\n', pos);
      if (eol == std::string::npos) eol = data.size();
      const std::string_view line(data.data() + pos, eol - pos);
      pos = eol + 1;
      const std::size_t space = line.find(' ');
      if (space == std::string_view::npos) continue;
      const std::string_view json = line.substr(space + 1);
      if (parser.parse(json, m, kBtc) != ParseErrc::kOk) continue;
      const std::size_t off = cap.arena.size();
      cap.arena.insert(cap.arena.end(), json.begin(), json.end());
      cap.arena.insert(cap.arena.end(), BinanceParser::kPadding, '\0');
      cap.all.push_back(Message{off, json.size(), m.kind});
      if (m.kind == MessageKind::kDepthUpdate || m.kind == MessageKind::kDepthSnapshot)
        for (const Event& e : m.events) {
          cap.levels.push_back(e);
          cap.prices.push_back(to_string(e.payload.book.price));
        }
    }
    return cap;
  }();
  return c;
}

void parse_kind(benchmark::State& state, MessageKind kind, bool any) {
  const Capture& cap = capture();
  if (!cap.error.empty()) {
    state.SkipWithError(cap.error.c_str());
    return;
  }
  std::vector<const Message*> msgs;
  std::size_t bytes = 0;
  for (const Message& m : cap.all)
    if (any || m.kind == kind) {
      msgs.push_back(&m);
      bytes += m.len;
    }
  BinanceParser parser(symbols());
  Parsed out;
  std::uint64_t n = 0, events = 0;
  for (auto _ : state) {
    for (const Message* m : msgs) {
      const char* p = cap.arena.data() + m->offset;
      if (parser.parse_padded(p, m->len, m->len + BinanceParser::kPadding, out, kBtc) != ParseErrc::kOk) {
        state.SkipWithError(parser.error().message().c_str());
        return;
      }
      events += out.events.size();
      benchmark::DoNotOptimize(out.events.data());
    }
    n += msgs.size();
  }
  state.counters["msgs_per_s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["msgs"] = static_cast<double>(msgs.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
}

void BM_Parse_Depth(benchmark::State& state) { parse_kind(state, MessageKind::kDepthUpdate, false); }
BENCHMARK(BM_Parse_Depth)->Unit(benchmark::kMillisecond);
void BM_Parse_Trade(benchmark::State& state) { parse_kind(state, MessageKind::kTrade, false); }
BENCHMARK(BM_Parse_Trade)->Unit(benchmark::kMillisecond);
void BM_Parse_BookTicker(benchmark::State& state) { parse_kind(state, MessageKind::kBookTicker, false); }
BENCHMARK(BM_Parse_BookTicker)->Unit(benchmark::kMillisecond);
void BM_Parse_Mixed(benchmark::State& state) { parse_kind(state, MessageKind::kNone, true); }
BENCHMARK(BM_Parse_Mixed)->Unit(benchmark::kMillisecond);

// Parse + DepthSync (with its own book) + the core's replica book: what a depth message costs
// from socket bytes to an updated book.
void BM_DepthPipeline(benchmark::State& state) {
  const Capture& cap = capture();
  if (!cap.error.empty()) {
    state.SkipWithError(cap.error.c_str());
    return;
  }
  std::uint64_t n = 0;
  for (auto _ : state) {
    state.PauseTiming();
    BinanceParser parser(symbols());
    DepthSync sync(kBtc);
    L2Book book(kBtc, 5000);
    std::vector<Event> out;
    out.reserve(1 << 14);
    Parsed m;
    state.ResumeTiming();
    for (const Message& msg : cap.all) {
      if (msg.kind != MessageKind::kDepthUpdate && msg.kind != MessageKind::kDepthSnapshot) continue;
      const char* p = cap.arena.data() + msg.offset;
      if (parser.parse_padded(p, msg.len, msg.len + BinanceParser::kPadding, m, kBtc) != ParseErrc::kOk) continue;
      out.clear();
      if (m.kind == MessageKind::kDepthSnapshot) sync.on_snapshot(m.depth, m.events, out);
      else sync.on_diff(m.depth, m.events, out);
      for (const Event& e : out) book.apply(e);
      ++n;
    }
    benchmark::DoNotOptimize(book.best_bid());
    if (!sync.synced() || book.crossed()) {
      state.SkipWithError("the capture did not sync");
      return;
    }
  }
  state.counters["msgs_per_s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DepthPipeline)->Unit(benchmark::kMillisecond);

void BM_L2Book_Apply(benchmark::State& state) {
  const Capture& cap = capture();
  if (!cap.error.empty()) {
    state.SkipWithError(cap.error.c_str());
    return;
  }
  std::uint64_t n = 0;
  for (auto _ : state) {
    L2Book book(kBtc, 5000);
    for (const Event& e : cap.levels) book.apply(e);
    benchmark::DoNotOptimize(book.best_ask());
    n += cap.levels.size();
  }
  state.counters["levels_per_s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_L2Book_Apply)->Unit(benchmark::kMillisecond);

template <bool kFast>
void decimals(benchmark::State& state) {
  const Capture& cap = capture();
  if (!cap.error.empty()) {
    state.SkipWithError(cap.error.c_str());
    return;
  }
  // Binance's own 8-decimal form, as on the wire.
  std::vector<std::string> wire;
  for (std::size_t i = 0; i < cap.levels.size() && i < 100000; ++i) {
    char buf[32];
    const std::int64_t raw = cap.levels[i].payload.book.price.raw();
    std::snprintf(buf, sizeof(buf), "%lld.%08lld", static_cast<long long>(raw / 100000000),
                  static_cast<long long>(raw % 100000000));
    wire.emplace_back(buf);
  }
  std::uint64_t n = 0;
  for (auto _ : state) {
    std::int64_t sum = 0;
    for (const std::string& s : wire) {
      std::int64_t v = 0;
      if constexpr (kFast) (void)parse_binance_decimal_raw(s, v);
      else (void)parse_fixed_raw(s, v);
      sum += v;
    }
    benchmark::DoNotOptimize(sum);
    n += wire.size();
  }
  state.counters["decimals_per_s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
}
void BM_Decimal_Binance(benchmark::State& state) { decimals<true>(state); }
BENCHMARK(BM_Decimal_Binance)->Unit(benchmark::kMicrosecond);
void BM_Decimal_Engine(benchmark::State& state) { decimals<false>(state); }
BENCHMARK(BM_Decimal_Engine)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
