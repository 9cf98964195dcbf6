#include "gateways/binance_net/tls.hpp"

#include <boost/system/error_code.hpp>

namespace sequent::binance_net {

namespace ssl = boost::asio::ssl;

Result<std::shared_ptr<ssl::context>> make_tls_context(const TlsOptions& options) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (ec) return Error{ErrorCode::kIo, "tls: cannot set protocol options: " + ec.message()};
  if (!options.verify_peer) {
    ctx->set_verify_mode(ssl::verify_none, ec);
    if (ec) return Error{ErrorCode::kIo, "tls: cannot set verify mode: " + ec.message()};
    return ctx;
  }
  if (options.ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
    if (ec) return Error{ErrorCode::kIo, "tls: cannot load the system's trusted certificates: " + ec.message()};
  } else {
    ctx->load_verify_file(options.ca_file, ec);
    if (ec) return Error{ErrorCode::kIo, "tls: cannot load CA file \"" + options.ca_file + "\": " + ec.message()};
  }
  ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  if (ec) return Error{ErrorCode::kIo, "tls: cannot set verify mode: " + ec.message()};
  return ctx;
}

}  // namespace sequent::binance_net

#include <openssl/ssl.h>

namespace sequent::binance_net {
bool set_sni(SSL* ssl, const std::string& host) noexcept {
  return SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                  static_cast<void*>(const_cast<char*>(host.c_str()))) == 1;
}
}  // namespace sequent::binance_net
