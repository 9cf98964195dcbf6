// The bookTicker oracle of ../shared/data/ticks_l2 (its README): a book rebuilt from the depth
// snapshot and diffs must show, at every bookTicker whose update id equals the last update id of
// an applied depth message, exactly that bookTicker's best bid and ask (price and quantity), and
// is never crossed. Shared by the protocol-core test (parser + DepthSync on the capture) and the
// end-to-end one (the capture served by `sequent venue-sim --replay`, consumed by the gateway).
//
//   BookTickerOracle oracle(instrument);
//   for each bookTicker (update id u, quote q), in stream order:  oracle.on_ticker(u, q);
//   for each kBookLevel event emitted (DepthSync / gateway), in order:  oracle.on_level(e);
//   oracle.matches, oracle.mismatches, oracle.first_mismatch, oracle.crossed_seen
#pragma once

#include <zlib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/event.hpp"
#include "engine/l2_book.hpp"

namespace sequent::binance::test {

inline const std::string kBinanceSpotCapture = "../shared/data/ticks_l2/raw/binance_spot_BTCUSDT_20240808_2359_ws.jsonl.gz";
// The README's figures for that capture.
inline constexpr std::size_t kCaptureTrades = 19'904;
inline constexpr std::size_t kCaptureOracleMatches = 1'072;

inline std::optional<std::string> gunzip_file(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return std::nullopt;
  std::string data;
  char buf[1 << 16];
  for (;;) {
    const int n = gzread(f, buf, sizeof(buf));
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  gzclose(f);
  return data;
}

class BookTickerOracle {
 public:
  explicit BookTickerOracle(InstrumentId instrument, std::size_t capacity = 5000) : book_(instrument, capacity) {}

  // The bookTicker stream is real time and the diff stream batched (100 ms), so a ticker may
  // come before or after the diff that ends at its update id: it is checked at whichever is later.
  void on_ticker(std::uint64_t u, const QuotePayload& q) {
    if (book_.synced() && u == book_.last_update_id()) {
      check(u, q);
    } else {
      pending_.emplace(u, q);
    }
  }

  void on_level(const Event& e) {
    book_.apply(e);
    const BookLevelPayload& b = e.payload.book;
    if ((b.flags & kBookLast) == 0 || b.last_update_id == 0) return;
    if (book_.crossed()) ++crossed_seen;
    if (auto it = pending_.find(b.last_update_id); it != pending_.end()) {
      check(it->first, it->second);
      pending_.erase(it);
    }
  }

  const L2Book& book() const noexcept { return book_; }

  std::size_t matches = 0, mismatches = 0, crossed_seen = 0;
  std::string first_mismatch;

 private:
  void check(std::uint64_t u, const QuotePayload& q) {
    const bool same =
        book_.best_bid() == BookLevel{q.bid_price, q.bid_qty} && book_.best_ask() == BookLevel{q.ask_price, q.ask_qty};
    if (same) {
      ++matches;
    } else if (mismatches++ == 0) {
      first_mismatch = "u=" + std::to_string(u) + " book " + to_string(book_.best_bid().price) + "/" +
                       to_string(book_.best_bid().qty) + " x " + to_string(book_.best_ask().price) + "/" +
                       to_string(book_.best_ask().qty) + " ticker " + to_string(q.bid_price) + "/" +
                       to_string(q.bid_qty) + " x " + to_string(q.ask_price) + "/" + to_string(q.ask_qty);
    }
  }

  L2Book book_;
  std::unordered_map<std::uint64_t, QuotePayload> pending_;  // tickers waiting for their diff
};

}  // namespace sequent::binance::test
