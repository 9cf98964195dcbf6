// Shared fixtures for the gateways tests: a registry with BTCUSDT and ETHUSDT and builders for
// quotes and orders. Test-only, single-threaded.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>

#include "engine/event.hpp"
#include "engine/fixed_point.hpp"
#include "engine/instrument.hpp"

namespace sequent::test {

inline constexpr InstrumentId kBtc = 0;
inline constexpr InstrumentId kEth = 1;
inline constexpr TimeNs kStartNs = 1'700'000'000'000'000'000;

inline Price px(std::string_view text) {
  Price p;
  EXPECT_EQ(parse_decimal(text, p), ParseStatus::kOk) << text;
  return p;
}
inline Qty qty(std::string_view text) {
  Qty q;
  EXPECT_EQ(parse_decimal(text, q), ParseStatus::kOk) << text;
  return q;
}

// BTCUSDT: tick 0.01, lot 0.00001; ETHUSDT: tick 0.01, lot 0.0001.
inline InstrumentRegistry make_registry() {
  InstrumentRegistry registry;
  EXPECT_TRUE(
      registry.add("BTCUSDT", "sim", px("0.01"), qty("0.00001"), Money::from_units(5)).ok());
  EXPECT_TRUE(registry.add("ETHUSDT", "sim", px("0.01"), qty("0.0001"), Money::from_units(5)).ok());
  return registry;
}

inline Event make_quote(InstrumentId instrument, TimeNs event_ns, Price bid, Price ask) {
  Event e = make_event(EventType::kQuote, Source::kSimMarket, instrument, event_ns);
  e.payload.quote.bid_price = bid;
  e.payload.quote.bid_qty = Qty::from_units(1);
  e.payload.quote.ask_price = ask;
  e.payload.quote.ask_qty = Qty::from_units(1);
  return e;
}

inline Event make_order(InstrumentId instrument, ClientOrderId id, Side side, OrderType type,
                        TimeInForce tif, Price price, Qty quantity) {
  Event e = make_event(EventType::kOrderNew, Source::kRouter, instrument, 0);
  e.header.flags = kFlagDerived;
  e.payload.order.client_order_id = id;
  e.payload.order.side = side;
  e.payload.order.order_type = type;
  e.payload.order.tif = tif;
  e.payload.order.price = price;
  e.payload.order.qty = quantity;
  return e;
}

inline Event make_cancel(InstrumentId instrument, ClientOrderId id) {
  Event e = make_event(EventType::kOrderCancel, Source::kRouter, instrument, 0);
  e.header.flags = kFlagDerived;
  e.payload.order.client_order_id = id;
  return e;
}

}  // namespace sequent::test
