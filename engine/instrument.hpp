// InstrumentRegistry: interns symbols to small InstrumentIds and holds each instrument's trading
// rules (tick size, lot size, minimum notional, venue).
//
// Built once at start-up (cold, may allocate), then read-only: any thread may call the const
// accessors concurrently without synchronisation once the registry is published (it is built
// before the stage threads start, and thread start is a happens-before edge).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/fixed_point.hpp"
#include "engine/result.hpp"
#include "engine/types.hpp"

namespace sequent {

struct Instrument {
  InstrumentId id = kNoInstrument;
  std::string symbol;   // e.g. "BTCUSDT"
  std::string venue;    // e.g. "sim"
  Price tick_size;      // price increment; > 0
  Qty lot_size;         // quantity increment; > 0
  Money min_notional;   // smallest price × qty accepted; >= 0

  bool price_on_tick(Price p) const noexcept { return p.raw() % tick_size.raw() == 0; }
  bool qty_on_lot(Qty q) const noexcept { return q.raw() % lot_size.raw() == 0; }
};

class InstrumentRegistry {
 public:
  // Adds an instrument and returns its id (ids are dense, in insertion order). Fails on a
  // duplicate symbol, an empty symbol or non-positive tick/lot size.
  Result<InstrumentId> add(std::string symbol, std::string venue, Price tick_size, Qty lot_size,
                           Money min_notional);

  std::size_t size() const noexcept { return instruments_.size(); }
  bool contains(InstrumentId id) const noexcept { return id < instruments_.size(); }
  // Precondition: contains(id).
  const Instrument& at(InstrumentId id) const noexcept { return instruments_[id]; }
  std::optional<InstrumentId> find(std::string_view symbol) const noexcept;
  const std::vector<Instrument>& all() const noexcept { return instruments_; }

 private:
  std::vector<Instrument> instruments_;  // index == id
};

}  // namespace sequent
