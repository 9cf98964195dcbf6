// Order life cycle (one transition table) and the router's table of working orders.
//
// OrderStatus::transition() is the single source of truth for how an order's status moves; every
// row that is not in the table is refused (kInvalid) and counted by the caller, never applied.
// Rows worth a comment: fills before the acknowledgement are accepted (venues may report them
// first); fills after a cancel request keep the order pending-cancel until the venue answers;
// a refused cancel returns the order to acknowledged / partially filled.
//
// OrderTable: fixed-capacity open-addressing map from ClientOrderId to OrderRecord, sized at
// construction; finished orders are erased. Owned by the router stage's thread; no allocation
// after construction, a full table is an outcome (insert returns false), not a `new`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/event.hpp"
#include "engine/state_archive.hpp"

namespace sequent {

enum class OrderStatus : std::uint8_t {
  kPendingNew = 0,
  kAcknowledged,
  kPartiallyFilled,
  kFilled,
  kPendingCancel,
  kCanceled,
  kRejected,
  kExpired,
  kInvalid,  // not a status: "this transition is not allowed"
};
inline constexpr std::size_t kOrderStatusCount = 8;

enum class OrderEvent : std::uint8_t {
  kAck = 0,
  kPartialFill,
  kFill,
  kCancelRequest,
  kCanceled,
  kRejected,
  kExpired,
  kCancelRejected,
};
inline constexpr std::size_t kOrderEventCount = 8;

constexpr bool is_terminal(OrderStatus s) noexcept {
  return s == OrderStatus::kFilled || s == OrderStatus::kCanceled || s == OrderStatus::kRejected ||
         s == OrderStatus::kExpired;
}

// Next status, or kInvalid. `has_fills` picks the status a refused cancel returns to.
OrderStatus transition(OrderStatus from, OrderEvent event, bool has_fills) noexcept;
std::string_view to_string(OrderStatus s) noexcept;
// Maps a venue execution report to the life-cycle event it represents.
OrderEvent order_event_of(ExecType t) noexcept;

struct OrderRecord {
  ClientOrderId client_order_id = 0;  // 0 = empty slot
  InstrumentId instrument = kNoInstrument;
  StrategyId strategy_id = 0;
  Side side = Side::kNone;
  OrderType order_type = OrderType::kMarket;
  OrderStatus status = OrderStatus::kPendingNew;
  Price price;
  Qty qty;
  Qty cum_qty;
  std::uint64_t venue_order_id = 0;
  bool confirmed = false;  // reconciliation: the venue reported it open during the current window
};

// A pending-new record for an order event (kOrderNew payload: id, side, type, price, quantity).
inline OrderRecord order_record_of(const Event& order) noexcept {
  const OrderPayload& o = order.payload.order;
  OrderRecord r;
  r.client_order_id = o.client_order_id;
  r.instrument = order.instrument();
  r.strategy_id = o.strategy_id;
  r.side = o.side;
  r.order_type = o.order_type;
  r.status = OrderStatus::kPendingNew;
  r.price = o.price;
  r.qty = o.qty;
  return r;
}

// The record of an order a venue reports open during reconciliation (a kFlagVenueState kNew
// whose origin the core never saw, lost in a crash): acknowledged and confirmed, its strategy
// from the client order id (engine/types.hpp), its limit price from the ack's last_price.
inline OrderRecord adopted_order_record(const Event& venue_ack) noexcept {
  const ExecReportPayload& x = venue_ack.payload.exec;
  OrderRecord r;
  r.client_order_id = x.client_order_id;
  r.instrument = venue_ack.instrument();
  r.strategy_id = strategy_of_order(x.client_order_id);
  r.side = x.side;
  r.order_type = OrderType::kLimit;
  r.status = OrderStatus::kAcknowledged;
  r.price = x.last_price;
  r.qty = x.leaves_qty + x.cum_qty;
  r.cum_qty = x.cum_qty;
  r.venue_order_id = x.venue_order_id;
  r.confirmed = true;
  return r;
}

class OrderTable {
 public:
  // Capacity rounded up to a power of two, at least 2 × max_orders so probes stay short.
  explicit OrderTable(std::size_t max_orders);

  // False when the id exists already or the table holds max_orders orders.
  [[nodiscard]] bool insert(const OrderRecord& r) noexcept;
  OrderRecord* find(ClientOrderId id) noexcept;
  const OrderRecord* find(ClientOrderId id) const noexcept;
  bool erase(ClientOrderId id) noexcept;
  std::size_t size() const noexcept { return size_; }
  std::size_t max_orders() const noexcept { return max_orders_; }
  // kHash: the count, then the wrapping sum of each record's own FNV-1a hash, so the result does
  // not depend on slot layout and needs no sorting or allocation. kWrite/kRead: every record
  // (read replaces the table's contents).
  void archive(StateArchive& a);
  void clear() noexcept;
  // Cold: the records sorted by client order id.
  std::vector<OrderRecord> sorted() const;
  // Calls fn(OrderRecord&) for every record (slot order). fn must not insert or erase.
  template <class Fn>
  void for_each(Fn&& fn) noexcept {
    for (std::size_t i = 0; i <= mask_; ++i)
      if (slots_[i].client_order_id != 0) fn(slots_[i]);
  }
  template <class Fn>
  void for_each(Fn&& fn) const noexcept {
    for (std::size_t i = 0; i <= mask_; ++i)
      if (slots_[i].client_order_id != 0) fn(static_cast<const OrderRecord&>(slots_[i]));
  }
  // The end of a reconciliation window: every record the venue did not confirm is removed
  // (gone(record) is called just before), and the flag is cleared on the rest. Returns how many
  // were removed. No allocation (ids are collected in fixed batches).
  template <class Fn>
  std::size_t drop_unconfirmed(Fn&& gone) noexcept {
    std::size_t total = 0;
    ClientOrderId batch[64];
    for (;;) {
      std::size_t n = 0;
      for_each([&](OrderRecord& r) {
        if (!r.confirmed && n < 64) batch[n++] = r.client_order_id;
      });
      if (n == 0) break;
      for (std::size_t k = 0; k < n; ++k) {
        gone(*find(batch[k]));
        (void)erase(batch[k]);
      }
      total += n;
    }
    for_each([](OrderRecord& r) { r.confirmed = false; });
    return total;
  }

 private:
  std::size_t slot_of(ClientOrderId id) const noexcept;

  std::size_t max_orders_;
  std::size_t mask_;
  std::unique_ptr<OrderRecord[]> slots_;
  std::size_t size_ = 0;
};

}  // namespace sequent
