// `sequent replay` and `sequent journal info|export` (INTERFACE.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sequent::tools {

struct ReplayCommandOptions {
  std::string dir;
  std::optional<std::uint64_t> to;
  bool verify = false;
  bool json = false;
};
int run_replay(const ReplayCommandOptions& options);

int run_journal_info(const std::string& dir);

struct ExportCommandOptions {
  std::string dir;
  std::optional<std::uint64_t> from, to;
  bool outputs = false;
  std::string format = "jsonl";
};
int run_journal_export(const ExportCommandOptions& options);

}  // namespace sequent::tools
