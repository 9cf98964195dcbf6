#!/usr/bin/python3
"""End-to-end test of the admin console against docs/console-protocol.md.

Drives a real `sequent live` (one user per role, console on a free port) with python3-websockets,
a WebSocket client the project does not implement, and checks: authentication, subscriptions and
their data fields, every op by every role against the roles table, the kill switch (reply seq,
halted status, /readyz 503, no new orders after its seq, also in the journal), resume, the
journaled admin inputs with user names and `denied` entries, hostile inputs (each followed by a
check that another client and the engine still work), and /metrics with a strict Prometheus
text-format parser.

Usage: console_e2e.py --sequent PATH [--keep]. Exit 0 pass, 1 fail, 77 skip (no websockets).
"""

import asyncio
from decimal import Decimal
import json
import math
import os
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import console_harness as h  # noqa: E402
from console_harness import Failure, check, log  # noqa: E402

try:
    import websockets
    import websockets.exceptions
except ImportError:
    print("SKIP: python3-websockets is not installed (apt-get install python3-websockets)")
    sys.exit(h.SKIP)

TIMEOUT = 10.0  # seconds for any one awaited reply or update
CHANNELS = ("status", "positions", "orders", "fills", "risk", "alerts", "latency")
SYMBOLS = ("BTCUSDT", "ETHUSDT")  # config/paper.toml's instruments
DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
RATE_LIMIT = 20      # [console] rate_limit_per_s asked for (when the server knows the key)
MAX_CONNECTIONS = 12  # [console] max_connections asked for

ROLE_RANK = {"viewer": 0, "trader": 1, "manager": 2, "admin": 3}
# The roles table: the least role each op needs.
OP_ROLE = {
    "subscribe": "viewer", "unsubscribe": "viewer", "ping": "viewer", "whoami": "viewer", "snapshot": "viewer",
    "cancel_all": "trader", "strategy_start": "trader", "strategy_stop": "trader",
    "kill_switch": "manager", "resume": "manager", "flatten": "manager", "set_risk_limit": "manager",
    "set_strategy_param": "manager",
    "users": "admin",
}
COMMANDS = {"kill_switch", "resume", "cancel_all", "flatten", "set_risk_limit", "strategy_start", "strategy_stop",
            "set_strategy_param"}
# Every op with valid arguments, in an order that leaves the engine trading afterwards.
MATRIX = [
    ("ping", {}),
    ("whoami", {}),
    ("subscribe", {"channels": ["risk"]}),
    ("unsubscribe", {"channels": ["risk"]}),
    ("snapshot", {"channel": "positions"}),
    ("users", {}),
    ("cancel_all", {"symbol": "ETHUSDT"}),
    ("strategy_stop", {"symbol": "ETHUSDT"}),
    ("strategy_start", {"symbol": "ETHUSDT"}),
    ("set_risk_limit", {"limit": "max_order_qty", "symbol": "BTCUSDT", "value": "1"}),
    ("set_risk_limit", {"limit": "max_open_orders", "value": "0"}),
    ("set_strategy_param", {"param": "order_qty", "value": "0.01", "symbol": "BTCUSDT"}),
    ("flatten", {"symbol": "ETHUSDT"}),
    ("kill_switch", {"reason": "role matrix"}),
    ("resume", {}),
]


class Closed(Exception):
    def __init__(self, code, reason):
        super().__init__("connection closed (%s %s)" % (code, reason))
        self.code, self.reason = code, reason


