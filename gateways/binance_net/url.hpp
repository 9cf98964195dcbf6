// Url: the parts of ws://, wss://, http:// and https:// endpoints the transport needs, so the
// same gateway code talks to api.binance.com, testnet.binance.vision and the local venue.
//
//   auto u = parse_url("wss://stream.binance.com:9443/stream");  // tls, host, port "9443"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/result.hpp"

namespace sequent::binance_net {

struct Url {
  bool tls = false;        // wss / https
  bool websocket = false;  // ws / wss
  std::string host;        // "stream.binance.com" (IPv6 literals without brackets)
  std::string port;        // "9443"; defaults 80 / 443
  std::string target;      // "/stream" (at least "/"), query included
  // "host:port" as sent in the Host header (port omitted when it is the scheme's default).
  std::string host_header() const;
};

// Errors name the URL and what is wrong with it (scheme, empty host, bad port).
Result<Url> parse_url(std::string_view url);

}  // namespace sequent::binance_net
