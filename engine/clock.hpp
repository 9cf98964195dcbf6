// Clock: the only way engine/ code learns the time outside of event timestamps.
//
// The sequencer reads it once per input to stamp recv_ns. Stages never read it: their time comes
// from events. Live wiring injects a system clock (gateways/system_clock.hpp); tests and replay
// inject ManualClock so stamps are reproducible.
#pragma once

#include "engine/types.hpp"

namespace sequent {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch. Any thread; must not block.
  virtual TimeNs now_ns() const noexcept = 0;
};

// A clock that returns what the test set, advancing by step_ns on every read (so successive
// stamps are distinct and reproducible). Single-threaded use only.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeNs start_ns = 0, TimeNs step_ns = 0) noexcept : now_(start_ns), step_(step_ns) {}
  TimeNs now_ns() const noexcept override {
    TimeNs t = now_;
    now_ += step_;
    return t;
  }
  void set(TimeNs t) noexcept { now_ = t; }

 private:
  mutable TimeNs now_;
  TimeNs step_;
};

}  // namespace sequent