class Client:
    """One WebSocket connection: replies matched by id, updates queued per channel."""

    def __init__(self, ws, label):
        self.ws, self.label = ws, label
        self.next_id = 100
        self.waiting = {}
        self.updates = {c: asyncio.Queue() for c in CHANNELS}
        self.other = asyncio.Queue()  # replies without a matching id (e.g. bad_json)
        self.failure = None
        self.closed = asyncio.get_running_loop().create_future()
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, engine, label, headers=None):
        ws = await websockets.connect(engine.ws_url, max_size=None, ping_interval=None, open_timeout=TIMEOUT,
                                      close_timeout=2, extra_headers=headers)
        return cls(ws, label)

    async def _read(self):
        try:
            async for raw in self.ws:
                if isinstance(raw, bytes):
                    raise Failure("%s: server sent a binary frame" % self.label)
                msg = json.loads(raw)
                check(isinstance(msg, dict), "%s: server sent a non-object: %r" % (self.label, raw[:200]))
                if "channel" in msg and "ok" not in msg:
                    check(msg["channel"] in self.updates, "%s: update on unknown channel %r" % (self.label, msg["channel"]))
                    check("id" not in msg, "%s: updates carry no id: %r" % (self.label, raw[:200]))
                    check(isinstance(msg.get("data"), dict), "%s: update without a data object: %r" % (self.label, raw[:200]))
                    self.updates[msg["channel"]].put_nowait(msg)
                elif msg.get("id") in self.waiting:
                    self.waiting.pop(msg["id"]).set_result(msg)
                else:
                    self.other.put_nowait(msg)
        except websockets.exceptions.ConnectionClosed:
            pass
        except Failure as e:  # surfaced by the next request() or update()
            self.failure = e
            await self.ws.close()
        finally:
            if not self.closed.done():
                self.closed.set_result((self.ws.close_code, self.ws.close_reason))
            for fut in self.waiting.values():
                if not fut.done():
                    fut.set_exception(self.failure or Closed(self.ws.close_code, self.ws.close_reason))

    async def request(self, op, timeout=TIMEOUT, **fields):
        if self.failure:
            raise self.failure
        self.next_id += 1
        rid = fields.pop("id", self.next_id)
        fut = asyncio.get_running_loop().create_future()
        self.waiting[rid] = fut
        msg = dict(op=op, id=rid, **fields)
        try:
            await self.ws.send(json.dumps(msg))
        except websockets.exceptions.ConnectionClosed:
            self.waiting.pop(rid, None)
            raise Closed(self.ws.close_code, self.ws.close_reason)
        try:
            reply = await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            raise Failure("%s: no reply to %s within %.0f s" % (self.label, json.dumps(msg)[:200], timeout))
        check(reply.get("id") == rid, "%s: reply id %r for request id %r" % (self.label, reply.get("id"), rid))
        check(isinstance(reply.get("ok"), bool), "%s: reply without ok: %r" % (self.label, reply))
        if not reply["ok"]:
            err = reply.get("error")
            check(isinstance(err, dict) and isinstance(err.get("code"), str) and isinstance(err.get("message"), str),
                  "%s: failed reply without error {code, message}: %r" % (self.label, reply))
        return reply

    async def ok(self, op, **fields):
        reply = await self.request(op, **fields)
        check(reply["ok"], "%s: %s %s failed: %r" % (self.label, op, fields, reply))
        return reply

    async def error(self, code, op, **fields):
        reply = await self.request(op, **fields)
        check(not reply["ok"] and reply["error"]["code"] == code,
              "%s: %s %s: expected error %s, got %r" % (self.label, op, json.dumps(fields)[:200], code, reply))
        return reply

    async def auth(self, engine, role):
        reply = await self.ok("auth", token=engine.token(role))
        check(reply.get("user") == engine.name(role) and reply.get("role") == role,
              "auth as %s: expected user %s role %s, got %r" % (role, engine.name(role), role, reply))
        return reply

    async def update(self, channel, predicate=lambda m: True, timeout=TIMEOUT, what=None):
        """The next update on channel that satisfies predicate (earlier ones are consumed)."""
        deadline = time.monotonic() + timeout
        q = self.updates[channel]
        while True:
            if self.failure:
                raise self.failure
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure("%s: no %s update %swithin %.0f s" % (self.label, channel, (what + " ") if what else "", timeout))
            try:
                msg = await asyncio.wait_for(q.get(), left)
            except asyncio.TimeoutError:
                continue
            if predicate(msg):
                return msg

    def drain(self, channel):
        q = self.updates[channel]
        while not q.empty():
            q.get_nowait()

    async def wait_closed(self, timeout=TIMEOUT):
        try:
            return await asyncio.wait_for(asyncio.shield(self.closed), timeout)
        except asyncio.TimeoutError:
            raise Failure("%s: the server did not close the connection within %.0f s" % (self.label, timeout))

    async def close(self):
        await self.ws.close()
        await asyncio.wait_for(self.reader, TIMEOUT)


# ---- checks ---------------------------------------------------------------------------------

def check_fields(channel, data, fields):
    missing = [f for f in fields if f not in data]
    check(not missing, "%s update lacks %s: %r" % (channel, missing, data))


def check_decimals(channel, data, fields):
    for f in fields:
        check(isinstance(data[f], str) and DECIMAL.match(data[f]),
              "%s.%s must be a decimal string, was %r" % (channel, f, data[f]))


def check_ints(channel, data, fields):
    for f in fields:
        check(isinstance(data[f], int) and not isinstance(data[f], bool), "%s.%s must be an integer, was %r" % (channel, f, data[f]))


def check_status(data):
    fields = ["seq", "event_ns", "orders", "fills", "rejects", "cancels", "realised", "unrealised", "fees", "pnl",
              "halted", "breaker", "strategies_enabled", "mode"]
    check_fields("status", data, fields)
    check_ints("status", data, ["seq", "event_ns", "orders", "fills", "rejects", "cancels"])
    check_decimals("status", data, ["realised", "unrealised", "fees", "pnl"])
    check(isinstance(data["halted"], bool) and isinstance(data["strategies_enabled"], bool), "status: halted and strategies_enabled are bools: %r" % data)
    check(data["breaker"] in ("none", "daily_loss", "drawdown"), "status.breaker: %r" % data["breaker"])


def check_position(data):
    check_fields("positions", data, ["symbol", "qty", "avg_price", "last_price", "realised", "unrealised", "fees", "pnl"])
    check(data["symbol"] in SYMBOLS, "positions.symbol %r is not a configured instrument" % data["symbol"])
    check_decimals("positions", data, ["qty", "avg_price", "last_price", "realised", "unrealised", "fees", "pnl"])


async def engine_alive(engine, label):
    """The process runs, a fresh client can authenticate and ping, and the core's seq advances."""
    check(engine.running(), "after %s: sequent live is no longer running; stderr:\n%s" % (label, engine.stderr()))
    c = await Client.connect(engine, "probe after " + label)
    try:
        await c.auth(engine, "viewer")
        reply = await c.ok("ping")
        check(reply.get("pong") is True, "ping: expected pong: true, got %r" % reply)
        await c.ok("subscribe", channels=["status"])
        first = await c.update("status")
        await c.update("status", lambda m: m["data"]["seq"] > first["data"]["seq"], what="with an advancing seq")
    finally:
        await c.close()


# ---- the scenarios --------------------------------------------------------------------------

