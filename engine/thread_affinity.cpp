#include "engine/thread_affinity.hpp"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <cstring>

namespace sequent {

int online_cpu_count() noexcept {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

bool pin_current_thread(int cpu, std::string* error) {
  if (cpu < 0) return true;
  const int online = online_cpu_count();
  if (cpu >= online || cpu >= CPU_SETSIZE) {
    if (error) *error = "cpu " + std::to_string(cpu) + " does not exist (" + std::to_string(online) + " online)";
    return false;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<std::size_t>(cpu), &set);
  int rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
  if (rc != 0) {
    if (error) *error = "pthread_setaffinity_np(cpu " + std::to_string(cpu) + "): " + std::strerror(rc);
    return false;
  }
  return true;
}

void name_current_thread(const char* name) noexcept {
  char buf[16];
  std::strncpy(buf, name, sizeof(buf) - 1);
  buf[sizeof(buf) - 1] = '\0';
  pthread_setname_np(pthread_self(), buf);
}

}  // namespace sequent
