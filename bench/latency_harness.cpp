// End-to-end latency harness: market events at a fixed mean rate through sequencer → strategy →
// risk → router → simulated venue, per topology × wait strategy × journaling, with tick-to-order
// and per-stage latency histograms, machine context, a table on stdout and JSON on disk.
//
//   build/bench/latency_harness [--seconds S] [--rate EVENTS_PER_S] [--json FILE] [--smoke]
//                               [--topology inline|fused|threaded] [--wait W] [--journal off|none|batch]
//
// Coordinated omission: every market event carries its intended send time (its simulated
// event_ns, on the wall clock's time line: Poisson arrivals at the configured mean rate). The
// ingest thread emits an event only once its time has come, and `t2o_from_intent` is measured
// from that intended time, so a stall delays and penalises every event queued behind it instead of
// hiding them. `t2o` (as in `sequent live`) is measured from the sequencer's stamp. Both end when
// the router hands the order to the venue. Per stage: stamp → stage done, for every input.
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/console_clients.hpp"
#include "engine/console_publisher.hpp"
#include "engine/core.hpp"
#include "engine/latency_histogram.hpp"
#include "engine/pipeline.hpp"
#include "engine/sequencer.hpp"
#include "engine/thread_affinity.hpp"
#include "gateways/console/console_server.hpp"
#include "gateways/input_queue.hpp"
#include "gateways/sim_exchange.hpp"
#include "gateways/system_clock.hpp"
#include "journal/journal.hpp"