async def test_auth(engine):
    log("auth: every role's token, a wrong token, requests before auth, the Authorization header")
    for role in h.ROLES:
        c = await Client.connect(engine, "auth-" + role)
        await c.auth(engine, role)
        who = await c.ok("whoami")
        check(who.get("user") == engine.name(role) and who.get("role") == role, "whoami as %s: %r" % (role, who))
        await c.close()

    # The server counts requests before auth towards the three strikes of failed auth (stricter
    # than docs/console-protocol.md, which names only failed auth requests): two here, then auth.
    c = await Client.connect(engine, "unauthenticated")
    await c.error("unauthenticated", "ping")
    await c.error("unauthenticated", "kill_switch")
    await c.auth(engine, "viewer")
    await c.ok("ping")
    await c.close()

    c = await Client.connect(engine, "one bad token")
    await c.error("auth_failed", "auth", token="0" * 64)
    await c.auth(engine, "viewer")  # a good token after a failed one still works
    await c.ok("ping")
    await c.close()

    c = await Client.connect(engine, "three bad tokens")
    for i in range(3):
        try:
            await c.error("auth_failed", "auth", token="bad-token-%d" % i)
        except Closed:
            check(i == 2, "the connection closed after %d failed auth requests, not 3" % (i + 1))
    code, reason = await c.wait_closed()
    check(code == 1008, "three failed auth requests: expected close code 1008, got %s %r" % (code, reason))

    c = await Client.connect(engine, "bearer header", headers={"Authorization": "Bearer " + engine.token("trader")})
    who = await c.ok("whoami")
    check(who.get("user") == engine.name("trader") and who.get("role") == "trader", "whoami with Authorization header: %r" % who)
    await c.close()


async def test_subscribe(engine):
    log("subscribe: snapshots and updates with the documented fields on every channel")
    c = await Client.connect(engine, "subscriber")
    await c.auth(engine, "viewer")
    reply = await c.ok("subscribe", channels=["status", "positions"])
    check(sorted(reply.get("channels", [])) == ["positions", "status"], "subscribe reply channels: %r" % reply)
    status = await c.update("status")
    check_status(status["data"])
    seen = set()
    while seen != set(SYMBOLS):
        p = await c.update("positions", what="for every instrument (%s seen)" % sorted(seen))
        check_position(p["data"])
        seen.add(p["data"]["symbol"])
    later = await c.update("status", lambda m: m["data"]["seq"] > status["data"]["seq"], what="with a later seq")
    check_status(later["data"])

    reply = await c.ok("subscribe", channels=["risk", "latency", "orders", "fills", "alerts"])
    risk = await c.update("risk")
    check_fields("risk", risk["data"], ["halted", "breaker", "rejects_total", "rejects_by_reason", "limits"])
    check(isinstance(risk["data"]["limits"], dict) and isinstance(risk["data"]["rejects_by_reason"], dict), "risk: %r" % risk["data"])
    lat = await c.update("latency", timeout=5.0)
    check_fields("latency", lat["data"], ["t2o_p50_us", "t2o_p99_us", "t2o_p999_us", "t2o_count"])
    order = await c.update("orders", timeout=30.0, what="(the strategy should trade within 30 s)")
    check_fields("orders", order["data"], ["client_order_id", "symbol", "side", "type", "status", "price", "qty", "cum_qty", "strategy_id"])
    check_decimals("orders", order["data"], ["price", "qty", "cum_qty"])
    fill = await c.update("fills", timeout=30.0)
    check_fields("fills", fill["data"], ["client_order_id", "symbol", "side", "price", "qty", "fee", "liquidity", "trade_id"])
    check_decimals("fills", fill["data"], ["price", "qty", "fee"])

    snap = await c.ok("snapshot", channel="positions")
    check(isinstance(snap.get("data"), list) and {d.get("symbol") for d in snap["data"]} == set(SYMBOLS),
          "snapshot positions: a list with one entry per instrument, got %r" % snap)
    for d in snap["data"]:
        check_position(d)
    snap = await c.ok("snapshot", channel="status")
    check(isinstance(snap.get("data"), list) and len(snap["data"]) == 1, "snapshot status: a one-element list, got %r" % snap)
    check_status(snap["data"][0])

    reply = await c.ok("unsubscribe", channels=["latency", "orders", "fills", "alerts", "risk"])
    check(sorted(reply.get("channels", [])) == ["alerts", "fills", "latency", "orders", "risk"], "unsubscribe reply: %r" % reply)
    await c.close()


