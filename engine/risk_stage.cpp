#include "engine/risk_stage.hpp"

#include <utility>

namespace sequent {

RiskStage::RiskStage(const InstrumentRegistry& registry, RiskConfig config)
    : registry_(&registry), config_(std::move(config)), last_price_(registry.size()) {}

const InstrumentRiskLimits& RiskStage::limits_for(InstrumentId id) const noexcept {
  return id < config_.per_instrument.size() ? config_.per_instrument[id] : config_.default_limits;
}

RejectReason RiskStage::check(const Event& intent) const noexcept {
  const OrderPayload& o = intent.payload.order;
  const InstrumentId id = intent.instrument();
  if (!registry_->contains(id)) return RejectReason::kRiskUnknownInstrument;
  if (halted_) return RejectReason::kRiskHalted;
  if (!o.qty.is_positive()) return RejectReason::kRiskBadQuantity;
  const InstrumentRiskLimits& lim = limits_for(id);
  if (lim.max_order_qty.is_positive() && o.qty > lim.max_order_qty) return RejectReason::kRiskMaxOrderQty;
  const Price ref = o.order_type == OrderType::kMarket ? last_price_[id] : o.price;
  if (!ref.is_positive()) return RejectReason::kRiskNoReferencePrice;
  if (lim.max_order_notional.is_positive() && notional128(ref, o.qty) > lim.max_order_notional.raw())
    return RejectReason::kRiskMaxOrderNotional;
  return RejectReason::kNone;
}

void RiskStage::observe(const Event& e) noexcept {
  last_seq_ = e.seq();
  switch (e.type()) {
    case EventType::kTrade:
      if (e.instrument() < last_price_.size()) last_price_[e.instrument()] = e.payload.trade.price;
      break;
    case EventType::kBar:
      if (e.instrument() < last_price_.size()) last_price_[e.instrument()] = e.payload.bar.close;
      break;
    case EventType::kAdmin:
      if (e.payload.admin.command == AdminCommand::kKillSwitch) halted_ = true;
      if (e.payload.admin.command == AdminCommand::kResume) halted_ = false;
      break;
    default:
      break;
  }
}

void RiskStage::count_denial(RejectReason r) noexcept {
  ++denials_[static_cast<std::size_t>(r) % kReasonSlots];
  denied_total_.store(denied_total_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

std::uint64_t RiskStage::denied_for(RejectReason r) const noexcept {
  return denials_[static_cast<std::size_t>(r) % kReasonSlots];
}

void RiskStage::archive(StateArchive& a) noexcept {
  a.tag("risk");
  a.u64(last_seq_);
  a.boolean(halted_);
  a.expect_count(last_price_.size());
  for (Price& p : last_price_) a.fixed(p);
  for (std::uint64_t& d : denials_) a.u64(d);
}

std::uint64_t RiskStage::state_hash() const noexcept {
  StateArchive a = StateArchive::hasher();
  const_cast<RiskStage*>(this)->archive(a);  // kHash mode only reads the state
  return a.hash();
}

}  // namespace sequent
