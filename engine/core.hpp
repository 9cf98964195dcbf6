// Core: the three stages of the deterministic core and the one state hash over them.
//
// process() runs one input through strategy → risk → router as plain calls (the `inline`
// topology, and the second thread of `fused`). The threaded topology (pipeline.hpp) runs the
// very same stage objects, one per thread, with SPSC rings between them. Whichever runs it, the
// stages see the same event sequence, so the state hash is the same.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/instrument.hpp"
#include "engine/result.hpp"
#include "engine/risk_stage.hpp"
#include "engine/router_stage.hpp"
#include "engine/strategy_stage.hpp"

namespace sequent {

struct CoreConfig {
  StrategyStageConfig strategy;  // strategy.checkpoint_every also sets the checkpoint cadence
  RiskConfig risk;
  RouterConfig router;
};

class Core {
 public:
  // Cold. The registry must outlive the core.
  static Result<std::unique_ptr<Core>> create(const InstrumentRegistry& registry, const CoreConfig& config);

  // One input (or a derived event, in tests) through all three stages; outputs go to sink.
  void process(const Event& input, OutputSink& sink) noexcept {
    strategy_->on_event(input, [&](const Event& a) {
      risk_.on_event(a, [&](const Event& b) { router_.on_event(b, sink); });
    });
  }

  // combine_stage_hashes(strategy, risk, router) (docs/architecture.md). Call only
  // when no stage thread is running (after Pipeline::finish()).
  std::uint64_t state_hash() const;

  // Cold, quiescent core only. The full state as bytes (same fields as the hash), and its inverse
  // for a core built from the same configuration; a mismatch or truncation is kCorrupt.
  std::string snapshot() const;
  Status restore(std::string_view bytes);

  StrategyStage& strategy() noexcept { return *strategy_; }
  RiskStage& risk() noexcept { return risk_; }
  RouterStage& router() noexcept { return router_; }
  const StrategyStage& strategy() const noexcept { return *strategy_; }
  const RiskStage& risk() const noexcept { return risk_; }
  const RouterStage& router() const noexcept { return router_; }
  const InstrumentRegistry& registry() const noexcept { return *registry_; }

 private:
  Core(const InstrumentRegistry& registry, const CoreConfig& config, std::unique_ptr<StrategyStage> strategy);

  const InstrumentRegistry* registry_;
  std::unique_ptr<StrategyStage> strategy_;
  RiskStage risk_;
  RouterStage router_;
};

}  // namespace sequent
