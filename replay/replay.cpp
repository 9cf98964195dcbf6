#include "replay/replay.hpp"

#include <chrono>
#include <cstring>
#include <vector>

#include "engine/router_stage.hpp"
#include "engine/state_hash.hpp"

namespace sequent::replay {

namespace {

std::string hex(std::uint64_t h) {
  char buf[17] = {};
  format_hash_hex(h, buf);
  return buf;
}

// Compares regenerated outputs and checkpoints with the recorded ones as they are produced.
//
// A crash: the record of a killed session's outputs is a prefix of what its durable inputs
// produce (outputs are recorded in stream order after the input is journaled, so the kill can
// land between the two, and an order held back for durability never left at all). What the
// replay regenerates past that prefix is held as "unrecorded"; the resume that follows (its
// reconciliation window names the crashed session's last durable seq) accepts the ones at or
// before that seq: the venue's view, reconciled there, is the authority on them. Anything else
// unrecorded is a divergence: a later output that does match (a hole, not a prefix), or the end.
class VerifyingSink final : public OutputSink {
 public:
  VerifyingSink(std::vector<Event> outputs, std::vector<journal::Checkpoint> checkpoints, bool verify)
      : outputs_(std::move(outputs)), checkpoints_(std::move(checkpoints)), verify_(verify) {}

  void on_output(const Event& e) noexcept override {
    if (!verify_ || diverged()) return;
    if (e.type() == EventType::kCheckpoint) {
      while (next_checkpoint_ < checkpoints_.size() && checkpoints_[next_checkpoint_].seq < e.seq()) {
        diverge(checkpoints_[next_checkpoint_].seq, "recorded checkpoint has no regenerated counterpart");
        return;
      }
      if (next_checkpoint_ >= checkpoints_.size() || checkpoints_[next_checkpoint_].seq > e.seq()) {
        unrecorded(e.seq(), "regenerated checkpoint was not recorded");
        return;
      }
      const std::uint64_t recorded = checkpoints_[next_checkpoint_].state_hash;
      if (recorded != e.payload.checkpoint.state_hash) {
        diverge(e.seq(), "checkpoint state hash " + hex(e.payload.checkpoint.state_hash) + " != recorded " + hex(recorded));
        return;
      }
      if (!matched()) return;
      ++next_checkpoint_;
      ++checkpoints_compared_;
      return;
    }
    if (next_output_ >= outputs_.size() || outputs_[next_output_].seq() > e.seq()) {
      unrecorded(e.seq(), std::string("regenerated ") + std::string(to_string(e.type())) + " was not recorded");
      return;
    }
    const Event& recorded = outputs_[next_output_];
    if (std::memcmp(&recorded, &e, sizeof(Event)) != 0) {
      const Seq at = recorded.seq() < e.seq() ? recorded.seq() : e.seq();
      diverge(at, std::string("output differs: regenerated ") + std::string(to_string(e.type())) + " for seq " +
                      std::to_string(e.seq()) + ", recorded " + std::string(to_string(recorded.type())) + " for seq " +
                      std::to_string(recorded.seq()));
      return;
    }
    if (!matched()) return;
    ++next_output_;
    ++outputs_compared_;
  }

  // A resume after a crash: the crashed session's inputs were durable up to `last_durable`.
  void on_resume(Seq last_durable) noexcept {
    // Regenerated in seq order: the accepted ones are a prefix.
    std::size_t n = 0;
    while (n < unrecorded_.size() && unrecorded_[n].seq <= last_durable) ++n;
    unrecorded_at_crash_ += n;
    unrecorded_.erase(unrecorded_.begin(), unrecorded_.begin() + static_cast<std::ptrdiff_t>(n));
  }

  // After the last input: anything recorded but not regenerated (up to `final_seq`) diverges.
  void finish(Seq final_seq, std::uint64_t final_hash) {
    if (!verify_ || diverged() || !matched()) return;
    if (next_output_ < outputs_.size() && outputs_[next_output_].seq() <= final_seq) {
      diverge(outputs_[next_output_].seq(), "recorded output was not regenerated");
      return;
    }
    while (next_checkpoint_ < checkpoints_.size() && checkpoints_[next_checkpoint_].seq <= final_seq) {
      const journal::Checkpoint& c = checkpoints_[next_checkpoint_];
      // The shutdown checkpoint is taken after the last input, outside the stream.
      if (c.seq == final_seq && c.state_hash == final_hash) {
        ++next_checkpoint_;
        ++checkpoints_compared_;
        continue;
      }
      diverge(c.seq, c.seq == final_seq ? "final state hash " + hex(final_hash) + " != recorded " + hex(c.state_hash)
                                        : "recorded checkpoint has no regenerated counterpart");
      return;
    }
  }

