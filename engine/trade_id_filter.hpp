// TradeIdFilter: drops fills the core has already applied, by venue trade id.
//
// A venue's trade ids increase per instrument, so a fill whose id is not above the highest one
// applied for its instrument is a duplicate: a report re-sent after a reconnect, or
// reconciliation (after a restart or a lost WebSocket API connection) repeating fills the
// journal already holds. Each stage that moves positions on fills (strategy, risk, router) keeps
// one, so every stage drops exactly the same reports. Fills without a trade id (0: venues that
// give none) always pass. State: part of the owning stage's archive().
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/state_archive.hpp"
#include "engine/types.hpp"

namespace sequent {

class TradeIdFilter {
 public:
  explicit TradeIdFilter(std::size_t instruments) : max_(instruments, 0) {}

  // True when the fill is new (and remembers its id); false for a duplicate.
  bool fresh(InstrumentId instrument, std::uint64_t trade_id) noexcept {
    if (trade_id == 0 || instrument >= max_.size()) return true;
    if (trade_id <= max_[instrument]) return false;
    max_[instrument] = trade_id;
    return true;
  }
  // Highest trade id applied for the instrument (0 = none).
  std::uint64_t max(InstrumentId instrument) const noexcept { return instrument < max_.size() ? max_[instrument] : 0; }

  void archive(StateArchive& a) noexcept {
    a.expect_count(max_.size());
    for (std::uint64_t& t : max_) a.u64(t);
  }

 private:
  std::vector<std::uint64_t> max_;  // by instrument id
};

}  // namespace sequent
