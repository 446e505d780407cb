#!/usr/bin/env python3
"""Run Puente's production stack on this machine: the same processes, settings
and nginx configuration as a deployment, on throwaway services.

    python -m tools.stack [--port N] [--apps 2] [--no-search] [-- COMMAND [ARG...]]
    make stack

What it starts, all inside one temporary directory (removed afterwards) and
on free 127.0.0.1 ports:

- PostgreSQL, Redis and osmem-server (an Elasticsearch-API server), exactly
  as the test services (tools/services.py's `Services`);
- `deploy/entrypoint.sh release` (migrate, check --deploy), then
  `deploy/entrypoint.sh manage collectstatic --noinput` into the directory,
  and the comment index (`search_rebuild`) when search is on;
- APPS app processes (`deploy/entrypoint.sh web`, uvicorn through
  `manage.py serve`, each on its own port through PUENTE_BIND), one task
  worker (`deploy/entrypoint.sh worker`);
- nginx (Debian's binary, run as `nginx -p DIR -c DIR/nginx.conf`) with the
  server block rendered from deploy/nginx/puente.conf.template, the file the
  docs give, balancing over the app processes.

The processes run with config.settings.production (through
tools/stack_settings.py, which only makes the search clients talk plain JSON
to osmem-server) and an environment like
a deployment's (SECRET_KEY generated, ALLOWED_HOSTS=127.0.0.1,localhost,
SITE_URL on nginx's port), over plain HTTP: SECURE_SSL_REDIRECT=false and
SECURE_HSTS_SECONDS=0, so `release` checks with PUENTE_CHECK_FAIL_LEVEL=ERROR.
Session and CSRF cookies stay `Secure`: an HTTP client must treat
http://127.0.0.1 as a secure origin, as browsers do (`Stack.session()`
returns a requests session that does). E-mails are written by the console
backend to the worker's log.

It prints one `stack: NAME URL pid N` line per process on stderr, then runs
COMMAND with STACK_URL (nginx), STACK_APP_URLS (comma-separated),
STACK_TMP, STACK_ENV_FILE (the production environment, KEY=value lines) and
STACK_DATABASE_URL in its environment and returns its exit code; without
COMMAND it serves until Ctrl-C. Everything is stopped however it ends, as
tools/services.py does (each process tied to this one with PR_SET_PDEATHSIG).

Python API (tests, benches):

    from tools.stack import Stack

    with Stack(apps=2, search=True, env={"EXTRA": "1"}) as stack:
        stack.url                  # "http://127.0.0.1:PORT": nginx (stack.port)
        stack.apps                 # [Process, Process]: .name ("app1"), .url, .pid,
                                   #   .kill(sig=SIGKILL), .start(), .stop(), .alive
        stack.worker               # Process "worker" (db_worker)
        stack.nginx                # Process "nginx"
        stack.env                  # dict: the production environment of every process
        stack.manage("shell", "-c", "...")   # CompletedProcess (text, output captured)
        stack.session()            # LocalSession: requests, Secure cookies over HTTP
        stack.tmp                  # Path: the stack's directory (static, media, nginx, logs)
        stack.services             # tools.services.Services (DATABASE_URL in stack.env)
        stack.logs("app1")         # a process's log (stdout and stderr), "" if none yet;
                                   #   also "worker", "nginx", "nginx-access", "postgres"...
        stack.render_nginx()       # the rendered server block (text)
        stack.nginx_command("-t")  # nginx's command line for this stack's config
        stack.run_entrypoint("release")      # any role, as manage() (CompletedProcess)

`Process.start()` waits until the process is ready again (an app: its
/health/ready answers 200). Restarting keeps the name, port and log file.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import requests

if __package__ in (None, ""):  # run as a script: python tools/stack.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.services import (
    Interrupted,
    Services,
    _die_with_parent,
    free_port,
    in_terminal_foreground,
    tail,
)

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "puente.conf.template"
NO_TLS = ROOT / "deploy" / "nginx" / "no-tls.conf"
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
# What a stack process inherits from the caller's environment; the rest (a
# test run's DJANGO_SETTINGS_MODULE, DATABASE_URL...) must not leak in.
INHERITED = ("PATH", "HOME", "LANG", "LANGUAGE", "TERM", "TMPDIR", "USER", "TZ")
PLACEHOLDER = re.compile(r"\$\{(PUENTE_[A-Z0-9_]+)\}")


def log(msg: str) -> None:
    print(f"stack: {msg}", file=sys.stderr, flush=True)


def render_template(text: str, values: dict[str, str]) -> str:
    """${PUENTE_...} placeholders filled from `values`, as envsubst would;
    nginx's own $variables are left alone. A placeholder without a value is
    an error, not an empty string."""
    missing = sorted({name for name in PLACEHOLDER.findall(text) if name not in values})
    if missing:
        raise ValueError(f"no value for {', '.join(missing)} in the nginx template")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not found:
        raise RuntimeError("nginx not found (Debian: apt-get install nginx)")
    return found


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """The status code of a GET, None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http only
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):
        return None


