#include "gateways/binance_net/detail/reconcile.hpp"

#include <algorithm>
#include <map>

#include <simdjson.h>

#include "gateways/binance/parser.hpp"

namespace sequent::binance_net::detail {

namespace {

struct OrderInfo {
  ClientOrderId cid = 0;
  bool ours = false;
  Qty orig_qty;
  Qty executed_qty;
  Side side = Side::kNone;
};

Result<std::string> signed_get(const ReconcileContext& ctx, std::string_view path, std::string query) {
  if (!query.empty()) query += '&';
  query += "recvWindow=" + std::to_string(ctx.recv_window_ms) + "&timestamp=" + std::to_string(ctx.server_ms());
  const binance::HexSignature sig = binance::hmac_sha256_hex(*ctx.secret, query);
  HttpRequest req;
  req.method = HttpMethod::kGet;
  req.target = std::string(path) + "?" + query + "&signature=" + std::string(sig.view());
  req.headers.emplace_back("X-MBX-APIKEY", std::string(ctx.api_key->bytes()));
  HttpResponse r = http_fetch_blocking(ctx.tls, ctx.http, std::move(req));
  if (r.outcome != HttpOutcome::kOk)
    return Error{ErrorCode::kIo, "binance reconcile: GET " + std::string(path) + ": " + r.error};
  if (r.status != 200) {
    // The body is the venue's {"code":..,"msg":..}: it never holds our key or secret.
    return Error{ErrorCode::kIo, "binance reconcile: GET " + std::string(path) + ": status " + std::to_string(r.status) +
                                     ": " + r.body.substr(0, 300)};
  }
  return std::move(r.body);
}

template <class Tag>
bool get_decimal(simdjson::dom::element obj, const char* field, Fixed<Tag>& out) {
  std::string_view s;
  if (obj[field].get(s) != simdjson::SUCCESS) return false;
  return parse_decimal(s, out) == ParseStatus::kOk;
}

Error bad(std::string_view what, std::string_view field) {
  return Error{ErrorCode::kParse, "binance reconcile: " + std::string(what) + ": missing or bad field \"" + std::string(field) + "\""};
}

}  // namespace

Result<ReconcileView> reconcile(const ReconcileContext& ctx, TimeNs since_ns) {
  ReconcileView view;
  simdjson::dom::parser parser;
  const TimeNs now = ctx.server_ms() * 1'000'000;

  auto account = signed_get(ctx, "/api/v3/account", "");
  if (!account) return account.error();
  {
    simdjson::dom::element doc;
    if (parser.parse(*account).get(doc) != simdjson::SUCCESS) return bad("account", "(json)");
    bool can_trade = true;
    if (doc["canTrade"].get(can_trade) == simdjson::SUCCESS && !can_trade)
      return Error{ErrorCode::kInvalidArgument, "binance reconcile: the account says canTrade=false"};
  }

  for (const ReconcileSymbol& sym : ctx.symbols) {
    std::map<std::uint64_t, OrderInfo> orders;  // by venue order id
    auto open = signed_get(ctx, "/api/v3/openOrders", "symbol=" + sym.name);
    if (!open) return open.error();
    simdjson::dom::array arr;
    if (parser.parse(*open).get(arr) != simdjson::SUCCESS) return bad("openOrders", "(array)");
    for (simdjson::dom::element o : arr) {
      std::uint64_t venue_id = 0;
      std::string_view cid_text, side;
      OrderInfo info;
      Price price;
      if (o["orderId"].get(venue_id) != simdjson::SUCCESS) return bad("openOrders", "orderId");
      if (o["clientOrderId"].get(cid_text) != simdjson::SUCCESS) return bad("openOrders", "clientOrderId");
      if (o["side"].get(side) != simdjson::SUCCESS) return bad("openOrders", "side");
      if (!get_decimal(o, "origQty", info.orig_qty)) return bad("openOrders", "origQty");
      if (!get_decimal(o, "executedQty", info.executed_qty)) return bad("openOrders", "executedQty");
      (void)get_decimal(o, "price", price);
      info.side = side == "SELL" ? Side::kSell : Side::kBuy;
      info.ours = binance::parse_client_order_id(cid_text, info.cid);
      orders[venue_id] = info;
      if (!info.ours) {
        ++view.foreign_orders;
        continue;
      }
      view.max_origin_seq = std::max(view.max_origin_seq, origin_seq_of(info.cid));
      Event a = make_event(EventType::kExecReport, ctx.source, sym.id, now);
      a.header.flags = kFlagVenueState;
      a.payload.exec.client_order_id = info.cid;
      a.payload.exec.venue_order_id = venue_id;
      a.payload.exec.exec_type = ExecType::kNew;
      a.payload.exec.side = info.side;
      a.payload.exec.last_price = price;
      a.payload.exec.cum_qty = info.executed_qty;
      a.payload.exec.leaves_qty = info.orig_qty - info.executed_qty;
      view.open_acks.push_back(a);
    }

    const std::int64_t since_ms = since_ns / 1'000'000;
    auto trades_body = signed_get(ctx, "/api/v3/myTrades", "symbol=" + sym.name + "&startTime=" + std::to_string(since_ms) + "&limit=1000");
    if (!trades_body) return trades_body.error();
    std::string trades_json = std::move(*trades_body);
    struct Trade {
      std::uint64_t id, order_id;
      Price price;
      Qty qty;
      Qty commission;
      std::string asset;
      TimeNs time_ns;
      bool buyer, maker;
    };
    std::vector<Trade> trades;
    simdjson::dom::array tarr;
    if (parser.parse(trades_json).get(tarr) != simdjson::SUCCESS) return bad("myTrades", "(array)");
    for (simdjson::dom::element t : tarr) {
      Trade tr{};
      std::int64_t time_ms = 0;
      std::string_view asset;
      if (t["id"].get(tr.id) != simdjson::SUCCESS) return bad("myTrades", "id");
      if (t["orderId"].get(tr.order_id) != simdjson::SUCCESS) return bad("myTrades", "orderId");
      if (!get_decimal(t, "price", tr.price)) return bad("myTrades", "price");
      if (!get_decimal(t, "qty", tr.qty)) return bad("myTrades", "qty");
      (void)get_decimal(t, "commission", tr.commission);
      if (t["commissionAsset"].get(asset) == simdjson::SUCCESS) tr.asset = std::string(asset);
      if (t["time"].get(time_ms) != simdjson::SUCCESS) return bad("myTrades", "time");
      if (t["isBuyer"].get(tr.buyer) != simdjson::SUCCESS) return bad("myTrades", "isBuyer");
      if (t["isMaker"].get(tr.maker) != simdjson::SUCCESS) return bad("myTrades", "isMaker");
      tr.time_ns = time_ms * 1'000'000;
      trades.push_back(std::move(tr));
    }
    std::sort(trades.begin(), trades.end(), [](const Trade& a, const Trade& b) { return a.id < b.id; });
    // Orders that traded but are no longer open: ask the venue for their client id and size.
    for (const Trade& tr : trades) {
      if (orders.count(tr.order_id) != 0) continue;
      auto body = signed_get(ctx, "/api/v3/order", "symbol=" + sym.name + "&orderId=" + std::to_string(tr.order_id));
      if (!body) return body.error();
      simdjson::dom::element o;
      if (parser.parse(*body).get(o) != simdjson::SUCCESS) return bad("order", "(json)");
      OrderInfo info;
      std::string_view cid_text;
      if (o["clientOrderId"].get(cid_text) != simdjson::SUCCESS) return bad("order", "clientOrderId");
      if (!get_decimal(o, "origQty", info.orig_qty)) return bad("order", "origQty");
      if (!get_decimal(o, "executedQty", info.executed_qty)) return bad("order", "executedQty");
      info.ours = binance::parse_client_order_id(cid_text, info.cid);
      orders[tr.order_id] = info;
      if (!info.ours) ++view.foreign_orders;
    }
    // Cumulative quantity per order: what the order executed minus the window's later trades.
    std::map<std::uint64_t, Qty> cum;
    for (auto& [id, info] : orders) cum[id] = info.executed_qty;
    for (const Trade& tr : trades) cum[tr.order_id] -= tr.qty;
    for (const Trade& tr : trades) {
      const OrderInfo& info = orders[tr.order_id];
      if (!info.ours) continue;
      view.max_origin_seq = std::max(view.max_origin_seq, origin_seq_of(info.cid));
      Qty& c = cum[tr.order_id];
      c += tr.qty;
      Event f = make_event(EventType::kExecReport, ctx.source, sym.id, tr.time_ns);
      ExecReportPayload& x = f.payload.exec;
      x.client_order_id = info.cid;
      x.venue_order_id = tr.order_id;
      x.trade_id = tr.id;
      x.last_price = tr.price;
      x.last_qty = tr.qty;
      x.cum_qty = c;
      x.leaves_qty = info.orig_qty - c;
      x.exec_type = x.leaves_qty.is_positive() ? ExecType::kPartialFill : ExecType::kFill;
      x.side = tr.buyer ? Side::kBuy : Side::kSell;
      x.liquidity = tr.maker ? Liquidity::kMaker : Liquidity::kTaker;
      // The fee in the quote currency: a quote-asset commission as is, a base-asset one at the
      // fill price (Binance symbols are base followed by quote), anything else (BNB) unknown: 0.
      const std::string_view name = sym.name;
      if (!tr.asset.empty() && name.size() > tr.asset.size() && name.substr(name.size() - tr.asset.size()) == tr.asset) {
        x.fee = Money::from_raw(tr.commission.raw());
      } else if (!tr.asset.empty() && name.substr(0, tr.asset.size()) == tr.asset) {
        x.fee = notional(tr.price, tr.commission);
      }
      view.fills.push_back(f);
    }
  }
  std::stable_sort(view.fills.begin(), view.fills.end(), [](const Event& a, const Event& b) {
    return a.header.event_ns != b.header.event_ns ? a.header.event_ns < b.header.event_ns
                                                  : a.payload.exec.trade_id < b.payload.exec.trade_id;
  });
  return view;
}

}  // namespace sequent::binance_net::detail
