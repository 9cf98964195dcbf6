#include "tools/session_config.hpp"

#include <cstdio>
#include <sstream>

namespace sequent::tools {

Result<LiveConfig> config_from_journal(const journal::JournalReader& reader, const std::string& dir) {
  LiveConfig cfg = default_paper_config();
  const journal::SessionMeta& meta = reader.meta();
  if (Status s = apply_config_text(meta.config, dir + " (journal meta config)", cfg); !s.ok()) return s.error();
  // The stored configuration lists the instruments; they must be the ones the journal recorded.
  if (instruments_text(*cfg.registry) != meta.instruments)
    return Error{ErrorCode::kCorrupt, "journal " + dir + ": the instruments in its configuration differ from its meta:\n" +
                                          meta.instruments};
  cfg.source = dir;
  return cfg;
}

std::vector<std::string> symbols_from_meta(const journal::SessionMeta& meta) {
  std::vector<std::string> symbols;
  std::istringstream in(meta.instruments);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::size_t id = 0;
    std::string symbol;
    if (!(fields >> id >> symbol)) continue;
    if (symbols.size() <= id) symbols.resize(id + 1);
    symbols[id] = symbol;
  }
  return symbols;
}

std::unique_ptr<journal::JournalReader> open_journal_or_report(const std::string& command, const std::string& dir,
                                                               int* exit_code) {
  auto reader = journal::JournalReader::open(dir);
  if (!reader) {
    std::fprintf(stderr, "sequent %s: %s\n", command.c_str(), reader.error().message.c_str());
    *exit_code = exit_code_for(reader.error().code);
    return nullptr;
  }
  *exit_code = 0;
  return std::move(*reader);
}

}  // namespace sequent::tools
