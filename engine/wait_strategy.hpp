// Wait strategies: what a thread does when its poll() found no work (Aeron's idle strategies).
//
//   WaitStrategy wait(WaitKind::kBackoff);
//   for (;;) { int n = poll(); wait.idle(n); }
//
// idle(n > 0) resets the back-off; idle(0) escalates. kBusySpin is for a pinned core with
// nothing else on it; kSpinYield spins then yields the core; kBackoff (the default) spins
// briefly, then yields, then parks with exponentially growing sleeps up to park_max_ns, which
// behaves well when stage threads outnumber cores. Parking is a syscall, but only when idle.
// One WaitStrategy object per thread; not shared.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sequent {

enum class WaitKind : std::uint8_t { kBusySpin, kSpinYield, kBackoff };

std::optional<WaitKind> parse_wait_kind(std::string_view name) noexcept;  // "busy_spin", ...
std::string_view to_string(WaitKind k) noexcept;

struct WaitParams {
  std::uint32_t spins = 100;          // pause-spins before yielding
  std::uint32_t yields = 50;          // yields before parking (kBackoff)
  std::int64_t park_min_ns = 1'000;   // first park
  std::int64_t park_max_ns = 200'000; // longest park
};

class WaitStrategy {
 public:
  explicit WaitStrategy(WaitKind kind = WaitKind::kBackoff, WaitParams params = {}) noexcept
      : kind_(kind), params_(params) {}

  // Call after every poll with the amount of work it did.
  void idle(std::uint64_t work_count) noexcept {
    if (work_count > 0) {
      reset();
      return;
    }
    idle_once();
  }
  void reset() noexcept {
    spins_ = 0;
    yields_ = 0;
    park_ns_ = params_.park_min_ns;
  }
  WaitKind kind() const noexcept { return kind_; }

 private:
  void idle_once() noexcept;

  WaitKind kind_;
  WaitParams params_;
  std::uint32_t spins_ = 0;
  std::uint32_t yields_ = 0;
  std::int64_t park_ns_ = 1'000;
};

// One CPU pause hint (x86 `pause`; a no-op elsewhere).
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace sequent
