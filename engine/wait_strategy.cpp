#include "engine/wait_strategy.hpp"

#include <chrono>
#include <thread>

namespace sequent {

std::optional<WaitKind> parse_wait_kind(std::string_view name) noexcept {
  if (name == "busy_spin") return WaitKind::kBusySpin;
  if (name == "spin_yield") return WaitKind::kSpinYield;
  if (name == "backoff") return WaitKind::kBackoff;
  return std::nullopt;
}

std::string_view to_string(WaitKind k) noexcept {
  switch (k) {
    case WaitKind::kBusySpin: return "busy_spin";
    case WaitKind::kSpinYield: return "spin_yield";
    case WaitKind::kBackoff: return "backoff";
  }
  return "unknown";
}

void WaitStrategy::idle_once() noexcept {
  switch (kind_) {
    case WaitKind::kBusySpin:
      cpu_relax();
      return;
    case WaitKind::kSpinYield:
      if (spins_ < params_.spins) {
        ++spins_;
        cpu_relax();
      } else {
        std::this_thread::yield();
      }
      return;
    case WaitKind::kBackoff:
      if (spins_ < params_.spins) {
        ++spins_;
        cpu_relax();
      } else if (yields_ < params_.yields) {
        ++yields_;
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(std::chrono::nanoseconds(park_ns_));
        park_ns_ = park_ns_ * 2 > params_.park_max_ns ? params_.park_max_ns : park_ns_ * 2;
      }
      return;
  }
}

}  // namespace sequent
