// JSONL export of a journal: the audit log. One object per input (and, with outputs, one per
// recorded output right after the input that caused it). Prices and quantities are decimal
// strings, exactly as stored in fixed point. Cold path.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "engine/event.hpp"
#include "engine/result.hpp"
#include "journal/journal.hpp"

namespace sequent::replay {

struct ExportOptions {
  Seq from = 1;
  Seq to = journal::kLastSeq;
  bool outputs = false;
};

// symbols[id] names instrument id (from the journal's meta); users[id] names admin users.
Status export_jsonl(journal::JournalReader& reader, const std::vector<std::string>& symbols,
                    const std::vector<std::string>& users, const ExportOptions& options, std::ostream& out);

// One input as a JSON object (no trailing newline); exposed for tests and the console.
std::string input_to_json(const Event& e, const std::vector<std::string>& symbols, const std::vector<std::string>& users);
// One recorded output as a JSON object: {"output": type, "seq": origin seq, "index": n, ...}.
std::string output_to_json(const Event& e, std::uint32_t index, const std::vector<std::string>& symbols);

}  // namespace sequent::replay
