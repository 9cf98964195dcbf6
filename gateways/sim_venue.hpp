// SimVenue: the built-in simulated venue. Matches orders against the top of book it has seen
// and writes execution reports into a bounded FIFO that its owner drains.
//
// Rules (all deterministic, in arrival order):
//   - kOrderNew is validated: instrument known (else kVenueUnknownInstrument), qty > 0 and on
//     lot (kVenueInvalidQuantity), limit price > 0 and on tick for limit orders
//     (kVenueInvalidPrice), side/type/tif valid (kSimVenueRejectInvalidOrder), client order id
//     not already open (kVenueDuplicateOrder). A refused order gets one kRejected report.
//   - every accepted order first gets kNew with a dense venue order id from 1.
//   - market orders fill completely at the touch (buy at ask, sell at bid) as taker; with no
//     quote seen yet they are rejected kVenueNoLiquidity (no ack).
//   - limit orders that are marketable (buy >= ask, sell <= bid) fill completely at the touch
//     as taker; IOC/FOK ones that are not marketable expire (kExpired); kLimitMaker ones that
//     would cross are rejected kVenueWouldTake (no ack); the rest rest (GTC) and fill completely
//     at their limit price as maker when a later quote crosses them (ask <= buy limit, bid >=
//     sell limit), resting orders in arrival order. Trades never fill resting orders.
//   - a resting order that finds the book full (max_open_orders) is rejected
//     kSimVenueRejectTooManyOrders (no ack).
//   - kOrderCancel of an open resting order gives kCanceled; of anything else kCancelRejected
//     with kVenueUnknownOrder.
//   - fee = apply_bps(notional(last_price, last_qty), maker or taker bps), in exec.fee.
// Reports carry Source::kSimVenue, the order's instrument and event_ns = venue time = event_ns
// of the latest market event seen (0 before the first). Fills are always complete: kFill with
// leaves_qty 0, dense venue trade ids from 1.
//
// Threading: owned by one thread (the simulated exchange's); not shared.
// Hot/cold: construction is cold (allocates everything); on_market/on_order/drain never
// allocate, throw or make syscalls. Cost is O(open orders) per quote, cancel and new order
// (a scan of a contiguous array, sized for simulation).
//
//   SimVenue venue(registry, SimVenueConfig{});
//   venue.on_market(quote);  venue.on_order(order);
//   std::array<Event, 64> out;  std::size_t n = venue.drain(out);
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/event.hpp"
#include "engine/fixed_point.hpp"
#include "engine/instrument.hpp"
#include "engine/state_hash.hpp"
#include "engine/types.hpp"

namespace sequent {

// The venue's reasons for refusing an order beyond the field checks.
inline constexpr RejectReason kSimVenueRejectTooManyOrders = RejectReason::kVenueTooManyOrders;
inline constexpr RejectReason kSimVenueRejectInvalidOrder = RejectReason::kVenueInvalidOrder;

// The most reports one on_order call can produce (ack + fill, or ack + expired).
inline constexpr std::size_t kSimVenueMaxReportsPerOrder = 2;

struct SimVenueConfig {
  std::int64_t maker_fee_bps = 10;
  std::int64_t taker_fee_bps = 10;
  std::size_t max_open_orders = 1024;  // resting orders held at once
  // Execution-report FIFO size; 0 = 4 × max_open_orders. Raised to at least
  // max_open_orders + kSimVenueMaxReportsPerOrder so one quote filling every resting order fits.
  std::size_t report_capacity = 0;
};

class SimVenue {
 public:
  // Cold, allocates. The registry must outlive the venue.
  SimVenue(const InstrumentRegistry& registry, SimVenueConfig config);

  // Takes a kQuote (updates that instrument's top of book, then fills crossed resting orders)
  // or a kTrade (advances venue time only); other types are ignored. Never allocates.
  void on_market(const Event& market) noexcept;

  // Takes kOrderNew or kOrderCancel (payload.order; instrument in the header); other types are
  // counted in ignored_events(). Reports are appended to the FIFO. Never allocates.
  void on_order(const Event& order) noexcept;

  // Moves up to out.size() oldest reports into out, in order; returns how many. Never allocates.
  [[nodiscard]] std::size_t drain(std::span<Event> out) noexcept;

  [[nodiscard]] std::size_t pending_reports() const noexcept { return report_count_; }
  [[nodiscard]] std::size_t report_capacity() const noexcept { return reports_.size(); }
  [[nodiscard]] std::size_t report_space() const noexcept {
    return reports_.size() - report_count_;
  }
  // Reports lost because the FIFO was full (the owner did not drain): should stay 0.
  [[nodiscard]] std::uint64_t dropped_reports() const noexcept { return dropped_reports_; }
  [[nodiscard]] std::uint64_t ignored_events() const noexcept { return ignored_events_; }
  [[nodiscard]] std::size_t open_orders() const noexcept { return open_.size(); }
  [[nodiscard]] std::size_t max_open_orders() const noexcept { return config_.max_open_orders; }
  [[nodiscard]] TimeNs venue_ns() const noexcept { return venue_ns_; }
  [[nodiscard]] const SimVenueConfig& config() const noexcept { return config_; }

  // Cold, before any order: restores resting orders and id counters from a venue log (the
  // venue outliving an engine crash). Orders beyond max_open_orders are dropped (returns false).
  struct RestoredOrder {
    ClientOrderId client_order_id = 0;
    std::uint64_t venue_order_id = 0;
    Price limit_price;
    Qty qty;
    InstrumentId instrument = kNoInstrument;
    Side side = Side::kNone;
  };
  bool restore(const std::vector<RestoredOrder>& open, std::uint64_t next_venue_order_id,
               std::uint64_t next_trade_id);

  // Feeds top of book per instrument, open orders in arrival order, id counters and venue time
  // into a state hash.
  void hash_state(StateHasher& hasher) const noexcept;

 private:
  struct TopOfBook {
    Price bid;
    Price ask;
    bool valid = false;
  };
  struct RestingOrder {
    ClientOrderId client_order_id = 0;
    std::uint64_t venue_order_id = 0;
    Price limit_price;
    Qty qty;
    InstrumentId instrument = kNoInstrument;
    Side side = Side::kNone;
  };

  void on_new_order(const Event& order) noexcept;
  void on_cancel(const Event& cancel) noexcept;
  void fill_crossed(InstrumentId instrument, const TopOfBook& top) noexcept;
  [[nodiscard]] Event make_report(InstrumentId instrument, const OrderPayload& order,
                                  std::uint64_t venue_order_id, ExecType exec_type) const noexcept;
  void reject(InstrumentId instrument, const OrderPayload& order, RejectReason reason) noexcept;
  void fill(InstrumentId instrument, const OrderPayload& order, std::uint64_t venue_order_id,
            Price price, Liquidity liquidity) noexcept;
  void push_report(const Event& report) noexcept;
  [[nodiscard]] std::size_t find_open(ClientOrderId id) const noexcept;

  const InstrumentRegistry& registry_;
  SimVenueConfig config_;
  std::vector<TopOfBook> books_;    // index = instrument id
  std::vector<RestingOrder> open_;  // arrival order; capacity reserved, never grows past it
  std::vector<Event> reports_;      // ring of report_capacity slots
  std::size_t report_head_ = 0;     // oldest report
  std::size_t report_count_ = 0;
  TimeNs venue_ns_ = 0;
  std::uint64_t next_venue_order_id_ = 1;
  std::uint64_t next_trade_id_ = 1;
  std::uint64_t dropped_reports_ = 0;
  std::uint64_t ignored_events_ = 0;
};

}  // namespace sequent
