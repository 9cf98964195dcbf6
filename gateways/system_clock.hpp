// SystemClock: the wall clock (CLOCK_REALTIME, ns since the Unix epoch) injected into the
// sequencer in live sessions, so recv_ns in the journal is a real UTC time. Any thread; the
// vDSO makes a read a few tens of nanoseconds with no kernel entry.
#pragma once

#include <ctime>

#include "engine/clock.hpp"

namespace sequent {

class SystemClock final : public Clock {
 public:
  TimeNs now_ns() const noexcept override {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<TimeNs>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  }
};

}  // namespace sequent
