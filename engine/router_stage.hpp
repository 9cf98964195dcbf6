// RouterStage: last stage of the core. Order management, positions and P&L, and the outputs.
//
// Owned by one thread (the router thread in `threaded`, the core thread otherwise). It receives
// the stream from risk: inputs (execution reports update orders and positions; trades mark
// positions to market) and derived events (kOrderNew / kOrderCancel to send, kOrderDenied to
// report). Every externally visible action goes to the OutputSink, in stream order: live wiring
// sends orders to the venue and feeds denials back to the sequencer; replay records them for
// comparison and never re-sends. The router's state (working orders, positions, counters) is a
// function of the stream alone.
//
// Admin cancel_all (and the kill switch, unless configured otherwise) sends a cancel for every
// working order, in client order id order so the output is the same whatever the table's layout.
// A strategy_halt input (one strategy's breaker) cancels that strategy's working orders only, as
// does an operator's cancel_all (and flatten closes only that book) scoped to one strategy
// (AdminPayload::strategy_id != 0).
//
// Positions are kept per instrument and per (strategy, instrument) book: a fill goes to the
// strategy_id of the order it fills (its record in the order table), or — for an order the table
// does not hold (a venue's bracket exit, an order that already ended) — to the strategy its client
// order id names (engine/types.hpp); fills of no strategy go to the system book 0. Admin flatten
// (and the kill switch with flatten_on_kill_switch) closes each book separately: one market order
// per (instrument, book) with a position, carrying that book's strategy_id, so every strategy's
// own position and P&L end flat (two strategies holding opposite positions each get their order).
//
// Reconciliation after a restart (inputs between a kReconcile begin and end): fills are applied
// unless their venue trade id is not above the highest seen for the instrument (duplicates);
// an ack from the venue marks an order confirmed open, or adopts an order we never knew; at the
// end, every order the venue did not confirm is dropped from the working orders.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "engine/event.hpp"
#include "engine/instrument.hpp"
#include "engine/order_table.hpp"
#include "engine/positions.hpp"
#include "engine/state_archive.hpp"
#include "engine/trade_id_filter.hpp"

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
  bool cancel_on_kill_switch = true;  // the kill switch also cancels every working order
  bool flatten_on_kill_switch = false;  // ... and sends market orders that close every position
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

class RouterStage;

// Sees every event after the router has handled it, on the router's thread (the console feed).
// Must not block, allocate or throw.
class RouterObserver {
 public:
  virtual void after_event(const Event& e, const RouterStage& router) noexcept = 0;

 protected:
  ~RouterObserver() = default;
};

class RouterStage {
 public:
  RouterStage(const InstrumentRegistry& registry, RouterConfig config);

  void on_event(const Event& e, OutputSink& sink) noexcept {
    handle(e, sink);
    if (observer_ != nullptr) observer_->after_event(e, *this);
  }
  // Cold: set before the pipeline starts; null = none.
  void set_observer(RouterObserver* observer) noexcept { observer_ = observer; }

  const Position& position(InstrumentId id) const noexcept { return positions_[id]; }
  // Position of one strategy (0 = the system book) in one instrument, and its totals.
  const Position& position(StrategyId strategy, InstrumentId id) const noexcept { return books_.at(strategy, id); }
  const StrategyPositions& strategy_positions() const noexcept { return books_; }
  std::size_t instrument_count() const noexcept { return positions_.size(); }
  Money total_net_pnl() const noexcept;
  // How many of the venue's execution reports the core has seen (the venue sends them in order,
  // so after a crash the venue's reports from this index on are the ones the journal missed).
  std::uint64_t venue_reports_seen() const noexcept { return venue_reports_seen_; }
  // Highest venue trade id applied for the instrument (fills at or below it are duplicates).
  std::uint64_t max_trade_id(InstrumentId id) const noexcept { return trade_ids_.max(id); }
  const OrderTable& orders() const noexcept { return orders_; }
  const RouterCounters& counters() const noexcept { return counters_; }
  std::uint64_t state_hash() const noexcept;
  void archive(StateArchive& a);

 private:
  void handle(const Event& e, OutputSink& sink) noexcept;
  void on_exec(const Event& e) noexcept;
  void on_reconcile(const Event& e) noexcept;
  // Cancels every working order (admin cancel_all, kill switch), in client order id order.
  // strategy != 0: only that strategy's orders.
  void cancel_all(const Event& origin, OutputSink& sink, StrategyId strategy = 0) noexcept;
  // Market orders closing every open position (admin flatten; kill switch when configured).
  // strategy != 0: only that strategy's book.
  void flatten(const Event& origin, OutputSink& sink, StrategyId strategy = 0) noexcept;
  void bump(std::atomic<std::uint64_t>& c) noexcept { c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
  void publish_pnl() noexcept;

  const InstrumentRegistry* registry_;
  OrderTable orders_;
  std::vector<Position> positions_;  // by instrument id
  StrategyPositions books_;          // by (strategy book, instrument)
  TradeIdFilter trade_ids_;          // fills already applied, by venue trade id
  bool reconciling_ = false;
  std::uint64_t adopted_total_ = 0, expired_by_reconcile_total_ = 0;
  std::uint64_t venue_reports_seen_ = 0;
  std::uint64_t unsent_total_ = 0;
  std::uint32_t publish_countdown_ = 0;   // not state: paces the status line's P&L        // orders refused after they left the router (fed back)
  bool cancel_on_kill_switch_;
  bool flatten_on_kill_switch_;
  std::vector<ClientOrderId> scratch_;  // cancel_all's sorted ids; capacity reserved at construction  // execution reports from the venue's stream applied so far
  Seq last_seq_ = 0;
  std::uint64_t orders_total_ = 0, fills_total_ = 0, rejects_total_ = 0, invalid_total_ = 0;
  RouterCounters counters_;
  RouterObserver* observer_ = nullptr;  // not state
};

}  // namespace sequent
