// BarVenue: the simulated venue of a backtest over historical bars.
//
// Single-threaded and deterministic: the backtest driver owns it and calls it between bars, on
// the one thread that also runs the core. It holds the orders the router sent (submit) and, after
// an entry with take_profit_bps / stop_loss_bps fills, that entry's bracket exits, and answers
// with execution reports (ack kNew then kFill, source kSimVenue) that the driver sequences as
// inputs. Dense venue order ids and trade ids, both from 1.
//
// Fill rules (docs/backtesting.md "Simulated execution"):
//   - market orders, fill mode next_open: fill at the open of the next bar (on_bar, before the
//     bar itself goes to the core); fill mode close: fill at once at the current bar's close
//     (fill_at_close), the bar the order was decided on;
//   - limit orders rest from the bar after they arrive; a buy fills when the bar's low reaches the
//     limit, at the limit, or at the open when the bar opens through it (sell: mirror image);
//   - bracket exits (held after an entry fills; one-cancels-other): the stop triggers when the
//     bar trades through it and fills at the stop, or at the open on a gap; the take-profit is a
//     resting limit. When one bar reaches both, the stop wins (the conservative assumption:
//     within a bar the order of high and low is unknown). Brackets are dropped when the position
//     goes flat through another fill (the strategy closed it itself).
//   - market and stop fills are taker fills and move by slippage_bps against the taker, rounded
//     to the tick away from the taker's favour; limit and take-profit fills are maker fills at
//     their price, without slippage. Fee: apply_bps(notional, fee_bps) on every fill.
//   - quantities are rounded down to the lot size (an order smaller than a lot is rejected with
//     kVenueInvalidQuantity); limit prices must be on the tick (else kVenueInvalidPrice).
//   - bracket prices: entry × (1 ± bps / 10000), rounded to the tick toward the entry price, so
//     an exit never triggers later than its exact level would.
//   - cancels (cancel()) remove a working order at once; limit-maker orders rest like limits (a bar
//     that opens through one fills it at the open).
//
// Bracket exit ids: a bracket exit's reports carry client_order_id = entry id | 0x80 (bit 7 of
// the low byte, the index byte of make_client_order_id, which strategies never reach: at most
// eight outputs per input). The router counts these fills as fills of an unknown order but
// applies them to positions; the strategy stage counts every fill on its instrument as its own.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/event.hpp"
#include "engine/instrument.hpp"

namespace sequent {

inline constexpr ClientOrderId kBracketExitBit = 0x80;

enum class FillMode : std::uint8_t {
  kNextOpen = 1,  // a market order decided on bar N fills at bar N+1's open
  kClose = 2,     // ... at bar N's close
};

struct BarVenueConfig {
  std::int64_t fee_bps = 10;      // of notional, per fill
  std::int64_t slippage_bps = 0;  // against the taker, market and stop fills
  FillMode fill_mode = FillMode::kNextOpen;
};

class BarVenue {
 public:
  // The registry must outlive the venue. Reserves room for a few working orders; holding more
  // allocates (cold in practice: strategies keep at most one order working).
  BarVenue(const InstrumentRegistry& registry, BarVenueConfig config);

  // A kOrderNew from the router. Market orders wait for the next bar (next_open); in close mode
  // the driver calls fill_at_close instead. Invalid orders are rejected on the next on_bar /
  // fill_at_close call (the report must be sequenced like any other).
  void submit(const Event& order);

  // Close mode: fills a market order at `bar`'s close now (limits are held as with submit).
  // Appends the reports to `reports`, event time = bar open + interval (the close).
  void fill_at_close(const Event& order, const Event& bar, std::vector<Event>& reports);

  // Start of a bar, before the core sees it: fills pending market orders at the open
  // (next_open), then resting limits and bracket exits the bar trades through. Appends reports
  // in that order, event time = the bar's open time.
  void on_bar(const Event& bar, std::vector<Event>& reports);

  // A kOrderCancel from the router (a strategy's order TTL ran out): a working order with that
  // client order id is removed with a kCanceled report; otherwise (filled already, unknown) one
  // kCancelRejected with kVenueUnknownOrder. Event time = the cancel's (its origin input's).
  void cancel(const Event& cancel, std::vector<Event>& reports);

  // Brackets and limits currently held.
  std::size_t working_orders() const noexcept { return orders_.size() + brackets_.size(); }
  std::uint64_t fills() const noexcept { return next_trade_id_ - 1; }

 private:
  struct Working {
    Event order;                  // the kOrderNew
    std::uint64_t venue_order_id;
  };
  struct Bracket {
    ClientOrderId id;             // entry id | kBracketExitBit
    InstrumentId instrument;
    Side side;                    // the exit's side
    Qty qty;
    Price take_profit;            // 0 = none
    Price stop;                   // 0 = none
    std::uint64_t venue_order_id;
  };

  void fill(const Event& order, std::uint64_t venue_order_id, Price price, Liquidity liquidity, TimeNs t,
            std::vector<Event>& reports, bool bracket_exit = false);
  void reject(const Event& order, RejectReason reason, TimeNs t, std::vector<Event>& reports);
  void add_bracket(const Event& order, Price fill_price, Qty qty);
  Price slipped(Price p, Side taker_side, const Instrument& ins) const noexcept;
  Event report(InstrumentId instrument, ClientOrderId id, std::uint64_t venue_order_id, Side side, ExecType type,
               TimeNs t) const noexcept;
  RejectReason validate(const Event& order) const noexcept;

  const InstrumentRegistry* registry_;
  BarVenueConfig config_;
  std::vector<Working> orders_;     // market (next_open) and limit orders, arrival order
  std::vector<Bracket> brackets_;
  std::vector<Qty> position_;       // by instrument: the venue's net position from its fills
  std::uint64_t next_venue_order_id_ = 1;
  std::uint64_t next_trade_id_ = 1;
};

// Price helpers (exposed for tests): round a price to a multiple of tick, down or up.
Price floor_to_tick(Price p, Price tick) noexcept;
Price ceil_to_tick(Price p, Price tick) noexcept;

}  // namespace sequent