def project_python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


class Process:
    """One long-running process of the stack, started through the entrypoint."""

    def __init__(
        self,
        stack: Stack,
        name: str,
        args: list[str],
        *,
        url: str | None = None,
        ready_path: str | None = None,
        stop_signal: int = signal.SIGTERM,
        env: dict[str, str] | None = None,
    ) -> None:
        self.stack, self.name, self.args = stack, name, args
        self.url, self.ready_path = url, ready_path
        self.stop_signal = stop_signal
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None

    def __repr__(self) -> str:
        return f"<Process {self.name} pid={self.pid} url={self.url}>"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, wait: bool = True) -> Process:
        if self.alive:
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        self.proc = self.stack.services.spawn(
            self.name,
            self.args,
            self.stop_signal,
            cwd=ROOT,
            env={**self.stack.env, **self.extra_env},
        )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while not self._ready():
            self.stack.services.check_interrupted()
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with code {self.proc.returncode}:\n"
                    + tail(self.stack.services.tmp / f"{self.name}.log", 30)
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{self.name} not ready after {timeout:.0f} s:\n"
                    + tail(self.stack.services.tmp / f"{self.name}.log", 30)
                )
            time.sleep(0.1)

    def _ready(self) -> bool:
        if self.url is None or self.ready_path is None:
            # No address to ask: alive a moment after starting is ready.
            time.sleep(0.3)
            return self.alive
        status = http_status(self.url + self.ready_path)
        if status == 404:
            # A build without the health endpoints: any page answering will do.
            status = http_status(self.url + "/")
            return status is not None and status < 500
        return status == 200

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send `sig` (SIGKILL: die at once) and wait for the process to end."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        """Ask politely (the process's stop signal), then kill after STOP_TIMEOUT."""
        self.kill(self.stop_signal)


class Stack:
    """The production stack as a context manager; see the module docstring."""

    def __init__(
        self,
        apps: int = 2,
        *,
        port: int | None = None,
        search: bool = True,
        env: dict[str, str] | None = None,
        client_max_body_size: str = "25m",
    ) -> None:
        if apps < 1:
            raise ValueError("a stack needs at least one app process")
        self.app_count, self.search = apps, search
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = dict(env or {})
        self.client_max_body_size = client_max_body_size
        self.services = Services()
        self.service_urls: dict[str, str] = {}
        self.tmp = self.services.tmp / "stack"
        self.env: dict[str, str] = {}
        self.apps: list[Process] = []
        self.worker: Process | None = None
        self.nginx: Process | None = None

    # --- Starting and stopping ---------------------------------------------

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._start_services()
        self._write_environment()
        # collectstatic needs no database: it runs while release migrates.
        collect = self._background_step("collectstatic", "manage", "collectstatic", "--noinput")
        try:
            self._step("release", "release")
        finally:
            self._finish_background_step(collect)
        if self.search:
            self._step("search index", "manage", "search_rebuild", "--no-progress")
        for number in range(1, self.app_count + 1):
            app_port = free_port()
            app = Process(
                self,
                f"app{number}",
                [str(ENTRYPOINT), "web"],
                url=f"http://127.0.0.1:{app_port}",
                ready_path="/health/ready",
                env={"PUENTE_BIND": f"127.0.0.1:{app_port}"},
            )
            self.apps.append(app)
            app.start(wait=False)
        self.worker = Process(self, "worker", [str(ENTRYPOINT), "worker"]).start(wait=False)
        for app in self.apps:
            started = time.monotonic()
            app.wait_ready()
            log(f"{app.name:<8} {app.url:<28} pid {app.pid} ready in {self._since(started)}")
        self.worker.wait_ready()
        log(f"{'worker':<8} {'(db_worker)':<28} pid {self.worker.pid}")
        self._start_nginx()

    def stop(self) -> None:
        """Stop every process and remove the directory; safe to call twice."""
        self.services.stop_all()

    def _since(self, started: float) -> str:
        return f"{time.monotonic() - started:.1f} s"

    def _start_services(self) -> None:
        # Each step of the services, as tools/services.py's main() does it.
        steps = [self.services.start_postgres, self.services.start_redis]
        if self.search:
            steps.append(self.services.start_search)
        for start in steps:
            started = time.monotonic()
            var, url = start()
            self.service_urls[var] = url
            name = start.__name__.removeprefix("start_")
            log(f"{name:<8} {url:<28} ready in {self._since(started)}")
            self.services.check_interrupted()
        # nginx's workers (an unprivileged user when we are root) must reach
        # the static and media files: the directory is private by default.
        os.chmod(self.services.tmp, 0o711)  # noqa: S103 - traverse only, no listing
        self.tmp.mkdir(mode=0o755)
        for sub in ("static", "media", "mail", "nginx"):
            (self.tmp / sub).mkdir(mode=0o755)

    def _write_environment(self) -> None:
        env = {k: v for k, v in os.environ.items() if k in INHERITED or k.startswith("LC_")}
        env.update(self.service_urls)
        env.update(
            {
                # config.settings.production, talking plain JSON to osmem-server.
                "DJANGO_SETTINGS_MODULE": "tools.stack_settings",
                "PUENTE_PYTHON": project_python(),
                "PYTHONUNBUFFERED": "1",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SITE_URL": self.url,
                "CSRF_TRUSTED_ORIGINS": f"{self.url},http://localhost:{self.port}",
                # Plain HTTP on 127.0.0.1: no redirect to HTTPS, no HSTS, and
                # `release` tolerates the warnings check --deploy gives for that.
                "SECURE_SSL_REDIRECT": "false",
                "SECURE_HSTS_SECONDS": "0",
                "PUENTE_CHECK_FAIL_LEVEL": "ERROR",
                "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
                "EMAIL_FILE_PATH": str(self.tmp / "mail"),
                # nginx appends the client to X-Forwarded-For.
                "PUENTE_TRUSTED_PROXIES": "1",
                "PUENTE_FORWARDED_ALLOW_IPS": "127.0.0.1",
                "PUENTE_STATIC_ROOT": str(self.tmp / "static"),
                "PUENTE_MEDIA_ROOT": str(self.tmp / "media"),
                "LOG_LEVEL": "INFO",
            }
        )
        env.update(self.extra_env)
        self.env = env
        lines = [f"{key}={value}" for key, value in sorted(env.items())]
        env_file = self.tmp / "production.env"
        env_file.write_text("\n".join(lines) + "\n")
        env_file.chmod(0o600)

    def _background_step(self, title: str, *args: str) -> tuple[str, subprocess.Popen, float]:
        with open(self.services.tmp / f"{title}.log", "wb") as out:
            proc = subprocess.Popen(
                [str(ENTRYPOINT), *args, "-v0"],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        return title, proc, time.monotonic()

    def _finish_background_step(self, step: tuple[str, subprocess.Popen, float]) -> None:
        title, proc, started = step
        try:
            code = proc.wait(600)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = proc.returncode
        if code:
            raise RuntimeError(f"{title} failed (exit {code}):\n{self.logs(title)[-3000:]}")
        log(f"{title} done (alongside release; {self._since(started)} in all)")

    def _step(self, title: str, *args: str) -> None:
        started = time.monotonic()
        done = self.run_entrypoint(*args)
        if done.returncode:
            output = done.stdout[-3000:] + done.stderr[-3000:]
            raise RuntimeError(f"{title} failed (exit {done.returncode}):\n{output}")
        log(f"{title} done in {self._since(started)}")
        self.services.check_interrupted()

    # --- nginx ---------------------------------------------------------------

    def render_nginx(
        self,
        template: Path = NGINX_TEMPLATE,
        *,
        listen: str | None = None,
        tls_include: Path | None = None,
    ) -> str:
        """The server block for this stack's app processes (no TLS unless a
        TLS include and an `ssl` listen are given)."""
        servers = " ".join(
            f"server {(app.url or '').removeprefix('http://')} max_fails=1 fail_timeout=5s;"
            for app in self.apps
        )
        return render_template(
            template.read_text(),
            {
                "PUENTE_UPSTREAM_SERVERS": servers,
                "PUENTE_LISTEN": listen or f"127.0.0.1:{self.port}",
                "PUENTE_SERVER_NAME": "127.0.0.1 localhost",
                "PUENTE_STATIC_ROOT": str(self.tmp / "static"),
                "PUENTE_MEDIA_ROOT": str(self.tmp / "media"),
                "PUENTE_CLIENT_MAX_BODY_SIZE": self.client_max_body_size,
                "PUENTE_TLS_INCLUDE": str(tls_include or NO_TLS),
            },
        )

    def nginx_main_config(self, prefix: Path | None = None, name: str = "nginx") -> str:
        """nginx.conf for a prefix directory holding puente.conf (the server
        block), its pid and temporary files; logs NAME.log (errors) and
        NAME-access.log beside the other processes' logs."""
        prefix = prefix or self.tmp / "nginx"
        user = ""
        if os.geteuid() == 0:
            # Workers drop to an unprivileged user; Debian has no group "nobody".
            user = "user nobody nogroup;\n"
        temp = "\n".join(
            f"    {kind}_temp_path {prefix / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        return f"""# Written by tools/stack.py
{user}worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {self.services.tmp / f"{name}.log"} info;
events {{
    worker_connections 1024;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    log_format puente '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                      'rid=$request_id upstream=$upstream_addr rt=$request_time';
    access_log {self.services.tmp / f"{name}-access.log"} puente;
{temp}
    include {prefix / "puente.conf"};
}}
"""

    def nginx_command(
        self, *extra: str, prefix: Path | None = None, name: str = "nginx"
    ) -> list[str]:
        prefix = prefix or self.tmp / "nginx"
        return [
            nginx_binary(),
            "-p",
            str(prefix),
            "-c",
            str(prefix / "nginx.conf"),
            "-e",
            str(self.services.tmp / f"{name}.log"),
            *extra,
        ]

    def _start_nginx(self) -> None:
        prefix = self.tmp / "nginx"
        (prefix / "puente.conf").write_text(self.render_nginx())
        (prefix / "nginx.conf").write_text(self.nginx_main_config())
        tested = subprocess.run(self.nginx_command("-t", "-q"), capture_output=True, text=True)
        if tested.returncode:
            raise RuntimeError(f"nginx -t failed:\n{tested.stderr}")
        started = time.monotonic()
        # SIGQUIT: finish the requests in flight, then exit.
        self.nginx = Process(
            self,
            "nginx",
            self.nginx_command("-g", "daemon off;"),
            url=self.url,
            ready_path="/health/ready",
            stop_signal=signal.SIGQUIT,
        ).start()
        log(f"{'nginx':<8} {self.url:<28} pid {self.nginx.pid} ready in {self._since(started)}")

    # --- Using it ------------------------------------------------------------

    def run_entrypoint(self, *args: str, **kw: Any) -> subprocess.CompletedProcess:
        kw.setdefault("timeout", 600)
        return subprocess.run(
            [str(ENTRYPOINT), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            **kw,
        )

    def manage(self, *args: str, **kw: Any) -> subprocess.CompletedProcess:
        """`deploy/entrypoint.sh manage ARGS...` with the stack's environment;
        keyword arguments go to subprocess.run (input=..., timeout=...)."""
        return self.run_entrypoint("manage", *args, **kw)

    def logs(self, name: str) -> str:
        path = self.services.tmp / f"{name}.log"
        try:
            return path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def session(self) -> LocalSession:
        """A requests session for the stack: see LocalSession."""
        return LocalSession()


class LocalSession(requests.Session):
    """A requests session that sends Secure cookies over http://127.0.0.1,
    as browsers do for a local origin (the stack serves plain HTTP; the
    production settings keep session and CSRF cookies Secure). Python's
    cookie jar keeps them for https:// only, and requests builds a fresh jar
    for every request, so a cookie policy would not stick: the cookies are
    made plain before each request and each redirect it follows."""

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        for cookie in self.cookies:
            cookie.secure = False
        return super().prepare_request(request)

    def rebuild_auth(self, prepared_request: Any, response: Any) -> None:
        jar = prepared_request._cookies
        for cookie in jar:
            cookie.secure = False
        prepared_request.headers.pop("Cookie", None)
        prepared_request.prepare_cookies(jar)
        super().rebuild_auth(prepared_request, response)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        usage="%(prog)s [--port N] [--apps N] [--no-search] [-- COMMAND [ARG...]]",
        description="Run Puente's production stack (nginx, app processes, worker) on "
        "throwaway services; run COMMAND against it, or serve until Ctrl-C.",
    )
    parser.add_argument("--port", type=int, help="nginx's port (default: a free one)")
    parser.add_argument("--apps", type=int, default=2, help="app processes (default 2)")
    parser.add_argument("--no-search", action="store_true", help="no osmem-server")
    command: list[str] = []
    if "--" in argv:
        split = argv.index("--")
        argv, command = argv[:split], argv[split + 1 :]
        if not command:
            parser.error("give the command after --")
    args = parser.parse_args(argv)
    if args.apps < 1:
        parser.error("--apps must be at least 1")

    stack = Stack(apps=args.apps, port=args.port, search=not args.no_search)
    child: subprocess.Popen | None = None

    def on_signal(signum: int, _frame: object) -> None:
        stack.services.signals.append(signum)
        if child is None or child.poll() is not None:
            return
        if len(stack.services.signals) > 1:
            child.kill()
        elif signum != signal.SIGINT or not in_terminal_foreground():
            child.send_signal(signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    try:
        stack.start()
        log(f"ready: {stack.url} (environment in {stack.tmp / 'production.env'})")
        if not command:
            log("press Ctrl-C to stop")
            while not stack.services.signals:
                for process in (*stack.apps, stack.worker, stack.nginx):
                    if process is not None and process.proc and process.proc.poll() is not None:
                        code = process.proc.returncode
                        raise RuntimeError(f"{process.name} exited with code {code}")
                time.sleep(0.5)
            return 0
        env = {
            **os.environ,
            "STACK_URL": stack.url,
            "STACK_APP_URLS": ",".join(app.url or "" for app in stack.apps),
            "STACK_TMP": str(stack.tmp),
            "STACK_ENV_FILE": str(stack.tmp / "production.env"),
            "STACK_DATABASE_URL": stack.env["DATABASE_URL"],
        }
        try:
            child = subprocess.Popen(command, env=env)
        except FileNotFoundError:
            log(f"command not found: {command[0]}")
            return 127
        code = child.wait()
        return 128 - code if code < 0 else code
    except Interrupted as exc:
        log(str(exc))
        return 128 + exc.signum
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as exc:
        log(f"error: {exc}")
        return 1
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
