// Thread pinning: the one platform file engine/ is allowed (Linux sched affinity).
#pragma once

#include <string>

namespace sequent {

// Pins the calling thread to one CPU. A negative cpu means "do not pin" and succeeds. On failure
// returns false and describes why in *error (e.g. "cpu 5 does not exist (2 online)").
bool pin_current_thread(int cpu, std::string* error);

// Names the calling thread for top/perf/gdb (at most 15 characters are kept).
void name_current_thread(const char* name) noexcept;

int online_cpu_count() noexcept;

}  // namespace sequent