async def test_kill_switch(engine, kills):
    log("kill switch: reply seq, halted, /readyz 503, reduce-only, resume")
    status_code, body, _ = h.http_get(engine.base_url + "/readyz")
    # Market data may take a moment to count as flowing: poll /readyz with a bound.
    deadline = time.monotonic() + TIMEOUT
    while status_code != 200 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        status_code, body, _ = h.http_get(engine.base_url + "/readyz")
    check(status_code == 200, "/readyz before the kill switch: expected 200, got %d %r" % (status_code, body))

    watcher = await Client.connect(engine, "kill watcher")
    await watcher.auth(engine, "viewer")
    await watcher.ok("subscribe", channels=["status", "positions"])
    await watcher.update("status", lambda m: m["data"]["orders"] > 0 and not m["data"]["halted"], timeout=30.0,
                         what="with orders > 0 (the strategy must trade before the kill switch means anything)")

    mgr = await Client.connect(engine, "manager")
    await mgr.auth(engine, "manager")
    kill = await mgr.ok("kill_switch", reason="e2e: fat finger")
    check(kill.get("command") == "kill_switch" and isinstance(kill.get("seq"), int) and kill["seq"] > 0,
          "kill_switch reply must carry command and an integer seq: %r" % kill)
    kseq = kill["seq"]
    halted = await watcher.update("status", lambda m: m["data"]["seq"] >= kseq and m["data"]["halted"],
                                  what="showing halted at or after the kill seq %d" % kseq)
    prev_seq = halted["data"]["seq"]
    for i in range(3):  # the next status updates: seq moves on, exposure never grows
        s = await watcher.update("status", lambda m: m["data"]["seq"] > prev_seq, what="after the kill switch (#%d)" % (i + 1))
        prev_seq = s["data"]["seq"]
        check(s["data"]["halted"], "status after the kill switch lost halted: %r" % s["data"])
    # The kill switch stops every strategy order (docs/risk.md, reason 11): from its seq on no
    # exposure can grow (the journal check below asserts that no order left at all). The positions feed (its subscription snapshot, then every change)
    # must show no instrument's exposure growing after the kill seq.
    exposure, after = {}, 0
    while not watcher.updates["positions"].empty():
        p = watcher.updates["positions"].get_nowait()
        sym, qty = p["data"]["symbol"], abs(Decimal(p["data"]["qty"]))
        if p["seq"] > kseq and sym in exposure:
            after += 1
            check(qty <= exposure[sym], "%s exposure grew while halted: |qty| %s > %s at seq %s" % (sym, qty, exposure[sym], p["seq"]))
        exposure[sym] = qty
    log("kill switch at seq %d: %d position updates after it, none growing" % (kseq, after))
    code, body, _ = h.http_get(engine.base_url + "/readyz")
    check(code == 503, "/readyz while halted: expected 503, got %d %r" % (code, body))
    check("halt" in body.lower() or "kill" in body.lower(), "/readyz 503 should name the halt among its failing conditions: %r" % body)

    resume = await mgr.ok("resume")
    check(resume.get("command") == "resume" and isinstance(resume.get("seq"), int) and resume["seq"] > kseq,
          "resume reply: a seq after the kill seq %d: %r" % (kseq, resume))
    await watcher.update("status", lambda m: m["data"]["seq"] >= resume["seq"] and not m["data"]["halted"],
                         what="clearing halted after resume seq %d" % resume["seq"])
    deadline = time.monotonic() + TIMEOUT
    code, body, _ = h.http_get(engine.base_url + "/readyz")
    while code != 200 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        code, body, _ = h.http_get(engine.base_url + "/readyz")
    check(code == 200, "/readyz after resume: expected 200, got %d %r" % (code, body))
    kills.append((kseq, resume["seq"], engine.name("manager")))
    await watcher.close()
    await mgr.close()


async def test_roles(engine, journal_expect, kills):
    log("roles: every op by every role, allowed or forbidden per the roles table")
    for role in h.ROLES:
        c = await Client.connect(engine, "matrix-" + role)
        await c.auth(engine, role)
        kill_seq = None
        for op, fields in MATRIX:
            allowed = ROLE_RANK[role] >= ROLE_RANK[OP_ROLE[op]]
            reply = await c.request(op, **fields)
            what = "%s by %s (%s)" % (op, role, json.dumps(fields))
            if not allowed:
                check(not reply["ok"] and reply["error"]["code"] == "forbidden", "%s: expected forbidden, got %r" % (what, reply))
                journal_expect["denied"].append((engine.name(role), op))
                continue
            check(reply["ok"], "%s: expected ok, got %r" % (what, reply))
            if op in COMMANDS:
                check(reply.get("command") == op and isinstance(reply.get("seq"), int) and reply["seq"] > 0,
                      "%s: reply needs command and seq: %r" % (what, reply))
                journal_expect["commands"].append((reply["seq"], engine.name(role), op))
                if op == "kill_switch":
                    kill_seq = reply["seq"]
                elif op == "resume" and kill_seq is not None:
                    kills.append((kill_seq, reply["seq"], engine.name(role)))
            elif op == "users":
                got = {(u.get("name"), u.get("role")) for u in reply.get("users", [])}
                want = {(engine.name(r), r) for r in h.ROLES}
                check(got == want, "users: expected %s, got %r" % (sorted(want), reply))
                check(not any("token" in k for u in reply["users"] for k in u), "users must not carry tokens or hashes: %r" % reply)
            elif op == "ping":
                check(reply.get("pong") is True, "ping: %r" % reply)
            elif op == "whoami":
                check(reply.get("user") == engine.name(role) and reply.get("role") == role, "whoami: %r" % reply)
            elif op in ("subscribe", "unsubscribe"):
                check(reply.get("channels") == fields["channels"], "%s: %r" % (what, reply))
            elif op == "snapshot":
                check(isinstance(reply.get("data"), list), "%s: data must be a list: %r" % (what, reply))
        await c.close()


