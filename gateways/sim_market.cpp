// SimMarket: price process and event generation. Construction and validation are cold; next()
// is the simulated exchange thread's hot path.
#include "gateways/sim_market.hpp"

#include <cmath>
#include <string>
#include <utility>

namespace sequent {
namespace {

// Volatility is quoted per year of continuous (24/7) trading, as crypto venues trade.
constexpr double kNsPerYear = 365.0 * 86'400.0 * 1e9;
// The mid is kept within [start / kMidRange, start * kMidRange] so prices stay positive and
// price × quantity stays inside Money's 64-bit range; at sensible volatilities this never binds.
constexpr double kMidRange = 1000.0;

double lots_of(Qty mean_qty, Qty lot) noexcept {
  const double lots = static_cast<double>(mean_qty.raw()) / static_cast<double>(lot.raw());
  return lots < 1.0 ? 1.0 : lots;
}

bool is_probability(double p) noexcept { return std::isfinite(p) && p >= 0.0 && p <= 1.0; }

Error config_error(const std::string& field, const std::string& expected, const std::string& was) {
  return Error{ErrorCode::kInvalidArgument,
               "config sim_market." + field + ": expected " + expected + ", was " + was};
}

}  // namespace

SimMarketConfig default_sim_market_config(const InstrumentRegistry& registry, std::uint64_t seed,
                                          TimeNs start_ns) {
  SimMarketConfig config;
  config.seed = seed;
  config.start_ns = start_ns;
  struct Default {
    const char* symbol;
    std::int64_t start_units;
    std::int64_t mean_quote_raw;
    std::int64_t mean_trade_raw;
  };
  constexpr Default kDefaults[] = {
      {"BTCUSDT", 100'000, 2 * kFixedScale, kFixedScale / 20},
      {"ETHUSDT", 3'500, 20 * kFixedScale, kFixedScale / 2},
  };
  for (const Default& d : kDefaults) {
    const auto id = registry.find(d.symbol);
    if (!id) continue;
    SimInstrumentParams params;
    params.instrument = *id;
    params.start_price = Price::from_units(d.start_units);
    params.min_spread_ticks = 1;
    params.max_spread_ticks = 5;
    params.mean_quote_qty = Qty::from_raw(d.mean_quote_raw);
    params.mean_trade_qty = Qty::from_raw(d.mean_trade_raw);
    config.instruments.push_back(params);
  }
  return config;
}

Status validate_sim_market_config(const InstrumentRegistry& registry,
                                  const SimMarketConfig& config) {
  if (!(std::isfinite(config.events_per_second) && config.events_per_second > 0.0))
    return config_error("events_per_second", "a positive number",
                        std::to_string(config.events_per_second));
  if (!is_probability(config.trade_probability))
    return config_error("trade_probability", "a probability in [0, 1]",
                        std::to_string(config.trade_probability));
  if (!(std::isfinite(config.annual_volatility) && config.annual_volatility >= 0.0))
    return config_error("annual_volatility", "a number >= 0",
                        std::to_string(config.annual_volatility));
  if (!is_probability(config.jump_probability))
    return config_error("jump_probability", "a probability in [0, 1]",
                        std::to_string(config.jump_probability));
  if (!(std::isfinite(config.jump_stdev) && config.jump_stdev >= 0.0))
    return config_error("jump_stdev", "a number >= 0", std::to_string(config.jump_stdev));
  if (config.instruments.empty())
    return config_error(
        "instruments",
        "at least one instrument (the defaults need BTCUSDT or ETHUSDT in the registry)", "none");
  for (std::size_t i = 0; i < config.instruments.size(); ++i) {
    const SimInstrumentParams& p = config.instruments[i];
    const std::string where = "instruments[" + std::to_string(i) + "]";
    if (!registry.contains(p.instrument))
      return config_error(where + ".instrument", "an instrument id in the registry",
                          std::to_string(p.instrument));
    for (std::size_t j = 0; j < i; ++j) {
      if (config.instruments[j].instrument == p.instrument)
        return config_error(where + ".instrument", "each instrument once",
                            registry.at(p.instrument).symbol + " twice");
    }
    const Instrument& ins = registry.at(p.instrument);
    if (!p.start_price.is_positive() || !ins.price_on_tick(p.start_price))
      return config_error(where + ".start_price",
                          "a positive price on tick " + to_string(ins.tick_size),
                          to_string(p.start_price));
    if (p.min_spread_ticks < 1 || p.max_spread_ticks < p.min_spread_ticks)
      return config_error(where + ".spread_ticks", "1 <= min <= max",
                          std::to_string(p.min_spread_ticks) + ".." +
                              std::to_string(p.max_spread_ticks));
    if (!p.mean_quote_qty.is_positive())
      return config_error(where + ".mean_quote_qty", "a positive quantity",
                          to_string(p.mean_quote_qty));
    if (!p.mean_trade_qty.is_positive())
      return config_error(where + ".mean_trade_qty", "a positive quantity",
                          to_string(p.mean_trade_qty));
  }
  return Status{};
}

SimMarket::SimMarket(const InstrumentRegistry& registry, SimMarketConfig config)
    : config_(std::move(config)), rng_(config_.seed) {
  states_.reserve(config_.instruments.size());
  for (const SimInstrumentParams& p : config_.instruments) {
    const Instrument& ins = registry.at(p.instrument);
    InstrumentState st;
    st.instrument = p.instrument;
    st.tick_raw = ins.tick_size.raw();
    st.lot_raw = ins.lot_size.raw();
    st.tick_units = ins.tick_size.to_double();
    st.mid = p.start_price.to_double();
    st.min_spread_ticks = p.min_spread_ticks;
    st.max_spread_ticks = p.max_spread_ticks;
    const double floor_mid = st.tick_units * static_cast<double>(p.max_spread_ticks + 1);
    st.min_mid = st.mid / kMidRange > floor_mid ? st.mid / kMidRange : floor_mid;
    st.max_mid = st.mid * kMidRange;
    st.mean_quote_lots = lots_of(p.mean_quote_qty, ins.lot_size);
    st.mean_trade_lots = lots_of(p.mean_trade_qty, ins.lot_size);
    st.last_step_ns = config_.start_ns;
    states_.push_back(st);
  }
  mean_gap_ns_ = 1e9 / config_.events_per_second;
  pending_trade_ = make_event(EventType::kNone, Source::kSimMarket, kNoInstrument, 0);
  next_step_ns_ = config_.start_ns;
  if (states_.empty()) {
    next_step_ns_ = kSimNeverNs;
  } else {
    schedule_next_step();
  }
}

void SimMarket::schedule_next_step() noexcept {
  const std::int64_t gap = std::llround(rng_.exponential() * mean_gap_ns_);
  next_step_ns_ = next_step_ns_ > kSimNeverNs - 1 - gap ? kSimNeverNs - 1 : next_step_ns_ + gap;
}

std::int64_t SimMarket::random_lots(double mean_lots) noexcept {
  const std::int64_t lots = std::llround(rng_.exponential() * mean_lots);
  return lots < 1 ? 1 : lots;
}

Event SimMarket::next() noexcept {
  if (has_pending_trade_) {
    has_pending_trade_ = false;
    ++events_emitted_;
    return pending_trade_;
  }
  const TimeNs now = next_step_ns_;
  InstrumentState& st = states_[rng_.below(states_.size())];

  // GBM step over the time since this instrument last moved, plus a zero-mean jump in log-price.
  const double dt_years = static_cast<double>(now - st.last_step_ns) / kNsPerYear;
  st.last_step_ns = now;
  const double sigma = config_.annual_volatility;
  double log_return = -0.5 * sigma * sigma * dt_years + sigma * std::sqrt(dt_years) * rng_.normal();
  if (rng_.bernoulli(config_.jump_probability)) log_return += config_.jump_stdev * rng_.normal();
  double mid = st.mid * std::exp(log_return);
  if (mid < st.min_mid) mid = st.min_mid;
  if (mid > st.max_mid) mid = st.max_mid;
  st.mid = mid;

  const std::int64_t spread_span = st.max_spread_ticks - st.min_spread_ticks + 1;
  const std::int64_t spread_ticks =
      st.min_spread_ticks +
      static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(spread_span)));
  std::int64_t bid_ticks = std::llround(mid / st.tick_units) - spread_ticks / 2;
  if (bid_ticks < 1) bid_ticks = 1;
  const std::int64_t ask_ticks = bid_ticks + spread_ticks;

  Event quote = make_event(EventType::kQuote, Source::kSimMarket, st.instrument, now);
  quote.payload.quote.bid_price = Price::from_raw(bid_ticks * st.tick_raw);
  quote.payload.quote.bid_qty = Qty::from_raw(random_lots(st.mean_quote_lots) * st.lot_raw);
  quote.payload.quote.ask_price = Price::from_raw(ask_ticks * st.tick_raw);
  quote.payload.quote.ask_qty = Qty::from_raw(random_lots(st.mean_quote_lots) * st.lot_raw);

  if (rng_.bernoulli(config_.trade_probability)) {
    const Side aggressor = rng_.bernoulli(0.5) ? Side::kBuy : Side::kSell;
    pending_trade_ = make_event(EventType::kTrade, Source::kSimMarket, st.instrument, now);
    pending_trade_.payload.trade.price =
        aggressor == Side::kBuy ? quote.payload.quote.ask_price : quote.payload.quote.bid_price;
    pending_trade_.payload.trade.qty = Qty::from_raw(random_lots(st.mean_trade_lots) * st.lot_raw);
    pending_trade_.payload.trade.trade_id = st.next_trade_id++;
    pending_trade_.payload.trade.aggressor = aggressor;
    has_pending_trade_ = true;
  }
  schedule_next_step();
  ++events_emitted_;
  return quote;
}

void SimMarket::hash_state(StateHasher& hasher) const noexcept {
  rng_.hash_state(hasher);
  hasher.add_i64(next_step_ns_);
  hasher.add_u64(events_emitted_);
  hasher.add_bool(has_pending_trade_);
  if (has_pending_trade_) {
    hasher.add_u16(pending_trade_.header.instrument);
    hasher.add(pending_trade_.payload.trade.price);
    hasher.add(pending_trade_.payload.trade.qty);
    hasher.add_u64(pending_trade_.payload.trade.trade_id);
    hasher.add_byte(static_cast<std::uint8_t>(pending_trade_.payload.trade.aggressor));
  }
  for (const InstrumentState& st : states_) {
    hasher.add_u16(st.instrument);
    hasher.add_double(st.mid);
    hasher.add_i64(st.last_step_ns);
    hasher.add_u64(st.next_trade_id);
  }
}

}  // namespace sequent
