#include "gateways/binance_net/url.hpp"

#include <charconv>

namespace sequent::binance_net {

std::string Url::host_header() const {
  const bool default_port = (tls && port == "443") || (!tls && port == "80");
  const bool v6 = host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + host + "]" : host;
  if (!default_port) h += ":" + port;
  return h;
}

Result<Url> parse_url(std::string_view url) {
  auto fail = [&](std::string_view why) {
    return Error{ErrorCode::kInvalidArgument, "url \"" + std::string(url) + "\": " + std::string(why)};
  };
  Url u;
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return fail("no scheme (expected ws://, wss://, http:// or https://)");
  const std::string_view scheme = url.substr(0, scheme_end);
  if (scheme == "ws") {
    u.websocket = true;
  } else if (scheme == "wss") {
    u.websocket = true;
    u.tls = true;
  } else if (scheme == "http") {
  } else if (scheme == "https") {
    u.tls = true;
  } else {
    return fail("unknown scheme \"" + std::string(scheme) + "\" (expected ws, wss, http or https)");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  const std::size_t path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  u.target = path_at == std::string_view::npos ? "/" : std::string(rest.substr(path_at));
  if (!u.target.empty() && u.target[0] == '?') u.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) return fail("credentials in the url are not supported");
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated IPv6 literal");
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return fail("junk after IPv6 literal");
      port = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) return fail("empty host");
  if (port.empty()) {
    u.port = u.tls ? "443" : "80";
  } else {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
      return fail("bad port \"" + std::string(port) + "\"");
    u.port = std::string(port);
  }
  return u;
}

}  // namespace sequent::binance_net
