#!/usr/bin/python3
"""Browser end-to-end test of the web console (gateways/console/web/index.html).

Runs a real `sequent live` with the console on a free port, loads GET / in headless chromium via
selenium + chromedriver, enters a manager token, waits for a live position row to change value,
clicks the kill switch and its in-page confirmation, sees the page show halted, resumes, and
checks that a viewer's kill switch is refused. The element ids are documented at the top of
index.html.

Usage: console_browser.py --sequent PATH [--keep]. Exit 0 pass, 1 fail, 77 skip (no selenium,
chromium or chromedriver).
"""

import os
import re
import sys
import tempfile
import shutil

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import console_harness as h  # noqa: E402
from console_harness import Failure, check, log  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
TIMEOUT = 15.0

try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException, WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    print("SKIP: python3-selenium is not installed (apt-get install python3-selenium)")
    sys.exit(h.SKIP)
for path in (CHROMIUM, CHROMEDRIVER):
    if not os.access(path, os.X_OK):
        print("SKIP: %s is missing (apt-get install chromium chromium-driver)" % path)
        sys.exit(h.SKIP)


def new_driver(profile_dir):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile_dir, "--window-size=1400,1000"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def wait_for(driver, condition, what, timeout=TIMEOUT):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: condition(d))
    except TimeoutException:
        state = driver.execute_script(
            "const g = (id) => { const e = document.getElementById(id); return e ? e.textContent : null; };"
            "return {conn: g('conn-state'), error: g('error'), halted: g('halted'), reply: g('last-reply')};")
        raise Failure("browser: %s did not happen within %.0f s (page state: %r)" % (what, timeout, state))


def el(driver, css):
    return driver.find_element(By.CSS_SELECTOR, css)


def attr(driver, css, name):
    try:
        return el(driver, css).get_attribute(name)
    except WebDriverException:
        return None


def position_rows(driver):
    """{symbol: row text} of #positions tbody."""
    return driver.execute_script(
        "const out = {}; for (const tr of document.querySelectorAll('#positions tbody tr[data-symbol]'))"
        " out[tr.dataset.symbol] = tr.textContent; return out;")


def connect(driver, token):
    box = el(driver, "#token")
    box.clear()
    box.send_keys(token)
    el(driver, "#connect").click()
    wait_for(driver, lambda d: attr(d, "#conn-state", "data-state") == "connected", "#conn-state connected")


def confirm(driver, button, expect_text=None):
    """Clicks a command button, checks the in-page dialog, clicks #confirm-yes."""
    el(driver, button).click()
    wait_for(driver, lambda d: el(d, "#confirm").is_displayed(), "the confirm dialog for " + button)
    if expect_text:
        text = el(driver, "#confirm-text").text
        check(expect_text.lower() in text.lower(), "confirm text for %s: %r lacks %r" % (button, text, expect_text))
    el(driver, "#confirm-yes").click()
    wait_for(driver, lambda d: not el(d, "#confirm").is_displayed(), "the confirm dialog closing")


