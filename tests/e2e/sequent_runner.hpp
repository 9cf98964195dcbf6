// Runs the `sequent` binary as a user would, for the end-to-end tests: exit code (or the signal
// that ended it), stdout and stderr, each captured through a file of this test process.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#ifndef SEQUENT_BINARY
#error "SEQUENT_BINARY must name the sequent executable"
#endif

namespace sequent::e2e {

struct CommandResult {
  int exit_code = -1;   // -1 when ended by a signal
  bool killed = false;  // ended by SIGKILL
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A path in the test's temporary directory, unique to this process (ctest runs test cases in
// parallel processes).
inline std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "sequent_e2e_" + std::to_string(::getpid()) + "_" + name;
}

inline CommandResult run_sequent(std::string args) {
  // Live runs serve the console on any free port, so parallel tests never fight over 8080 and the
  // console runs beside every live scenario.
  if (args.rfind("live", 0) == 0 && args.find("--console") == std::string::npos) args += " --console 127.0.0.1:0";
  const std::string out_file = temp_path("stdout.txt"), err_file = temp_path("stderr.txt");
  const int status = std::system((std::string(SEQUENT_BINARY) + " " + args + " >" + out_file + " 2>" + err_file).c_str());
  CommandResult r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  // std::system runs the command through sh: a child killed by a signal shows as 128 + signal.
  r.killed = (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) || r.exit_code == 128 + SIGKILL;
  r.out = slurp(out_file);
  r.err = slurp(err_file);
  std::remove(out_file.c_str());
  std::remove(err_file.c_str());
  return r;
}

// The value of `key=` in logfmt text (a status or final line, a replay summary); "" when absent.
inline std::string field(const std::string& text, const std::string& key) {
  std::smatch m;
  const std::regex re("(^|[ \n])" + key + "=([^ \n]+)");
  return std::regex_search(text, m, re) ? m[2].str() : std::string();
}

// The last `final ...` line of `sequent live`'s stdout.
inline std::string final_line(const std::string& out) {
  const auto pos = out.rfind("final ");
  return pos == std::string::npos ? std::string() : out.substr(pos, out.find('\n', pos) - pos);
}

}  // namespace sequent::e2e
