// ClientQueue: one console client's queue of outgoing messages, with conflation of state updates.
//
// A message with a non-zero key replaces a queued, not yet sent message with the same key (the
// client gets only the latest state per channel and instrument); keyless messages (orders, fills,
// alerts, replies) are never replaced. Past `max_backlog` queued messages, push() reports
// kOverflow and queues nothing: the server then closes the client as a slow consumer.
// Owned by the console's io thread; cold path.
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>

#include "gateways/console/console_view.hpp"

namespace sequent::console {

class ClientQueue {
 public:
  enum class Push : std::uint8_t { kQueued, kConflated, kOverflow };

  explicit ClientQueue(std::size_t max_backlog) : max_backlog_(max_backlog) {}

  Push push(SharedText text, ConflationKey key) {
    if (key != kNoConflation) {
      const auto it = queued_keys_.find(key);
      if (it != queued_keys_.end()) {
        queue_[static_cast<std::size_t>(it->second - base_)].text = std::move(text);
        return Push::kConflated;
      }
    }
    if (queue_.size() >= max_backlog_) return Push::kOverflow;
    if (key != kNoConflation) queued_keys_[key] = base_ + queue_.size();
    queue_.push_back(Entry{std::move(text), key});
    return Push::kQueued;
  }

  // Takes the oldest message (the caller is about to send it: it can no longer be replaced).
  SharedText pop() {
    Entry e = std::move(queue_.front());
    queue_.pop_front();
    if (e.key != kNoConflation) queued_keys_.erase(e.key);
    ++base_;
    return std::move(e.text);
  }

  void clear() {
    base_ += queue_.size();
    queue_.clear();
    queued_keys_.clear();
  }
  bool empty() const noexcept { return queue_.empty(); }
  std::size_t size() const noexcept { return queue_.size(); }

 private:
  struct Entry {
    SharedText text;
    ConflationKey key;
  };
  std::size_t max_backlog_;
  std::deque<Entry> queue_;
  std::uint64_t base_ = 0;  // absolute index of queue_.front()
  std::unordered_map<ConflationKey, std::uint64_t> queued_keys_;  // key → absolute index, queued only
};

}  // namespace sequent::console
