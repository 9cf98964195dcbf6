// `sequent live` wiring: simulated exchange → sequencer → pipeline → router → simulated
// exchange, with risk denials fed back through the many-producer input queue.
//
// Threads by topology:
//   inline    one engine thread: polls the exchange (one market event per poll, so the venue
//             answers an order before the next market event: the run is reproducible for a
//             seed), sequences, runs all stages. Plus the main thread (status, signals).
//   fused     exchange thread → SPSC ring → ingest/sequencer thread → ring → core thread.
//   threaded  exchange thread → ring → sequencer thread → strategy → risk → router threads.
// The main thread never touches core state while it runs: it reads single-writer counters and
// the t2o histogram, and reads the state hash only after every engine thread has been joined.
#include "tools/live_command.hpp"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <thread>

#include "engine/console_publisher.hpp"
#include "engine/latency_histogram.hpp"
#include "engine/pipeline.hpp"
#include "engine/sequencer.hpp"
#include "engine/spsc_ring.hpp"
#include "engine/state_hash.hpp"
#include "engine/thread_affinity.hpp"
#include "gateways/console/console_server.hpp"
#include "gateways/input_queue.hpp"
#include "gateways/binance_net/binance_gateway.hpp"
#include "gateways/sim_exchange.hpp"
#include "gateways/system_clock.hpp"
#include "journal/journal.hpp"
#include "replay/replay.hpp"
#include "tools/live_config.hpp"
#include "tools/live_metrics.hpp"
#include "tools/session_config.hpp"

#include <cerrno>
#include <filesystem>
#include <sys/stat.h>
#include <xxhash.h>

namespace sequent::tools {

namespace {

constexpr TimeNs kUnpaced = INT64_MAX;
// Start of the simulated clock in unpaced runs (--events): 2026-01-01T00:00:00Z.
constexpr TimeNs kFixedStartNs = 1'767'225'600'000'000'000;

// Where the router's orders go: the simulated exchange's inbox or a real venue gateway's order
// ring. Router thread only; never blocks (false = it cannot take the order now).
class OrderVenue {
 public:
  virtual bool submit(const Event& order) noexcept = 0;

 protected:
  ~OrderVenue() = default;
};

class SimOrderVenue final : public OrderVenue {
 public:
  explicit SimOrderVenue(SimExchange& x) : x_(x) {}
  bool submit(const Event& order) noexcept override { return x_.submit(order); }

 private:
  SimExchange& x_;
};

class GatewayOrderVenue final : public OrderVenue {
 public:
  explicit GatewayOrderVenue(binance_net::BinanceGateway& g) : g_(g) {}
  bool submit(const Event& order) noexcept override { return g_.submit(order); }

 private:
  binance_net::BinanceGateway& g_;
};

// Router-thread side of the session: orders to the simulated venue, denials back to the
// sequencer, tick-to-order latency from the input's stamp to the hand-off to the venue.
class LiveOutputSink final : public OutputSink {
 public:
  LiveOutputSink(OrderVenue& exchange, InputQueue& feedback, const Clock& clock, LatencyHistogram& t2o,
                 journal::JournalWriter* journal, bool gate_orders, std::int64_t stall_limit_ns, bool advisory)
      : exchange_(exchange), feedback_(feedback), clock_(clock), t2o_(t2o), journal_(journal),
        gate_orders_(gate_orders), stall_limit_ns_(stall_limit_ns), advisory_(advisory) {}

  // Main thread: a live session that keeps failing at the venue stops sending (advisory).
  void downgrade_to_advisory() noexcept { advisory_.store(true, std::memory_order_relaxed); }
  bool advisory() const noexcept { return advisory_.load(std::memory_order_relaxed); }

  void on_output(const Event& e) noexcept override {
    if (journal_ != nullptr) {
      // Router thread: the journal's only output producer (the main thread takes over after join).
      if (e.type() == EventType::kCheckpoint) {
        (void)journal_->append_checkpoint(e.seq(), e.payload.checkpoint.state_hash);
        return;
      }
      (void)journal_->append_output(e);
    }
    switch (e.type()) {
      case EventType::kOrderNew:
      case EventType::kOrderCancel:
        if (advisory_.load(std::memory_order_relaxed)) {
          // Advisory: the decision is journaled (above); nothing leaves. The strategy learns
          // through a denial so it keeps deciding.
          if (e.type() == EventType::kOrderNew) {
            Event denied = e;
            denied.header.type = EventType::kOrderDenied;
            denied.payload.order.reason = RejectReason::kAdvisoryMode;
            feed_back(denied);
          }
          return;
        }
        if (gate_orders_ && !wait_durable(e.seq())) {
          Event denied = e;
          denied.header.type = EventType::kOrderDenied;
          denied.payload.order.reason = RejectReason::kJournalNotDurable;
          feed_back(denied);
          return;
        }
        if (exchange_.submit(e)) {
          if (e.type() == EventType::kOrderNew) t2o_.record(clock_.now_ns() - e.header.recv_ns);
        } else {
          // The venue cannot take it now: answer with a denial input rather than drop it.
          Event denied = e;
          denied.header.type = EventType::kOrderDenied;
          denied.payload.order.reason = RejectReason::kVenueNoLiquidity;
          feed_back(denied);
        }
        return;
      case EventType::kOrderDenied:
      case EventType::kAdmin:  // a circuit breaker tripped: journal the trip as an input
        feed_back(e);
        return;
      default:
        return;
    }
  }

 private:
  // gate_orders: hold the order until its origin input is durable; give up (deny) if the writer
  // failed or made no progress for stall_limit.
  bool wait_durable(Seq origin) noexcept {
    if (journal_ == nullptr || journal_->durable_seq() >= origin) return true;
    WaitStrategy wait(WaitKind::kSpinYield);
    const TimeNs start = clock_.now_ns();
    while (journal_->durable_seq() < origin) {
      if (journal_->failed() || clock_.now_ns() - start > stall_limit_ns_) return false;
      wait.idle(0);
    }
    return true;
  }

  void feed_back(const Event& e) noexcept {
    Event input = e;
    input.header.flags = 0;
    input.header.source = Source::kInternal;
    input.header.seq = 0;
    try {
      (void)feedback_.push(input);
    } catch (...) {
      // Out of memory on a cold path: nothing sane left to do but stop.
      std::terminate();
    }
  }

