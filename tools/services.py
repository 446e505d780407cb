#!/usr/bin/env python3
"""Run a command with throwaway PostgreSQL, Redis and OpenSearch servers.

Why this exists: the test suite must run against the same kinds of backing
services as production, but on a bare machine without Docker, without touching
any system-wide cluster or config, and without leaking state between runs.
So every run gets fresh servers on free 127.0.0.1 ports inside one temporary
directory, and they are all stopped and the directory removed afterwards,
however the command ends.

    python tools/services.py [--no-postgres] [--no-redis] [--no-search] -- COMMAND [ARG...]

COMMAND sees DATABASE_URL, REDIS_URL and ELASTICSEARCH_URL (osmem-server, an
in-memory OpenSearch-compatible server) and its exit code becomes ours. It also
sees SERVICES_REDIS_URL, the same as REDIS_URL (the test settings give each
pytest-xdist worker its own channel prefix on that Redis only), and
SERVICES_TMPDIR, a scratch directory removed with the rest (the SQLite test
databases go there).
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STOP_TIMEOUT = 10.0  # seconds a service gets to shut down before SIGKILL
READY_TIMEOUT = 30.0
_prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved here, not in the forked child


class Interrupted(Exception):
    def __init__(self, signum: int):
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum


def log(msg: str) -> None:
    print(f"services: {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _die_with_parent() -> None:
    # Runs in the child just before exec (after any setuid): if this script is
    # SIGKILLed, or dies between spawning and recording a service, the kernel
    # kills the service too, so nothing outlives us.
    _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def pg_bindir() -> Path:
    """pg_config's bindir if it has the server, else the newest /usr/lib/postgresql/*/bin."""
    candidates = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(out.stdout.strip())
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(
        versions,
        key=lambda p: [int(n) for n in Path(p).parent.name.split(".") if n.isdigit()],
        reverse=True,
    )
    if shutil.which("postgres"):
        candidates.append(str(Path(shutil.which("postgres")).parent))
    for bindir in candidates:
        if bindir and (Path(bindir) / "postgres").is_file():
            return Path(bindir)
    raise RuntimeError("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")


def redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class Services:
    """The servers started so far, and how to stop them."""

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="puente-services-"))
        self.running: list[tuple[str, subprocess.Popen, int]] = []
        self.signals: list[int] = []  # filled by the signal handler

    def check_interrupted(self) -> None:
        if self.signals:
            raise Interrupted(self.signals[0])

    def spawn(
        self, name: str, cmd: list, stop_signal: int, stdout: Path | None = None, **kw
    ) -> subprocess.Popen:
        logfile = self.tmp / f"{name}.log"
        with open(logfile, "ab") as err, open(stdout or logfile, "ab") as out:
            proc = subprocess.Popen(
                [str(c) for c in cmd],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                # Own session: a terminal Ctrl-C must not kill services under the
                # command's feet; we stop them once it has finished.
                start_new_session=True,
                preexec_fn=_die_with_parent,
                **kw,
            )
        self.running.append((name, proc, stop_signal))
        return proc

    def wait_until(self, name: str, proc: subprocess.Popen, ready) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while not ready():
            self.check_interrupted()
            if proc.poll() is not None:
                problem = f"exited with code {proc.returncode}"
            elif time.monotonic() > deadline:
                problem = f"not ready after {READY_TIMEOUT:.0f} s"
            else:
                time.sleep(0.02)
                continue
            raise RuntimeError(f"{name} {problem}:\n{tail(self.tmp / f'{name}.log')}")

    def start_postgres(self) -> tuple[str, str]:
        bindir = pg_bindir()
        data, sockdir = self.tmp / "pgdata", self.tmp / "pgsock"
        sockdir.mkdir()
        as_pg: dict = {}
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            pw = pwd.getpwnam("postgres")
            for path in (self.tmp, sockdir):
                os.chown(path, pw.pw_uid, pw.pw_gid)
            # Popen switches user itself (like runuser) so we hold the real
            # postmaster pid and can ask it for a fast shutdown.
            as_pg = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        initdb = [bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync"]
        # C.UTF-8: plain code point ordering, but upper()/lower() that know non-ASCII letters.
        initdb += ["--no-instructions", "--encoding=UTF8", "--locale=C.UTF-8"]
        with open(self.tmp / "postgres.log", "ab") as out:
            done = subprocess.run(initdb, stdout=out, stderr=out, cwd=self.tmp, **as_pg)
        if done.returncode:
            raise RuntimeError(f"initdb failed:\n{tail(self.tmp / 'postgres.log')}")
        port = free_port()
        server = [bindir / "postgres", "-D", data, "-p", port, "-k", sockdir]
        for setting in (
            "listen_addresses=127.0.0.1",
            "fsync=off",  # durability is pointless for a throwaway cluster, and slow
            "synchronous_commit=off",
            "full_page_writes=off",
        ):
            server += ["-c", setting]
        # SIGINT is PostgreSQL's "fast" shutdown: disconnect clients instead of waiting for them.
        proc = self.spawn("postgres", server, signal.SIGINT, cwd=self.tmp, **as_pg)
        client = ["-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
        isready = [bindir / "pg_isready", "-q", *client]
        self.wait_until("postgres", proc, lambda: subprocess.run(isready).returncode == 0)
        subprocess.run([bindir / "createdb", *client, "puente"], check=True)
        return "DATABASE_URL", f"postgres://postgres@127.0.0.1:{port}/puente"

    def start_redis(self) -> tuple[str, str]:
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server not found (Debian: apt-get install redis-server)")
        port = free_port()
        cmd = [binary, "--port", port, "--bind", "127.0.0.1", "--dir", self.tmp]
        cmd += ["--save", "", "--appendonly", "no"]  # nothing to disk
        proc = self.spawn("redis", cmd, signal.SIGTERM)
        self.wait_until("redis", proc, lambda: redis_ping(port))
        return "REDIS_URL", f"redis://127.0.0.1:{port}/0"

    def start_search(self) -> tuple[str, str]:
        try:
            from osmem_server import resolve_binary

            binary = resolve_binary()
        except ImportError:
            binary = os.environ.get("OSMEM_SERVER_BIN") or shutil.which("osmem-server")
        if not binary:
            raise RuntimeError("osmem-server not found (pip install osmem-server)")
        # It prints one JSON line with its URL once it is listening.
        announce = self.tmp / "osmem.json"
        proc = self.spawn(
            "osmem",
            [binary, "-addr", "127.0.0.1:0", "-no-stdin-watch", "-parent-pid", os.getpid()],
            signal.SIGTERM,
            stdout=announce,
        )
        found: dict = {}

        def ready() -> bool:
            for line in announce.read_text().splitlines():
                try:
                    found.update(json.loads(line))
                except ValueError:
                    continue
            return "url" in found

        self.wait_until("osmem", proc, ready)
        return "ELASTICSEARCH_URL", found["url"]

    def stop_all(self) -> None:
        for name, proc, stop_signal in reversed(self.running):
            if proc.poll() is None:
                proc.send_signal(stop_signal)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop within {STOP_TIMEOUT:.0f} s; killing it")
                proc.kill()
                proc.wait()
        self.running.clear()
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.tmp.exists():
            log(f"could not remove {self.tmp}")


def in_terminal_foreground() -> bool:
    """Whether a terminal's Ctrl-C reaches our whole process group, the command included."""
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except OSError:
        return False


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        usage="%(prog)s [--no-postgres] [--no-redis] [--no-search] -- COMMAND [ARG...]",
        description="Run COMMAND with throwaway PostgreSQL, Redis and osmem (OpenSearch) servers.",
    )
    for name in ("postgres", "redis", "search"):
        parser.add_argument(f"--no-{name}", action="store_true", help=f"do not start {name}")
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        parser.error("give the command after --")
    split = argv.index("--")
    args, command = parser.parse_args(argv[:split]), argv[split + 1 :]

    services = Services()
    child: subprocess.Popen | None = None

    def on_signal(signum: int, _frame) -> None:
        # Never raises: startup polls services.signals, cleanup must not be cut short.
        services.signals.append(signum)
        if child is None or child.poll() is not None:
            return
        if len(services.signals) > 1:
            child.kill()  # asked twice: stop waiting politely
        elif signum != signal.SIGINT or not in_terminal_foreground():
            child.send_signal(signum)  # a terminal Ctrl-C already reached it

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    try:
        env = dict(os.environ)
        for skip, start in (
            (args.no_postgres, services.start_postgres),
            (args.no_redis, services.start_redis),
            (args.no_search, services.start_search),
        ):
            if skip:
                continue
            started = time.monotonic()
            var, url = start()
            env[var] = url
            if var == "REDIS_URL":
                # The same URL again, for config.settings.test to tell this
                # Redis (shared by parallel test workers) from one a test starts.
                env["SERVICES_REDIS_URL"] = url
            name = start.__name__.removeprefix("start_")
            log(f"{name:<8} {url:<45} ready in {time.monotonic() - started:.2f} s")
            services.check_interrupted()

        # A directory of this run's own, removed with the servers' data: the
        # SQLite test databases go there (config/settings/test.py), so that
        # runs at once in one checkout never share a file.
        scratch = services.tmp / "scratch"
        scratch.mkdir()
        env["SERVICES_TMPDIR"] = str(scratch)
        try:
            child = subprocess.Popen(command, env=env)
        except FileNotFoundError:
            log(f"command not found: {command[0]}")
            return 127
        code = child.wait()
        return 128 - code if code < 0 else code  # killed by signal N -> 128+N, like a shell
    except Interrupted as exc:
        log(str(exc))
        return 128 + exc.signum
    except (OSError, RuntimeError, KeyError, subprocess.CalledProcessError) as exc:
        log(f"error: {exc}")
        return 1
    finally:
        services.stop_all()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
