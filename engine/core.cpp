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
  StateHasher h;
  strategy_->hash_into(h);
  risk_.hash_into(h);
  router_.hash_into(h);
  return h.value();
}

}  // namespace sequent
