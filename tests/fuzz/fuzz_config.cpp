// Fuzz target: the TOML configuration loader. Any bytes give either a valid configuration or an
// error naming where; never a crash or an escaped exception.
#include "tests/fuzz/fuzz_target.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

#include "tools/live_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sequent::tools::LiveConfig cfg = sequent::tools::default_paper_config();
  const std::string text(reinterpret_cast<const char*>(data), size);
  const sequent::Status s = sequent::tools::apply_config_text(text, "fuzz.toml", cfg);
  if (!s.ok() && s.error().message.rfind("fuzz.toml", 0) != 0) std::abort();  // errors say where
  if (s.ok()) {
    // A configuration that loads must resolve to text that loads again.
    sequent::tools::LiveConfig again = sequent::tools::default_paper_config();
    if (!sequent::tools::apply_config_text(sequent::tools::resolved_config_text(cfg), "resolved", again).ok()) std::abort();
  }
  return 0;
}