  // A gap input stands for an input lost in a crash: outputs and checkpoints the crashed process
  // recorded for that seq cannot be regenerated and are kept as evidence, not compared.
  void on_gap(Seq seq) noexcept {
    while (next_output_ < outputs_.size() && outputs_[next_output_].seq() == seq) {
      ++next_output_;
      ++orphaned_;
    }
    while (next_checkpoint_ < checkpoints_.size() && checkpoints_[next_checkpoint_].seq == seq) {
      ++next_checkpoint_;
      ++orphaned_;
    }
  }

  bool diverged() const noexcept { return divergent_seq_.has_value(); }
  void diverge(Seq seq, std::string what) {
    if (!divergent_seq_) {
      divergent_seq_ = seq;
      divergence_ = std::move(what);
    }
  }
  std::optional<Seq> divergent_seq_;
  std::string divergence_;
  std::uint64_t outputs_compared_ = 0, checkpoints_compared_ = 0, orphaned_ = 0, unrecorded_at_crash_ = 0;

 private:
  struct Unrecorded {
    Seq seq;
    std::string what;
  };
  void unrecorded(Seq seq, std::string what) { unrecorded_.push_back(Unrecorded{seq, std::move(what)}); }
  // Before a match (or the end): nothing may be left unrecorded.
  bool matched() {
    if (unrecorded_.empty()) return true;
    diverge(unrecorded_.front().seq, unrecorded_.front().what);
    return false;
  }
  std::vector<Unrecorded> unrecorded_;
  std::vector<Event> outputs_;
  std::vector<journal::Checkpoint> checkpoints_;
  bool verify_;
  std::size_t next_output_ = 0, next_checkpoint_ = 0;
};

}  // namespace

Result<ReplayReport> replay_into(journal::JournalReader& reader, Core& core, const ReplayOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  ReplayReport report;
  auto snapshot = reader.latest_snapshot(options.to);
  if (!snapshot) return snapshot.error();

  Seq start = 1;
  if (!options.verify && snapshot->has_value()) {
    const auto& [seq, bytes] = **snapshot;
    if (Status s = core.restore(bytes); !s.ok())
      return Error{ErrorCode::kCorrupt, "snapshot at seq " + std::to_string(seq) + ": " + s.error().message};
    report.snapshot_seq = seq;
    report.final_seq = seq;
    start = seq + 1;
  }

  std::vector<Event> outputs;
  std::vector<journal::Checkpoint> checkpoints;
  if (options.verify) {
    Status s = reader.for_each_output(start, options.to, [&](const Event& e, std::uint32_t) {
      outputs.push_back(e);
      return true;
    });
    if (!s.ok()) return s.error();
    auto cps = reader.checkpoints();
    if (!cps) return cps.error();
    for (const journal::Checkpoint& c : *cps)
      if (c.seq >= start && c.seq <= options.to) checkpoints.push_back(c);
  }
  VerifyingSink sink(std::move(outputs), std::move(checkpoints), options.verify);

  const Seq snapshot_seq_to_check = options.verify && snapshot->has_value() ? (**snapshot).first : 0;
  if (options.to < start) {
    report.state_hash = core.state_hash();
    return report;
  }
  Status s = reader.for_each_input(start, options.to, [&](const Event& e) {
    if (e.type() == EventType::kGap) sink.on_gap(e.seq());
    if (e.type() == EventType::kReconcile && e.payload.reconcile.phase == ReconcilePhase::kBegin &&
        e.payload.reconcile.last_durable_seq != 0)
      sink.on_resume(e.payload.reconcile.last_durable_seq);
    core.process(e, sink);
    report.final_seq = e.seq();
    report.last_event_ns = e.header.event_ns;
    ++report.inputs;
    if (e.seq() == snapshot_seq_to_check) {
      report.snapshot_checked = true;
      if (core.snapshot() != (**snapshot).second) sink.diverge(e.seq(), "snapshot differs from the state a full replay reaches");
    }
    return !sink.diverged();
  });
  if (!s.ok()) return s.error();
  report.state_hash = core.state_hash();
  sink.finish(report.final_seq, report.state_hash);
  report.outputs_compared = sink.outputs_compared_;
  report.checkpoints_compared = sink.checkpoints_compared_;
  report.orphaned_records = sink.orphaned_;
  report.unrecorded_at_crash = sink.unrecorded_at_crash_;
  report.divergent_seq = sink.divergent_seq_;
  report.divergence = sink.divergence_;
  report.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace sequent::replay
