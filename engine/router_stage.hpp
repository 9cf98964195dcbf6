// RouterStage: last stage of the core. Order management, positions and P&L, and the outputs.
//
// Owned by one thread (the router thread in `threaded`, the core thread otherwise). It receives
// the stream from risk: inputs (execution reports update orders and positions; trades mark
// positions to market) and derived events (kOrderNew / kOrderCancel to send, kOrderDenied to
// report). Every externally visible action goes to the OutputSink, in stream order: live wiring
// sends orders to the venue and feeds denials back to the sequencer; replay records them for
// comparison and never re-sends. The router's state (working orders, positions, counters) is a
// function of the stream alone.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "engine/event.hpp"
#include "engine/instrument.hpp"
#include "engine/order_table.hpp"
#include "engine/positions.hpp"
#include "engine/state_archive.hpp"

namespace sequent {

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // Called on the router's thread, once per output, in stream order. Must not block for long:
  // a venue that cannot take an order now answers later with a reject input.
  virtual void on_output(const Event& output) noexcept = 0;
};

struct RouterConfig {
  std::size_t max_open_orders = 4096;
};

// Counters readable from any thread (single writer: the router's thread).
struct RouterCounters {
  std::atomic<std::uint64_t> orders{0};        // new orders sent
  std::atomic<std::uint64_t> cancels{0};       // cancel requests sent
  std::atomic<std::uint64_t> fills{0};         // fill and partial-fill reports applied
  std::atomic<std::uint64_t> rejects{0};       // venue rejects + risk denials
  std::atomic<std::uint64_t> invalid_reports{0};  // reports the life cycle refused or for unknown orders
  std::atomic<std::int64_t> net_pnl_raw{0};    // total net P&L (Money raw), refreshed per event
};

class RouterStage {
 public:
  RouterStage(const InstrumentRegistry& registry, RouterConfig config);

  void on_event(const Event& e, OutputSink& sink) noexcept;

  const Position& position(InstrumentId id) const noexcept { return positions_[id]; }
  std::size_t instrument_count() const noexcept { return positions_.size(); }
  Money total_net_pnl() const noexcept;
  const OrderTable& orders() const noexcept { return orders_; }
  const RouterCounters& counters() const noexcept { return counters_; }
  std::uint64_t state_hash() const noexcept;
  void archive(StateArchive& a);

 private:
  void on_exec(const Event& e) noexcept;
  void bump(std::atomic<std::uint64_t>& c) noexcept { c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
  void publish_pnl() noexcept;

  const InstrumentRegistry* registry_;
  OrderTable orders_;
  std::vector<Position> positions_;  // by instrument id
  Seq last_seq_ = 0;
  std::uint64_t orders_total_ = 0, fills_total_ = 0, rejects_total_ = 0, invalid_total_ = 0;
  RouterCounters counters_;
};

}  // namespace sequent
