// Fuzz target: reading a simulated venue's log (bytes from disk after a crash). Any file gives the
// venue's contents or a kCorrupt error; never a crash.
#include "tests/fuzz/fuzz_target.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "gateways/venue_log.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/sequent_fuzz_venue_log_" + std::to_string(::getpid());
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  auto contents = sequent::VenueLog::read(path);
  (void)contents;
  std::remove(path.c_str());
  return 0;
}
