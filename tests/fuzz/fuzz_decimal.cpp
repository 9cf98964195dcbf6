// Fuzz target: the decimal parser every gateway and config value goes through. Invariants: never
// crashes; a strict parse that succeeds prints back to a string that parses to the same value;
// strict success implies rounded success with the same value.
#include "tests/fuzz/fuzz_target.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/fixed_point.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::int64_t exact = 0, rounded = 0;
  const sequent::ParseStatus s = sequent::parse_fixed_raw(text, exact, sequent::Rounding::kExact);
  const sequent::ParseStatus r = sequent::parse_fixed_raw(text, rounded, sequent::Rounding::kHalfEven);
  if (s == sequent::ParseStatus::kOk) {
    if (r != sequent::ParseStatus::kOk || rounded != exact) std::abort();
    char buf[sequent::kMaxFixedChars];
    const std::size_t n = sequent::format_fixed_raw(exact, buf);
    std::int64_t back = 0;
    if (sequent::parse_fixed_raw(std::string_view(buf, n), back) != sequent::ParseStatus::kOk || back != exact) std::abort();
  }
  return 0;
}
