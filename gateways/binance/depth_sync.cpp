#include "gateways/binance/depth_sync.hpp"

namespace sequent::binance {

std::string_view to_string(DepthSync::State s) noexcept {
  switch (s) {
    case DepthSync::State::kAwaitingSnapshot: return "awaiting_snapshot";
    case DepthSync::State::kAwaitingFirstDiff: return "awaiting_first_diff";
    case DepthSync::State::kSynced: return "synced";
    case DepthSync::State::kResyncNeeded: return "resync_needed";
  }
  return "unknown";
}

DepthSync::DepthSync(InstrumentId instrument) : DepthSync(instrument, Options{}) {}

DepthSync::DepthSync(InstrumentId instrument, Options options)
    : instrument_(instrument), options_(options), book_(instrument, options.book_capacity) {
  buffered_.reserve(options_.max_buffered_levels);
  pending_.reserve(options_.max_buffered_messages);
}

void DepthSync::buffer(const DepthHeader& h, std::span<const Event> levels) {
  if (pending_.size() >= options_.max_buffered_messages ||
      buffered_.size() + levels.size() > options_.max_buffered_levels) {
    ++buffer_overflows_;
    pending_.clear();
    buffered_.clear();
    if (levels.size() > options_.max_buffered_levels) return;
  }
  const std::size_t begin = buffered_.size();
  buffered_.insert(buffered_.end(), levels.begin(), levels.end());
  pending_.push_back(Pending{h, begin, buffered_.size()});
}

bool DepthSync::apply_and_emit(const DepthHeader& h, std::span<const Event> levels, std::vector<Event>& out) {
  for (const Event& e : levels) book_.apply(e.payload.book);
  if (book_.crossed()) return false;
  out.insert(out.end(), levels.begin(), levels.end());
  last_u_ = h.last_update_id;
  return true;
}

void DepthSync::emit_marker(const DepthHeader& h, std::vector<Event>& out) {
  ++resyncs_;
  Event& m = out.emplace_back();
  m.header.type = EventType::kBookLevel;
  m.header.source = options_.source;
  m.header.instrument = instrument_;
  m.header.event_ns = h.event_ns;
  m.payload.book.side = Side::kNone;
  m.payload.book.flags = kBookClear | kBookLast;
}

void DepthSync::break_stream(const DepthHeader& h, std::vector<Event>& out, bool crossed) {
  if (crossed) ++crossed_;
  else ++gaps_;
  const bool downstream_synced = synced();
  state_ = State::kResyncNeeded;
  book_.clear();
  pending_.clear();
  buffered_.clear();
  if (downstream_synced) emit_marker(h, out);
}

void DepthSync::on_diff(const DepthHeader& h, std::span<const Event> levels, std::vector<Event>& out) {
  switch (state_) {
    case State::kAwaitingSnapshot:
    case State::kResyncNeeded:
      buffer(h, levels);
      return;
    case State::kAwaitingFirstDiff:
      if (h.last_update_id <= last_u_) {
        ++stale_dropped_;
        return;
      }
      if (h.first_update_id > last_u_ + 1) {  // does not straddle lastUpdateId+1
        break_stream(h, out, false);
        buffer(h, levels);  // may be the first diff after the next snapshot
        return;
      }
      break;
    case State::kSynced:
      if (h.first_update_id != last_u_ + 1) {
        break_stream(h, out, false);
        buffer(h, levels);
        return;
      }
      break;
  }
  if (!apply_and_emit(h, levels, out)) {
    break_stream(h, out, true);
    return;
  }
  state_ = State::kSynced;
}

void DepthSync::on_snapshot(const DepthHeader& h, std::span<const Event> levels, std::vector<Event>& out) {
  const std::uint64_t L = h.last_update_id;
  const std::size_t out_start = out.size();
  const bool downstream_synced = synced();
  // Find the first buffered diff after L and check the chain from there before emitting anything.
  std::size_t first = 0;
  while (first < pending_.size() && pending_[first].header.last_update_id <= L) ++first;
  stale_dropped_ += first;
  bool usable = true;
  if (first < pending_.size()) {
    if (pending_[first].header.first_update_id > L + 1) usable = false;  // snapshot too old
    for (std::size_t k = first + 1; usable && k < pending_.size(); ++k)
      if (pending_[k].header.first_update_id != pending_[k - 1].header.last_update_id + 1) usable = false;
  }
  if (!usable) {
    ++unusable_snapshots_;
    // Keep the buffered diffs after L: a newer snapshot may still connect to them.
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(first));
    book_.clear();
    if (downstream_synced) emit_marker(h, out);
    state_ = State::kResyncNeeded;
    return;
  }
  book_.clear();
  for (const Event& e : levels) book_.apply(e.payload.book);
  bool ok = !book_.crossed();
  if (ok) {
    out.insert(out.end(), levels.begin(), levels.end());
    last_u_ = L;
    for (std::size_t k = first; ok && k < pending_.size(); ++k) {
      const Pending& p = pending_[k];
      ok = apply_and_emit(p.header, std::span<const Event>(buffered_.data() + p.begin, p.end - p.begin), out);
    }
  }
  pending_.clear();
  buffered_.clear();
  if (!ok) {
    out.resize(out_start);  // nothing from a crossed book leaves
    ++crossed_;
    book_.clear();
    if (downstream_synced) emit_marker(h, out);
    state_ = State::kResyncNeeded;
    return;
  }
  state_ = last_u_ == L ? State::kAwaitingFirstDiff : State::kSynced;
}

}  // namespace sequent::binance
