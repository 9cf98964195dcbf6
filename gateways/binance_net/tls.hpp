// TLS client context for the transport: TLS 1.2+, the system's trusted roots (or a CA file),
// peer verification with host-name check on by default. Verification may be turned off only
// for a local test venue with a self-signed certificate (the option says so in its name).
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "engine/result.hpp"

namespace sequent::binance_net {

struct TlsOptions {
  bool verify_peer = true;  // false: accept any certificate (local venue only)
  std::string ca_file;      // PEM bundle; "" = the system's default paths
};

// Cold. Errors say which file or setting failed.
Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const TlsOptions& options);

}  // namespace sequent::binance_net

struct ssl_st;

namespace sequent::binance_net {
// Sets the TLS SNI host name on a client connection (SSL_set_tlsext_host_name without its
// old-style-cast macro). False on failure.
bool set_sni(ssl_st* ssl, const std::string& host) noexcept;
}  // namespace sequent::binance_net
