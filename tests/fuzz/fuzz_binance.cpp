// Fuzz target: the Binance parser, the depth sync and the L2 book behind it, and the fast decimal
// parser. Invariants: never crashes or reads out of bounds (ASan); parse() and parse_padded()
// agree; a successful parse has a kind and well-formed events (depth messages: only kBookLevel,
// kBookLast on the last one); whatever the sync emits never leaves the book crossed; the fast
// decimal parser agrees exactly with engine/fixed_point's strict parser.
#include "tests/fuzz/fuzz_target.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "engine/l2_book.hpp"
#include "gateways/binance/decimal.hpp"
#include "gateways/binance/depth_sync.hpp"
#include "gateways/binance/parser.hpp"

namespace {

using namespace sequent;
using namespace sequent::binance;

struct State {
  BinanceParser parser{{{"BTCUSDT", 0, "BTC", "USDT"}, {"ETHUSDT", 1, "ETH", "USDT"}},
                       BinanceParser::Options{.max_levels = 4096, .max_items = 64, .max_message_bytes = 1 << 16}};
  DepthSync sync{0, DepthSync::Options{.book_capacity = 256, .max_buffered_levels = 4096, .max_buffered_messages = 64}};
  L2Book book{0, 256};
  std::vector<Event> out;
  std::vector<char> padded;
};

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static State s;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // Decimal: fast path == engine strict parser.
  if (size <= 40) {
    std::int64_t fast = 0, ref = 0;
    const ParseStatus a = parse_binance_decimal_raw(text, fast);
    const ParseStatus b = parse_fixed_raw(text, ref, Rounding::kExact);
    check(a == b);
    if (a == ParseStatus::kOk) check(fast == ref);
  }

  Parsed m;
  const ParseErrc r = s.parser.parse(text, m, 0);
  // The zero-copy entry point gives the same answer.
  s.padded.assign(text.begin(), text.end());
  s.padded.resize(size + BinanceParser::kPadding, '\0');
  Parsed m2;
  const ParseErrc r2 = s.parser.parse_padded(s.padded.data(), size, s.padded.size(), m2, 0);
  check(r == r2);
  if (r2 != ParseErrc::kOk) {
    check(m2.kind == MessageKind::kNone && m2.events.empty());
    check(!s.parser.error().message().empty());
    return 0;
  }
  check(m2.kind != MessageKind::kNone);
  switch (m2.kind) {
    case MessageKind::kDepthUpdate:
    case MessageKind::kDepthSnapshot: {
      check(!m2.events.empty() || m2.kind == MessageKind::kDepthUpdate);
      for (const Event& e : m2.events) check(e.type() == EventType::kBookLevel);
      if (!m2.events.empty()) check((m2.events.back().payload.book.flags & kBookLast) != 0);
      if (m2.depth.instrument != 0) break;
      s.out.clear();
      if (m2.kind == MessageKind::kDepthSnapshot) s.sync.on_snapshot(m2.depth, m2.events, s.out);
      else s.sync.on_diff(m2.depth, m2.events, s.out);
      for (const Event& e : s.out) s.book.apply(e);
      if (!s.out.empty()) check(!s.book.crossed() && !s.book.in_message());
      check(!s.sync.book().crossed());
      break;
    }
    case MessageKind::kTrade:
    case MessageKind::kAggTrade:
      check(m2.events.size() == 1 && m2.events[0].type() == EventType::kTrade);
      break;
    case MessageKind::kBookTicker:
      check(m2.events.size() == 1 && m2.events[0].type() == EventType::kQuote);
      break;
    case MessageKind::kExecutionReport:
      check(m2.events.size() == 1 && m2.events[0].type() == EventType::kExecReport);
      check(!m2.events[0].payload.exec.leaves_qty.is_negative());
      break;
    default:
      check(m2.events.empty());
      break;
  }
  return 0;
}
