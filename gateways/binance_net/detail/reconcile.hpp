// Reconciliation requests of the Binance gateway (cold, blocking): what the venue says is open
// and what it filled, as engine events. Private to gateways/binance_net.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gateways/binance/signing.hpp"
#include "gateways/binance_net/binance_gateway.hpp"
#include "gateways/binance_net/http_client.hpp"

namespace sequent::binance_net::detail {

struct ReconcileSymbol {
  std::string name;
  InstrumentId id = kNoInstrument;
};

struct ReconcileContext {
  HttpOptions http;
  std::shared_ptr<boost::asio::ssl::context> tls;
  const binance::Secret* api_key = nullptr;
  const binance::Secret* secret = nullptr;
  std::int64_t recv_window_ms = 5000;
  std::function<std::int64_t()> server_ms;  // Binance `timestamp`
  Source source = Source::kNone;
  std::vector<ReconcileSymbol> symbols;
};

// GET openOrders, myTrades since `since_ns`, order (for traded orders no longer open) per
// symbol, and account. Errors name the request and the venue's code and message.
Result<ReconcileView> reconcile(const ReconcileContext& ctx, TimeNs since_ns);

}  // namespace sequent::binance_net::detail
