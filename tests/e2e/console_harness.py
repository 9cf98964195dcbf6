"""Shared by console_e2e.py and console_browser.py: runs a real `sequent live` with the admin
console on a free port and one user per role, and gives small HTTP helpers.

Nothing here implements the console protocol; the tests talk to the server with third-party
clients (python3-websockets, selenium + chromium) against docs/console-protocol.md.
"""

import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SKIP = 77
ROLES = ("viewer", "trader", "manager", "admin")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Failure(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def log(message):
    print("[console-e2e] " + message, flush=True)


def free_port():
    """A port that was free a moment ago (the config cannot ask for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_token(sequent, name, role):
    """Runs `sequent token`: the token on stdout (token=HEX), the [[users]] snippet on stderr."""
    r = subprocess.run([sequent, "token", "--name", name, "--role", role], capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, "sequent token --name %s --role %s exited %d: %s" % (name, role, r.returncode, r.stderr))
    m = re.fullmatch(r"token=([0-9a-f]{64})\n", r.stdout)
    check(m is not None, "sequent token: stdout should be token=<64 hex digits>, was %r" % r.stdout)
    token = m.group(1)
    h = re.search(r'token_sha256 = "([0-9a-f]{64})"', r.stderr)
    check(h is not None, "sequent token: stderr has no token_sha256 line: %r" % r.stderr)
    check(h.group(1) == hashlib.sha256(token.encode()).hexdigest(), "sequent token: token_sha256 is not the SHA-256 of the token")
    check(token not in r.stderr, "sequent token: the token itself must not be on stderr")
    return token, r.stderr[r.stderr.index("[[users]]"):].strip() + "\n"


def paper_config_without_console():
    """config/paper.toml with its [console] table dropped (--console gives the address)."""
    with open(os.path.join(REPO, "config", "paper.toml")) as f:
        text = f.read()
    out, skipping = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            skipping = stripped == "[console]"
        if not skipping:
            out.append(line)
    return "\n".join(out) + "\n"


class Engine:
    """`sequent live` with the console on 127.0.0.1:<free port>, a fresh journal, one user per role.

    console_options: extra [console] keys to try (dropped with a note when check-config refuses
    them, so the tests still run against a server that does not know them yet).
    """

    def __init__(self, sequent, console_options=None, extra_config="", tls=False):
        self.sequent = sequent
        self.tls = tls
        self.tmp = tempfile.mkdtemp(prefix="sequent-console-e2e-")
        self.journal = os.path.join(self.tmp, "journal")
        self.port = free_port()
        self.users = {}  # role -> (name, token)
        snippets = []
        for role in ROLES:
            name = "e2e_" + role
            token, snippet = make_token(sequent, name, role)
            self.users[role] = (name, token)
            snippets.append(snippet)
        # The journal watchdog trips the kill switch when the writer has not committed for
        # stall_limit_ms (2 s by default). On a loaded CI machine a browser starting beside the
        # engine can stall an fsync that long, and the tests here are about the console, not
        # the watchdog (journal_writer_test covers the predicate), so give the writer a minute.
        journal_table = "" if "[journal]" in extra_config else "\n[journal]\nstall_limit_ms = 60000\n"
        base = paper_config_without_console() + journal_table + extra_config + "\n" + "\n".join(snippets)
        self.console_options = {}
        if console_options:
            lines = "".join("%s = %s\n" % (k, v) for k, v in console_options.items())
            candidate = base + "\n[console]\n" + lines
            if self._config_ok(candidate):
                base = candidate
                self.console_options = dict(console_options)
            else:
                log("note: check-config refuses [console] %s; using the server's defaults" % ", ".join(console_options))
        self.config = os.path.join(self.tmp, "console.toml")
        with open(self.config, "w") as f:
            f.write(base)
        check(self._config_ok(base, report=True), "the test configuration is invalid (see above)")
        self.cafile = console_options.get("tls_cert", "").strip('"') if console_options and tls else None
        self.proc = None
        self.stdout_path = os.path.join(self.tmp, "live.stdout")
        self.stderr_path = os.path.join(self.tmp, "live.stderr")

    def _config_ok(self, text, report=False):
        path = os.path.join(self.tmp, "check.toml")
        with open(path, "w") as f:
            f.write(text)
        r = subprocess.run([self.sequent, "check-config", path], capture_output=True, text=True, timeout=30)
        if r.returncode != 0 and report:
            log("check-config: " + r.stderr.strip())
        return r.returncode == 0

    @property
    def base_url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.port)

    @property
    def ws_url(self):
        return "%s://127.0.0.1:%d/ws" % ("wss" if self.tls else "ws", self.port)

    def token(self, role):
        return self.users[role][1]

    def name(self, role):
        return self.users[role][0]

    def start(self, timeout=30.0):
        cmd = [self.sequent, "live", "--config", self.config, "--journal", self.journal,
               "--console", "127.0.0.1:%d" % self.port, "--duration", "600"]
        log("starting: " + " ".join(cmd))
        self.proc = subprocess.Popen(cmd, stdout=open(self.stdout_path, "w"), stderr=open(self.stderr_path, "w"))
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failure("sequent live exited %d before /healthz answered; stderr:\n%s" % (self.proc.returncode, self.stderr()))
            if "console=off" in self.stderr():
                raise Failure("sequent live reports console=off: this build does not serve the admin console")
            try:
                status, body, _ = http_get(self.base_url + "/healthz", timeout=1.0, cafile=self.cafile)
                if status == 200:
                    return
                last = "HTTP %d %r" % (status, body)
            except OSError as e:  # not listening yet
                last = str(e)
            time.sleep(0.05)  # polling a port that is not open yet; bounded by the deadline
        raise Failure("/healthz did not answer 200 within %.0f s (last: %s); stderr:\n%s" % (timeout, last, self.stderr()))

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=30.0):
        """SIGINT, as an operator would; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise Failure("sequent live did not stop within %.0f s of SIGINT" % timeout)
        return self.proc.returncode

    def stderr(self):
        try:
            with open(self.stderr_path) as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def export_journal(self):
        """`sequent journal export DIR --outputs --format jsonl`, parsed."""
        import json
        r = subprocess.run([self.sequent, "journal", "export", self.journal, "--outputs", "--format", "jsonl"],
                           capture_output=True, text=True, timeout=300)
        check(r.returncode == 0, "journal export exited %d: %s" % (r.returncode, r.stderr))
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def cleanup(self, keep=False):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if keep:
            log("kept for inspection: " + self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def http_get(url, timeout=5.0, cafile=None):
    """(status, body text, headers) for GET url; 4xx/5xx are returned, not raised. https URLs
    are verified against cafile (the test's self-signed certificate)."""
    context = None
    if url.startswith("https:"):
        import ssl
        context = ssl.create_default_context(cafile=cafile)
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as r:
            return r.status, r.read().decode("utf-8", "replace"), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace"), e.headers


def find_sequent(argv):
    import argparse
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sequent", required=True, help="path of the sequent binary")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (config, journal, logs)")
    args = p.parse_args(argv)
    if not os.access(args.sequent, os.X_OK):
        print("sequent binary not found: " + args.sequent, file=sys.stderr)
        sys.exit(2)
    return args
