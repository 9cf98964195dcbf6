#include "tools/replay_command.hpp"

#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <string>

#include "engine/core.hpp"
#include "engine/state_hash.hpp"
#include "replay/backtest.hpp"
#include "replay/export.hpp"
#include "replay/replay.hpp"
#include "tools/session_config.hpp"

namespace sequent::tools {

namespace {

std::string hex(std::uint64_t h) {
  char buf[17] = {};
  format_hash_hex(h, buf);
  return buf;
}

std::string iso_utc(TimeNs ns) {
  const std::time_t t = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void print_state_text(const Core& core, const std::vector<std::string>& symbols) {
  const RouterStage& router = core.router();
  for (std::size_t i = 0; i < router.instrument_count(); ++i) {
    const Position& p = router.position(static_cast<InstrumentId>(i));
    std::printf("position instrument=%s qty=%s avg_price=%s realised=%s unrealised=%s fees=%s net_pnl=%s\n",
                i < symbols.size() ? symbols[i].c_str() : "?", to_string(p.qty()).c_str(), to_string(p.average_price()).c_str(),
                to_string(p.realised()).c_str(), to_string(p.unrealised()).c_str(), to_string(p.fees()).c_str(),
                to_string(p.net_pnl()).c_str());
  }
  // Several strategies: each one's position per instrument it holds or traded, and its totals
  // (fills attributed through each order's strategy_id; strategy 0 = the system book).
  const StrategyStage& stages = core.strategy();
  if (stages.strategy_count() > 1) {
    const StrategyPositions& books = router.strategy_positions();
    for (StrategyId s = 0; s <= stages.strategy_count(); ++s) {
      if (s == kSystemStrategy && books.empty(s)) continue;
      const std::string name = s == kSystemStrategy ? "system" : stages.strategy_name(s);
      for (std::size_t i = 0; i < router.instrument_count(); ++i) {
        const Position& p = books.at(s, static_cast<InstrumentId>(i));
        if (p.qty().is_zero() && !p.bought().is_positive() && !p.sold().is_positive()) continue;
        std::printf("strategy_position strategy=%s instrument=%s qty=%s avg_price=%s realised=%s unrealised=%s fees=%s net_pnl=%s\n",
                    name.c_str(), i < symbols.size() ? symbols[i].c_str() : "?", to_string(p.qty()).c_str(),
                    to_string(p.average_price()).c_str(), to_string(p.realised()).c_str(), to_string(p.unrealised()).c_str(),
                    to_string(p.fees()).c_str(), to_string(p.net_pnl()).c_str());
      }
      std::printf("strategy_pnl strategy=%s net_pnl=%s realised=%s unrealised=%s fees=%s\n", name.c_str(),
                  to_string(books.net_pnl(s)).c_str(), to_string(books.realised(s)).c_str(),
                  to_string(books.unrealised(s)).c_str(), to_string(books.fees(s)).c_str());
    }
  }
  for (const OrderRecord& o : router.orders().sorted()) {
    std::printf("open_order client_order_id=%" PRIu64 " instrument=%s side=%s type=%s status=%s qty=%s cum_qty=%s price=%s\n",
                o.client_order_id, o.instrument < symbols.size() ? symbols[o.instrument].c_str() : "?",
                std::string(to_string(o.side)).c_str(), std::string(to_string(o.order_type)).c_str(),
                std::string(to_string(o.status)).c_str(), to_string(o.qty).c_str(), to_string(o.cum_qty).c_str(),
                to_string(o.price).c_str());
  }
  std::printf("pnl=%s orders=%" PRIu64 " fills=%" PRIu64 " rejects=%" PRIu64 "\n", to_string(router.total_net_pnl()).c_str(),
              router.counters().orders.load(), router.counters().fills.load(), router.counters().rejects.load());
}

void print_state_json(const Core& core, const std::vector<std::string>& symbols, const replay::ReplayReport& r, bool verify) {
  const RouterStage& router = core.router();
  std::string out = "{\"final_seq\":" + std::to_string(r.final_seq) + ",\"state_hash\":\"" + hex(r.state_hash) + "\"";
  out += ",\"snapshot_seq\":" + std::to_string(r.snapshot_seq) + ",\"inputs_replayed\":" + std::to_string(r.inputs);
  out += ",\"pnl\":\"" + to_string(router.total_net_pnl()) + "\",\"positions\":[";
  for (std::size_t i = 0; i < router.instrument_count(); ++i) {
    const Position& p = router.position(static_cast<InstrumentId>(i));
    if (i) out += ",";
    out += "{\"instrument\":\"" + (i < symbols.size() ? symbols[i] : std::string("?")) + "\",\"qty\":\"" + to_string(p.qty()) +
           "\",\"avg_price\":\"" + to_string(p.average_price()) + "\",\"realised\":\"" + to_string(p.realised()) +
           "\",\"unrealised\":\"" + to_string(p.unrealised()) + "\",\"fees\":\"" + to_string(p.fees()) + "\",\"net_pnl\":\"" +
           to_string(p.net_pnl()) + "\"}";
  }
  out += "],\"open_orders\":[";
  bool first = true;
  for (const OrderRecord& o : router.orders().sorted()) {
    if (!first) out += ",";
    first = false;
    out += "{\"client_order_id\":" + std::to_string(o.client_order_id) + ",\"instrument\":\"" +
           (o.instrument < symbols.size() ? symbols[o.instrument] : std::string("?")) + "\",\"side\":\"" +
           std::string(to_string(o.side)) + "\",\"status\":\"" + std::string(to_string(o.status)) + "\",\"qty\":\"" +
           to_string(o.qty) + "\",\"cum_qty\":\"" + to_string(o.cum_qty) + "\"}";
  }
  out += "]";
  if (verify) {
    out += ",\"verify\":{\"ok\":" + std::string(r.divergent_seq ? "false" : "true") +
           ",\"outputs_compared\":" + std::to_string(r.outputs_compared) +
           ",\"checkpoints_compared\":" + std::to_string(r.checkpoints_compared) +
           ",\"snapshot_checked\":" + (r.snapshot_checked ? "true" : "false");
    if (r.divergent_seq) out += ",\"divergent_seq\":" + std::to_string(*r.divergent_seq) + ",\"divergence\":\"" + r.divergence + "\"";
    out += "}";
  }
  out += "}";
  std::printf("%s\n", out.c_str());
}

}  // namespace

int run_replay(const ReplayCommandOptions& options) {
  int code = 0;
  auto reader = open_journal_or_report("replay", options.dir, &code);
  if (!reader) return code;
  // A backtest journal carries its own instrument and strategy; a live session's, the paper setup.
  std::unique_ptr<InstrumentRegistry> registry;
  CoreConfig core_config;
  if (replay::is_backtest_meta(reader->meta())) {
    auto setup = replay::backtest_setup_from_meta(reader->meta());
    if (!setup) {
      std::fprintf(stderr, "sequent replay: %s\n", setup.error().message.c_str());
      return 2;
    }
    registry = std::move(setup->registry);
    core_config = std::move(setup->core);
  } else {
    auto cfg = config_from_journal(*reader, options.dir);
    if (!cfg) {
      std::fprintf(stderr, "sequent replay: %s\n", cfg.error().message.c_str());
      return 2;
    }
    registry = std::move(cfg->registry);
    core_config = std::move(cfg->core);
  }
  auto core = Core::create(*registry, core_config);
  if (!core) {
    std::fprintf(stderr, "sequent replay: %s\n", core.error().message.c_str());
    return 2;
  }
  replay::ReplayOptions ro;
  ro.to = options.to.value_or(journal::kLastSeq);
  ro.verify = options.verify;
  auto report = replay::replay_into(*reader, **core, ro);
  if (!report) {
    std::fprintf(stderr, "sequent replay: %s\n", report.error().message.c_str());
    return exit_code_for(report.error().code);
  }
  const auto symbols = symbols_from_meta(reader->meta());
  if (options.json) {
    print_state_json(**core, symbols, *report, options.verify);
  } else {
    std::printf("final seq=%" PRIu64 " state_hash=%s\n", report->final_seq, hex(report->state_hash).c_str());
    print_state_text(**core, symbols);
  }
  std::fprintf(stderr, "sequent replay: %" PRIu64 " inputs in %.1f ms%s\n", report->inputs, report->elapsed_ms,
               report->snapshot_seq ? (" from the snapshot at seq " + std::to_string(report->snapshot_seq)).c_str() : "");
  if (options.verify) {
    if (report->divergent_seq) {
      std::fprintf(stderr, "sequent replay: divergence at seq %" PRIu64 ": %s\n", *report->divergent_seq, report->divergence.c_str());
      return 3;
    }
    std::string notes;
    if (report->orphaned_records)
      notes += " (" + std::to_string(report->orphaned_records) + " records of inputs lost in a crash kept, not compared)";
    if (report->unrecorded_at_crash)
      notes += " (" + std::to_string(report->unrecorded_at_crash) +
               " outputs a crashed session had not recorded yet, reconciled at its resume)";
    std::fprintf(stderr, "sequent replay: verified: %" PRIu64 " outputs and %" PRIu64 " checkpoints identical%s%s\n",
                 report->outputs_compared, report->checkpoints_compared,
                 report->snapshot_checked ? ", snapshot matches the full replay" : "", notes.c_str());
  }
  return 0;
}

int run_journal_info(const std::string& dir) {
  int code = 0;
  auto reader = open_journal_or_report("journal info", dir, &code);
  if (!reader) return code;
  auto info = reader->info();
  if (!info) {
    std::fprintf(stderr, "sequent journal info: %s\n", info.error().message.c_str());
    return exit_code_for(info.error().code);
  }
  const journal::SessionMeta& m = info->meta;
  std::printf("journal %s\n", dir.c_str());
  std::printf("format_version=%u binary_version=\"%s\"\n", m.format_version, m.binary_version.c_str());
  std::printf("session_start=%s session_start_ns=%" PRId64 "\n", iso_utc(m.session_start_ns).c_str(), m.session_start_ns);
  std::printf("first_seq=%" PRIu64 " last_seq=%" PRIu64 " inputs=%" PRIu64 " outputs=%" PRIu64 " checkpoints=%" PRIu64
              " snapshots=%" PRIu64 " file_bytes=%" PRIu64 "\n",
              info->first_seq, info->last_seq, info->inputs, info->outputs, info->checkpoints, info->snapshots, info->file_bytes);
  std::printf("config_hash=%s\n", hex(m.config_hash).c_str());
  std::printf("instruments:\n%s", m.instruments.c_str());
  return 0;
}

int run_journal_export(const ExportCommandOptions& options) {
  if (options.format != "jsonl") {
    std::fprintf(stderr, "sequent journal export: --format: only jsonl is supported, was '%s'\n", options.format.c_str());
    return 2;
  }
  int code = 0;
  auto reader = open_journal_or_report("journal export", options.dir, &code);
  if (!reader) return code;
  replay::ExportOptions eo;
  eo.from = options.from.value_or(1);
  eo.to = options.to.value_or(journal::kLastSeq);
  eo.outputs = options.outputs;
  // Admin inputs name their user: user_id 1.. is the n-th [[users]] entry of the session's config
  // (backtest journals have no users; their admin inputs are the system's).
  std::vector<std::string> users{"system"};
  if (auto cfg = config_from_journal(*reader, options.dir))
    for (const UserConfig& u : cfg->users) users.push_back(u.name);
  std::ios::sync_with_stdio(false);
  Status s = replay::export_jsonl(*reader, symbols_from_meta(reader->meta()), users, eo, std::cout);
  std::cout.flush();
  if (!s.ok()) {
    std::fprintf(stderr, "sequent journal export: %s\n", s.error().message.c_str());
    return exit_code_for(s.error().code);
  }
  return 0;
}

}  // namespace sequent::tools