def drive(base_url, tokens, profile_dir):
    """The browser scenario against a running console at base_url. tokens: role -> token."""
    status, body, headers = h.http_get(base_url + "/")
    check(status == 200, "GET /: expected 200, got %d" % status)
    check(headers.get("Content-Type", "").startswith("text/html"), "GET / Content-Type: %r" % headers.get("Content-Type"))
    external = re.findall(r'(?:src|href)\s*=\s*["\'](?!data:|#)([^"\']+)', body)
    check(not external, "the page must be self-contained; it references %s" % external)

    driver = new_driver(profile_dir)
    try:
        driver.set_page_load_timeout(TIMEOUT)
        driver.get(base_url + "/")
        check("Sequent" in driver.title, "page title: %r" % driver.title)
        for id_ in ("token", "connect", "halted", "positions", "kill-switch", "resume", "cancel-all", "flatten",
                    "set-risk-limit", "strategy-start", "strategy-stop", "confirm", "confirm-yes", "confirm-no"):
            check(driver.find_elements(By.ID, id_), "the page has no #%s" % id_)
        check(not el(driver, "#confirm").is_displayed(), "the confirm dialog is shown before any command")

        log("browser: connect as manager")
        connect(driver, tokens["manager"])
        stored = driver.execute_script("return [sessionStorage.getItem('sequent.console.token'), localStorage.length];")
        check(stored[0] == tokens["manager"], "the token should be kept in sessionStorage")
        check(stored[1] == 0, "nothing may be stored in localStorage (the token belongs in sessionStorage only)")
        check(el(driver, "#token").get_attribute("value") == "", "the token input should be cleared after connecting")
        wait_for(driver, lambda d: attr(d, "#halted", "data-halted") == "false" and el(d, "#halted").text != "–",
                 "#halted showing trading")

        log("browser: a position row updates")
        first = wait_for(driver, lambda d: position_rows(d) or None, "a #positions row")
        wait_for(driver, lambda d: any(position_rows(d).get(s) not in (None, t) for s, t in first.items()),
                 "a position row changing value (first: %r)" % first, timeout=30.0)

        log("browser: kill switch with a cancelled, then a confirmed dialog")
        el(driver, "#kill-switch").click()
        wait_for(driver, lambda d: el(d, "#confirm").is_displayed(), "the kill switch confirm dialog")
        el(driver, "#confirm-no").click()
        wait_for(driver, lambda d: not el(d, "#confirm").is_displayed(), "the dialog closing on #confirm-no")
        check(attr(driver, "#halted", "data-halted") == "false" and el(driver, "#last-reply").text == "",
              "cancelling the dialog must not send the kill switch")

        el(driver, "#kill-reason").send_keys("browser e2e")
        confirm(driver, "#kill-switch", expect_text="kill switch")
        wait_for(driver, lambda d: attr(d, "#last-reply", "data-ok") == "true" and "kill_switch" in el(d, "#last-reply").text,
                 "an ok kill_switch reply in #last-reply")
        wait_for(driver, lambda d: attr(d, "#halted", "data-halted") == "true" and el(d, "#halted").text == "HALTED",
                 "#halted showing HALTED")
        code, body, _ = h.http_get(base_url + "/readyz")
        check(code == 503, "/readyz while the page shows halted: expected 503, got %d %r" % (code, body))

        log("browser: resume")
        confirm(driver, "#resume")
        wait_for(driver, lambda d: attr(d, "#halted", "data-halted") == "false", "#halted clearing after resume")

        log("browser: a viewer's kill switch is refused")
        el(driver, "#disconnect").click()
        wait_for(driver, lambda d: attr(d, "#conn-state", "data-state") == "disconnected", "disconnecting")
        connect(driver, tokens["viewer"])
        confirm(driver, "#kill-switch")
        wait_for(driver, lambda d: attr(d, "#last-reply", "data-ok") == "false" and "forbidden" in el(d, "#error").text,
                 "a forbidden reply for the viewer's kill switch")
        check(attr(driver, "#halted", "data-halted") == "false", "a viewer's refused kill switch must not halt")

        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        check(not errors, "the page logged errors: %s" % errors)
    finally:
        driver.quit()


def main():
    args = h.find_sequent(sys.argv[1:])
    engine = h.Engine(args.sequent)
    profile = tempfile.mkdtemp(prefix="sequent-console-chromium-")
    ok = False
    try:
        engine.start()
        drive(engine.base_url, {role: engine.token(role) for role in h.ROLES}, profile)
        check(engine.running(), "sequent live stopped during the browser test; stderr:\n" + engine.stderr())
        code = engine.stop()
        check(code == 0, "sequent live exited %s after SIGINT; stderr:\n%s" % (code, engine.stderr()))
        ok = True
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        print("sequent live stderr (tail):\n" + engine.stderr(), file=sys.stderr)
    finally:
        engine.stop()
        engine.cleanup(keep=args.keep or not ok)
        shutil.rmtree(profile, ignore_errors=True)
    print("PASS" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
