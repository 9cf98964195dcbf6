#include "engine/instrument.hpp"

#include <utility>

namespace sequent {

Result<InstrumentId> InstrumentRegistry::add(std::string symbol, std::string venue, Price tick_size,
                                             Qty lot_size, Money min_notional) {
  if (symbol.empty()) return Error{ErrorCode::kInvalidArgument, "instrument symbol is empty"};
  if (find(symbol)) return Error{ErrorCode::kInvalidArgument, "instrument " + symbol + " is defined twice"};
  if (!tick_size.is_positive())
    return Error{ErrorCode::kInvalidArgument, "instrument " + symbol + ": tick_size must be > 0"};
  if (!lot_size.is_positive())
    return Error{ErrorCode::kInvalidArgument, "instrument " + symbol + ": lot_size must be > 0"};
  if (min_notional.is_negative())
    return Error{ErrorCode::kInvalidArgument, "instrument " + symbol + ": min_notional must be >= 0"};
  if (instruments_.size() >= kNoInstrument)
    return Error{ErrorCode::kInvalidArgument, "too many instruments"};
  Instrument ins;
  ins.id = static_cast<InstrumentId>(instruments_.size());
  ins.symbol = std::move(symbol);
  ins.venue = std::move(venue);
  ins.tick_size = tick_size;
  ins.lot_size = lot_size;
  ins.min_notional = min_notional;
  instruments_.push_back(std::move(ins));
  return instruments_.back().id;
}

std::optional<InstrumentId> InstrumentRegistry::find(std::string_view symbol) const noexcept {
  for (const Instrument& ins : instruments_) {
    if (ins.symbol == symbol) return ins.id;
  }
  return std::nullopt;
}

}  // namespace sequent
