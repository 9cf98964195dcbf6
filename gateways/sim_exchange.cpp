// SimExchange: the exchange thread's poll loop over the inbox, the venue and the market.
#include "gateways/sim_exchange.hpp"

#include <utility>

namespace sequent {

SimExchange::SimExchange(const InstrumentRegistry& registry, SimExchangeConfig config)
    : inbox_(config.inbox_capacity), market_(registry, std::move(config.market)),
      venue_(registry, config.venue) {}

std::size_t SimExchange::poll(TimeNs now_ns, std::span<Event> out,
                              std::size_t max_market_events) noexcept {
  // 1. Orders: take them only while the FIFO has room for everything one order can cause.
  Event order{};
  while (venue_.report_space() >= kSimVenueMaxReportsPerOrder && inbox_.try_pop(order)) {
    venue_.on_order(order);
  }

  // 2. Reports still pending (from the last poll or from step 1), oldest first.
  std::size_t written = venue_.drain(out);

  // 3. Market events due, each followed by the fills it caused. A new one is generated only when
  //    every earlier report has been written, so the output keeps the venue's order.
  std::size_t generated = 0;
  while (generated < max_market_events && written < out.size() && venue_.pending_reports() == 0 &&
         market_.next_event_ns() != kSimNeverNs && market_.next_event_ns() <= now_ns) {
    const Event market = market_.next();
    ++generated;
    venue_.on_market(market);
    out[written++] = market;
    written += venue_.drain(out.subspan(written));
  }
  return written;
}

void SimExchange::hash_state(StateHasher& hasher) const noexcept {
  market_.hash_state(hasher);
  venue_.hash_state(hasher);
}

}  // namespace sequent
