// Fuzz target: the admin console's request parser (every WebSocket text frame from a client goes
// through it). Invariants: never crashes; a request that parses has an op; an error has a message;
// an id, when read, is an integer or a quoted string; the value of a set_risk_limit that parses
// formats back to the same raw value.
#include "tests/fuzz/fuzz_target.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gateways/console/console_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sequent::console;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ParsedConsoleRequest p = parse_console_request(text);
  if (p.ok()) {
    if (!p.request.op) std::abort();
    if (p.request.id_json.empty()) std::abort();
    if (*p.request.op == ConsoleOp::kSetRiskLimit) {
      const auto back = parse_limit_value(p.request.limit, format_limit_value(p.request.limit, p.request.arg_value));
      if (!back || *back != p.request.arg_value) std::abort();
    }
  } else if (p.error->message.empty()) {
    std::abort();
  }
  const std::string& id = p.request.id_json;
  if (!id.empty() && id.front() != '"' && id.front() != '-' && (id.front() < '0' || id.front() > '9')) std::abort();
  return 0;
}
