// ConsoleView: the console thread's own picture of the engine, built only from the core's feed
// (engine/console_feed.hpp) — positions per instrument, open orders, the last status, risk state
// with its limits and rejects by reason — and the JSON each update becomes on its channel.
//
// Owned by the console's io thread; no locking. Each update is serialised once, into an immutable
// shared string that every subscriber's queue points at. Cold path (may allocate).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/console_feed.hpp"
#include "engine/risk_stage.hpp"
#include "gateways/console/console_request.hpp"

namespace sequent::console {

using SharedText = std::shared_ptr<const std::string>;

// Conflation key: 0 = never conflated (orders, fills, alerts, replies); otherwise one key per
// state channel and instrument, so a queued message may be replaced by a newer one with its key.
using ConflationKey = std::uint32_t;
inline constexpr ConflationKey kNoConflation = 0;
inline constexpr ConflationKey conflation_key(ConsoleChannel c, InstrumentId instrument) noexcept {
  return (static_cast<ConflationKey>(c) + 1) << 16 | instrument;
}

struct ChannelMessage {
  ConsoleChannel channel = ConsoleChannel::kStatus;
  ConflationKey key = kNoConflation;
  SharedText text;  // {"channel":..,"seq":..,"data":{..}}
};

struct LatencySample {
  std::uint64_t p50_ns = 0, p99_ns = 0, p999_ns = 0, count = 0;
};

class ConsoleView {
 public:
  // symbols: by InstrumentId; mode: shown on the status channel; risk: the limits at start.
  ConsoleView(std::vector<std::string> symbols, std::string mode, RiskConfig risk);

  // Applies one update and returns the message to fan out, if the update has a channel
  // (kAdminApplied has none: the server answers the command instead).
  std::optional<ChannelMessage> apply(const ConsoleUpdate& u);
  ChannelMessage alert(AlertSeverity severity, std::string_view code, std::string_view message);
  ChannelMessage latency(const LatencySample& s);

  // The channel's current state as data objects (one per instrument / open order), for the
  // snapshot op, and as full channel messages, for a new subscription.
  std::vector<std::string> snapshot_data(ConsoleChannel c) const;
  std::vector<ChannelMessage> snapshot_messages(ConsoleChannel c) const;

  std::string_view symbol(InstrumentId id) const noexcept;
  std::optional<InstrumentId> find_symbol(std::string_view symbol) const noexcept;
  const std::map<RejectReason, std::uint64_t>& rejects_by_reason() const noexcept { return rejects_; }
  std::uint64_t rejects_total() const noexcept { return rejects_total_; }
  std::size_t open_orders() const noexcept { return orders_.size(); }
  std::size_t positions() const noexcept { return positions_.size(); }
  bool halted() const noexcept { return halted_ != 0; }

  std::string status_data(const StatusUpdate& s) const;
  std::string position_data(const PositionUpdate& p) const;
  std::string order_data(const OrderUpdate& o) const;
  std::string fill_data(const FillUpdate& f) const;
  std::string risk_data() const;

 private:
  ChannelMessage message(ConsoleChannel c, ConflationKey key, std::optional<Seq> seq, const std::string& data) const;
  void apply_limit(RiskLimitId id, InstrumentId instrument, std::int64_t value);

  std::vector<std::string> symbols_;
  std::string mode_;
  RiskConfig risk_;
  std::optional<StatusUpdate> status_;
  std::map<InstrumentId, PositionUpdate> positions_;
  std::map<ClientOrderId, OrderUpdate> orders_;  // open orders only
  std::uint8_t halted_ = 0, breaker_ = 0;
  Seq risk_seq_ = 0;
  std::uint64_t rejects_total_ = 0;
  std::map<RejectReason, std::uint64_t> rejects_;
  std::optional<std::string> latency_data_;
};

// The server's own counters, rendered with the feed's rejects for /metrics.
struct ConsoleCounters {
  std::uint64_t connections = 0;              // gauge: WebSocket clients now
  std::uint64_t connections_total = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t conflated = 0;
  std::uint64_t slow_consumer_disconnects = 0;
  std::uint64_t auth_failures = 0;
  std::uint64_t rate_limited = 0;
  std::uint64_t updates_received = 0;
  std::uint64_t commands_submitted = 0;
  std::uint64_t denied = 0;
  std::uint64_t http_requests = 0;
};

// Prometheus text exposition format 0.0.4: # HELP / # TYPE / samples, one per line.
void render_prometheus(std::string& out, const ConsoleCounters& c,
                       const std::map<RejectReason, std::uint64_t>& rejects);

}  // namespace sequent::console
