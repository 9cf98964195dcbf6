#include "engine/order_table.hpp"

#include <gtest/gtest.h>

#include <map>

namespace sequent {
namespace {

using S = OrderStatus;
using E = OrderEvent;

TEST(OrderStatus, FollowsTheHappyPath) {
  EXPECT_EQ(transition(S::kPendingNew, E::kAck, false), S::kAcknowledged);
  EXPECT_EQ(transition(S::kAcknowledged, E::kPartialFill, true), S::kPartiallyFilled);
  EXPECT_EQ(transition(S::kPartiallyFilled, E::kFill, true), S::kFilled);
}

TEST(OrderStatus, AcceptsAFillBeforeTheAck) {
  EXPECT_EQ(transition(S::kPendingNew, E::kFill, false), S::kFilled);
  EXPECT_EQ(transition(S::kPendingNew, E::kPartialFill, false), S::kPartiallyFilled);
  EXPECT_EQ(transition(S::kPartiallyFilled, E::kAck, true), S::kPartiallyFilled) << "a late ack changes nothing";
}

TEST(OrderStatus, FillAfterCancelRequestStaysPendingCancel) {
  EXPECT_EQ(transition(S::kAcknowledged, E::kCancelRequest, false), S::kPendingCancel);
  EXPECT_EQ(transition(S::kPendingCancel, E::kPartialFill, true), S::kPendingCancel);
  EXPECT_EQ(transition(S::kPendingCancel, E::kFill, true), S::kFilled);
  EXPECT_EQ(transition(S::kPendingCancel, E::kCanceled, true), S::kCanceled);
}

TEST(OrderStatus, RefusedCancelReturnsToWhereItWas) {
  EXPECT_EQ(transition(S::kPendingCancel, E::kCancelRejected, false), S::kAcknowledged);
  EXPECT_EQ(transition(S::kPendingCancel, E::kCancelRejected, true), S::kPartiallyFilled);
}

TEST(OrderStatus, TerminalStatesNeverMove) {
  for (S from : {S::kFilled, S::kCanceled, S::kRejected, S::kExpired}) {
    EXPECT_TRUE(is_terminal(from));
    for (std::size_t e = 0; e < kOrderEventCount; ++e) {
      EXPECT_EQ(transition(from, static_cast<E>(e), false), S::kInvalid) << to_string(from) << " event " << e;
    }
  }
}

TEST(OrderTable, InsertsFindsAndErases) {
  OrderTable t(4);
  OrderRecord r;
  r.client_order_id = make_client_order_id(10, 0);
  r.qty = Qty::from_units(1);
  ASSERT_TRUE(t.insert(r));
  EXPECT_FALSE(t.insert(r)) << "duplicate id";
  ASSERT_NE(t.find(r.client_order_id), nullptr);
  EXPECT_EQ(t.find(r.client_order_id)->qty, Qty::from_units(1));
  EXPECT_TRUE(t.erase(r.client_order_id));
  EXPECT_EQ(t.find(r.client_order_id), nullptr);
  EXPECT_FALSE(t.erase(r.client_order_id));
}

TEST(OrderTable, RefusesInsertBeyondCapacity) {
  OrderTable t(3);
  for (Seq s = 1; s <= 3; ++s) {
    OrderRecord r;
    r.client_order_id = make_client_order_id(s, 0);
    ASSERT_TRUE(t.insert(r));
  }
  OrderRecord extra;
  extra.client_order_id = make_client_order_id(4, 0);
  EXPECT_FALSE(t.insert(extra));
  EXPECT_EQ(t.size(), 3u);
}

// Property: random inserts and erases agree with std::map at every step (backward-shift
// deletion must keep every remaining order reachable).
TEST(OrderTableProperty, AgreesWithAReferenceMap) {
  std::uint64_t x = 12345;
  auto next = [&x] { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x; };
  OrderTable t(64);
  std::map<ClientOrderId, Qty> ref;
  for (int i = 0; i < 200000; ++i) {
    const ClientOrderId id = make_client_order_id(1 + next() % 200, static_cast<unsigned>(next() % 2));
    if (next() % 2 == 0 && ref.size() < 64) {
      OrderRecord r;
      r.client_order_id = id;
      r.qty = Qty::from_raw(static_cast<std::int64_t>(id));
      const bool inserted = t.insert(r);
      ASSERT_EQ(inserted, ref.count(id) == 0) << "step " << i;
      if (inserted) ref[id] = r.qty;
    } else {
      ASSERT_EQ(t.erase(id), ref.erase(id) == 1) << "step " << i;
    }
    ASSERT_EQ(t.size(), ref.size());
  }
  for (const auto& [id, qty] : ref) {
    const OrderRecord* r = t.find(id);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->qty, qty);
  }
  const auto sorted = t.sorted();
  ASSERT_EQ(sorted.size(), ref.size());
}

}  // namespace
}  // namespace sequent
