#include "replay/backtest.hpp"

#include <cctype>
#include <chrono>
#include <cinttypes>
#include <sstream>

#include <xxhash.h>

#include "gateways/market_data_reader.hpp"

namespace sequent::replay {

namespace {

constexpr std::string_view kMetaHeader = "# backtest (written by sequent backtest)\n[backtest]\n";

std::string fill_text(FillMode m) { return m == FillMode::kClose ? "close" : "next_open"; }

}  // namespace

Result<FillMode> parse_fill_mode(const std::string& text) {
  if (text == "next_open") return FillMode::kNextOpen;
  if (text == "close") return FillMode::kClose;
  return Error{ErrorCode::kInvalidArgument, "--fill: expected next_open or close, was '" + text + "'"};
}

std::string symbol_from_path(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::size_t dot = base.find('.');
  const std::string stem = dot == std::string::npos ? base : base.substr(0, dot);
  std::size_t i = 0;
  while (i < stem.size()) {
    std::size_t j = i;
    while (j < stem.size() && stem[j] != '_' && stem[j] != '-') ++j;
    const std::string token = stem.substr(i, j - i);
    bool caps = token.size() >= 2, letter = false;
    for (const char c : token) {
      if (std::isupper(static_cast<unsigned char>(c)) != 0) letter = true;
      else if (std::isdigit(static_cast<unsigned char>(c)) == 0) caps = false;
    }
    if (caps && letter) return token;
    i = j + 1;
  }
  return stem.empty() ? "INSTRUMENT" : stem;
}

Result<BacktestSetup> make_backtest_setup(const BacktestOptions& options, const std::string& symbol) {
  BacktestSetup s;
  s.registry = std::make_unique<InstrumentRegistry>();
  auto id = s.registry->add(symbol, "backtest", Price::from_raw(1), Qty::from_raw(1), Money{});
  if (!id) return id.error();
  if (!options.qty.is_positive())
    return Error{ErrorCode::kInvalidArgument, "--qty: must be > 0, was " + to_string(options.qty)};
  if (!options.cash.is_positive())
    return Error{ErrorCode::kInvalidArgument, "--cash: must be > 0, was " + to_string(options.cash)};
  if (options.fee_bps < 0 || options.fee_bps > 10'000)
    return Error{ErrorCode::kInvalidArgument, "--fee-bps: expected 0..10000, was " + std::to_string(options.fee_bps)};
  if (options.slippage_bps < 0 || options.slippage_bps > 10'000)
    return Error{ErrorCode::kInvalidArgument, "--slippage-bps: expected 0..10000, was " + std::to_string(options.slippage_bps)};
  StrategyStageConfig& st = s.core.strategy;
  st.name = options.strategy;
  st.params = options.params;
  if (options.bar_interval_ns <= 0)
    return Error{ErrorCode::kInvalidArgument, "--bar-seconds: must be > 0"};
  st.bar_interval_ns = options.bar_interval_ns;  // trade files only: bar files arrive as whole bars
  st.checkpoint_every = 0;
  st.execution = options.execution;
  st.slots.push_back(StrategySlotConfig{*id, options.qty});
  // Risk: no per-order or position limits (the backtest measures the strategy, not the limits);
  // equity starts at the backtest's cash.
  s.core.risk.default_limits = InstrumentRiskLimits{};
  if (options.risk) {
    s.core.risk = *options.risk;
    s.core.risk.per_instrument.clear();  // the common limits apply to the one instrument
  }
  s.core.risk.initial_equity = options.cash;
  // Validate the strategy and its parameters now, with the registry's list in the message.
  if (auto strategy = make_strategy(st, st.slots.front()); !strategy) return strategy.error();
  s.venue.fee_bps = options.fee_bps;
  s.venue.slippage_bps = options.slippage_bps;
  s.venue.fill_mode = options.fill;
  return s;
}

std::string backtest_meta_config(const BacktestOptions& options, const std::string& symbol) {
  std::string params;
  for (const auto& [k, v] : options.params) params += (params.empty() ? "" : ",") + k + "=" + v;
  std::ostringstream o;
  o << kMetaHeader << "data = \"" << options.data_path << "\"\nsymbol = \"" << symbol << "\"\nstrategy = \"" << options.strategy
    << "\"\nparams = \"" << params << "\"\nqty = \"" << to_string(options.qty) << "\"\ncash = \"" << to_string(options.cash)
    << "\"\nfee_bps = " << options.fee_bps << "\nslippage_bps = " << options.slippage_bps << "\nfill = \""
    << fill_text(options.fill) << "\"\nbar_interval_ns = " << options.bar_interval_ns << "\n";
  if (options.execution.active())  // absent for market entries: such journals' meta reads as before
    o << "order_type = " << static_cast<int>(options.execution.order_type) << "\nlimit_offset_bps = "
      << options.execution.limit_offset_bps << "\norder_ttl_ms = " << options.execution.order_ttl_ms << "\n";
  if (options.risk) {
    const RiskConfig& r = *options.risk;
    const InstrumentRiskLimits& l = r.default_limits;
    o << "risk.max_order_qty = " << l.max_order_qty.raw() << "\nrisk.max_order_notional = " << l.max_order_notional.raw()
      << "\nrisk.max_position_qty = " << l.max_position_qty.raw() << "\nrisk.max_position_notional = " << l.max_position_notional.raw()
      << "\nrisk.price_band_bps = " << l.price_band_bps << "\nrisk.allowed = " << (l.allowed ? 1 : 0)
      << "\nrisk.max_gross_exposure_bps = " << r.max_gross_exposure_bps << "\nrisk.max_open_orders = " << r.max_open_orders
      << "\nrisk.max_orders_per_second = " << r.max_orders_per_second << "\nrisk.max_orders_per_day = " << r.max_orders_per_day
      << "\nrisk.day_start_offset_ns = " << r.day_start_offset_ns << "\nrisk.daily_loss_limit = " << r.daily_loss_limit.raw()
      << "\nrisk.max_drawdown_bps = " << r.max_drawdown_bps << "\n";
  }
  return o.str();
}

bool is_backtest_meta(const journal::SessionMeta& meta) { return meta.config.rfind(kMetaHeader, 0) == 0; }

Result<BacktestSetup> backtest_setup_from_meta(const journal::SessionMeta& meta) {
  if (!is_backtest_meta(meta)) return Error{ErrorCode::kInvalidArgument, "journal meta: not a backtest session"};
  BacktestOptions o;
  std::string symbol;
  std::istringstream in(meta.config.substr(kMetaHeader.size()));
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t eq = line.find(" = ");
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    std::string value = line.substr(eq + 3);
    if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
    auto bad = [&]() { return Error{ErrorCode::kCorrupt, "journal meta [backtest]: bad " + key + " '" + value + "'"}; };
    if (key == "data") o.data_path = value;
    else if (key == "symbol") symbol = value;
    else if (key == "strategy") o.strategy = value;
    else if (key == "params") {
      std::size_t i = 0;
      while (i < value.size()) {
        std::size_t j = value.find(',', i);
        if (j == std::string::npos) j = value.size();
        const std::string kv = value.substr(i, j - i);
        const std::size_t e = kv.find('=');
        if (e == std::string::npos) return bad();
        o.params.emplace_back(kv.substr(0, e), kv.substr(e + 1));
        i = j + 1;
      }
    } else if (key == "qty") {
      if (parse_decimal(value, o.qty) != ParseStatus::kOk) return bad();
    } else if (key == "cash") {
      if (parse_decimal(value, o.cash) != ParseStatus::kOk) return bad();
    } else if (key == "fee_bps") o.fee_bps = std::strtoll(value.c_str(), nullptr, 10);
    else if (key == "slippage_bps") o.slippage_bps = std::strtoll(value.c_str(), nullptr, 10);
    else if (key == "bar_interval_ns") o.bar_interval_ns = std::strtoll(value.c_str(), nullptr, 10);
    else if (key == "order_type") o.execution.order_type = static_cast<OrderType>(std::strtol(value.c_str(), nullptr, 10));
    else if (key == "limit_offset_bps") o.execution.limit_offset_bps = static_cast<std::int32_t>(std::strtol(value.c_str(), nullptr, 10));
    else if (key == "order_ttl_ms") o.execution.order_ttl_ms = std::strtoll(value.c_str(), nullptr, 10);
    else if (key.rfind("risk.", 0) == 0) {
      if (!o.risk) o.risk = RiskConfig{};
      RiskConfig& r = *o.risk;
      const std::int64_t v = std::strtoll(value.c_str(), nullptr, 10);
      const std::string k = key.substr(5);
      if (k == "max_order_qty") r.default_limits.max_order_qty = Qty::from_raw(v);
      else if (k == "max_order_notional") r.default_limits.max_order_notional = Money::from_raw(v);
      else if (k == "max_position_qty") r.default_limits.max_position_qty = Qty::from_raw(v);
      else if (k == "max_position_notional") r.default_limits.max_position_notional = Money::from_raw(v);
      else if (k == "price_band_bps") r.default_limits.price_band_bps = v;
      else if (k == "allowed") r.default_limits.allowed = v != 0;
      else if (k == "max_gross_exposure_bps") r.max_gross_exposure_bps = v;
      else if (k == "max_open_orders") r.max_open_orders = static_cast<std::uint32_t>(v);
      else if (k == "max_orders_per_second") r.max_orders_per_second = static_cast<std::uint32_t>(v);
      else if (k == "max_orders_per_day") r.max_orders_per_day = static_cast<std::uint32_t>(v);
      else if (k == "day_start_offset_ns") r.day_start_offset_ns = v;
      else if (k == "daily_loss_limit") r.daily_loss_limit = Money::from_raw(v);
      else if (k == "max_drawdown_bps") r.max_drawdown_bps = v;
      else return bad();
    }
    else if (key == "fill") {
      auto m = parse_fill_mode(value);
      if (!m) return bad();
      o.fill = *m;
    }
  }
  if (symbol.empty()) return Error{ErrorCode::kCorrupt, "journal meta [backtest]: no symbol"};
  return make_backtest_setup(o, symbol);
}

// Router outputs: journaled, and kept for the driver to hand to the venue after process() returns
// (the venue's reports are inputs and must be sequenced, never fed back inside process()).
class BacktestSession::Sink final : public OutputSink {
 public:
  Sink(journal::JournalWriter* journal, std::vector<Event>& outputs) : journal_(journal), outputs_(&outputs) {}
  void on_output(const Event& e) noexcept override {
    if (journal_ != nullptr) {
      if (e.type() == EventType::kCheckpoint) (void)journal_->append_checkpoint(e.seq(), e.payload.checkpoint.state_hash);
      else (void)journal_->append_output(e);
    }
    // Orders and cancels go to the venue; denials and breaker trips (kAdmin) come back in as inputs.
    if (e.type() == EventType::kOrderNew || e.type() == EventType::kOrderCancel || e.type() == EventType::kOrderDenied ||
        e.type() == EventType::kAdmin)
      outputs_->push_back(e);
  }

 private:
  journal::JournalWriter* journal_;
  std::vector<Event>* outputs_;
};

Result<std::unique_ptr<BacktestSession>> BacktestSession::create(const BacktestOptions& options, const std::string& symbol,
                                                                 journal::JournalWriter* journal) {
  auto setup = make_backtest_setup(options, symbol);
  if (!setup) return setup.error();
  std::unique_ptr<BacktestSession> s(new BacktestSession(std::move(*setup), journal, options.cash));
  auto core = Core::create(*s->setup_.registry, s->setup_.core);
  if (!core) return core.error();
  s->core_ = std::move(*core);
  return s;
}

BacktestSession::BacktestSession(BacktestSetup setup, journal::JournalWriter* journal, Money cash)
    : setup_(std::move(setup)),
      venue_(*setup_.registry, setup_.venue),
      clock_(0, 0),
      sequencer_(clock_),
      journal_(journal),
      tracker_(cash) {
  reports_.reserve(64);
  outputs_.reserve(64);
  sink_ = std::make_unique<Sink>(journal_, outputs_);
}

BacktestSession::~BacktestSession() = default;

void BacktestSession::input(Event& e) noexcept {
  clock_.set(e.header.event_ns);
  sequencer_.stamp(e);
  if (journal_ != nullptr) (void)journal_->append(e);
  if (e.type() == EventType::kExecReport &&
      (e.payload.exec.exec_type == ExecType::kFill || e.payload.exec.exec_type == ExecType::kPartialFill)) {
    const ExecReportPayload& x = e.payload.exec;
    tracker_.on_fill(e.header.event_ns, x.side, x.last_price, x.last_qty, x.fee);
    ++fills_;
  }
  core_->process(e, *sink_);
}

// Hands the router's outputs to the venue and sequences what comes back, until nothing is left.
void BacktestSession::drain(const Event& bar) noexcept {
  while (!outputs_.empty()) {
    reports_.clear();
    for (const Event& out : outputs_) {
      if (out.type() == EventType::kOrderNew) {
        ++orders_;
        if (setup_.venue.fill_mode == FillMode::kClose) venue_.fill_at_close(out, bar, reports_);
        else venue_.submit(out);
      } else if (out.type() == EventType::kOrderCancel) {
        venue_.cancel(out, reports_);
      } else {
        // A denial or a breaker trip goes back in as an input, as in the live engine: the strategy
        // forgets a denied order, and the journal records the trip with its cause.
        Event denied = out;
        denied.header.flags = 0;
        denied.header.source = Source::kInternal;
        denied.header.seq = 0;
        reports_.push_back(denied);
      }
    }
    outputs_.clear();
    for (Event& r : reports_) input(r);
  }
}

// The venue sees a bar (or a trade as a one-price bar) first: its fills at this bar are inputs
// sequenced before the bar itself.
void BacktestSession::venue_sees(const Event& bar) noexcept {
  reports_.clear();
  venue_.on_bar(bar, reports_);
  // Reports may be appended to while iterating in drain(); copy them out first by index.
  for (std::size_t i = 0; i < reports_.size(); ++i) {
    Event r = reports_[i];
    input(r);
  }
}

// One equity sample (a bar's close): performance tracker, HTML series, equity CSV.
void BacktestSession::close_sample(TimeNs t, Price close) noexcept {
  tracker_.on_bar_close(t, close);
  if (sampler_ != nullptr) sampler_->add(t, close.to_double(), tracker_.equity().to_double());
  if (equity_ != nullptr) {
    const std::string c = to_string(close), pos = to_string(tracker_.position()), cash = to_string(tracker_.cash()),
                      eq = to_string(tracker_.equity());
    std::fprintf(equity_, "%s,%s,%s,%s,%s\n", iso8601_utc(t).c_str(), c.c_str(), pos.c_str(), cash.c_str(), eq.c_str());
  }
}

void BacktestSession::on_bar(const Event& bar_in) noexcept {
  venue_sees(bar_in);
  Event bar = bar_in;
  input(bar);
  drain(bar);
  close_sample(bar.header.event_ns, bar.payload.bar.close);
}

void BacktestSession::on_trade(const Event& trade_in) noexcept {
  // Equity is sampled at the close of each bar interval, like a bar file's.
  const TimeNs interval = setup_.core.strategy.bar_interval_ns;
  TimeNs bucket = trade_in.header.event_ns - trade_in.header.event_ns % interval;
  if (trade_in.header.event_ns < 0 && trade_in.header.event_ns % interval != 0) bucket -= interval;
  if (sample_bucket_ != INT64_MIN && bucket > sample_bucket_) finish_trades();
  sample_bucket_ = bucket;
  // The venue sees the trade as a one-price bar: pending orders fill at this trade's price.
  Event as_bar = make_event(EventType::kBar, trade_in.header.source, trade_in.instrument(), trade_in.header.event_ns);
  const Price p = trade_in.payload.trade.price;
  as_bar.payload.bar.open = as_bar.payload.bar.high = as_bar.payload.bar.low = as_bar.payload.bar.close = p;
  as_bar.payload.bar.volume = trade_in.payload.trade.qty;
  venue_sees(as_bar);
  Event trade = trade_in;
  input(trade);
  drain(as_bar);
  last_trade_ = trade_in;
}

void BacktestSession::finish_trades() noexcept {
  if (sample_bucket_ == INT64_MIN) return;
  close_sample(sample_bucket_, last_trade_.payload.trade.price);
}

void BacktestSession::finish(TimeNs interval_ns, BacktestReport& report) {
  const std::uint64_t hash = core_->state_hash();
  if (journal_ != nullptr && sequencer_.next_seq() > 1) (void)journal_->append_checkpoint(sequencer_.next_seq() - 1, hash);
  tracker_.finish(interval_ns, report);
  report.state_hash = hash;
  report.orders = orders_;
  report.fills = fills_;
}

Result<BacktestResult> run_backtest(const BacktestOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const std::string symbol = options.symbol.empty() ? symbol_from_path(options.data_path) : options.symbol;
  // Validate the strategy before touching files, so a typo fails fast.
  if (auto setup = make_backtest_setup(options, symbol); !setup) return setup.error();
  auto reader = MarketDataReader::open(options.data_path, ReaderOptions{0, options.skip_bad_lines});
  if (!reader) return reader.error();
  const bool trades = (*reader)->stats().format == DataFormat::kTrades;

  // The first bar is read before the journal opens: its time is the session's start.
  Event bar;
  Result<bool> more = (*reader)->next(bar);
  if (!more) return more.error();
  std::unique_ptr<journal::JournalWriter> journal;
  if (!options.journal_dir.empty()) {
    journal::SessionMeta meta;
    meta.binary_version = "sequent 0.1.0";
    meta.session_start_ns = *more ? bar.header.event_ns : 0;
    auto setup = make_backtest_setup(options, symbol);
    meta.instruments = "0 " + symbol + " backtest " + to_string(setup->registry->at(0).tick_size) + " " +
                       to_string(setup->registry->at(0).lot_size) + " 0\n";
    meta.config = backtest_meta_config(options, symbol);
    meta.config_hash = XXH64(meta.config.data(), meta.config.size(), 0);
    journal::WriterOptions wo;
    wo.durability = journal::Durability::kNone;
    auto opened = journal::JournalWriter::open(options.journal_dir, meta, wo);
    if (!opened) return Error{opened.error().code, "journal " + options.journal_dir + ": " + opened.error().message};
    journal = std::move(*opened);
  }
  auto session = BacktestSession::create(options, symbol, journal.get());
  if (!session) return session.error();

  std::FILE* equity = nullptr;
  if (!options.equity_path.empty()) {
    equity = std::fopen(options.equity_path.c_str(), "w");
    if (equity == nullptr) return Error{ErrorCode::kIo, "--equity " + options.equity_path + ": cannot open for writing"};
    std::fputs("time,close,position,cash,equity\n", equity);
    (*session)->set_equity_file(equity);
  }

  SeriesSampler sampler;
  if (options.collect_series) (*session)->set_sampler(&sampler);
  while (*more) {
    if (trades) (*session)->on_trade(bar);
    else (*session)->on_bar(bar);
    more = (*reader)->next(bar);
    if (!more) {
      if (equity != nullptr) std::fclose(equity);
      if (journal) (void)journal->close();
      return more.error();
    }
  }
  BacktestResult result;
  if (options.collect_series) result.series = sampler.points();
  BacktestReport& r = result.report;
  const ReaderStats& st = (*reader)->stats();
  if (trades) (*session)->finish_trades();
  (*session)->finish(trades ? options.bar_interval_ns : st.interval_ns, r);
  if (equity != nullptr && std::fclose(equity) != 0)
    return Error{ErrorCode::kIo, "--equity " + options.equity_path + ": write failed"};
  if (journal) {
    if (Status s = journal->close(); !s.ok()) return Error{s.error().code, "journal " + options.journal_dir + ": " + s.error().message};
  }
  r.strategy = options.strategy;
  r.params = options.params;
  r.symbol = symbol;
  r.gaps = st.gaps;
  r.largest_gap_ns = st.largest_gap_ns;
  r.bad_lines_skipped = st.bad_lines;
  r.first_bad_line = st.first_bad_line;
  r.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace sequent::replay