  OrderVenue& exchange_;
  InputQueue& feedback_;
  const Clock& clock_;
  LatencyHistogram& t2o_;
  journal::JournalWriter* journal_;
  bool gate_orders_;
  std::int64_t stall_limit_ns_;
  std::atomic<bool> advisory_;
};

// Inline topology: the engine thread polls the exchange directly, one market event at a time.
class DirectExchangeSource final : public InputSource {
 public:
  DirectExchangeSource(SimExchange& exchange, const Clock& clock, bool paced)
      : exchange_(exchange), clock_(clock), paced_(paced) {}
  std::size_t poll(std::span<Event> out) noexcept override {
    return exchange_.poll(paced_ ? clock_.now_ns() : kUnpaced, out, 1);
  }

 private:
  SimExchange& exchange_;
  const Clock& clock_;
  bool paced_;
};

// Inputs queued before the session starts (reconciliation after --resume), taken first.
class StartupSource final : public InputSource {
 public:
  std::size_t poll(std::span<Event> out) noexcept override {
    std::size_t n = 0;
    while (n < out.size() && next_ < pending.size()) out[n++] = pending[next_++];
    return n;
  }
  std::vector<Event> pending;  // filled before the engine thread starts

 private:
  std::size_t next_ = 0;
};

// Fused/threaded: the sequencer drains what the exchange thread published.
class RingSource final : public InputSource {
 public:
  explicit RingSource(SpscRing<Event>& ring) : ring_(ring) {}
  std::size_t poll(std::span<Event> out) noexcept override { return ring_.pop_batch(out); }

 private:
  SpscRing<Event>& ring_;
};

std::string utc_now_iso() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string money_text(std::int64_t raw) {
  return to_string(Money::from_raw(raw));
}

std::string session_dir_name() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return std::string("var/sessions/") + buf;
}

std::string symbols_list(const InstrumentRegistry& registry) {
  std::string out;
  for (const Instrument& ins : registry.all()) out += (out.empty() ? "" : ",") + ins.symbol;
  return out;
}

bool file_exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

bool valid_host_port(const std::string& s) {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= s.size()) return false;
  for (std::size_t i = colon + 1; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  const long port = std::strtol(s.c_str() + colon + 1, nullptr, 10);
  return port >= 0 && port < 65536;  // 0: any free port (the bound one is printed)
}

console::Role console_role(Role r) {
  switch (r) {
    case Role::kViewer: return console::Role::kViewer;
    case Role::kTrader: return console::Role::kTrader;
    case Role::kManager: return console::Role::kManager;
    case Role::kAdmin: return console::Role::kAdmin;
  }
  return console::Role::kViewer;
}

// The venue gateway's health for /metrics: connections, failures, rate limits and its
// socket-to-sequencer latency (single-writer atomics, read cold on the console thread).
void append_gateway_metrics(std::string& out, const binance_net::BinanceGateway& gw) {
  const binance_net::GatewayCounters& c = gw.counters();
  auto count = [&](const char* name, const char* help, const std::atomic<std::uint64_t>& v) {
    append_metric(out, name, "counter", help, static_cast<double>(v.load(std::memory_order_relaxed)));
  };
  auto gauge = [&](const char* name, const char* help, double v) { append_metric(out, name, "gauge", help, v); };
  gauge("sequent_venue_market_connected", "1 while the venue's market-data stream is open.", gw.market_connected() ? 1 : 0);
  gauge("sequent_venue_user_stream_ready", "1 while the venue's user-data (execution report) stream is subscribed.",
        gw.user_stream_ready() ? 1 : 0);
  gauge("sequent_venue_books_synced", "1 while every instrument's order book is in sync with the venue.", gw.books_synced() ? 1 : 0);
  gauge("sequent_venue_banned", "1 after the venue answered HTTP 418: nothing more is sent.", gw.banned() ? 1 : 0);
  gauge("sequent_venue_consecutive_errors", "Venue errors and unknown outcomes since the last success.",
        static_cast<double>(gw.consecutive_errors()));
  gauge("sequent_venue_used_weight_1m", "Request weight used in the venue's current minute (last seen).",
        static_cast<double>(c.used_weight_1m.load(std::memory_order_relaxed)));
  count("sequent_venue_messages_total", "WebSocket messages received from the venue.", c.messages);
  count("sequent_venue_parse_errors_total", "Venue messages that failed to parse (quarantined).", c.parse_errors);
  count("sequent_venue_reconnects_total", "Venue connections re-opened after a loss.", c.reconnects);
  count("sequent_venue_resyncs_total", "Order book resyncs (gap or crossed book).", c.resyncs);
  count("sequent_venue_orders_sent_total", "Orders sent to the venue.", c.orders_sent);
  count("sequent_venue_orders_refused_total", "Orders refused by the gateway before leaving (not connected, rate limited, banned).",
        c.orders_refused);
  count("sequent_venue_rejects_total", "Orders and cancels the venue rejected.", c.venue_rejects);
  count("sequent_venue_unknown_outcomes_total", "Requests without a decisive answer (timeout, 5xx, connection lost).",
        c.unknown_outcomes);
  count("sequent_venue_http_429_total", "Rate-limit answers (429) from the venue.", c.http_429);
  count("sequent_venue_reconciliations_total", "Reconciliations fed in after the user-data stream came back.", c.reconciliations);
  count("sequent_venue_reconcile_failures_total", "Reconciliation fetches that failed (retried).", c.reconcile_failures);
  append_histogram(out, "sequent_venue_socket_to_ring_seconds", "From a venue message's socket read to its last event in the ring.",
                   "", gw.latency().snapshot(), true);
}

bool is_market_data(EventType t) {
  return t == EventType::kTrade || t == EventType::kQuote || t == EventType::kBar;
}

}  // namespace

