#include "engine/order_table.hpp"

#include <algorithm>
#include <array>
#include <bit>

namespace sequent {

namespace {

using S = OrderStatus;
constexpr S X = S::kInvalid;

// kTable[from][event]; the refused-cancel column is resolved in transition().
//                                   Ack                  PartialFill            Fill        CancelRequest     Canceled     Rejected     Expired      CancelRejected
constexpr std::array<std::array<S, kOrderEventCount>, kOrderStatusCount> kTable{{
    /* PendingNew      */ {{S::kAcknowledged,    S::kPartiallyFilled,   S::kFilled, S::kPendingCancel, S::kCanceled, S::kRejected, S::kExpired, X}},
    /* Acknowledged    */ {{S::kAcknowledged,    S::kPartiallyFilled,   S::kFilled, S::kPendingCancel, S::kCanceled, S::kRejected, S::kExpired, X}},
    /* PartiallyFilled */ {{S::kPartiallyFilled, S::kPartiallyFilled,   S::kFilled, S::kPendingCancel, S::kCanceled, X,            S::kExpired, X}},
    /* Filled          */ {{X,                   X,                     X,          X,                 X,            X,            X,           X}},
    /* PendingCancel   */ {{S::kPendingCancel,   S::kPendingCancel,     S::kFilled, S::kPendingCancel, S::kCanceled, S::kRejected, S::kExpired, S::kAcknowledged}},
    /* Canceled        */ {{X,                   X,                     X,          X,                 X,            X,            X,           X}},
    /* Rejected        */ {{X,                   X,                     X,          X,                 X,            X,            X,           X}},
    /* Expired         */ {{X,                   X,                     X,          X,                 X,            X,            X,           X}},
}};

std::uint64_t mix(std::uint64_t x) noexcept {  // splitmix64 finaliser: spreads seq-derived ids
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

OrderStatus transition(OrderStatus from, OrderEvent event, bool has_fills) noexcept {
  const auto f = static_cast<std::size_t>(from);
  const auto e = static_cast<std::size_t>(event);
  if (f >= kOrderStatusCount || e >= kOrderEventCount) return S::kInvalid;
  S to = kTable[f][e];
  // A refused cancel puts the order back where it was before the request.
  if (event == OrderEvent::kCancelRejected && to == S::kAcknowledged && has_fills) to = S::kPartiallyFilled;
  return to;
}

std::string_view to_string(OrderStatus s) noexcept {
  switch (s) {
    case S::kPendingNew: return "pending_new";
    case S::kAcknowledged: return "acknowledged";
    case S::kPartiallyFilled: return "partially_filled";
    case S::kFilled: return "filled";
    case S::kPendingCancel: return "pending_cancel";
    case S::kCanceled: return "canceled";
    case S::kRejected: return "rejected";
    case S::kExpired: return "expired";
    case S::kInvalid: return "invalid";
  }
  return "unknown";
}

OrderEvent order_event_of(ExecType t) noexcept {
  switch (t) {
    case ExecType::kNew: return OrderEvent::kAck;
    case ExecType::kPartialFill: return OrderEvent::kPartialFill;
    case ExecType::kFill: return OrderEvent::kFill;
    case ExecType::kCanceled: return OrderEvent::kCanceled;
    case ExecType::kRejected: return OrderEvent::kRejected;
    case ExecType::kExpired: return OrderEvent::kExpired;
    case ExecType::kCancelRejected: return OrderEvent::kCancelRejected;
  }
  return OrderEvent::kRejected;
}

OrderTable::OrderTable(std::size_t max_orders)
    : max_orders_(max_orders < 1 ? 1 : max_orders),
      mask_(std::bit_ceil(max_orders_ * 2) - 1),
      slots_(new OrderRecord[mask_ + 1]) {}

std::size_t OrderTable::slot_of(ClientOrderId id) const noexcept { return static_cast<std::size_t>(mix(id)) & mask_; }

bool OrderTable::insert(const OrderRecord& r) noexcept {
  if (r.client_order_id == 0 || size_ >= max_orders_) return false;
  std::size_t s = slot_of(r.client_order_id);
  while (slots_[s].client_order_id != 0) {
    if (slots_[s].client_order_id == r.client_order_id) return false;
    s = (s + 1) & mask_;
  }
  slots_[s] = r;
  ++size_;
  return true;
}

const OrderRecord* OrderTable::find(ClientOrderId id) const noexcept {
  if (id == 0) return nullptr;
  std::size_t s = slot_of(id);
  // The table is never more than half full, so an empty slot ends every probe.
  while (slots_[s].client_order_id != 0) {
    if (slots_[s].client_order_id == id) return &slots_[s];
    s = (s + 1) & mask_;
  }
  return nullptr;
}

OrderRecord* OrderTable::find(ClientOrderId id) noexcept {
  return const_cast<OrderRecord*>(static_cast<const OrderTable*>(this)->find(id));
}

bool OrderTable::erase(ClientOrderId id) noexcept {
  const OrderRecord* found = find(id);
  if (found == nullptr) return false;
  // Backward-shift deletion (no tombstones): pull later records of the probe run into the hole
  // when their home slot allows it, so every remaining record stays reachable.
  std::size_t hole = static_cast<std::size_t>(found - slots_.get());
  std::size_t j = hole;
  for (;;) {
    j = (j + 1) & mask_;
    if (slots_[j].client_order_id == 0) break;
    const std::size_t home = slot_of(slots_[j].client_order_id);
    // Movable if home is not cyclically within (hole, j].
    const bool home_in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!home_in_range) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = OrderRecord{};
  --size_;
  return true;
}

std::vector<OrderRecord> OrderTable::sorted() const {
  std::vector<OrderRecord> out;
  out.reserve(size_);
  for (std::size_t i = 0; i <= mask_; ++i) {
    const ClientOrderId k = slots_[i].client_order_id;
    if (k != 0) out.push_back(slots_[i]);
  }
  std::sort(out.begin(), out.end(),
            [](const OrderRecord& a, const OrderRecord& b) { return a.client_order_id < b.client_order_id; });
  return out;
}

namespace {
void archive_record(StateArchive& a, OrderRecord& r) noexcept {
  a.u64(r.client_order_id);
  a.u16(r.instrument);
  a.u16(r.strategy_id);
  a.enumeration(r.side);
  a.enumeration(r.order_type);
  a.enumeration(r.status);
  a.fixed(r.price);
  a.fixed(r.qty);
  a.fixed(r.cum_qty);
  a.u64(r.venue_order_id);
  a.boolean(r.confirmed);
}
}  // namespace

void OrderTable::clear() noexcept {
  for (std::size_t i = 0; i <= mask_; ++i) slots_[i] = OrderRecord{};
  size_ = 0;
}

void OrderTable::archive(StateArchive& a) {
  a.tag("orders");
  std::uint64_t count = size_;
  a.u64(count);
  switch (a.mode()) {
    case StateArchive::Mode::kHash: {
      std::uint64_t sum = 0;
      for (std::size_t i = 0; i <= mask_; ++i) {
        if (slots_[i].client_order_id == 0) continue;
        StateArchive one = StateArchive::hasher();
        archive_record(one, slots_[i]);
        sum += one.hash();
      }
      a.u64(sum);
      return;
    }
    case StateArchive::Mode::kWrite:
      for (std::size_t i = 0; i <= mask_; ++i) {
        if (slots_[i].client_order_id != 0) archive_record(a, slots_[i]);
      }
      return;
    case StateArchive::Mode::kRead:
      clear();
      if (count > max_orders_) {
        a.fail();
        return;
      }
      for (std::uint64_t k = 0; k < count && a.ok(); ++k) {
        OrderRecord r;
        archive_record(a, r);
        if (!a.ok() || !insert(r)) a.fail();
      }
      return;
  }
}

}  // namespace sequent
