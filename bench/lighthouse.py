"""Lighthouse (mobile) on the home page and a demo consultation page.

    .venv/bin/python -m bench.lighthouse [--runs N] [--keep]

Installs npm `lighthouse` into var/lighthouse/ when it is missing, loads the
demo (`manage.py migrate` and `load_demo`) into a temporary SQLite database,
serves it with `manage.py serve` (uvicorn) as the browser tests do, with static files collected,
hashed and compressed as production serves them (bench/lighthouse_settings.py),
and runs Lighthouse's mobile preset with Debian's Chromium on each page,
printing the four category scores (the
lowest of N runs: performance varies with the machine's load). The scores go
to bench/results/lighthouse.json; --keep leaves the HTML reports there too.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOL_DIR = ROOT / "var" / "lighthouse"
LIGHTHOUSE = TOOL_DIR / "node_modules" / ".bin" / "lighthouse"
LIGHTHOUSE_VERSION = "12"
CHROME_PATH = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
RESULTS = Path(__file__).resolve().parent / "results"
# The demo's open consultation with the longest discussion.
CONSULTATION = "/consultas/puentes-digitales/"
PAGES = {"home": "/", "consultation": CONSULTATION}


def ensure_lighthouse():
    if not LIGHTHOUSE.exists():
        TOOL_DIR.mkdir(parents=True, exist_ok=True)
        print(f"installing lighthouse@{LIGHTHOUSE_VERSION} into {TOOL_DIR}", file=sys.stderr)
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(TOOL_DIR),
                "--no-audit",
                "--no-fund",
                f"lighthouse@{LIGHTHOUSE_VERSION}",
            ],
            check=True,
        )
    return LIGHTHOUSE


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DemoSite:
    """The demo in a temporary SQLite database, served by uvicorn."""

    def __init__(self, folder):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.lighthouse_settings",
            "PUENTE_BENCH_STATIC_ROOT": str(Path(folder) / "static"),
            "DATABASE_URL": f"sqlite:///{folder}/lighthouse.sqlite3",
            "SERVICES_TMPDIR": str(folder),
        }
        self.env.pop("REDIS_URL", None)
        self.env.pop("ELASTICSEARCH_URL", None)
        manage = [sys.executable, "manage.py"]
        for command in (
            ["collectstatic", "--noinput", "-v0"],
            ["migrate", "--noinput", "-v0"],
            ["load_demo"],
        ):
            subprocess.run(manage + command, cwd=ROOT, env=self.env, check=True)
        self.log = open(Path(folder) / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            # manage.py serve: uvicorn with production's limits (PUENTE_SERVER).
            [sys.executable, "manage.py", "serve", f"--bind=127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait()

    def _wait(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: see {self.log.name}")
            try:
                urllib.request.urlopen(self.url + "/", timeout=5)  # noqa: S310 - loopback
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not answer in {timeout} s")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def run_lighthouse(binary, url, report_base):
    subprocess.run(
        [
            str(binary),
            url,
            "--quiet",
            "--form-factor=mobile",
            f"--only-categories={','.join(CATEGORIES)}",
            "--output=json",
            "--output=html",
            f"--output-path={report_base}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        check=True,
        env={**os.environ, "CHROME_PATH": CHROME_PATH},
    )
    report = json.loads(Path(f"{report_base}.report.json").read_text())
    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    failed = [
        audit["id"]
        for audit in report["audits"].values()
        if audit.get("score") is not None
        and audit["score"] < 0.9
        and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
    ]
    return scores, failed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per page (the lowest counts)")
    parser.add_argument("--keep", action="store_true", help="keep the HTML reports")
    args = parser.parse_args(argv)
    binary = ensure_lighthouse()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        site = DemoSite(folder)
        try:
            for name, path in PAGES.items():
                runs = []
                for run in range(args.runs):
                    base = Path(folder) / f"{name}-{run}"
                    runs.append(run_lighthouse(binary, site.url + path, base))
                    if args.keep:
                        RESULTS.mkdir(exist_ok=True)
                        html = Path(f"{base}.report.html")
                        html.replace(RESULTS / f"lighthouse-{name}-{run}.html")
                scores = {c: min(r[0][c] for r in runs) for c in CATEGORIES}
                failing = sorted({audit for r in runs for audit in r[1]})
                rows.append({"page": name, "path": path, **scores, "audits below 90": failing})
        finally:
            site.stop()
    print(f"\n## lighthouse  (mobile, {CHROME_PATH}, lowest of {args.runs} run(s))")
    print("page         | " + " | ".join(f"{c:>14}" for c in CATEGORIES))
    for row in rows:
        print(f"{row['page']:<12} | " + " | ".join(f"{row[c]:>14}" for c in CATEGORIES))
        if row["audits below 90"]:
            print(f"{'':<12}   below 90: {', '.join(row['audits below 90'])}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "lighthouse.json").write_text(json.dumps(rows, indent=2))
    return rows


if __name__ == "__main__":
    main()


def run():
    """For `python -m bench lighthouse`: one run per page."""
    return main([])
