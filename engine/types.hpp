// Small strong identifiers and enums shared by every stage. Header-only, trivially copyable.
#pragma once

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