async def test_bad_requests(engine):
    log("bad requests: malformed JSON, unknown op/channel/symbol/limit/param, missing fields, bad values")
    c = await Client.connect(engine, "bad requests")
    await c.auth(engine, "manager")

    async def raw_error(text, code):
        await c.ws.send(text)
        try:
            msg = await asyncio.wait_for(c.other.get(), TIMEOUT)
        except asyncio.TimeoutError:
            raise Failure("no reply to %r within %.0f s" % (text[:80], TIMEOUT))
        check(msg.get("ok") is False and msg.get("error", {}).get("code") == code,
              "%r: expected error %s, got %r" % (text[:80], code, msg))

    await raw_error("{not json", "bad_json")
    await raw_error("[1, 2, 3]", "bad_json")
    await raw_error('"ping"', "bad_json")
    await raw_error('{"op": "ping", "id": 1', "bad_json")
    await raw_error('{"id": 7001}', "bad_request")  # no op
    await c.error("unknown_op", "launch_missiles")
    await c.error("unknown_channel", "subscribe", channels=["status", "nope"])
    await c.error("unknown_channel", "unsubscribe", channels=["trades"])
    await c.error("unknown_channel", "snapshot", channel="nope")
    await c.error("bad_request", "subscribe")
    await c.error("bad_request", "subscribe", channels="status")
    await c.error("bad_request", "snapshot")
    await c.error("bad_request", "set_risk_limit", limit="max_order_qty")
    await c.error("bad_request", "set_risk_limit", value="1")
    await c.error("bad_request", "set_risk_limit", limit="max_order_qty", value=1)  # value must be a string
    await c.error("bad_request", "set_strategy_param", value="0.01")
    await c.error("bad_request", "kill_switch", reason="x" * 201)
    await raw_error(json.dumps({"op": "ping", "id": "i" * 65}), "bad_request")
    await c.error("unknown_symbol", "cancel_all", symbol="NOPEUSDT")
    await c.error("unknown_symbol", "set_risk_limit", limit="max_order_qty", symbol="NOPEUSDT", value="1")
    await c.error("unknown_limit", "set_risk_limit", limit="max_fun", value="1")
    await c.error("unknown_param", "set_strategy_param", param="leverage", value="100")
    await c.error("bad_value", "set_risk_limit", limit="max_order_qty", symbol="BTCUSDT", value="lots")
    await c.error("bad_value", "set_strategy_param", param="order_qty", value="-")
    reply = await c.request("ping", id="str-id-1")
    check(reply.get("ok") and reply.get("id") == "str-id-1", "a string id is echoed: %r" % reply)
    await c.ok("ping")  # the connection survives all of it
    await c.close()
    await engine_alive(engine, "bad requests")


async def test_hostile_frames(engine):
    log("hostile frames: binary (1003), oversized (1009), flood (rate_limited / 1008)")
    c = await Client.connect(engine, "binary")
    await c.auth(engine, "viewer")
    await c.ws.send(b'{"op":"ping","id":1}')
    code, reason = await c.wait_closed()
    check(code == 1003, "a binary frame: expected close code 1003, got %s %r" % (code, reason))
    await engine_alive(engine, "binary frame")

    c = await Client.connect(engine, "oversized")
    await c.auth(engine, "viewer")
    await c.ws.send(json.dumps({"op": "ping", "id": 1, "pad": "x" * (64 * 1024 + 100)}))
    code, reason = await c.wait_closed()
    check(code == 1009, "a frame over 64 KiB: expected close code 1009, got %s %r" % (code, reason))
    await engine_alive(engine, "oversized frame")

    c = await Client.connect(engine, "oversized before auth")
    await c.ws.send("x" * (200 * 1024))
    code, reason = await c.wait_closed()
    check(code == 1009, "a 200 KiB frame before auth: expected close code 1009, got %s %r" % (code, reason))
    await engine_alive(engine, "oversized frame before auth")

    c = await Client.connect(engine, "flood")
    await c.auth(engine, "viewer")
    n = 400 if "rate_limit_per_s" not in engine.console_options else RATE_LIMIT * 5
    ids = list(range(10000, 10000 + n))
    futures = []
    for rid in ids:
        fut = asyncio.get_running_loop().create_future()
        c.waiting[rid] = fut
        futures.append(fut)
    try:
        for rid in ids:
            await c.ws.send(json.dumps({"op": "ping", "id": rid}))
    except websockets.exceptions.ConnectionClosed:
        pass
    done, _ = await asyncio.wait(futures, timeout=TIMEOUT)
    codes = [f.result()["error"]["code"] for f in done if f.exception() is None and not f.result()["ok"]]
    closed_code = c.closed.result()[0] if c.closed.done() else None
    check("rate_limited" in codes or closed_code == 1008,
          "a burst of %d pings: expected rate_limited replies or close 1008, got errors %s and close %s" % (n, sorted(set(codes)), closed_code))
    check(set(codes) <= {"rate_limited"}, "a flood may only be answered with rate_limited, got %s" % sorted(set(codes)))
    if not c.closed.done():
        await c.close()
    await engine_alive(engine, "flood")


async def test_connection_limit(engine):
    if "max_connections" not in engine.console_options:
        log("connection limit: skipped (the server does not take [console] max_connections)")
        return
    log("connection limit: %d connections, then refused (HTTP 503 or close 1013)" % MAX_CONNECTIONS)
    clients, refused = [], None
    try:
        for i in range(MAX_CONNECTIONS + 4):
            try:
                c = await Client.connect(engine, "conn-%d" % i)
            except websockets.exceptions.InvalidStatusCode as e:
                refused = "HTTP %d" % e.status_code
                check(e.status_code == 503, "a connection over the limit: expected HTTP 503, got %d" % e.status_code)
                break
            clients.append(c)
            try:
                await c.auth(engine, "viewer")
            except (Closed, Failure):
                code, reason = await c.wait_closed()
                check(code == 1013, "a connection over the limit: expected close 1013, got %s %r" % (code, reason))
                refused = "close 1013"
                break
        check(refused is not None, "%d connections were all accepted with max_connections = %d" % (len(clients), MAX_CONNECTIONS))
        check(len(clients) >= MAX_CONNECTIONS - 1, "refused after only %d connections (max_connections = %d)" % (len(clients), MAX_CONNECTIONS))
    finally:
        for c in clients:
            if not c.closed.done():
                await c.close()
    # Closed connections free their slots (the server may take a moment to notice: bounded retry).
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            await engine_alive(engine, "connection limit")
            break
        except (websockets.exceptions.InvalidStatusCode, Closed, Failure):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