namespace {

using namespace sequent;
namespace net = boost::asio;

enum class JournalMode { kOff, kNone, kBatch };
const char* name(JournalMode m) { return m == JournalMode::kOff ? "off" : (m == JournalMode::kNone ? "none" : "batch"); }

struct Config {
  PipelineMode mode;
  WaitKind wait;
  JournalMode journal;
};

struct Percentiles {
  std::uint64_t count = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
};

Percentiles summarize(const LatencyHistogram& h) {
  const auto s = h.snapshot();
  return {s.total, s.percentile(0.5), s.percentile(0.9), s.percentile(0.99), s.percentile(0.999), s.max};
}

struct RunResult {
  Config config;
  std::uint64_t inputs = 0, orders = 0, backpressure = 0;
  double achieved_rate = 0;
  Percentiles t2o, t2o_intent, stage_strategy, stage_risk, stage_core;
  LatencyHistogram::Snapshot t2o_hist;  // for pooling repetitions (--console-compare)
};

InstrumentRegistry make_registry() {
  InstrumentRegistry r;
  (void)r.add("BTCUSDT", "sim", Price::from_raw(1'000'000), Qty::from_raw(1'000), Money::from_units(5));
  (void)r.add("ETHUSDT", "sim", Price::from_raw(1'000'000), Qty::from_raw(10'000), Money::from_units(5));
  return r;
}

// Router thread: orders to the venue, latencies recorded at the hand-off.
class HarnessSink final : public OutputSink {
 public:
  HarnessSink(SimExchange& x, InputQueue& feedback, const Clock& clock, journal::JournalWriter* journal)
      : x_(x), feedback_(feedback), clock_(clock), journal_(journal) {}
  void on_output(const Event& e) noexcept override {
    if (journal_ != nullptr) {
      if (e.type() == EventType::kCheckpoint) {
        (void)journal_->append_checkpoint(e.seq(), e.payload.checkpoint.state_hash);
        return;
      }
      (void)journal_->append_output(e);
    }
    if (e.type() == EventType::kOrderNew) {
      if (x_.submit(e)) {
        const TimeNs now = clock_.now_ns();
        t2o.record(now - e.header.recv_ns);
        t2o_intent.record(now - e.header.event_ns);
        return;
      }
    }
    if (e.type() == EventType::kOrderDenied || e.type() == EventType::kOrderNew) {
      Event in = e;
      in.header.flags = 0;
      in.header.type = EventType::kOrderDenied;
      in.header.source = Source::kInternal;
      try {
        (void)feedback_.push(in);
      } catch (...) {
        std::terminate();
      }
    }
  }
  LatencyHistogram t2o, t2o_intent;

 private:
  SimExchange& x_;
  InputQueue& feedback_;
  const Clock& clock_;
  journal::JournalWriter* journal_;
};

class DirectExchange final : public InputSource {
 public:
  DirectExchange(SimExchange& x, const Clock& c) : x_(x), c_(c) {}
  std::size_t poll(std::span<Event> out) noexcept override { return x_.poll(c_.now_ns(), out, 8); }

 private:
  SimExchange& x_;
  const Clock& c_;
};

// The admin console beside the engine (issue 6): -1 = no console; N >= 0 = the console server fed by
// the router thread, N WebSocket clients subscribed to every channel and one manager sending a
// command at the console's rate limit.
struct ConsoleLoadResult {
  std::uint64_t delivered = 0, commands = 0, replies = 0, dropped = 0;
};

int g_spins = -1;  // --spins: pause-spins before a stage thread yields (-1 = the default)

RunResult run_one(const Config& cfg, double rate, double seconds, std::uint64_t seed, int console_clients = -1,
                  ConsoleLoadResult* console_load = nullptr, int console_cpu = -1) {
  static InstrumentRegistry registry = make_registry();
  CoreConfig cc;
  // A strategy that trades often enough to give thousands of tick-to-order samples per run.
  cc.strategy.bar_interval_ns = 2'000'000;
  cc.strategy.macd = MacdParams{3, 6, 3};
  cc.strategy.slots = {{0, Qty::from_raw(1'000'000)}, {1, Qty::from_raw(30'000'000)}};
  cc.risk.default_limits = InstrumentRiskLimits::order_limits(Qty::from_units(100), Money::from_units(10'000'000));
  auto core = Core::create(registry, cc);
  SystemClock clock;
  SimExchangeConfig xc;
  xc.market = default_sim_market_config(registry, seed, clock.now_ns() + 20'000'000);
  xc.market.events_per_second = rate;
  xc.inbox_capacity = 1 << 16;
  SimExchange exchange(registry, xc);

  std::unique_ptr<journal::JournalWriter> journal;
  std::string dir;
  if (cfg.journal != JournalMode::kOff) {
    dir = (std::filesystem::temp_directory_path() / ("sequent_harness_" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(dir);
    journal::SessionMeta meta;
    meta.binary_version = "latency_harness";
    journal::WriterOptions wo;
    wo.durability = cfg.journal == JournalMode::kNone ? journal::Durability::kNone : journal::Durability::kBatch;
    auto w = journal::JournalWriter::open(dir, meta, wo);
    if (!w) {
      std::fprintf(stderr, "journal: %s\n", w.error().message.c_str());
      std::exit(1);
    }
    journal = std::move(*w);
  }
  InputQueue feedback;
  HarnessSink sink(exchange, feedback, clock, journal.get());
  StageLatencyProbe probe;
  probe.clock = &clock;
  PipelineOptions po;
  po.mode = cfg.mode;
  po.wait = cfg.wait;
  if (g_spins >= 0) po.wait_params.spins = static_cast<std::uint32_t>(g_spins);
  po.probe = &probe;
  const bool two_cpus = online_cpu_count() >= 2;
  if (cfg.mode == PipelineMode::kFused && two_cpus) po.core_cpu = 1;
  std::unique_ptr<SpscRing<ConsoleUpdate>> feed;
  std::unique_ptr<ConsolePublisher> publisher;
  std::unique_ptr<console::ConsoleServer> server;
  InputQueue admin_inputs;
  if (console_clients >= 0) {
    feed = std::make_unique<SpscRing<ConsoleUpdate>>(1u << 16);
    publisher = std::make_unique<ConsolePublisher>(*feed, registry.size());
    (*core)->router().set_observer(publisher.get());
  }
  Pipeline pipeline(**core, sink, po);
  if (!pipeline.start().ok()) std::exit(1);
  Sequencer sequencer(clock);
  DirectExchange direct(exchange, clock);
  sequencer.add_source(direct);
  sequencer.add_source(feedback);
  sequencer.add_source(admin_inputs);
  net::io_context client_io;
  std::vector<std::shared_ptr<bench::BenchClient>> clients;
  std::shared_ptr<bench::BenchCommander> commander;
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<int> ready{0};
  std::thread client_thread;
  if (console_clients >= 0) {
    console::ConsoleServerConfig sc;
    sc.listen = "127.0.0.1:0";
    sc.users = {console::ConsoleUser{"bench", console::Role::kManager, console::sha256_hex(bench::kToken)}};
    sc.symbols = {"BTCUSDT", "ETHUSDT"};
    sc.risk = cc.risk;
    sc.max_connections = static_cast<std::size_t>(console_clients) + 8;
    sc.cpu = console_cpu;
    console::ConsoleHooks hooks;
    hooks.submit_admin = [&](const Event& e) { return admin_inputs.push(e); };
    hooks.readiness = [] { return console::Readiness{}; };
    hooks.latency = [&] {
      const auto snap = sink.t2o.snapshot();
      return console::LatencySample{snap.percentile(0.5), snap.percentile(0.99), snap.percentile(0.999), snap.total};
    };
    hooks.append_metrics = [](std::string&) {};
    auto started = console::ConsoleServer::start(sc, hooks, *feed);
    if (!started) {
      std::fprintf(stderr, "console: %s\n", started.error().message.c_str());
      std::exit(1);
    }
    server = std::move(*started);
    for (int i = 0; i < console_clients; ++i) {
      clients.push_back(std::make_shared<bench::BenchClient>(client_io, delivered, ready));
      clients.back()->start(server->bound_port());
    }
    // A manager at the rate limit (20/s): set_strategy_param to the size the strategy already
    // uses, so the orders (and so the comparison) do not change.
    commander = std::make_shared<bench::BenchCommander>(
        client_io, R"({"op":"set_strategy_param","param":"order_qty","symbol":"BTCUSDT","value":"0.01"})",
        std::chrono::milliseconds(50));
    commander->start(server->bound_port());
    client_thread = std::thread([&] {
      std::string err;
      // The clients stand for remote users, on other machines in a deployment: keep them off the
      // engine's CPU and behind it in the scheduler.
      (void)pin_current_thread(console_cpu, &err);
      (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19);
      name_current_thread("bench-clients");
      client_io.run();
    });
  }

  std::atomic<bool> stop{false};
  std::thread ingest([&] {
    std::string err;
    if (two_cpus) pin_current_thread(0, &err);
    name_current_thread("seq-ingest");
    WaitStrategy wait(cfg.wait);
    auto submit = [&](const Event& e) {
      if (journal) (void)journal->append(e);
      pipeline.submit(e);
    };
    while (!stop.load(std::memory_order_acquire)) wait.idle(sequencer.poll(submit));
    pipeline.finish();
  });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));  // the run's length, not a sync
  stop.store(true, std::memory_order_release);
  ingest.join();
  if (console_clients >= 0) {
    if (console_load != nullptr) {
      console_load->delivered = delivered.load();
      console_load->commands = commander->sent();
      console_load->replies = commander->replies();
      console_load->dropped = publisher->dropped();
    }
    net::post(client_io, [&] {
      for (auto& c : clients) c->stop();
      commander->stop();
    });
    server->stop();
    client_thread.join();
  }
  if (journal) (void)journal->close();
  if (!dir.empty()) std::filesystem::remove_all(dir);

  RunResult r;
  r.config = cfg;
  r.inputs = sequencer.last_seq();
  r.orders = (*core)->router().counters().orders.load();
  r.backpressure = pipeline.backpressure_waits();
  r.achieved_rate = static_cast<double>(r.inputs) / seconds;
  r.t2o = summarize(sink.t2o);
  r.t2o_hist = sink.t2o.snapshot();
  r.t2o_intent = summarize(sink.t2o_intent);
  r.stage_strategy = summarize(probe.strategy);
  r.stage_risk = summarize(probe.risk);
  r.stage_core = summarize(probe.core);
  return r;
}

// Machine context -----------------------------------------------------------------------------

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

// Busy jiffies of the whole machine and of this process, to tell how much CPU others used.
std::pair<std::uint64_t, std::uint64_t> cpu_jiffies() {
  std::ifstream f("/proc/stat");
  std::string cpu;
  std::uint64_t v[10] = {};
  f >> cpu;
  for (auto& x : v) f >> x;
  const std::uint64_t busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  std::ifstream s("/proc/self/stat");
  std::string tok;
  std::vector<std::string> fields;
  while (s >> tok) fields.push_back(tok);
  const std::uint64_t self = fields.size() > 15 ? std::stoull(fields[13]) + std::stoull(fields[14]) : 0;
  return {busy, self};
}

// Core-to-core round trip of one cache line (two pinned threads bouncing an atomic counter).
std::uint64_t core_to_core_rtt_ns() {
  if (online_cpu_count() < 2) return 0;
  alignas(64) std::atomic<std::uint64_t> ping{0};
  alignas(64) std::atomic<std::uint64_t> pong{0};
  constexpr std::uint64_t kRounds = 200'000;
  std::thread echo([&] {
    std::string err;
    pin_current_thread(1, &err);
    for (std::uint64_t i = 1; i <= kRounds; ++i) {
      while (ping.load(std::memory_order_acquire) != i) cpu_relax();
      pong.store(i, std::memory_order_release);
    }
  });
  std::string err;
  pin_current_thread(0, &err);
  LatencyHistogram h;
  for (std::uint64_t i = 1; i <= kRounds; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    ping.store(i, std::memory_order_release);
    while (pong.load(std::memory_order_acquire) != i) cpu_relax();
    h.record(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
  }
  echo.join();
  cpu_set_t all;
  CPU_ZERO(&all);
  for (int c = 0; c < online_cpu_count(); ++c) CPU_SET(static_cast<std::size_t>(c), &all);
  pthread_setaffinity_np(pthread_self(), sizeof(all), &all);
  return h.snapshot().percentile(0.5);
}

std::string us(std::uint64_t ns) {
  char b[32];
  std::snprintf(b, sizeof(b), "%.2f", static_cast<double>(ns) / 1000.0);
  return b;
}

std::string json_percentiles(const Percentiles& p) {
  std::ostringstream o;
  o << "{\"count\":" << p.count << ",\"p50_ns\":" << p.p50 << ",\"p90_ns\":" << p.p90 << ",\"p99_ns\":" << p.p99
    << ",\"p999_ns\":" << p.p999 << ",\"max_ns\":" << p.max << "}";
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2.0, rate = 100'000;
  std::string json_path = "latency_harness.json";
  bool smoke = false;
  std::string only_topology, only_wait, only_journal;
  int console_clients = -1;
  int compare_clients = -1, repeat = 5;
  std::optional<int> console_cpu_arg;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "latency_harness: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--seconds") seconds = std::stod(next());
    else if (a == "--rate") rate = std::stod(next());
    else if (a == "--json") json_path = next();
    else if (a == "--smoke") smoke = true;
    else if (a == "--topology") only_topology = next();
    else if (a == "--wait") only_wait = next();
    else if (a == "--journal") only_journal = next();
    else if (a == "--console-clients") console_clients = std::stoi(next());
    else if (a == "--console-compare") compare_clients = std::stoi(next());
    else if (a == "--repeat") repeat = std::stoi(next());
    else if (a == "--console-cpu") console_cpu_arg = std::stoi(next());
    else if (a == "--spins") g_spins = std::stoi(next());
    else {
      std::fprintf(stderr, "latency_harness: unknown argument %s\nusage: latency_harness [--seconds S] [--rate N] [--json FILE] [--smoke] [--topology T] [--wait W] [--journal off|none|batch] [--console-clients N] [--console-compare N [--repeat R]] [--console-cpu C] [--spins N]\n", a.c_str());
      return 2;
    }
  }
  if (smoke) seconds = 0.2;

  std::vector<Config> configs;
  for (JournalMode j : {JournalMode::kOff, JournalMode::kNone, JournalMode::kBatch}) {
    for (WaitKind w : {WaitKind::kBusySpin, WaitKind::kBackoff}) configs.push_back({PipelineMode::kInline, w, j});
    for (WaitKind w : {WaitKind::kBusySpin, WaitKind::kSpinYield, WaitKind::kBackoff}) configs.push_back({PipelineMode::kFused, w, j});
    // Four engine threads on two cores: busy-spinning would starve the others; not measured.
    for (WaitKind w : {WaitKind::kSpinYield, WaitKind::kBackoff}) configs.push_back({PipelineMode::kThreaded, w, j});
  }
  if (smoke) configs = {{PipelineMode::kInline, WaitKind::kBackoff, JournalMode::kOff},
                        {PipelineMode::kFused, WaitKind::kSpinYield, JournalMode::kNone},
                        {PipelineMode::kThreaded, WaitKind::kBackoff, JournalMode::kBatch}};

  std::erase_if(configs, [&](const Config& c) {
    return (!only_topology.empty() && only_topology != to_string(c.mode)) || (!only_wait.empty() && only_wait != to_string(c.wait)) ||
           (!only_journal.empty() && only_journal != name(c.journal));
  });
  const std::string load_before = loadavg();
  const auto [busy0, self0] = cpu_jiffies();
  const auto wall0 = std::chrono::steady_clock::now();
  const std::uint64_t rtt = core_to_core_rtt_ns();
  std::printf("machine: %s, %d cpus online, core-to-core round trip p50 %" PRIu64 " ns, load before %s\n", cpu_model().c_str(),
              online_cpu_count(), rtt, load_before.c_str());
  std::printf("rate %.0f market events/s (Poisson arrivals), %.1f s per configuration, %zu configurations\n\n", rate, seconds,
              configs.size());
  // The console's io thread and the bench clients go where the engine does not spin: the inline
  // engine (ingest pinned to CPU 0) leaves CPU 1 free; fused uses both, so nothing is free.
  auto console_cpu_for = [&](const Config& c) {
    if (console_cpu_arg) return *console_cpu_arg;
    return c.mode == PipelineMode::kInline && online_cpu_count() >= 2 ? 1 : -1;
  };
  if (compare_clients >= 0) {
    // Issue 6's bound: t2o p99 with N clients and a commanding manager against the same run
    // without a console, interleaved (the order alternates per repetition, so drift hits both
    // arms) and pooled over the repetitions so the p99 rests on many orders.
    if (configs.size() != 1) {
      std::fprintf(stderr, "latency_harness: --console-compare needs exactly one configuration (give --topology, --wait and --journal)\n");
      return 2;
    }
    const Config c = configs.front();
    const int ccpu = console_cpu_for(c);
    std::printf("console comparison: %s %s journal %s, %d clients + a manager, console cpu %d, %d repetitions\n\n",
                std::string(to_string(c.mode)).c_str(), std::string(to_string(c.wait)).c_str(), name(c.journal), compare_clients, ccpu,
                repeat);
    LatencyHistogram::Snapshot pooled[2];
    std::uint64_t orders[2] = {0, 0};
    double delivered = 0;
    std::uint64_t dropped = 0;
    std::ostringstream runs_json;
    std::uint64_t seed = 1;
    for (int rep = 0; rep < repeat; ++rep) {
      for (int k = 0; k < 2; ++k) {
        const int arm = (rep % 2 == 0) ? k : 1 - k;  // 0 = no console, 1 = clients
        ConsoleLoadResult load;
        const RunResult r = run_one(c, rate, seconds, seed + static_cast<std::uint64_t>(rep), arm == 0 ? -1 : compare_clients,
                                    &load, ccpu);
        for (std::size_t b = 0; b < pooled[arm].counts.size(); ++b) pooled[arm].counts[b] += r.t2o_hist.counts[b];
        pooled[arm].total += r.t2o_hist.total;
        pooled[arm].max = std::max(pooled[arm].max, r.t2o_hist.max);
        orders[arm] += r.orders;
        if (arm == 1) {
          delivered += static_cast<double>(load.delivered) / seconds;
          dropped += load.dropped;
        }
        std::printf("rep %d %-12s orders %6" PRIu64 "  t2o us p50/p99/p99.9 %s/%s/%s", rep + 1, arm == 0 ? "no console" : "clients",
                    r.orders, us(r.t2o.p50).c_str(), us(r.t2o.p99).c_str(), us(r.t2o.p999).c_str());
        if (arm == 1) std::printf("  delivered %.0f msg/s, feed dropped %" PRIu64, static_cast<double>(load.delivered) / seconds, load.dropped);
        std::printf("\n");
        std::fflush(stdout);
        runs_json << (runs_json.tellp() > 0 ? "," : "") << "{\"rep\":" << rep + 1 << ",\"console_clients\":" << (arm == 0 ? -1 : compare_clients)
                  << ",\"orders\":" << r.orders << ",\"t2o\":" << json_percentiles(r.t2o)
                  << ",\"delivered_per_s\":" << (arm == 1 ? static_cast<double>(load.delivered) / seconds : 0.0) << "}";
      }
    }
    const double p99_without = static_cast<double>(pooled[0].percentile(0.99));
    const double p99_with = static_cast<double>(pooled[1].percentile(0.99));
    const double ratio = p99_without > 0 ? p99_with / p99_without : 0;
    std::printf("\npooled over %d repetitions: no console %" PRIu64 " orders, t2o p50 %s p99 %s us; %d clients %" PRIu64
                " orders, t2o p50 %s p99 %s us\n",
                repeat, orders[0], us(pooled[0].percentile(0.5)).c_str(), us(pooled[0].percentile(0.99)).c_str(), compare_clients,
                orders[1], us(pooled[1].percentile(0.5)).c_str(), us(pooled[1].percentile(0.99)).c_str());
    std::printf("p99 with clients / without: %.2f (issue 6 bound: at most 1.20); console delivered %.0f messages/s on average, %" PRIu64
                " feed updates dropped\n",
                ratio, delivered / repeat, dropped);
    const std::string load_after = loadavg();
    std::printf("load after %s\n", load_after.c_str());
    std::ofstream json(json_path);
    json << "{\"machine\":{\"cpu\":\"" << cpu_model() << "\",\"cpus\":" << online_cpu_count() << ",\"core_to_core_rtt_p50_ns\":" << rtt
         << ",\"load_before\":\"" << load_before << "\",\"load_after\":\"" << load_after << "\"},\"rate\":" << rate
         << ",\"seconds\":" << seconds << ",\"console_compare\":{\"topology\":\"" << to_string(c.mode) << "\",\"wait\":\""
         << to_string(c.wait) << "\",\"journal\":\"" << name(c.journal) << "\",\"clients\":" << compare_clients
         << ",\"console_cpu\":" << ccpu << ",\"repeat\":" << repeat << ",\"p99_without_ns\":" << pooled[0].percentile(0.99)
         << ",\"p99_with_ns\":" << pooled[1].percentile(0.99) << ",\"p50_without_ns\":" << pooled[0].percentile(0.5)
         << ",\"p50_with_ns\":" << pooled[1].percentile(0.5) << ",\"p99_ratio\":" << ratio
         << ",\"delivered_per_s\":" << delivered / repeat << ",\"runs\":[" << runs_json.str() << "]}}\n";
    std::printf("JSON written to %s\n", json_path.c_str());
    return 0;
  }
  std::printf("%-9s %-10s %-7s %9s %7s | %-34s | %-34s | %-16s %-16s %-16s\n", "topology", "wait", "journal", "inputs/s", "orders",
              "t2o us p50/p90/p99/p99.9/max", "t2o from intent us p50/p99/p99.9", "strategy p50/p99", "risk p50/p99",
              "core p50/p99");
  std::vector<RunResult> results;
  std::uint64_t seed = 1;
  for (const Config& c : configs) {
    ConsoleLoadResult load;
    const RunResult r = run_one(c, rate, seconds, seed++, console_clients, &load, console_cpu_for(c));
    if (console_clients >= 0)
      std::printf("console: %d clients, %.0f messages/s delivered, %" PRIu64 " commands sent, %" PRIu64
                  " replies, %" PRIu64 " feed updates dropped\n",
                  console_clients, static_cast<double>(load.delivered) / seconds, load.commands, load.replies, load.dropped);
    results.push_back(r);
    std::printf("%-9s %-10s %-7s %9.0f %7" PRIu64 " | %-34s | %-34s | %-16s %-16s %-16s\n",
                std::string(to_string(c.mode)).c_str(), std::string(to_string(c.wait)).c_str(), name(c.journal), r.achieved_rate,
                r.orders,
                (us(r.t2o.p50) + "/" + us(r.t2o.p90) + "/" + us(r.t2o.p99) + "/" + us(r.t2o.p999) + "/" + us(r.t2o.max)).c_str(),
                (us(r.t2o_intent.p50) + "/" + us(r.t2o_intent.p99) + "/" + us(r.t2o_intent.p999)).c_str(),
                c.mode == PipelineMode::kThreaded ? (us(r.stage_strategy.p50) + "/" + us(r.stage_strategy.p99)).c_str() : "-",
                c.mode == PipelineMode::kThreaded ? (us(r.stage_risk.p50) + "/" + us(r.stage_risk.p99)).c_str() : "-",
                (us(r.stage_core.p50) + "/" + us(r.stage_core.p99)).c_str());
    std::fflush(stdout);
  }
  const auto [busy1, self1] = cpu_jiffies();
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  const long hz = sysconf(_SC_CLK_TCK);
  // Jiffies are coarse: clamp the difference (our own share can round above the machine's).
  const auto busy = static_cast<std::int64_t>(busy1 - busy0), self = static_cast<std::int64_t>(self1 - self0);
  const double others = static_cast<double>(std::max<std::int64_t>(0, busy - self)) / static_cast<double>(hz) / wall_s;
  const std::string load_after = loadavg();
  std::printf("\nload after %s; other processes used %.2f CPUs on average during the run\n", load_after.c_str(), others);

  std::ofstream json(json_path);
  json << "{\"machine\":{\"cpu\":\"" << cpu_model() << "\",\"cpus\":" << online_cpu_count() << ",\"core_to_core_rtt_p50_ns\":" << rtt
       << ",\"load_before\":\"" << load_before << "\",\"load_after\":\"" << load_after << "\",\"other_processes_cpus\":" << others
       << "},\"rate\":" << rate << ",\"seconds\":" << seconds << ",\"results\":[";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const RunResult& r = results[i];
    json << (i ? "," : "") << "{\"topology\":\"" << to_string(r.config.mode) << "\",\"wait\":\"" << to_string(r.config.wait)
         << "\",\"journal\":\"" << name(r.config.journal) << "\",\"inputs\":" << r.inputs << ",\"orders\":" << r.orders
         << ",\"backpressure_waits\":" << r.backpressure << ",\"t2o\":" << json_percentiles(r.t2o)
         << ",\"t2o_from_intent\":" << json_percentiles(r.t2o_intent) << ",\"stage_strategy\":" << json_percentiles(r.stage_strategy)
         << ",\"stage_risk\":" << json_percentiles(r.stage_risk) << ",\"stage_core\":" << json_percentiles(r.stage_core) << "}";
  }
  json << "]}\n";
  std::printf("JSON written to %s\n", json_path.c_str());
  return 0;
}
