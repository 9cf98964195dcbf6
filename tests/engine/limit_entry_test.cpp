// Limit-order entries of the strategy stage (ExecutionStyle): a market signal priced off the
// reference with an offset rounded to the tick away from the market, limit-maker orders, the
// order TTL's one cancel, and the market default left as it was.
#include <gtest/gtest.h>

#include <vector>

#include "engine/core.hpp"
#include "engine/strategy_stage.hpp"

namespace sequent {
namespace {

constexpr TimeNs kSec = 1'000'000'000;
constexpr TimeNs kMs = 1'000'000;

Price px(std::string_view s) { Price p; EXPECT_EQ(parse_decimal(s, p), ParseStatus::kOk) << s; return p; }
Qty q(std::string_view s) { Qty v; EXPECT_EQ(parse_decimal(s, v), ParseStatus::kOk) << s; return v; }

// passive_limit_price ------------------------------------------------------------------------------

TEST(PassiveLimitPrice, BuyRoundsDownAndSellRoundsUpToTheTick) {
  const Price tick = px("0.01");
  // 95.37 × 0.9975 = 95.131575 → 95.13; 80.11 × 1.0025 = 80.310275 → 80.32
  EXPECT_EQ(passive_limit_price(px("95.37"), Side::kBuy, 25, tick), px("95.13"));
  EXPECT_EQ(passive_limit_price(px("80.11"), Side::kSell, 25, tick), px("80.32"));
  // Exactly on a tick stays there on both sides: 100 × 0.99 = 99, 100 × 1.01 = 101.
  EXPECT_EQ(passive_limit_price(px("100"), Side::kBuy, 100, tick), px("99"));
  EXPECT_EQ(passive_limit_price(px("100"), Side::kSell, 100, tick), px("101"));
  // A coarse tick: 1234.5 × 0.999 = 1233.2655 → 1233 (tick 0.5 → 1233.0); sell 1235.7345 → 1236.
  EXPECT_EQ(passive_limit_price(px("1234.5"), Side::kBuy, 10, px("0.5")), px("1233"));
  EXPECT_EQ(passive_limit_price(px("1234.5"), Side::kSell, 10, px("0.5")), px("1236"));
}

TEST(PassiveLimitPrice, ZeroOffsetIsTheReferenceOnTheTickOrTheTickOutsideIt) {
  const Price tick = px("0.01");
  EXPECT_EQ(passive_limit_price(px("95.37"), Side::kBuy, 0, tick), px("95.37"));
  EXPECT_EQ(passive_limit_price(px("95.37"), Side::kSell, 0, tick), px("95.37"));
  // A reference between ticks (a bar file's close): buy below it, sell above it.
  EXPECT_EQ(passive_limit_price(px("100.005"), Side::kBuy, 0, tick), px("100"));
  EXPECT_EQ(passive_limit_price(px("100.005"), Side::kSell, 0, tick), px("100.01"));
}

TEST(PassiveLimitPrice, LargePricesDoNotOverflow) {
  // 9e10 units (near Price's range) × 19'999 needs the 128-bit intermediate.
  const Price big = Price::from_units(90'000'000'000);
  EXPECT_EQ(passive_limit_price(big, Side::kBuy, 9'999, Price::from_raw(1)), Price::from_units(9'000'000));
  EXPECT_EQ(passive_limit_price(big, Side::kSell, 0, Price::from_raw(1)), big);
}

// The stage ------------------------------------------------------------------------------------------

struct Fx {
  InstrumentRegistry registry;
  Seq seq = 1;
  Fx() {
    (void)registry.add("BTCUSDT", "test", px("0.01"), q("0.00001"), Money{});
    (void)registry.add("ETHUSDT", "test", px("0.01"), q("0.0001"), Money{});
  }
  // sma_cross(1, 2) on BTCUSDT, 1 s bars; bar inputs "100", "90", "X" signal a buy on the third.
  static StrategyStageConfig config(ExecutionStyle execution) {
    StrategyStageConfig c;
    c.name = "sma_cross";
    c.params = {{"fast", "1"}, {"slow", "2"}};
    c.bar_interval_ns = kSec;
    c.book_levels_per_side = 0;
    c.execution = execution;
    c.slots = {{0, q("0.01")}};
    return c;
  }
  Event bar(std::string_view close, TimeNs t, InstrumentId id = 0) {
    Event e = make_event(EventType::kBar, Source::kFile, id, t);
    e.header.seq = seq++;
    e.header.recv_ns = t + 7;
    e.payload.bar.open = e.payload.bar.high = e.payload.bar.low = e.payload.bar.close = px(close);
    e.payload.bar.volume = q("1");
    e.payload.bar.interval_ns = kSec;
    return e;
  }
  Event trade(std::string_view price, TimeNs t, InstrumentId id = 0) {
    Event e = make_event(EventType::kTrade, Source::kSimMarket, id, t);
    e.header.seq = seq++;
    e.payload.trade.price = px(price);
    e.payload.trade.qty = q("1");
    return e;
  }
  Event timer(TimeNs t) {
    Event e = make_event(EventType::kTimer, Source::kTimer, kNoInstrument, t);
    e.header.seq = seq++;
    return e;
  }
  Event report(const Event& order, ExecType type, TimeNs t, std::uint64_t trade_id = 0) {
    Event e = make_event(EventType::kExecReport, Source::kSimVenue, order.instrument(), t);
    e.header.seq = seq++;
    e.payload.exec.client_order_id = order.payload.order.client_order_id;
    e.payload.exec.exec_type = type;
    e.payload.exec.side = order.payload.order.side;
    if (type == ExecType::kFill) {
      e.payload.exec.last_price = order.payload.order.price;
      e.payload.exec.last_qty = order.payload.order.qty;
      e.payload.exec.cum_qty = order.payload.order.qty;
      e.payload.exec.trade_id = trade_id;
    }
    return e;
  }
};

// Every derived event the stage emits for one input (not the input itself).
std::vector<Event> step(StrategyStage& stage, const Event& in) {
  std::vector<Event> out;
  stage.on_event(in, [&](const Event& e) {
    if (e.derived()) out.push_back(e);
  });
  return out;
}

std::unique_ptr<StrategyStage> make(Fx& f, ExecutionStyle x) {
  auto stage = StrategyStage::create(f.registry, Fx::config(x));
  EXPECT_TRUE(stage.ok()) << stage.error().message;
  return std::move(*stage);
}

ExecutionStyle limit_style(std::int32_t bps, std::int64_t ttl_ms = 0, OrderType type = OrderType::kLimit) {
  ExecutionStyle x;
  x.order_type = type;
  x.limit_offset_bps = bps;
  x.order_ttl_ms = ttl_ms;
  return x;
}

// Drives bars 100, 90, `close` at t = 0, 1, 2 s and returns the buy intent of the third bar.
Event buy_entry(Fx& f, StrategyStage& stage, std::string_view close) {
  EXPECT_TRUE(step(stage, f.bar("100", 0)).empty());
  EXPECT_TRUE(step(stage, f.bar("90", kSec)).empty());
  const std::vector<Event> out = step(stage, f.bar(close, 2 * kSec));
  EXPECT_EQ(out.size(), 1u);
  return out.empty() ? make_event(EventType::kNone, Source::kNone, 0, 0) : out.front();
}

TEST(LimitEntries, MarketSignalsBecomeGtcLimitsOffTheBarCloseOnBothSides) {
  Fx f;
  auto stage = make(f, limit_style(25));
  const Event buy = buy_entry(f, *stage, "95.37");
  ASSERT_EQ(buy.type(), EventType::kOrderIntent);
  EXPECT_EQ(buy.payload.order.side, Side::kBuy);
  EXPECT_EQ(buy.payload.order.order_type, OrderType::kLimit);
  EXPECT_EQ(buy.payload.order.tif, TimeInForce::kGtc);
  EXPECT_EQ(buy.payload.order.price, px("95.13")) << "95.37 × 0.9975 rounded down to the tick";
  EXPECT_EQ(buy.payload.order.qty, q("0.01"));
  EXPECT_EQ(buy.payload.order.strategy_id, 1u);
  EXPECT_EQ(buy.header.source, Source::kStrategy);
  // Filled: the next bearish cross sells the position, priced above the close.
  (void)step(*stage, f.report(buy, ExecType::kFill, 2 * kSec, 1));
  EXPECT_EQ(stage->strategy_position(1, 0), q("0.01"));
  EXPECT_TRUE(step(*stage, f.bar("120", 3 * kSec)).empty());
  const std::vector<Event> sell = step(*stage, f.bar("80.11", 4 * kSec));
  ASSERT_EQ(sell.size(), 1u);
  EXPECT_EQ(sell[0].payload.order.side, Side::kSell);
  EXPECT_EQ(sell[0].payload.order.order_type, OrderType::kLimit);
  EXPECT_EQ(sell[0].payload.order.tif, TimeInForce::kGtc);
  EXPECT_EQ(sell[0].payload.order.price, px("80.32")) << "80.11 × 1.0025 rounded up to the tick";
  EXPECT_EQ(stage->limit_signals_dropped(), 0u);
}

TEST(LimitEntries, TradeInputsPriceOffTheLastTrade) {
  Fx f;
  auto stage = make(f, limit_style(0));
  // Trades build 1 s bars (closes 100, 90, 95.5); the trade that opens the next bar closes the
  // third and prices the entry: the last trade seen, 96.25, not the bar's close.
  TimeNs t = 0;
  for (const char* p : {"100", "90", "95.5"}) {
    EXPECT_TRUE(step(*stage, f.trade(p, t)).empty());
    t += kSec;
  }
  const std::vector<Event> out = step(*stage, f.trade("96.25", t));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload.order.price, px("96.25"));
  EXPECT_EQ(out[0].payload.order.order_type, OrderType::kLimit);
}

TEST(LimitEntries, LimitMakerEntriesAreGtcLimitMakerOrders) {
  Fx f;
  auto stage = make(f, limit_style(10, 0, OrderType::kLimitMaker));
  const Event buy = buy_entry(f, *stage, "95");
  EXPECT_EQ(buy.payload.order.order_type, OrderType::kLimitMaker);
  EXPECT_EQ(buy.payload.order.tif, TimeInForce::kGtc);
  EXPECT_EQ(buy.payload.order.price, px("94.9")) << "95 × 0.999 = 94.905 → 94.90";
}

// A market-default session of random-walk trades with every intent filled at once; written
// against the API before execution styles existed, so it runs unchanged on older versions.
std::uint64_t market_golden_hash(int which) {
  using namespace sequent;
  InstrumentRegistry reg;
  Price tick; (void)parse_decimal("0.01", tick);
  Qty lot; (void)parse_decimal("0.00001", lot);
  (void)reg.add("BTCUSDT", "test", tick, lot, Money{});
  (void)reg.add("ETHUSDT", "test", tick, lot, Money{});
  StrategyStageConfig c;
  c.bar_interval_ns = 1'000'000'000;
  c.book_levels_per_side = 0;
  if (which == 0) {
    c.name = "sma_cross";
    c.params = {{"fast", "1"}, {"slow", "2"}};
  } else {
    c.name = "macd";
    c.macd = MacdParams{3, 6, 3};
  }
  c.slots = {{0, Qty::from_raw(1'000'000)}, {1, Qty::from_raw(10'000'000)}};
  auto stage = StrategyStage::create(reg, c);
  if (!stage.ok()) return 0;
  Seq seq = 1;
  std::uint64_t x = 12345, trade_id = 1;
  std::int64_t price[2] = {100'000'00000000, 3'500'00000000};
  TimeNs t = 1'700'000'000'000'000'000;
  std::vector<Event> intents;
  for (int i = 0; i < 3000; ++i) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    const auto inst = static_cast<InstrumentId>(x % 2);
    t += static_cast<TimeNs>(1 + x % 500) * 1'000'000;
    price[inst] += (static_cast<std::int64_t>((x >> 8) % 3) - 1) * 7'00000000;
    Event e = make_event(EventType::kTrade, Source::kSimMarket, inst, t);
    e.header.seq = seq++;
    e.payload.trade.price = Price::from_raw(price[inst]);
    e.payload.trade.qty = Qty::from_raw(1'000'000);
    intents.clear();
    (*stage)->on_event(e, [&](const Event& o) { if (o.type() == EventType::kOrderIntent) intents.push_back(o); });
    for (const Event& o : intents) {
      Event r = make_event(EventType::kExecReport, Source::kSimVenue, o.instrument(), t);
      r.header.seq = seq++;
      r.payload.exec.client_order_id = o.payload.order.client_order_id;
      r.payload.exec.exec_type = ExecType::kFill;
      r.payload.exec.side = o.payload.order.side;
      r.payload.exec.last_price = Price::from_raw(price[o.instrument()]);
      r.payload.exec.last_qty = o.payload.order.qty;
      r.payload.exec.cum_qty = o.payload.order.qty;
      r.payload.exec.trade_id = trade_id++;
      (*stage)->on_event(r, [](const Event&) {});
    }
  }
  return trade_id > 3 ? (*stage)->state_hash() : 0;  // 0: the scenario did not trade
}

TEST(LimitEntries, MarketDefaultIsUnchanged) {
  Fx f;
  auto stage = make(f, ExecutionStyle{});
  const Event buy = buy_entry(f, *stage, "95.37");
  EXPECT_EQ(buy.payload.order.order_type, OrderType::kMarket);
  EXPECT_EQ(buy.payload.order.tif, TimeInForce::kIoc);
  EXPECT_EQ(buy.payload.order.price, Price{});
  // The state hashes of the version before limit entries (commit 61cb830) for the same
  // session: market slots archive no execution state, so journals recorded before still verify.
  EXPECT_EQ(market_golden_hash(0), 0x42575a3a2713ed8bULL) << "sma_cross";
  EXPECT_EQ(market_golden_hash(1), 0x0aa1fa2c68544971ULL) << "macd";
}

TEST(LimitEntries, BuyPricesThatRoundToNothingAreDroppedAndCounted) {
  Fx f;
  auto stage = make(f, limit_style(5000));
  EXPECT_TRUE(step(*stage, f.bar("0.03", 0)).empty());
  EXPECT_TRUE(step(*stage, f.bar("0.01", kSec)).empty());
  // The buy signal of the third bar: 0.019 × 0.5 = 0.0095 rounds down to 0: dropped.
  EXPECT_TRUE(step(*stage, f.bar("0.019", 2 * kSec)).empty());
  EXPECT_EQ(stage->limit_signals_dropped(), 1u);
  EXPECT_EQ(stage->intents(), 0u);
}

// Order TTL ---------------------------------------------------------------------------------------------

std::size_t count_cancels(const std::vector<Event>& out) {
  std::size_t n = 0;
  for (const Event& e : out) n += e.type() == EventType::kOrderCancel ? 1 : 0;
  return n;
}

TEST(OrderTtl, OneCancelAtTheFirstInputPastTheTtlAndNoSecond) {
  Fx f;
  auto stage = make(f, limit_style(25, 1500));
  const Event buy = buy_entry(f, *stage, "95.37");  // placed at event_ns 2 s: expires at 3.5 s
  (void)step(*stage, f.report(buy, ExecType::kNew, 2 * kSec));
  // Before the TTL: nothing. Another instrument's trade past the TTL: not this slot's input.
  EXPECT_EQ(count_cancels(step(*stage, f.trade("95", 3 * kSec))), 0u);
  EXPECT_EQ(count_cancels(step(*stage, f.timer(2 * kSec + 1499 * kMs))), 0u);
  EXPECT_EQ(count_cancels(step(*stage, f.trade("3000", 9 * kSec, 1))), 0u) << "ETHUSDT: not the slot's instrument";
  // Exactly at placement + ttl: one cancel for the working order.
  const Event timer = f.timer(2 * kSec + 1500 * kMs);
  const std::vector<Event> out = step(*stage, timer);
  ASSERT_EQ(count_cancels(out), 1u);
  const Event& c = out.front();
  EXPECT_EQ(c.type(), EventType::kOrderCancel);
  EXPECT_EQ(c.payload.order.client_order_id, buy.payload.order.client_order_id);
  EXPECT_EQ(c.instrument(), 0u);
  EXPECT_EQ(c.seq(), timer.seq()) << "a derived event carries its origin's seq";
  EXPECT_EQ(c.header.recv_ns, timer.header.recv_ns);
  EXPECT_EQ(c.header.flags, kFlagDerived);
  EXPECT_EQ(c.header.source, Source::kStrategy);
  EXPECT_EQ(c.payload.order.strategy_id, 1u);
  EXPECT_EQ(c.payload.order.side, Side::kBuy);
  EXPECT_EQ(c.payload.order.price, buy.payload.order.price);
  EXPECT_EQ(c.payload.order.qty, buy.payload.order.qty);
  EXPECT_EQ(stage->ttl_cancels(), 1u);
  // The order is still working until the venue says so: no second cancel meanwhile.
  EXPECT_EQ(count_cancels(step(*stage, f.trade("95", 4 * kSec))), 0u);
  EXPECT_EQ(count_cancels(step(*stage, f.bar("96", 5 * kSec))), 0u);
  EXPECT_EQ(count_cancels(step(*stage, f.timer(60 * kSec))), 0u);
  EXPECT_EQ(stage->ttl_cancels(), 1u);
  // Canceled: the strategy may enter again, and the new order's TTL starts at its own placement.
  (void)step(*stage, f.report(buy, ExecType::kCanceled, 60 * kSec));
  Event again = make_event(EventType::kNone, Source::kNone, 0, 0);
  TimeNs t = 61 * kSec;
  for (const char* close : {"200", "150", "160", "100", "170"}) {
    const std::vector<Event> next = step(*stage, f.bar(close, t));
    EXPECT_EQ(count_cancels(next), 0u);
    if (!next.empty()) {
      again = next.front();
      break;
    }
    t += kSec;
  }
  ASSERT_EQ(again.type(), EventType::kOrderIntent) << "the strategy enters again once the order is gone";
  EXPECT_EQ(count_cancels(step(*stage, f.timer(t + 1499 * kMs))), 0u);
  EXPECT_EQ(count_cancels(step(*stage, f.timer(t + 1500 * kMs))), 1u);
}

TEST(OrderTtl, TheCancelComesBeforeTheInputsOwnSignals) {
  // A bar input past the TTL: the cancel is emitted for the old order first; the slot's order is
  // still working, so the strategy (long-only, one order at a time) signals nothing.
  Fx f;
  auto stage = make(f, limit_style(25, 1000));
  const Event buy = buy_entry(f, *stage, "95.37");
  const std::vector<Event> out = step(*stage, f.bar("97", 3 * kSec));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type(), EventType::kOrderCancel);
  EXPECT_EQ(out[0].payload.order.client_order_id, buy.payload.order.client_order_id);
}

TEST(OrderTtl, NoCancelAfterTheOrderFilledOrWasCancelledOrDenied) {
  for (const ExecType end : {ExecType::kFill, ExecType::kCanceled, ExecType::kRejected, ExecType::kExpired}) {
    Fx f;
    auto stage = make(f, limit_style(25, 1000));
    const Event buy = buy_entry(f, *stage, "95.37");
    (void)step(*stage, f.report(buy, ExecType::kNew, 2 * kSec));
    (void)step(*stage, f.report(buy, end, 2 * kSec + 10 * kMs, 1));
    EXPECT_EQ(count_cancels(step(*stage, f.timer(10 * kSec))), 0u) << to_string(end);
    EXPECT_EQ(count_cancels(step(*stage, f.trade("95", 11 * kSec))), 0u) << to_string(end);
    EXPECT_EQ(stage->ttl_cancels(), 0u);
  }
  // Denied by risk (fed back): never working, never cancelled.
  Fx f;
  auto stage = make(f, limit_style(25, 1000));
  const Event buy = buy_entry(f, *stage, "95.37");
  Event denied = buy;
  denied.header.type = EventType::kOrderDenied;
  denied.header.flags = 0;
  denied.header.seq = f.seq++;
  (void)step(*stage, denied);
  EXPECT_EQ(count_cancels(step(*stage, f.timer(10 * kSec))), 0u);
}

TEST(OrderTtl, APartlyFilledOrderIsStillCancelledAtItsTtl) {
  Fx f;
  auto stage = make(f, limit_style(25, 1000));
  const Event buy = buy_entry(f, *stage, "95.37");
  Event part = f.report(buy, ExecType::kPartialFill, 2 * kSec + 1, 1);
  part.payload.exec.last_price = buy.payload.order.price;
  part.payload.exec.last_qty = q("0.004");
  (void)step(*stage, part);
  EXPECT_EQ(stage->strategy_position(1, 0), q("0.004"));
  EXPECT_EQ(count_cancels(step(*stage, f.timer(3 * kSec))), 1u);
}

TEST(OrderTtl, ARefusedCancelIsRetriedOneTtlLaterNotAtOnce) {
  Fx f;
  auto stage = make(f, limit_style(25, 1000));
  const Event buy = buy_entry(f, *stage, "95.37");  // placed at 2 s
  EXPECT_EQ(count_cancels(step(*stage, f.timer(3 * kSec))), 1u);
  // The gateway refused it (backing off after a 429): the order still rests.
  Event refused = f.report(buy, ExecType::kCancelRejected, 3 * kSec + 100 * kMs);
  refused.payload.exec.reason = RejectReason::kVenueRateLimited;
  (void)step(*stage, refused);
  EXPECT_EQ(count_cancels(step(*stage, f.timer(3 * kSec + 200 * kMs))), 0u) << "no retry loop";
  EXPECT_EQ(count_cancels(step(*stage, f.timer(4 * kSec + 99 * kMs))), 0u);
  EXPECT_EQ(count_cancels(step(*stage, f.timer(4 * kSec + 100 * kMs))), 1u) << "one TTL after the refusal";
  EXPECT_EQ(count_cancels(step(*stage, f.timer(9 * kSec))), 0u);
  EXPECT_EQ(stage->ttl_cancels(), 2u);
}

TEST(OrderTtl, MarketOrdersAreNeverCancelledByTheTtl) {
  // order_ttl_ms with market entries: an IOC order does not rest, so its TTL does not run.
  Fx f;
  ExecutionStyle x;
  x.order_ttl_ms = 100;
  auto stage = make(f, x);
  const Event buy = buy_entry(f, *stage, "95.37");
  EXPECT_EQ(buy.payload.order.order_type, OrderType::kMarket);
  EXPECT_EQ(count_cancels(step(*stage, f.timer(10 * kSec))), 0u);
}

TEST(OrderTtl, SnapshotRestoresTheTtlClockAndTheSentFlag) {
  Fx f;
  auto stage = make(f, limit_style(25, 1000));
  (void)buy_entry(f, *stage, "95.37");
  StateArchive w = StateArchive::writer();
  stage->archive(w);
  auto restored = make(f, limit_style(25, 1000));
  StateArchive r = StateArchive::reader(w.bytes());
  restored->archive(r);
  ASSERT_TRUE(r.ok() && r.at_end());
  EXPECT_EQ(restored->state_hash(), stage->state_hash());
  const Event t = f.timer(3 * kSec);
  EXPECT_EQ(count_cancels(step(*restored, t)), 1u) << "the placement time came back with the snapshot";
  EXPECT_EQ(count_cancels(step(*stage, t)), 1u);
  EXPECT_EQ(restored->state_hash(), stage->state_hash());
  StateArchive w2 = StateArchive::writer();
  stage->archive(w2);
  auto again = make(f, limit_style(25, 1000));
  StateArchive r2 = StateArchive::reader(w2.bytes());
  again->archive(r2);
  EXPECT_EQ(count_cancels(step(*again, f.timer(5 * kSec))), 0u) << "the sent flag came back too";
}

// Through the whole core: risk passes the strategy's derived cancel on and the router sends it
// (the order goes to pending cancel); a kill switch afterwards sends no second cancel for it, and
// a TTL running out after a cancel_all sends none either.
struct Outputs final : OutputSink {
  std::vector<Event> events;
  void on_output(const Event& e) noexcept override { events.push_back(e); }
  std::size_t cancels() const { return count_cancels(events); }
};

TEST(OrderTtl, TheCancelTravelsThroughRiskAndTheRouterOnce) {
  for (const bool kill_first : {false, true}) {
    Fx f;
    CoreConfig config;
    config.strategy = Fx::config(limit_style(25, 1000));
    config.risk.default_limits.max_order_qty = q("1");
    config.risk.default_limits.max_order_notional = Money::from_units(1'000'000);
    auto core = Core::create(f.registry, config);
    ASSERT_TRUE(core.ok()) << core.error().message;
    Outputs out;
    TimeNs t = 0;
    for (const char* close : {"100", "90", "95.37"}) {
      (*core)->process(f.bar(close, t), out);
      t += kSec;
    }
    ASSERT_EQ(out.events.size(), 1u);
    const Event order = out.events.front();
    ASSERT_EQ(order.type(), EventType::kOrderNew);
    EXPECT_EQ(order.payload.order.order_type, OrderType::kLimit);
    (*core)->process(f.report(order, ExecType::kNew, 3 * kSec), out);
    Event admin = make_event(EventType::kAdmin, Source::kConsole, kNoInstrument, 3 * kSec);
    admin.header.seq = f.seq++;
    admin.payload.admin.user_id = 1;
    admin.payload.admin.command = AdminCommand::kCancelAll;
    if (kill_first) {
      (*core)->process(admin, out);
      ASSERT_EQ(out.cancels(), 1u) << "cancel_all cancels the resting order";
      EXPECT_EQ(out.events.back().header.source, Source::kRouter);
      (*core)->process(f.timer(10 * kSec), out);
      EXPECT_EQ(out.cancels(), 1u) << "the TTL finds a cancel on its way: the router sends nothing";
    } else {
      (*core)->process(f.timer(10 * kSec), out);
      ASSERT_EQ(out.cancels(), 1u);
      const Event& c = out.events.back();
      EXPECT_EQ(c.type(), EventType::kOrderCancel);
      EXPECT_EQ(c.header.source, Source::kStrategy);
      EXPECT_EQ(c.payload.order.client_order_id, order.payload.order.client_order_id);
      (*core)->process(admin, out);
      EXPECT_EQ(out.cancels(), 1u) << "cancel_all skips an order whose cancel is pending";
    }
    // The venue confirms: the order is gone everywhere, and nothing more is cancelled.
    (*core)->process(f.report(order, ExecType::kCanceled, 11 * kSec), out);
    (*core)->process(f.timer(20 * kSec), out);
    EXPECT_EQ(out.cancels(), 1u);
    EXPECT_EQ((*core)->router().orders().size(), 0u);
  }
}

TEST(ExecutionStyleConfig, RefusesOutOfRangeOrContradictoryStyles) {
  Fx f;
  auto refuse = [&](ExecutionStyle x, const char* what) {
    auto stage = StrategyStage::create(f.registry, Fx::config(x));
    ASSERT_FALSE(stage.ok()) << what;
    EXPECT_NE(stage.error().message.find(what), std::string::npos) << stage.error().message;
  };
  refuse(limit_style(-1), "limit_offset_bps");
  refuse(limit_style(10'000), "limit_offset_bps");
  refuse(limit_style(0, -5), "order_ttl_ms");
  ExecutionStyle market_with_offset;
  market_with_offset.limit_offset_bps = 5;
  refuse(market_with_offset, "limit_offset_bps needs order_type");
  ExecutionStyle bad_type;
  bad_type.order_type = static_cast<OrderType>(9);
  refuse(bad_type, "order_type");
  // The multi-strategy form carries the same fields; instances() carries the single one's.
  StrategyStageConfig c = Fx::config(limit_style(7, 300, OrderType::kLimitMaker));
  ASSERT_EQ(c.instances().size(), 1u);
  EXPECT_EQ(c.instances().front().execution, limit_style(7, 300, OrderType::kLimitMaker));
}

}  // namespace
}  // namespace sequent
