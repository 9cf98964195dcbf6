// DepthSync: Binance's documented procedure for a local order book from the diff-depth stream
// plus a REST snapshot, turning parsed depth messages into the kBookLevel events the core
// journals and applies.
//
//   DepthSync sync(btc, {});
//   out.reserve(...);                          // events are appended here
//   on every depthUpdate:   sync.on_diff(m.depth, m.events, out);
//   on the REST snapshot:   sync.on_snapshot(m.depth, m.events, out);
//   if (sync.needs_snapshot() && !fetching) fetch GET /api/v3/depth again;
//
// The procedure (developers.binance.com, "How to manage a local order book correctly"):
//   1. Until a snapshot arrives, diffs are buffered (bounded: on overflow the buffer is dropped
//      and counted; the snapshot that follows will then most likely fail step 3 and be
//      re-requested).
//   2. On the snapshot (lastUpdateId L): buffered diffs with u <= L are dropped.
//   3. The first diff applied must straddle L+1: U <= L+1 <= u. If it starts later (U > L+1)
//      the snapshot is too old: nothing is emitted and a newer snapshot is needed.
//   4. Every later diff must continue the sequence: U == previous u + 1.
// A gap (4 fails, or 3 for a live diff) or a book that would be crossed after a message → the
// state becomes kResyncNeeded. The sync then emits ONE resync marker (a kBookLevel with side
// kNone, ids 0 and flags kBookClear|kBookLast: the core's book empties and reports !synced(),
// and the journal records that the book was reset at this input), emits no further levels,
// and buffers diffs again until the caller's new snapshot arrives (back to step 2).
//
// DepthSync keeps its own L2Book (the gateway's view) so a crossed book is caught before its
// levels are emitted: the events it emits always rebuild a consistent, uncrossed book.
// Hot path (on_diff while synced): no allocation as long as `out` has capacity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/l2_book.hpp"
#include "gateways/binance/parser.hpp"

namespace sequent::binance {

class DepthSync {
 public:
  enum class State : std::uint8_t {
    kAwaitingSnapshot,   // initial: buffering diffs
    kAwaitingFirstDiff,  // snapshot applied; the next diff must straddle lastUpdateId+1
    kSynced,
    kResyncNeeded,       // the stream broke: marker emitted, buffering until a new snapshot
  };

  struct Options {
    std::size_t book_capacity = 5000;          // levels per side of the gateway's book
    std::size_t max_buffered_levels = 1 << 18; // levels buffered while awaiting a snapshot
    std::size_t max_buffered_messages = 1 << 14;
    Source source = Source::kNone;             // header.source of the resync marker
  };

  explicit DepthSync(InstrumentId instrument);
  DepthSync(InstrumentId instrument, Options options);

  // A parsed depthUpdate (header + its kBookLevel events). Appends what to emit to `out`.
  void on_diff(const DepthHeader& h, std::span<const Event> levels, std::vector<Event>& out);
  // A parsed REST snapshot. Appends the snapshot levels and the buffered diffs that follow it,
  // or nothing when the snapshot cannot be used (then needs_snapshot() stays true).
  void on_snapshot(const DepthHeader& h, std::span<const Event> levels, std::vector<Event>& out);

  State state() const noexcept { return state_; }
  bool needs_snapshot() const noexcept {
    return state_ == State::kAwaitingSnapshot || state_ == State::kResyncNeeded;
  }
  bool synced() const noexcept { return state_ == State::kSynced || state_ == State::kAwaitingFirstDiff; }
  // u of the last diff applied (the snapshot's lastUpdateId right after a snapshot).
  std::uint64_t last_update_id() const noexcept { return last_u_; }
  const L2Book& book() const noexcept { return book_; }

  std::uint64_t gaps() const noexcept { return gaps_; }                   // sequence breaks
  std::uint64_t crossed_books() const noexcept { return crossed_; }       // crossed after a message
  std::uint64_t resyncs() const noexcept { return resyncs_; }             // markers emitted
  std::uint64_t stale_dropped() const noexcept { return stale_dropped_; } // diffs with u <= L
  std::uint64_t unusable_snapshots() const noexcept { return unusable_snapshots_; }
  std::uint64_t buffer_overflows() const noexcept { return buffer_overflows_; }

 private:
  struct Pending {
    DepthHeader header;
    std::size_t begin, end;  // into buffered_
  };

  // Applies one diff to the book and emits it; false (nothing emitted) if the book crossed.
  bool apply_and_emit(const DepthHeader& h, std::span<const Event> levels, std::vector<Event>& out);
  void emit_marker(const DepthHeader& h, std::vector<Event>& out);
  void break_stream(const DepthHeader& h, std::vector<Event>& out, bool crossed);
  void buffer(const DepthHeader& h, std::span<const Event> levels);

  InstrumentId instrument_;
  Options options_;
  L2Book book_;
  State state_ = State::kAwaitingSnapshot;
  std::uint64_t last_u_ = 0;
  std::vector<Event> buffered_;
  std::vector<Pending> pending_;
  std::uint64_t gaps_ = 0, crossed_ = 0, resyncs_ = 0, stale_dropped_ = 0, unusable_snapshots_ = 0,
                buffer_overflows_ = 0;
};

std::string_view to_string(DepthSync::State s) noexcept;

}  // namespace sequent::binance
