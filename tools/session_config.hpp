// Rebuilding a session's configuration from its journal (replay, journal export, resume).
#pragma once

#include <string>
#include <vector>

#include "engine/result.hpp"
#include "journal/journal.hpp"
#include "tools/live_config.hpp"

namespace sequent::tools {

// The configuration stored in the journal's meta, applied on top of the built-in defaults; fails
// if the journal's instruments are not the ones this build knows.
Result<LiveConfig> config_from_journal(const journal::JournalReader& reader, const std::string& dir);

// Symbol of each instrument id, from the journal's meta text.
std::vector<std::string> symbols_from_meta(const journal::SessionMeta& meta);

// Opens a journal for reading and prints the error on failure; exit code in *exit_code.
std::unique_ptr<journal::JournalReader> open_journal_or_report(const std::string& command, const std::string& dir,
                                                               int* exit_code);

}  // namespace sequent::tools
