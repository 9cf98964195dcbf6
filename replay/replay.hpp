// Rebuilding state from a journal, and verifying a session against its own record.
//
// replay_into() feeds the journal's inputs, in seq order, through a Core built from the
// journal's configuration (inline: one thread, no rings). Without verification it starts from the
// latest snapshot at or before `to` and replays the tail. With verification it replays from seq 1,
// regenerates every output and checkpoint and compares them with what the session recorded (and
// the snapshot with the state a full replay reaches at its seq), stopping at the first
// divergence. Outputs are compared, never sent. Cold path apart from the per-event loop.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/core.hpp"
#include "engine/result.hpp"
#include "journal/journal.hpp"

namespace sequent::replay {

struct ReplayOptions {
  Seq to = journal::kLastSeq;
  bool verify = false;
};

struct ReplayReport {
  Seq final_seq = 0;              // last input applied
  TimeNs last_event_ns = 0;       // its event time
  std::uint64_t state_hash = 0;   // Core::state_hash() after it
  Seq snapshot_seq = 0;           // snapshot restored (0: replayed from seq 1)
  std::uint64_t inputs = 0;       // inputs applied by this replay
  std::uint64_t outputs_compared = 0;
  std::uint64_t checkpoints_compared = 0;
  std::uint64_t orphaned_records = 0;  // outputs/checkpoints recorded for inputs lost in a crash
  // Outputs/checkpoints of durable inputs a crashed session had not recorded yet (the tail after
  // its last record; reconciled with the venue at the resume): regenerated, not compared.
  std::uint64_t unrecorded_at_crash = 0;
  bool snapshot_checked = false;
  std::optional<Seq> divergent_seq;  // verify: first seq whose output/checkpoint/snapshot differs
  std::string divergence;            // what differed, for the message
  double elapsed_ms = 0;
};

// `core` must be freshly created from the journal's configuration. Errors: kCorrupt for a journal
// that breaks (message names the seq), kIo. A divergence is not an error: it is in the report.
Result<ReplayReport> replay_into(journal::JournalReader& reader, Core& core, const ReplayOptions& options);

}  // namespace sequent::replay
