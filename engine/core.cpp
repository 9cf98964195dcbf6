#include "engine/core.hpp"

#include <utility>

namespace sequent {

Result<std::unique_ptr<Core>> Core::create(const InstrumentRegistry& registry, const CoreConfig& config) {
  auto strategy = StrategyStage::create(registry, config.strategy);
  if (!strategy) return strategy.error();
  return std::unique_ptr<Core>(new Core(registry, config, std::move(*strategy)));
}

Core::Core(const InstrumentRegistry& registry, const CoreConfig& config, std::unique_ptr<StrategyStage> strategy)
    : registry_(&registry),
      strategy_(std::move(strategy)),
      risk_(registry, config.risk),
      router_(registry, config.router) {}

std::uint64_t Core::state_hash() const {
  return combine_stage_hashes(strategy_->state_hash(), risk_.state_hash(), router_.state_hash());
}

std::string Core::snapshot() const {
  StateArchive a = StateArchive::writer();
  a.tag("sequent-core-v3");
  auto* self = const_cast<Core*>(this);  // kWrite mode only reads the state
  self->strategy_->archive(a);
  self->risk_.archive(a);
  self->router_.archive(a);
  return a.bytes();
}

Status Core::restore(std::string_view bytes) {
  StateArchive a = StateArchive::reader(bytes);
  a.tag("sequent-core-v3");
  strategy_->archive(a);
  risk_.archive(a);
  router_.archive(a);
  if (!a.ok() || !a.at_end())
    return Error{ErrorCode::kCorrupt, "snapshot does not match this configuration or is truncated"};
  return {};
}

}  // namespace sequent