int run_live(const LiveOptions& options) {
  // --resume: the session's configuration comes from its journal; state is rebuilt from it below.
  std::unique_ptr<journal::JournalReader> resume_reader;
  LiveConfig cfg = default_paper_config();
  if (options.resume) {
    if (options.journal_dir.empty()) {
      std::fprintf(stderr, "sequent live: --resume needs --journal DIR (the session to carry on)\n");
      return 2;
    }
    if (!options.config_path.empty()) {
      std::fprintf(stderr, "sequent live: --resume: the configuration comes from the journal; drop --config\n");
      return 2;
    }
    int code = 0;
    resume_reader = open_journal_or_report("live --resume", options.journal_dir, &code);
    if (!resume_reader) return code;
    auto stored = config_from_journal(*resume_reader, options.journal_dir);
    if (!stored) {
      std::fprintf(stderr, "sequent live: --resume: %s\n", stored.error().message.c_str());
      return 2;
    }
    cfg = std::move(*stored);
  }
  if (!options.config_path.empty()) {
    Status s = apply_config_file(options.config_path, cfg);
    if (!s.ok()) {
      std::fprintf(stderr, "sequent live: %s\n", s.error().message.c_str());
      return 2;
    }
  }
  if (cfg.mode == OperatingMode::kLive) {
    if (!options.confirm_live) {
      std::fprintf(stderr, "sequent live: %s: session.mode = \"live\" trades real money; add --confirm-live to start\n",
                   cfg.source.c_str());
      return 2;
    }
    if (cfg.venue.kind == "sim") {
      std::fprintf(stderr, "sequent live: %s: session.mode = \"live\" needs a real venue: set [venue] kind = \"binance\"\n",
                   cfg.source.c_str());
      return 2;
    }
  }
  if (cfg.venue.kind != "sim" && cfg.mode == OperatingMode::kPaper) {
    std::fprintf(stderr,
                 "sequent live: %s: paper trading uses the simulated venue; with venue.kind = \"%s\" use mode = \"live\" "
                 "(with --confirm-live) or \"advisory\" (market data and decisions, no orders)\n",
                 cfg.source.c_str(), cfg.venue.kind.c_str());
    return 2;
  }
  const bool real_venue = cfg.venue.kind == "binance";
  if (options.pipeline && !parse_pipeline_mode(*options.pipeline, cfg.pipeline.mode)) {
    std::fprintf(stderr, "sequent live: --pipeline: expected inline, fused or threaded, was '%s'\n", options.pipeline->c_str());
    return 2;
  }
  if (options.wait) {
    auto kind = parse_wait_kind(*options.wait);
    if (!kind) {
      std::fprintf(stderr, "sequent live: --wait: expected busy_spin, spin_yield or backoff, was '%s'\n", options.wait->c_str());
      return 2;
    }
    cfg.pipeline.wait = *kind;
  }
  if (options.seed) cfg.seed = *options.seed;
  if (options.rate) cfg.events_per_second = *options.rate;
  if (options.console && *options.console == "off") {
    cfg.console_settings.enabled = false;
  } else if (options.console) {
    cfg.console = *options.console;
  }
  if (cfg.console_settings.enabled && !valid_host_port(cfg.console)) {
    std::fprintf(stderr, "sequent live: --console: expected HOST:PORT or off, was '%s'\n", cfg.console.c_str());
    return 2;
  }

  // Journal: on by default; a directory that already holds a session is never appended to here.
  std::string journal_dir = !options.journal_dir.empty() ? options.journal_dir : cfg.journal_dir;
  const bool journal_on = !options.journal_dir.empty() || cfg.journal_enabled;
  if (journal_on && journal_dir.empty()) {
    // Default: var/sessions/<UTC timestamp>, with -2, -3... when sessions start within a second.
    const std::string base = session_dir_name();
    journal_dir = base;
    for (int n = 2; file_exists(journal_dir); ++n) journal_dir = base + "-" + std::to_string(n);
  }
  if (journal_on && !options.resume && file_exists(journal_dir + "/data.mdb")) {
    std::fprintf(stderr, "sequent live: --journal: %s already holds a session; use another directory (or --resume)\n",
                 journal_dir.c_str());
    return 2;
  }

  // Signals go to the main thread only: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto core = Core::create(*cfg.registry, cfg.core);
  if (!core) {
    std::fprintf(stderr, "sequent live: %s\n", core.error().message.c_str());
    return 2;
  }
  // Resume, step 1: rebuild the core from the journal (latest snapshot + tail).
  Seq resumed_seq = 0;
  Seq recorded_beyond = 0;  // highest seq with an output/checkpoint but no journaled input
  TimeNs resumed_event_ns = 0;
  if (resume_reader) {
    auto rebuilt = replay::replay_into(*resume_reader, **core, replay::ReplayOptions{});
    if (!rebuilt) {
      std::fprintf(stderr, "sequent live: --resume: %s\n", rebuilt.error().message.c_str());
      return exit_code_for(rebuilt.error().code);
    }
    resumed_seq = rebuilt->final_seq;
    resumed_event_ns = rebuilt->last_event_ns;
    // Outputs and checkpoints can be durable for inputs that were not (they travel on their own
    // ring): their seqs were used, so they are never given to a new input either.
    Status scan = resume_reader->for_each_output(resumed_seq + 1, journal::kLastSeq, [&](const Event& e, std::uint32_t) {
      if (e.seq() > recorded_beyond) recorded_beyond = e.seq();
      return true;
    });
    auto cps = resume_reader->checkpoints();
    if (!scan.ok() || !cps) {
      std::fprintf(stderr, "sequent live: --resume: %s\n", (!scan.ok() ? scan.error() : cps.error()).message.c_str());
      return 2;
    }
    for (const journal::Checkpoint& c : *cps)
      if (c.seq > recorded_beyond) recorded_beyond = c.seq;
    char h[17] = {};
    format_hash_hex(rebuilt->state_hash, h);
    std::fprintf(stderr, "sequent live: resumed %s: state rebuilt to seq %" PRIu64 " (state_hash=%s, %" PRIu64 " inputs replayed%s)\n",
                 journal_dir.c_str(), resumed_seq, h, rebuilt->inputs,
                 rebuilt->snapshot_seq ? (" after the snapshot at seq " + std::to_string(rebuilt->snapshot_seq)).c_str() : "");
    resume_reader.reset();  // LMDB: one environment handle per process; the writer opens it next
  }
  SystemClock clock;
  const bool paced = !options.events.has_value();
  const Seq first_seq = resumed_seq + 1;
  Seq stop_after = resumed_seq + options.events.value_or(0);  // + the reconciliation inputs, below
  TimeNs start_ns = paced ? clock.now_ns() : kFixedStartNs;
  if (!paced && resumed_event_ns >= start_ns) start_ns = resumed_event_ns + 1;
  SimExchangeConfig xcfg;
  // A resumed session's market continues with a fresh stream (the old one's future is unknown).
  xcfg.market = default_sim_market_config(*cfg.registry, cfg.seed + resumed_seq, start_ns);
  // Configured instruments: their own start price; sizes of about 1 000 and 20 000 quote units.
  for (const Instrument& ins : cfg.registry->all()) {
    if (ins.id >= cfg.sim_start_prices.size() || !cfg.sim_start_prices[ins.id].is_positive()) continue;
    const Price start = cfg.sim_start_prices[ins.id];
    SimInstrumentParams* params = nullptr;
    for (SimInstrumentParams& p : xcfg.market.instruments)
      if (p.instrument == ins.id) params = &p;
    if (params == nullptr) {
      xcfg.market.instruments.push_back(SimInstrumentParams{});
      params = &xcfg.market.instruments.back();
      params->instrument = ins.id;
      const std::int64_t trade = static_cast<std::int64_t>(div_round_half_even(
          static_cast<Int128>(1'000) * kFixedScale * kFixedScale, start.raw()));  // 1 000 quote units
      params->mean_trade_qty = Qty::from_raw(trade > ins.lot_size.raw() ? trade : ins.lot_size.raw());
      params->mean_quote_qty = Qty::from_raw(params->mean_trade_qty.raw() * 20);
    }
    params->start_price = start;
  }
  xcfg.market.events_per_second = cfg.events_per_second;
  if (Status s = validate_sim_market_config(*cfg.registry, xcfg.market); !s.ok()) {
    std::fprintf(stderr, "sequent live: %s\n", s.error().message.c_str());
    return 2;
  }
  SimExchange exchange(*cfg.registry, xcfg);

  // The simulated venue keeps its own record beside the journal, so it outlives an engine crash.
  std::unique_ptr<VenueLog> venue_log;
  SimExchange::VenueView venue_view;
  if (journal_on && !real_venue) {
    const std::string venue_path = journal_dir + "/venue.log";
    if (options.resume) {
      auto contents = VenueLog::read(venue_path);
      if (!contents) {
        std::fprintf(stderr, "sequent live: --resume: %s\n", contents.error().message.c_str());
        return exit_code_for(contents.error().code);
      }
      auto view = exchange.restore(*contents);
      if (!view) {
        std::fprintf(stderr, "sequent live: --resume: %s\n", view.error().message.c_str());
        return 2;
      }
      venue_view = std::move(*view);
    } else {
      // The session directory (the journal would create it below; the venue log needs it first).
      std::error_code ec;
      std::filesystem::create_directories(journal_dir, ec);
      if (ec) {
        std::fprintf(stderr, "sequent live: --journal %s: %s\n", journal_dir.c_str(), ec.message().c_str());
        return 1;
      }
    }
    auto log = VenueLog::open(venue_path);
    if (!log) {
      std::fprintf(stderr, "sequent live: %s\n", log.error().message.c_str());
      return 1;
    }
    venue_log = std::move(*log);
    exchange.attach_log(venue_log.get());
  }

  // A real venue: its gateway (market data, order entry, user data) on its own io thread.
  std::unique_ptr<binance_net::BinanceGateway> gateway;
  if (real_venue) {
    binance_net::BinanceGatewayConfig gcfg;
    gcfg.rest_url = cfg.venue.rest_url;
    gcfg.ws_market_url = cfg.venue.ws_market_url;
    gcfg.ws_api_url = cfg.venue.ws_api_url;
    gcfg.api_key_env = cfg.venue.api_key_env;
    gcfg.api_secret_env = cfg.venue.api_secret_env;
    gcfg.recv_window_ms = cfg.venue.recv_window_ms;
    gcfg.rotate_after_ms = cfg.venue.rotate_after_ms;
    gcfg.tls_verify_peer = cfg.venue.tls_verify;
    gcfg.tls_ca_file = cfg.venue.tls_ca_file;
    gcfg.trading = cfg.mode == OperatingMode::kLive;
    gcfg.source = Source::kVenue;
    for (const Instrument& ins : cfg.registry->all()) gcfg.symbols.push_back(ins.symbol);
    gateway = std::make_unique<binance_net::BinanceGateway>(gcfg, *cfg.registry);
    if (options.resume) {
      // What the venue holds and what filled: fills the journal already has are dropped by trade id.
      auto view = gateway->reconcile_snapshot(resumed_event_ns > 86'400'000'000'000 ? resumed_event_ns - 86'400'000'000'000 : 0);
      if (!view) {
        std::fprintf(stderr, "sequent live: --resume: venue %s: %s\n", cfg.venue.rest_url.c_str(), view.error().message.c_str());
        return 1;
      }
      venue_view.reports = std::move(view->fills);
      venue_view.open_acks = std::move(view->open_acks);
      venue_view.max_origin_seq = view->max_origin_seq;
    }
  }

  std::unique_ptr<journal::JournalWriter> journal;
  if (journal_on) {
    journal::SessionMeta meta;
    meta.binary_version = "sequent 0.1.0";
    meta.session_start_ns = start_ns;
    meta.instruments = instruments_text(*cfg.registry);
    meta.config = resolved_config_text(cfg);
    meta.config_hash = XXH64(meta.config.data(), meta.config.size(), 0);
    journal::WriterOptions wo;
    wo.durability = cfg.durability;
    auto opened = journal::JournalWriter::open(journal_dir, meta, wo);
    if (!opened) {
      std::fprintf(stderr, "sequent live: journal %s: %s\n", journal_dir.c_str(), opened.error().message.c_str());
      return exit_code_for(opened.error().code);
    }
    journal = std::move(*opened);
  }

  InputQueue feedback;
  InputQueue admin_inputs;  // the console's commands (its io thread is the producer)
  LatencyHistogram t2o;
  // Console: the router thread publishes state into a ring the console drains and never waits
  // on; with it, per-stage latency is recorded for /metrics (one clock read per stage per input).
  const bool console_on = cfg.console_settings.enabled;
  std::unique_ptr<SpscRing<ConsoleUpdate>> console_feed;
  std::unique_ptr<ConsolePublisher> publisher;
  StageLatencyProbe stage_probe;
  if (console_on) {
    console_feed = std::make_unique<SpscRing<ConsoleUpdate>>(1u << 16);
    publisher = std::make_unique<ConsolePublisher>(*console_feed, cfg.registry->size());
    (*core)->router().set_observer(publisher.get());
    stage_probe.clock = &clock;
    cfg.pipeline.probe = &stage_probe;
  }
  SimOrderVenue sim_orders(exchange);
  std::unique_ptr<GatewayOrderVenue> gateway_orders;
  if (gateway) gateway_orders = std::make_unique<GatewayOrderVenue>(*gateway);
  OrderVenue& order_venue = gateway ? static_cast<OrderVenue&>(*gateway_orders) : static_cast<OrderVenue&>(sim_orders);
  LiveOutputSink sink(order_venue, feedback, clock, t2o, journal.get(), cfg.gate_orders, cfg.stall_limit_ms * 1'000'000,
                      cfg.mode == OperatingMode::kAdvisory);
  Pipeline pipeline(**core, sink, cfg.pipeline);
  Sequencer sequencer(clock, first_seq);

  // Resume, step 2: the venue's view goes in first, as journaled inputs, and the core reconciles.
  // Seqs the venue saw in client order ids but the journal lost are filled with gap inputs so no
  // client order id is ever reused.
  StartupSource startup;
  if (options.resume) {
    TimeNs t = clock.now_ns();
    const Seq lost_upto = std::max(venue_view.max_origin_seq, recorded_beyond);
    for (Seq s = first_seq; s <= lost_upto; ++s)
      startup.pending.push_back(make_event(EventType::kGap, Source::kReconcile, kNoInstrument, t));
    // The venue sends its reports in order and the journal holds a prefix of them: everything
    // from the core's count on is what the crash lost (fills, acks, rejects, cancels...).
    std::vector<Event> fills;
    // The simulated venue's reports are in order and the journal holds a prefix of them; a real
    // venue's fills come whole (the router drops the ones it has by trade id).
    const std::uint64_t seen = real_venue ? 0 : (*core)->router().venue_reports_seen();
    for (std::size_t i = seen; i < venue_view.reports.size(); ++i) fills.push_back(venue_view.reports[i]);
    for (const Event& e : reconcile_window(fills, venue_view.open_acks, t, resumed_seq)) startup.pending.push_back(e);
    std::fprintf(stderr,
                 "sequent live: reconciling with the venue: %zu reports the journal missed, %zu open orders, %" PRIu64
                 " lost seqs filled\n",
                 fills.size(), venue_view.open_acks.size(),
                 lost_upto > resumed_seq ? lost_upto - resumed_seq : Seq{0});
  }
  stop_after += startup.pending.size();  // --events counts the session's own inputs

  const bool inline_mode = cfg.pipeline.mode == PipelineMode::kInline;
  SpscRing<Event> exchange_ring(1u << 16);
  DirectExchangeSource direct(exchange, clock, paced);
  RingSource from_exchange(exchange_ring);
  std::unique_ptr<RingSource> from_gateway;
  if (gateway) {
    from_gateway = std::make_unique<RingSource>(gateway->out());
    sequencer.add_source(*from_gateway);
  } else {
    sequencer.add_source(inline_mode ? static_cast<InputSource&>(direct) : static_cast<InputSource&>(from_exchange));
  }
  sequencer.add_source(feedback);
  sequencer.add_source(admin_inputs);

  if (Status s = pipeline.start(); !s.ok()) {
    std::fprintf(stderr, "sequent live: %s\n", s.error().message.c_str());
    return 2;
  }

  std::fprintf(stderr,
               "sequent live: %s on %s (%s), pipeline=%s wait=%s seed=%" PRIu64
               " rate=%s instruments=%s strategy=%s(%d,%d,%d) bars=%" PRId64 "ms journal=%s console=%s\n",
               cfg.mode == OperatingMode::kAdvisory ? "advisory (no order leaves)"
                                                    : (cfg.mode == OperatingMode::kLive ? "LIVE trading" : "paper trading"),
               real_venue ? ("venue " + cfg.venue.kind).c_str() : "the simulated market", cfg.source.c_str(),
               std::string(to_string(cfg.pipeline.mode)).c_str(),
               std::string(to_string(cfg.pipeline.wait)).c_str(), cfg.seed, paced ? (std::to_string(static_cast<long long>(cfg.events_per_second)) + "/s").c_str() : "unpaced",
               symbols_list(*cfg.registry).c_str(),
               cfg.core.strategy.name.c_str(), cfg.core.strategy.macd.fast, cfg.core.strategy.macd.slow,
               cfg.core.strategy.macd.signal, cfg.core.strategy.bar_interval_ns / 1'000'000,
               journal_on ? (journal_dir + (cfg.durability == journal::Durability::kBatch ? " (batch" : " (none") +
                             (cfg.gate_orders ? ", gated)" : ")")).c_str()
                          : "off",
               console_on ? cfg.console.c_str() : "off");
  if (!cfg.core.strategy.strategies.empty()) {
    // Several strategies: the banner's strategy= shows the unused single-strategy default.
    for (std::size_t k = 0; k < cfg.core.strategy.strategies.size(); ++k) {
      const StrategyInstanceConfig& ic = cfg.core.strategy.strategies[k];
      std::string syms;
      for (const StrategySlotConfig& slot : ic.slots) syms += (syms.empty() ? "" : ",") + cfg.registry->at(slot.instrument).symbol;
      std::fprintf(stderr, "sequent live: strategy %zu %s kind=%s instruments=%s%s\n", k + 1, ic.name.c_str(), ic.kind.c_str(),
                   syms.c_str(), ic.enabled ? "" : " (stopped)");
    }
  }

  std::atomic<bool> stop_input{false};
  std::atomic<bool> stop_exchange{false};
  std::atomic<bool> engine_failed{false};
  std::atomic<bool> input_exhausted{false};  // --events reached
  std::atomic<bool> trip_kill_switch{false};  // set by the journal watchdog; the engine thread acts
  std::atomic<TimeNs> last_market_recv_ns{0};  // engine thread writes; console readiness reads
  std::atomic<bool> journal_alarm_on{false};

  std::unique_ptr<console::ConsoleServer> console_server;
  if (console_on) {
    console::ConsoleServerConfig ccfg;
    ccfg.listen = cfg.console;
    ccfg.tls_cert = cfg.console_settings.tls_cert;
    ccfg.tls_key = cfg.console_settings.tls_key;
    ccfg.max_frame_bytes = cfg.console_settings.max_frame_bytes;
    ccfg.rate_limit_per_s = cfg.console_settings.rate_limit_per_s;
    ccfg.max_connections = cfg.console_settings.max_connections;
    ccfg.max_backlog = cfg.console_settings.max_backlog;
    ccfg.cpu = cfg.console_cpu;
    for (const UserConfig& u : cfg.users) ccfg.users.push_back(console::ConsoleUser{u.name, console_role(u.role), u.token_sha256});
    for (const Instrument& ins : cfg.registry->all()) ccfg.symbols.push_back(ins.symbol);
    for (std::size_t k = 1; k <= (*core)->strategy().strategy_count(); ++k)
      ccfg.strategies.push_back((*core)->strategy().strategy_name(static_cast<StrategyId>(k)));
    ccfg.mode = cfg.mode == OperatingMode::kAdvisory ? "advisory" : (cfg.mode == OperatingMode::kLive ? "live" : "paper");
    ccfg.risk = cfg.core.risk;
    console::ConsoleHooks hooks;
    hooks.submit_admin = [&](const Event& e) {
      if (stop_input.load(std::memory_order_acquire)) return false;
      try {
        return admin_inputs.push(e);
      } catch (...) {
        return false;
      }
    };
    hooks.readiness = [&] {
      console::Readiness r;
      r.journal_writable = !journal || (!journal->failed() && !journal_alarm_on.load(std::memory_order_relaxed));
      const TimeNs last = last_market_recv_ns.load(std::memory_order_relaxed);
      r.market_data_flowing = last != 0 && (!paced || clock.now_ns() - last < 5'000'000'000);
      r.halted = publisher->halted();
      return r;
    };
    hooks.latency = [&] {
      const auto snap = t2o.snapshot();
      return console::LatencySample{snap.percentile(0.50), snap.percentile(0.99), snap.percentile(0.999), snap.total};
    };
    hooks.append_metrics = [&](std::string& out) {
      const RouterCounters& c = (*core)->router().counters();
      const Seq last = sequencer.last_seq();
      append_metric(out, "sequent_last_seq", "gauge", "Seq of the last sequenced input.", static_cast<double>(last));
      append_metric(out, "sequent_events_total", "counter", "Inputs sequenced by this process.",
                    static_cast<double>(last >= first_seq ? last - first_seq + 1 : 0));
      append_metric(out, "sequent_orders_total", "counter", "New orders sent by the router.",
                    static_cast<double>(c.orders.load(std::memory_order_relaxed)));
      append_metric(out, "sequent_cancels_total", "counter", "Cancel requests sent by the router.",
                    static_cast<double>(c.cancels.load(std::memory_order_relaxed)));
      append_metric(out, "sequent_fills_total", "counter", "Fills applied to positions.",
                    static_cast<double>(c.fills.load(std::memory_order_relaxed)));
      append_metric(out, "sequent_order_rejects_total", "counter", "Venue rejects and risk denials (by reason: sequent_rejects_total).",
                    static_cast<double>(c.rejects.load(std::memory_order_relaxed)));
      append_metric(out, "sequent_invalid_reports_total", "counter", "Execution reports the order life cycle refused.",
                    static_cast<double>(c.invalid_reports.load(std::memory_order_relaxed)));
      append_metric(out, "sequent_net_pnl", "gauge", "Total net P&L in the quote currency.",
                    static_cast<double>(c.net_pnl_raw.load(std::memory_order_relaxed)) / static_cast<double>(kFixedScale));
      append_metric(out, "sequent_halted", "gauge", "1 while the kill switch or a breaker is on.", publisher->halted() ? 1 : 0);
      append_metric(out, "sequent_strategy_intents_total", "counter", "Order intents the strategies emitted.",
                    static_cast<double>((*core)->strategy().intents()));
      append_metric(out, "sequent_strategy_ttl_cancels_total", "counter", "Cancels strategies sent for their own limit entries past order_ttl_ms.",
                    static_cast<double>((*core)->strategy().ttl_cancels()));
      append_metric(out, "sequent_strategy_limit_signals_dropped_total", "counter",
                    "Limit-entry signals dropped: no reference price yet, or a price that rounds to zero.",
                    static_cast<double>((*core)->strategy().limit_signals_dropped()));
      if (journal) {
        const Seq durable = journal->durable_seq();
        append_metric(out, "sequent_journal_durable_seq", "gauge", "Highest seq durable in the journal.", static_cast<double>(durable));
        append_metric(out, "sequent_journal_lag_inputs", "gauge", "Inputs sequenced but not yet durable.",
                      static_cast<double>(last > durable ? last - durable : 0));
        append_metric(out, "sequent_journal_failed", "gauge", "1 if the journal writer failed.", journal->failed() ? 1 : 0);
      }
      out += "# HELP sequent_ring_occupancy Events waiting in each ring.\n# TYPE sequent_ring_occupancy gauge\n";
      out += "sequent_ring_occupancy{ring=\"exchange\"} " + std::to_string(exchange_ring.size_approx()) + "\n";
      for (std::size_t i = 0; i < pipeline.ring_count(); ++i)
        out += "sequent_ring_occupancy{ring=\"stage" + std::to_string(i) + "\"} " + std::to_string(pipeline.ring_occupancy(i)) + "\n";
      out += "sequent_ring_occupancy{ring=\"console_feed\"} " + std::to_string(console_feed->size_approx()) + "\n";
      append_metric(out, "sequent_console_feed_dropped_total", "counter", "Console updates dropped because the feed ring was full.",
                    static_cast<double>(publisher->dropped()));
      append_metric(out, "sequent_pipeline_backpressure_waits_total", "counter", "Times a stage waited for room in the next ring.",
                    static_cast<double>(pipeline.backpressure_waits()));
      if (gateway) append_gateway_metrics(out, *gateway);
      append_histogram(out, "sequent_tick_to_order_seconds",
                       "From the sequencer stamping a market event to the order leaving the router.", "", t2o.snapshot(), true);
      append_histogram(out, "sequent_stage_latency_seconds", "From the sequencer's stamp to a stage having handled the input.",
                       "stage=\"core\"", stage_probe.core.snapshot(), true);
      if (cfg.pipeline.mode == PipelineMode::kThreaded) {
        append_histogram(out, "sequent_stage_latency_seconds", "", "stage=\"strategy\"", stage_probe.strategy.snapshot(), false);
        append_histogram(out, "sequent_stage_latency_seconds", "", "stage=\"risk\"", stage_probe.risk.snapshot(), false);
      }
    };
    auto started = console::ConsoleServer::start(std::move(ccfg), std::move(hooks), *console_feed);
    if (!started) {
      std::fprintf(stderr, "sequent live: console: %s\n", started.error().message.c_str());
      stop_input.store(true, std::memory_order_release);
      pipeline.finish();
      if (journal) (void)journal->close();
      return 2;
    }
    console_server = std::move(*started);
    const std::string scheme = cfg.console_settings.tls_cert.empty() ? "http" : "https";
    std::string host = cfg.console.substr(0, cfg.console.rfind(':'));
    std::fprintf(stderr, "sequent live: console on %s://%s:%u (%zu users)\n", scheme.c_str(), host.c_str(),
                 static_cast<unsigned>(console_server->bound_port()), cfg.users.size());
    if (cfg.users.empty())
      std::fprintf(stderr, "sequent live: console: no [[users]] configured: every request will be refused (see sequent token)\n");
  }

  if (gateway) {
    if (Status s = gateway->start(); !s.ok()) {
      std::fprintf(stderr, "sequent live: venue %s: %s\n", cfg.venue.rest_url.c_str(), s.error().message.c_str());
      pipeline.finish();
      if (console_server) console_server->stop();
      if (journal) (void)journal->close();
      return 1;
    }
    std::fprintf(stderr, "sequent live: connected to %s (%s, market %s)%s\n", cfg.venue.kind.c_str(), cfg.venue.rest_url.c_str(),
                 cfg.venue.ws_market_url.c_str(), cfg.mode == OperatingMode::kLive ? ", trading" : ", market data only");
  }
  std::thread exchange_thread;
  if (!inline_mode && !gateway) {
    exchange_thread = std::thread([&] {
      name_current_thread("seq-venue");
      std::string err;
      if (!pin_current_thread(cfg.venue_cpu, &err)) {
        std::fprintf(stderr, "sequent live: venue thread: %s\n", err.c_str());
        engine_failed.store(true, std::memory_order_relaxed);
      }
      WaitStrategy wait(WaitKind::kBackoff);
      std::array<Event, 256> out;
      while (!stop_exchange.load(std::memory_order_acquire)) {
        const std::size_t n = exchange.poll(paced ? clock.now_ns() : kUnpaced, std::span<Event>(out.data(), out.size()), 64);
        for (std::size_t i = 0; i < n; ++i) {
          // Back-pressure: wait for room, but give up if the session is stopping.
          while (exchange_ring.try_push(out[i]) != PushResult::kOk) {
            if (stop_exchange.load(std::memory_order_acquire)) return;
            wait.idle(0);
          }
        }
        wait.idle(n);
      }
    });
  }

  std::thread engine_thread([&] {
    name_current_thread(inline_mode ? "seq-engine" : "seq-ingest");
    std::string err;
    if (!pin_current_thread(inline_mode ? cfg.pipeline.core_cpu : cfg.sequencer_cpu, &err)) {
      std::fprintf(stderr, "sequent live: engine thread: %s\n", err.c_str());
      engine_failed.store(true, std::memory_order_relaxed);
    }
    WaitStrategy wait(cfg.pipeline.wait);
    bool tripped = false;
    auto submit = [&](const Event& e) {
      // Journal first, then the core: nothing reaches a stage that the journal was not given.
      if (journal && !journal->append(e)) trip_kill_switch.store(true, std::memory_order_release);
      if (is_market_data(e.type())) last_market_recv_ns.store(e.header.recv_ns, std::memory_order_relaxed);
      pipeline.submit(e);
      if (e.seq() == options.test_kill_at_seq) ::raise(SIGKILL);  // crash tests: die mid-stream
    };
    // Reconciliation (if any) goes in whole before the first market event or venue report.
    while (sequencer.poll_one(startup, submit) > 0) {
    }
    while (!stop_input.load(std::memory_order_acquire)) {
      if (!tripped && trip_kill_switch.load(std::memory_order_acquire)) {
        // The journal failed or stalled: stop new orders through the one path that changes state.
        tripped = true;
        Event kill = make_event(EventType::kAdmin, Source::kInternal, kNoInstrument, clock.now_ns());
        kill.payload.admin.command = AdminCommand::kKillSwitch;
        sequencer.stamp(kill);
        submit(kill);
      }
      if (!paced && sequencer.next_seq() > stop_after) {
        input_exhausted.store(true, std::memory_order_release);
        break;
      }
      wait.idle(sequencer.poll(submit));
    }
    pipeline.finish();
  });

  // Status: once a second; stop on a signal or at the end of --duration.
  const double duration = options.duration_seconds.value_or(-1.0);
  const auto t0 = std::chrono::steady_clock::now();
  auto next_status = t0 + std::chrono::seconds(1);
  Seq last_seq = 0;
  const RouterCounters& counters = (*core)->router().counters();
  auto print_status = [&] {
    const Seq seq = sequencer.last_seq();
    const auto snap = t2o.snapshot();
    std::printf("ts=%s seq=%" PRIu64 " events_per_s=%" PRIu64 " orders=%" PRIu64 " fills=%" PRIu64 " rejects=%" PRIu64
                " pnl=%s durable_seq=%" PRIu64 " t2o_p50_us=%.1f t2o_p99_us=%.1f backpressure=%" PRIu64 "\n",
                utc_now_iso().c_str(), seq, seq - last_seq, counters.orders.load(std::memory_order_relaxed),
                counters.fills.load(std::memory_order_relaxed), counters.rejects.load(std::memory_order_relaxed),
                money_text(counters.net_pnl_raw.load(std::memory_order_relaxed)).c_str(),
                journal ? journal->durable_seq() : Seq{0}, static_cast<double>(snap.percentile(0.50)) / 1000.0, static_cast<double>(snap.percentile(0.99)) / 1000.0,
                pipeline.backpressure_waits());
    std::fflush(stdout);
    last_seq = seq;
  };
  int exit_code = 0;
  bool journal_alarm = false;
  std::uint64_t reconciliations_seen = 0, reconcile_failures_seen = 0;
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    if (duration >= 0 && now - t0 >= std::chrono::duration<double>(duration)) break;
    auto wake = next_status;
    if (duration >= 0) {
      auto end = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(duration));
      if (end < wake) wake = end;
    }
    if (input_exhausted.load(std::memory_order_acquire)) break;
    auto wait_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wake - now).count();
    if (wait_ns < 0) wait_ns = 0;
    if (!paced && wait_ns > 20'000'000) wait_ns = 20'000'000;  // notice the end of --events soon
    timespec ts{static_cast<time_t>(wait_ns / 1'000'000'000), static_cast<long>(wait_ns % 1'000'000'000)};
    const int sig = sigtimedwait(&signals, nullptr, &ts);
    if (sig == SIGINT || sig == SIGTERM) {
      std::fprintf(stderr, "sequent live: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
    if (engine_failed.load(std::memory_order_relaxed)) {
      exit_code = 2;
      break;
    }
    if (journal && !journal_alarm) {
      // Watchdog: a failed writer, or one that has not committed for stall_limit while inputs
      // wait, trips the kill switch (once) and is reported.
      const std::int64_t now_steady = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch()).count();
      const bool stalled = journal->stalled(sequencer.last_seq(), now_steady, cfg.stall_limit_ms * 1'000'000);
      if (journal->failed() || stalled) {
        journal_alarm = true;
        trip_kill_switch.store(true, std::memory_order_release);
        journal_alarm_on.store(true, std::memory_order_relaxed);
        const std::string why = journal->failed() ? journal->error() : "writer stalled past journal.stall_limit_ms";
        std::fprintf(stderr, "sequent live: ALERT journal %s: %s; kill switch on, no new orders\n", journal_dir.c_str(), why.c_str());
        if (console_server)
          console_server->post_alert(console::AlertSeverity::kCritical, "journal_failed", "journal " + journal_dir + ": " + why + "; kill switch on");
      }
    }
    if (gateway && cfg.mode == OperatingMode::kLive && !sink.advisory()) {
      // A live engine that keeps failing at the venue (errors in a row, or banned: HTTP 418)
      // stops sending orders: it downgrades itself to advisory, says so, and journals it.
      const std::uint64_t errors = gateway->consecutive_errors();
      const bool banned = gateway->banned();
      if (banned || (cfg.venue.error_limit > 0 && errors >= static_cast<std::uint64_t>(cfg.venue.error_limit))) {
        sink.downgrade_to_advisory();
        const std::string why = banned ? "the venue banned this key (HTTP 418)"
                                       : std::to_string(errors) + " venue errors in a row (venue.error_limit " +
                                             std::to_string(cfg.venue.error_limit) + ")";
        std::fprintf(stderr, "sequent live: ALERT %s: downgraded to advisory, no order leaves from now on\n", why.c_str());
        Event note = make_event(EventType::kAdmin, Source::kInternal, kNoInstrument, clock.now_ns());
        note.payload.admin.command = AdminCommand::kAdvisory;
        note.payload.admin.arg_code = banned ? 2 : 1;
        note.payload.admin.arg_value = static_cast<std::int64_t>(errors);
        try {
          (void)admin_inputs.push(note);
        } catch (...) {
        }
        if (console_server)
          console_server->post_alert(console::AlertSeverity::kCritical, "downgraded_to_advisory", why + ": downgraded to advisory");
      }
    }
    if (gateway) {
      // The venue's report stream was lost and came back: the gateway fed its view in as a
      // journaled reconciliation window (or failed to fetch it, and retries; orders wait).
      const std::uint64_t done = gateway->counters().reconciliations.load(std::memory_order_relaxed);
      const std::uint64_t failed = gateway->counters().reconcile_failures.load(std::memory_order_relaxed);
      if (done != reconciliations_seen) {
        reconciliations_seen = done;
        std::fprintf(stderr, "sequent live: reconciled with the venue after its report stream came back (%" PRIu64 " time(s))\n", done);
      }
      if (failed != reconcile_failures_seen) {
        reconcile_failures_seen = failed;
        const std::vector<std::string> q = gateway->quarantine();
        std::string why = q.empty() ? std::string("reconciliation after reconnect failed") : q.back();
        if (why.size() >= 2 && why.compare(why.size() - 2, 2, ": ") == 0) why.resize(why.size() - 2);  // no raw bytes
        std::fprintf(stderr, "sequent live: ALERT %s; new orders refused until it succeeds, retrying\n", why.c_str());
        if (console_server) console_server->post_alert(console::AlertSeverity::kWarning, "reconcile_failed", why);
      }
    }
    if (sig < 0 && input_exhausted.load(std::memory_order_acquire)) break;
    if (std::chrono::steady_clock::now() >= next_status) {
      print_status();
      next_status += std::chrono::seconds(1);
    }
  }

  // A real venue: hold new orders and let the answers to those already sent come in (bounded),
  // so the journal has every fill the venue made for us and the stopped session's position is
  // the venue's. Orders the strategy makes meanwhile are refused as journaled denials.
  if (gateway && cfg.mode == OperatingMode::kLive && !engine_failed.load(std::memory_order_relaxed)) {
    gateway->hold_orders();
    const auto settle_until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while ((gateway->unsettled_orders() != 0 || gateway->out().size_approx() != 0) &&
           std::chrono::steady_clock::now() < settle_until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (gateway->unsettled_orders() != 0)
      std::fprintf(stderr, "sequent live: stopping with %" PRIu64 " order(s) still unanswered by the venue (reconcile on --resume)\n",
                   gateway->unsettled_orders());
  }

  // Stop taking input, drain the pipeline (engine thread calls finish()), then stop the venue.
  stop_input.store(true, std::memory_order_release);
  engine_thread.join();
  if (console_server) console_server->stop();  // after the core has drained (its last updates flow)
  stop_exchange.store(true, std::memory_order_release);
  if (exchange_thread.joinable()) exchange_thread.join();
  if (gateway) gateway->stop();

  const std::uint64_t final_hash = (*core)->state_hash();
  if (journal) {
    // Every engine thread is joined: this thread is now the journal's only producer.
    (void)journal->append_checkpoint(sequencer.last_seq(), final_hash);
    if (sequencer.last_seq() > 0) {
      if (Status s = journal->write_snapshot(sequencer.last_seq(), (*core)->snapshot()); !s.ok())
        std::fprintf(stderr, "sequent live: journal snapshot: %s\n", s.error().message.c_str());
    }
    if (Status s = journal->close(); !s.ok()) {
      std::fprintf(stderr, "sequent live: journal %s: %s\n", journal_dir.c_str(), s.error().message.c_str());
      exit_code = 1;
    }
    std::fprintf(stderr, "sequent live: journal %s durable up to seq %" PRIu64 "\n", journal_dir.c_str(), journal->durable_seq());
  }

  char hash[17] = {};
  format_hash_hex(final_hash, hash);
  std::printf("final seq=%" PRIu64 " state_hash=%s orders=%" PRIu64 " fills=%" PRIu64 " pnl=%s\n",
              sequencer.last_seq(), hash, counters.orders.load(), counters.fills.load(),
              money_text(counters.net_pnl_raw.load()).c_str());
  const StrategyStage& stages = (*core)->strategy();
  if (stages.strategy_count() > 1) {
    // Per strategy (the router's books, fills attributed through each order's strategy_id).
    const StrategyPositions& books = (*core)->router().strategy_positions();
    for (StrategyId id = 1; id <= stages.strategy_count(); ++id)
      std::printf("strategy %u %s pnl=%s realised=%s unrealised=%s fees=%s\n", static_cast<unsigned>(id),
                  stages.strategy_name(id).c_str(), money_text(books.net_pnl(id).raw()).c_str(),
                  money_text(books.realised(id).raw()).c_str(), money_text(books.unrealised(id).raw()).c_str(),
                  money_text(books.fees(id).raw()).c_str());
    if (!books.empty(kSystemStrategy))
      std::printf("strategy 0 system pnl=%s\n", money_text(books.net_pnl(kSystemStrategy).raw()).c_str());
  }
  std::fflush(stdout);
  return exit_code;
}

}  // namespace sequent::tools
