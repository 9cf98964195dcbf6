// Starting `sequent venue-sim` in the background for end-to-end tests.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/e2e/sequent_runner.hpp"

extern char** environ;

namespace sequent::e2e {

// Starts the venue with its stderr on a pipe and returns the pid and the first stderr line.
struct Running {
  pid_t pid = -1;
  std::string line;
};

inline Running start_venue(const std::vector<std::string>& args) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<std::string> all = {SEQUENT_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  Running r;
  EXPECT_EQ(posix_spawn(&r.pid, SEQUENT_BINARY, &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  char c = 0;
  while (::read(fds[0], &c, 1) == 1 && c != '\n') r.line.push_back(c);  // blocks until the line or exit
  ::close(fds[0]);
  return r;
}

inline int stop_venue(pid_t pid) {
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace sequent::e2e