# ---- /metrics: a strict Prometheus text format 0.0.4 parser --------------------------------

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def parse_float(text, where):
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    check(re.fullmatch(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?", text) is not None, "%s: bad float %r" % (where, text))
    return float(text)


def parse_labels(text, pos, where):
    """Parses {a="x",b="y"} starting at text[pos] == '{'; returns (dict, next pos)."""
    labels = {}
    pos += 1
    while True:
        if text[pos:pos + 1] == "}":
            return labels, pos + 1
        m = LABEL_NAME.match(text, pos)
        check(m is not None, "%s: bad label name at column %d" % (where, pos + 1))
        name = m.group(0)
        check(name not in labels, "%s: label %s twice" % (where, name))
        check(not name.startswith("__"), "%s: label names starting with __ are reserved" % where)
        pos = m.end()
        check(text[pos:pos + 2] == '="', "%s: expected =\" after label %s" % (where, name))
        pos += 2
        value = []
        while True:
            check(pos < len(text), "%s: unterminated label value" % where)
            ch = text[pos]
            if ch == "\\":
                nxt = text[pos + 1:pos + 2]
                check(nxt in ("\\", '"', "n"), "%s: bad escape \\%s in a label value" % (where, nxt))
                value.append("\n" if nxt == "n" else nxt)
                pos += 2
            elif ch == '"':
                pos += 1
                break
            else:
                check(ch != "\n", "%s: newline in a label value" % where)
                value.append(ch)
                pos += 1
        labels[name] = "".join(value)
        if text[pos:pos + 1] == ",":
            pos += 1
            continue
        check(text[pos:pos + 1] == "}", "%s: expected , or } after a label value" % where)
        return labels, pos + 1


def parse_prometheus(body):
    """Families {name: {"type", "help", "samples": [(sample name, labels, value)]}}; raises Failure."""
    check(body.endswith("\n"), "/metrics: the last line must end with a newline")
    families, order, current = {}, [], None

    def family_of(sample):
        for suffix in ("_bucket", "_sum", "_count"):
            base = sample[:-len(suffix)]
            if sample.endswith(suffix) and base in families and families[base]["type"] in ("histogram", "summary"):
                return base
        return sample

    for n, line in enumerate(body.split("\n")[:-1], 1):
        where = "/metrics line %d (%r)" % (n, line[:120])
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 2 and parts[1] in ("HELP", "TYPE"):
                check(len(parts) >= 3 and METRIC_NAME.fullmatch(parts[2]), "%s: bad metric name" % where)
                name = parts[2]
                fam = families.setdefault(name, {"type": None, "help": None, "samples": []})
                if name not in order:
                    order.append(name)
                check(not fam["samples"], "%s: %s after the samples of %s" % (where, parts[1], name))
                if parts[1] == "TYPE":
                    check(fam["type"] is None, "%s: second TYPE for %s" % (where, name))
                    check(len(parts) == 4 and parts[3] in TYPES, "%s: bad type" % where)
                    fam["type"] = parts[3]
                else:
                    check(fam["help"] is None, "%s: second HELP for %s" % (where, name))
                    text = parts[3] if len(parts) == 4 else ""
                    check(re.fullmatch(r"(?:[^\\]|\\\\|\\n)*", text) is not None, "%s: HELP allows only \\\\ and \\n escapes" % where)
                    fam["help"] = text
                current = name
            continue
        m = METRIC_NAME.match(line)
        check(m is not None, "%s: bad metric name" % where)
        sample, pos = m.group(0), m.end()
        labels = {}
        if line[pos:pos + 1] == "{":
            labels, pos = parse_labels(line, pos, where)
        check(line[pos:pos + 1] == " ", "%s: expected one space before the value" % where)
        rest = line[pos + 1:].split(" ")
        check(1 <= len(rest) <= 2 and rest[0] != "", "%s: expected VALUE [TIMESTAMP]" % where)
        value = parse_float(rest[0], where)
        if len(rest) == 2:
            check(re.fullmatch(r"-?[0-9]+", rest[1]) is not None, "%s: bad timestamp" % where)
        name = family_of(sample)
        fam = families.setdefault(name, {"type": None, "help": None, "samples": []})
        if name not in order:
            order.append(name)
        check(current in (None, name) or not fam["samples"], "%s: samples of %s are not contiguous" % (where, name))
        current = name
        key = (sample, tuple(sorted(labels.items())))
        check(key not in {(s, tuple(sorted(l.items()))) for s, l, _ in fam["samples"]}, "%s: duplicate sample" % where)
        fam["samples"].append((sample, labels, value))
        if fam["type"] == "counter":
            check(value >= 0 and not math.isnan(value), "%s: a counter must be >= 0" % where)
        if fam["type"] in ("counter", "gauge", "untyped", None):
            check(sample == name, "%s: %s is not a sample name of %s family %s" % (where, sample, fam["type"], name))

    for name, fam in families.items():
        # HELP/TYPE without samples is legal (a labelled family with no children yet).
        if fam["type"] == "histogram":
            check_histogram(name, fam["samples"])
    return families


def check_histogram(name, samples):
    groups = {}
    for sample, labels, value in samples:
        base = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        g = groups.setdefault(base, {"buckets": [], "sum": None, "count": None})
        if sample == name + "_bucket":
            check("le" in labels, "/metrics: %s_bucket without le" % name)
            g["buckets"].append((parse_float(labels["le"], name + " le"), value))
        elif sample == name + "_sum":
            check("le" not in labels, "/metrics: %s_sum with le" % name)
            g["sum"] = value
        elif sample == name + "_count":
            check("le" not in labels, "/metrics: %s_count with le" % name)
            g["count"] = value
        else:
            raise Failure("/metrics: %s in histogram %s" % (sample, name))
    for labels, g in groups.items():
        where = "/metrics: histogram %s%s" % (name, dict(labels) or "")
        check(g["buckets"], where + ": no buckets")
        check(g["sum"] is not None and g["count"] is not None, where + ": needs _sum and _count")
        les = [le for le, _ in g["buckets"]]
        check(les == sorted(les) and len(set(les)) == len(les), where + ": le values must be increasing")
        check(les[-1] == math.inf, where + ': the last bucket must be le="+Inf"')
        counts = [v for _, v in g["buckets"]]
        check(all(a <= b for a, b in zip(counts, counts[1:])), where + ": buckets must be cumulative")
        check(counts[-1] == g["count"], where + ": +Inf bucket %s != _count %s" % (counts[-1], g["count"]))
        check(all(v == int(v) and v >= 0 for v in counts), where + ": bucket counts are non-negative integers")
        check(g["count"] > 0 or g["sum"] == 0, where + ": _sum without observations")


def test_parser_rejects_garbage():
    """The parser must itself be strict, or passing it means nothing."""
    good = "# HELP a_total A.\n# TYPE a_total counter\na_total 3\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3.5\nh_count 2\n"
    parse_prometheus(good)
    bad = [
        good[:-1],                                         # no final newline
        "1abc 3\n",                                        # bad name
        "a{b=\"x} 1\n",                                     # unterminated label
        "a{b=x} 1\n",                                      # unquoted label
        "a 1.2.3\n",                                       # bad float
        "# TYPE a counter\na -1\n",                        # negative counter
        "# TYPE a cnt\na 1\n",                             # bad type
        "a 1\nb 1\na 2\n",                                 # not contiguous (duplicate family)
        "# TYPE h histogram\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n",  # not cumulative
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",                          # no +Inf
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",                       # count mismatch
        "a  1\n",                                          # two spaces
    ]
    for text in bad:
        try:
            parse_prometheus(text)
        except Failure:
            continue
        raise Failure("the Prometheus parser accepted %r" % text)


def test_metrics(engine):
    log("/metrics: strict Prometheus text format 0.0.4")
    test_parser_rejects_garbage()
    status, body, headers = h.http_get(engine.base_url + "/metrics")
    check(status == 200, "/metrics: expected 200, got %d" % status)
    ctype = headers.get("Content-Type", "")
    check(ctype.startswith("text/plain") and "version=0.0.4" in ctype, "/metrics Content-Type: %r" % ctype)
    families = parse_prometheus(body)
    check(sum(1 for f in families.values() if f["samples"]) >= 3, "/metrics: expected several metric families with samples, got %s" % sorted(families))
    for name, fam in families.items():
        check(fam["type"] is not None and fam["help"] is not None, "/metrics: %s needs HELP and TYPE" % name)
    log("/metrics: %d families: %s" % (len(families), ", ".join(sorted(families))))
    status, body, _ = h.http_get(engine.base_url + "/healthz")
    check(status == 200, "/healthz: %d %r" % (status, body))
    status, _, _ = h.http_get(engine.base_url + "/no-such-path")
    check(status == 404, "an unknown path: expected 404, got %d" % status)


def check_journal(engine, kills, journal_expect):
    log("journal: admin inputs with user names, denied entries, no new orders while halted")
    records = engine.export_journal()
    inputs = {r["seq"]: r for r in records if "type" in r}
    outputs = [r for r in records if "output" in r]
    admin = [r for r in inputs.values() if r["type"] == "admin"]
    check(admin, "the journal has no admin inputs")
    for seq, user, op in journal_expect["commands"]:
        r = inputs.get(seq)
        check(r is not None and r["type"] == "admin", "the reply seq %d of %s by %s is not an admin input in the journal: %r" % (seq, op, user, r))
        check(r["command"] == op and r["user"] == user and r.get("source") == "console",
              "journal seq %d: expected %s by %s from the console, got %r" % (seq, op, user, r))
    for kseq, rseq, user in kills:
        check(inputs.get(kseq, {}).get("command") == "kill_switch" and inputs[kseq].get("user") == user,
              "journal seq %d should be kill_switch by %s: %r" % (kseq, user, inputs.get(kseq)))
    # The kill switch stops orders: no new order has an origin seq between a kill switch and its
    # resume (cancels may go out: the router cancels working orders on the kill switch).
    sent_while_halted = 0
    for r in records:
        if r.get("output") == "order_new" and any(k < r["seq"] < res for k, res, _ in kills):
            sent_while_halted += 1
            check(False, "an order left the router while the kill switch was on: %r" % r)
    denied = {}
    names = {engine.name(role) for role in h.ROLES}
    for r in admin:
        if r["command"] == "denied" and r["user"] in names:
            denied[r["user"]] = denied.get(r["user"], 0) + 1
    want = {}
    for user, _ in journal_expect["denied"]:
        want[user] = want.get(user, 0) + 1
    check(denied == want, "denied admin inputs per user: expected %s (one per forbidden request), got %s" % (want, denied))
    for role in h.ROLES:
        token = engine.token(role)
        check(not any(token in json.dumps(r) for r in records), "a token appears in the journal")
    log("journal: %d admin inputs, %d denied, %d outputs, %d orders while halted"
        % (len(admin), sum(denied.values()), len(outputs), sent_while_halted))


def run_cli(engine, args, token_role=None, url=None, extra_env=None):
    """`sequent console URL ARGS...` with the token in SEQUENT_CONSOLE_TOKEN (not in argv)."""
    env = dict(os.environ)
    env.update(extra_env or {})
    env.pop("SEQUENT_CONSOLE_TOKEN", None)
    if token_role:
        env["SEQUENT_CONSOLE_TOKEN"] = engine.token(token_role)
    r = subprocess.run([engine.sequent, "console", url or engine.ws_url] + args, capture_output=True, text=True,
                       timeout=60, env=env, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout, r.stderr


def test_cli(engine, journal_expect):
    log("sequent console: one-shot commands, exit codes 0 / 1 / 2, subscribe --count")
    code, out, err = run_cli(engine, ["whoami"], "manager")
    check(code == 0 and json.loads(out).get("user") == engine.name("manager"), "console whoami: %d %r %r" % (code, out, err))
    code, out, err = run_cli(engine, ["set_risk_limit", "limit=max_order_qty", "symbol=BTCUSDT", "value=1"], "manager")
    reply = json.loads(out) if code == 0 else {}
    check(code == 0 and reply.get("command") == "set_risk_limit" and isinstance(reply.get("seq"), int),
          "console set_risk_limit: %d %r %r" % (code, out, err))
    journal_expect["commands"].append((reply["seq"], engine.name("manager"), "set_risk_limit"))
    code, out, err = run_cli(engine, ["users"], "viewer")
    check(code == 1 and "forbidden" in err and json.loads(out)["error"]["code"] == "forbidden", "console users as viewer: %d %r %r" % (code, out, err))
    journal_expect["denied"].append((engine.name("viewer"), "users"))
    code, out, err = run_cli(engine, ["--token", "not-a-token", "ping"])
    check(code == 1 and "auth_failed" in err, "console with a wrong token: %d %r %r" % (code, out, err))
    code, out, err = run_cli(engine, ["launch_missiles"], "manager")
    check(code == 2 and "unknown op" in err, "console with an unknown op: %d %r %r" % (code, out, err))
    code, out, err = run_cli(engine, ["ping"], "manager", url="ws://127.0.0.1:%d" % h.free_port())
    check(code == 2 and "cannot connect" in err, "console to a closed port: %d %r %r" % (code, out, err))
    code, out, err = run_cli(engine, ["--count", "2", "subscribe", "status"], "viewer")
    lines = out.splitlines()
    check(code == 0 and len(lines) == 3 and json.loads(lines[0]).get("ok") is True
          and all(json.loads(l).get("channel") == "status" for l in lines[1:]), "console subscribe --count 2: %d %r %r" % (code, out, err))


def test_tls(sequent):
    """The same server over TLS with a self-signed certificate: wss with verification, and the
    CLI refusing the unknown certificate unless --insecure."""
    import shutil
    import ssl
    import tempfile
    if shutil.which("openssl") is None:
        log("TLS: skipped (no openssl command to make a certificate)")
        return
    log("TLS: wss:// with a self-signed certificate")
    certdir = tempfile.mkdtemp(prefix="sequent-console-tls-")
    cert, key = os.path.join(certdir, "cert.pem"), os.path.join(certdir, "key.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "openssl req: " + r.stderr)
    engine = h.Engine(sequent, console_options={"tls_cert": '"%s"' % cert, "tls_key": '"%s"' % key}, tls=True)
    try:
        check(engine.console_options, "check-config refuses [console] tls_cert / tls_key")
        engine.start()

        async def wss():
            ctx = ssl.create_default_context(cafile=cert)
            ws = await websockets.connect(engine.ws_url, ssl=ctx, open_timeout=TIMEOUT, ping_interval=None)
            c = Client(ws, "wss")
            await c.auth(engine, "viewer")
            await c.ok("ping")
            await c.close()
        asyncio.run(asyncio.wait_for(wss(), 60))
        code, _, err = run_cli(engine, ["ping"], "viewer")
        check(code == 2 and "TLS handshake" in err, "console wss:// to a self-signed server without --insecure: %d %r" % (code, err))
        code, out, err = run_cli(engine, ["ping"], "viewer", extra_env={"SSL_CERT_FILE": cert})
        check(code == 0 and json.loads(out).get("pong") is True,
              "console wss:// trusting the certificate (SSL_CERT_FILE), verifying it: %d %r %r" % (code, out, err))
        code, out, err = run_cli(engine, ["--insecure", "ping"], "viewer")
        check(code == 0 and json.loads(out).get("pong") is True, "console wss:// --insecure ping: %d %r %r" % (code, out, err))
        check(engine.stop() == 0, "sequent live (TLS) did not exit 0 after SIGINT")
    finally:
        engine.stop()
        engine.cleanup()
        shutil.rmtree(certdir, ignore_errors=True)


async def run(engine):
    kills, journal_expect = [], {"commands": [], "denied": []}
    await test_auth(engine)
    await test_subscribe(engine)
    await test_kill_switch(engine, kills)
    await test_roles(engine, journal_expect, kills)
    await test_bad_requests(engine)
    await test_hostile_frames(engine)
    await test_connection_limit(engine)
    test_metrics(engine)
    test_cli(engine, journal_expect)
    await engine_alive(engine, "all of the above")
    return kills, journal_expect


def main():
    args = h.find_sequent(sys.argv[1:])
    engine = h.Engine(args.sequent, console_options={"rate_limit_per_s": RATE_LIMIT, "max_connections": MAX_CONNECTIONS})
    ok = False
    try:
        engine.start()
        kills, journal_expect = asyncio.run(asyncio.wait_for(run(engine), 600))
        code = engine.stop()
        check(code == 0, "sequent live exited %s after SIGINT; stderr:\n%s" % (code, engine.stderr()))
        check_journal(engine, kills, journal_expect)
        test_tls(args.sequent)
        ok = True
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        print("sequent live stderr (tail):\n" + engine.stderr(), file=sys.stderr)
    finally:
        engine.stop()
        engine.cleanup(keep=args.keep or not ok)
    print("PASS" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
