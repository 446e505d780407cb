"""Real processes for end-to-end tests: an ASGI server on loopback and
Debian's Chromium driven by Playwright (no browser download), whose pages
fail the test on any Content-Security-Policy violation."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for(connection):
    """The URL of the test database the test process is using."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


class ServerProcess:
    """`manage.py serve` (uvicorn with production's limits, PUENTE_SERVER)
    against the test database."""

    def __init__(self, database_url, log_path, port=None):
        # `port`: the one a stopped server had, to restart it where its pages are.
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url,
        }
        self.log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", f"--bind=127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_ready()

    def _wait_until_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: see {self.log.name}")
            try:
                urllib.request.urlopen(self.url + "/api/v1/consultations/", timeout=2)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not answer in {timeout} s: see {self.log.name}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def asgi_server(transactional_db, tmp_path):
    from django.db import connection

    from tests.factories import ensure_site

    ensure_site()
    server = ServerProcess(database_url_for(connection), tmp_path / "server.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls
    # the tests make between browser steps are still synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# Every page of every context reports Content-Security-Policy violations
# (blocked or report-only) to the test process as they happen, so that none
# is lost to a navigation or a closed tab.
CSP_WATCH = """
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolation(
  `${e.disposition} ${e.effectiveDirective} ${e.blockedURI || 'inline'}`
  + ` at ${e.sourceFile}:${e.lineNumber} on ${document.location.pathname}`
));
"""
# What Chromium logs about the policies: the violations the event does not
# reach (style attributes in detached elements, pages without JavaScript) and
# Permissions-Policy features it does not recognise.
CSP_CONSOLE = ("Content Security Policy", "Permissions-Policy")


class WatchedBrowser:
    """The session's Chromium for one test: its contexts and pages are
    Playwright's own, watched for policy violations (`violations`)."""

    def __init__(self, browser):
        self._browser = browser
        self.violations = []

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        self._watch(context)
        return context

    def new_page(self, **options):
        # Playwright's own: closing the page closes the context it made.
        page = self._browser.new_page(**options)
        self._watch(page.context)
        return page

    def _watch(self, context):
        context.expose_binding("__cspViolation", lambda source, text: self.violations.append(text))
        context.add_init_script(CSP_WATCH)
        context.on("console", self._console)

    def _console(self, message):
        text = message.text
        if any(word in text for word in CSP_CONSOLE):
            disposition = "report" if "report-only" in text.lower() else "enforce"
            self.violations.append(f"{disposition} (console) {text}")

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def browser(chromium):
    """Chromium for a test that fails on any Content-Security-Policy
    violation (or unknown Permissions-Policy feature) on any page it opened.
    A test that provokes one on purpose empties `browser.violations`."""
    watched = WatchedBrowser(chromium)
    yield watched
    if watched.violations:
        pytest.fail("policy violations in the browser:\n" + "\n".join(watched.violations))


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page, impacts=("serious", "critical")):
    """axe-core (bundled with axe-playwright-python, served from disk) on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in impacts
    ]
