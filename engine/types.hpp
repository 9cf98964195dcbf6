// Small strong identifiers and enums shared by every stage. Header-only, trivially copyable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sequent {

using Seq = std::uint64_t;            // dense input sequence number, from 1; 0 = none
using TimeNs = std::int64_t;          // nanoseconds since the Unix epoch (UTC)
using InstrumentId = std::uint16_t;   // index into the InstrumentRegistry
using ClientOrderId = std::uint64_t;  // (origin seq << 8) | index; see make_client_order_id
using StrategyId = std::uint16_t;
using UserId = std::uint16_t;

inline constexpr InstrumentId kNoInstrument = 0xFFFF;
// Admin inputs: user 0 is the engine itself (breakers, journal alarms); 1.. the n-th configured
// console user; kUnknownUser a refused request from no known user (audited, without the token).
inline constexpr UserId kUnknownUser = 0xFFFF;

// Client order ids are derived from the seq of the input that caused the order plus the index
// of the order among those that input caused, so they are unique, never reused across restarts
// (seq is dense and journaled) and identical on replay.
constexpr ClientOrderId make_client_order_id(Seq origin_seq, unsigned index) noexcept {
  return (origin_seq << 8) | (index & 0xFFu);
}
constexpr Seq origin_seq_of(ClientOrderId id) noexcept { return id >> 8; }

// Strategies: one engine hosts up to kMaxStrategies strategy instances, ids 1..kMaxStrategies in
// configuration order. Id 0 (kSystemStrategy) is the engine itself: the router's own orders for a
// system book and fills no strategy can be attributed.
inline constexpr std::size_t kMaxStrategies = 7;
inline constexpr StrategyId kSystemStrategy = 0;
inline constexpr std::size_t kStrategyBooks = kMaxStrategies + 1;  // book 0 = system, 1.. = strategy id

// The index byte of a client order id (make_client_order_id) says whose order it is:
//   bit 7     the order was made downstream of the strategies (router flatten: 1; a venue's
//             bracket exit is its entry's id with this bit set, see gateways/bar_venue.hpp),
//   bits 4..6 strategy id - 1 (7 = the system book),
//   bits 0..3 the order's number among that strategy's orders from the same input.
// A single strategy (id 1) therefore numbers its orders 0, 1, 2, ... as before strategies were
// counted. Fills are attributed through the order's recorded strategy_id where a stage holds the
// order, else through these bits (bracket exits, orders adopted by reconciliation).
constexpr unsigned strategy_order_index(StrategyId strategy, unsigned number, bool downstream = false) noexcept {
  const unsigned book = strategy == kSystemStrategy || strategy > kMaxStrategies ? 7u : strategy - 1u;
  return (downstream ? 0x80u : 0u) | (book << 4) | (number & 0x0Fu);
}
constexpr StrategyId strategy_of_order(ClientOrderId id) noexcept {
  const auto book = static_cast<unsigned>((id >> 4) & 0x7u);
  return book == 7u ? kSystemStrategy : static_cast<StrategyId>(book + 1u);
}
// The book a strategy id's positions go to: itself, or the system book for an id out of range.
constexpr std::size_t book_of(StrategyId strategy) noexcept {
  return strategy <= kMaxStrategies ? strategy : 0;
}

enum class Side : std::uint8_t { kNone = 0, kBuy = 1, kSell = 2 };
enum class OrderType : std::uint8_t { kMarket = 1, kLimit = 2, kLimitMaker = 3 };
enum class TimeInForce : std::uint8_t { kGtc = 1, kIoc = 2, kFok = 3 };
enum class Liquidity : std::uint8_t { kNone = 0, kMaker = 1, kTaker = 2 };

constexpr int side_sign(Side s) noexcept { return s == Side::kBuy ? 1 : (s == Side::kSell ? -1 : 0); }
constexpr Side opposite(Side s) noexcept {
  return s == Side::kBuy ? Side::kSell : (s == Side::kSell ? Side::kBuy : Side::kNone);
}

std::string_view to_string(Side s) noexcept;
std::string_view to_string(OrderType t) noexcept;
std::string_view to_string(TimeInForce t) noexcept;
std::string_view to_string(Liquidity l) noexcept;

}  // namespace sequent
