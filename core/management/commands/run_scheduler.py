"""Run the scheduled jobs of core/scheduled.py (docs/operations.md).

Without options it runs until SIGTERM or SIGINT: it sleeps until the next
job is due, runs it, and logs one line per run on the `puente.scheduler`
logger (job, status, duration_ms, exit_code, the command's output). A
signal stops it between jobs: a job already running is let finish.

Each run is a child process (`manage.py <command>` with this process's
environment), so a job that crashes, leaks memory or hangs cannot take the
scheduler or the next jobs with it: it is stopped after its timeout. Jobs
run one at a time, in the table's order when several are due.

A lock per job in the cache (`cache.add`, Redis in production: shared by
every host) keeps two schedulers (a service scaled to 2, a timer and the
service) from running the same job at once; the second skips it and says
so. The lock expires a minute after the job's timeout, so a scheduler
killed mid-job does not hold it longer. Without REDIS_URL the cache is
per process and the lock covers only one scheduler.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core import scheduled

logger = logging.getLogger("puente.scheduler")

LOCK_PREFIX = "puente:scheduler:"
LOCK_MARGIN = 60  # seconds the lock outlives a job's timeout
OUTPUT_LIMIT = 2000  # characters of a job's output kept in its log line
LONGEST_SLEEP = 60.0  # seconds; a changed clock is noticed within this


def lock_key(job: scheduled.Job) -> str:
    return LOCK_PREFIX + job.name


def _child_environment() -> dict[str, str]:
    """The scheduler's environment, with its settings module even when given
    by --settings. Under override_settings (tests) SETTINGS_MODULE reads
    None: the environment's then stands."""
    module = settings.SETTINGS_MODULE or os.environ.get("DJANGO_SETTINGS_MODULE")
    return {**os.environ, **({"DJANGO_SETTINGS_MODULE": module} if module else {})}


class Scheduler:
    """Runs jobs, each under its lock, in a child process."""

    def __init__(
        self,
        jobs: Iterable[scheduled.Job],
        *,
        zone: ZoneInfo,
        now: Callable[[], dt.datetime] = timezone.now,
    ) -> None:
        self.jobs = tuple(jobs)
        self.zone = zone
        self.now = now
        self.stopping = threading.Event()

    def run(self, job: scheduled.Job) -> str:
        """Run one job now: "ok", "error", "timeout" or "locked" (skipped)."""
        token = uuid.uuid4().hex
        try:
            locked = cache.add(lock_key(job), token, timeout=job.timeout + LOCK_MARGIN)
        except Exception:
            logger.exception(
                "job %s not run: the lock's cache is unavailable",
                job.name,
                extra={"job": job.name, "status": "error"},
            )
            return "error"
        if not locked:
            logger.warning(
                "job %s skipped: it is running elsewhere",
                job.name,
                extra={"job": job.name, "status": "locked"},
            )
            return "locked"
        try:
            return self._run_child(job)
        finally:
            self._unlock(job, token)

    def _run_child(self, job: scheduled.Job) -> str:
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *job.command]
        started = time.monotonic()
        fields: dict[str, Any] = {"job": job.name, "command": " ".join(job.command)}
        try:
            child = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
                command,
                cwd=settings.BASE_DIR,
                env=_child_environment(),
                stdout=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                timeout=job.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as expired:
            fields.update(status="timeout", output=_tail(expired.stdout))
            fields["duration_ms"] = _ms_since(started)
            logger.error("job %s stopped after %d s", job.name, job.timeout, extra=fields)
            return "timeout"
        except OSError:
            fields.update(status="error", duration_ms=_ms_since(started))
            logger.exception("job %s could not start", job.name, extra=fields)
            return "error"
        status = "ok" if child.returncode == 0 else "error"
        fields.update(
            status=status,
            exit_code=child.returncode,
            duration_ms=_ms_since(started),
            output=_tail(child.stdout),
        )
        if status == "ok":
            logger.info("job %s ok", job.name, extra=fields)
        else:
            logger.error("job %s failed (exit %d)", job.name, child.returncode, extra=fields)
        return status

    def _unlock(self, job: scheduled.Job, token: str) -> None:
        # Only our own lock: after a timeout another scheduler may hold it.
        try:
            if cache.get(lock_key(job)) == token:
                cache.delete(lock_key(job))
        except Exception:
            logger.warning("job %s: could not release its lock", job.name, exc_info=True)

    def run_many(self, jobs: Iterable[scheduled.Job]) -> list[str]:
        outcomes = []
        for job in jobs:
            if self.stopping.is_set():
                break
            outcomes.append(self.run(job))
        return outcomes

    def due(self, moment: dt.datetime) -> list[scheduled.Job]:
        return [job for job in self.jobs if job.is_due(moment, self.zone)]

    def plan(self, moment: dt.datetime) -> dict[str, dt.datetime]:
        return {job.name: job.next_after(moment, self.zone) for job in self.jobs}

    def loop(self) -> None:
        """Run each job at its times until stop() is called."""
        plan = self.plan(self.now())
        while not self.stopping.is_set():
            now = self.now()
            ready = [job for job in self.jobs if plan[job.name] <= now]
            for job in ready:
                if self.stopping.is_set():
                    break
                self.run(job)
                # From the time it ended: a run longer than the interval
                # skips the missed times instead of running again at once.
                plan[job.name] = job.next_after(max(self.now(), plan[job.name]), self.zone)
            if not ready:
                wait = (min(plan.values()) - now).total_seconds()
                self.stopping.wait(min(max(wait, 0.05), LONGEST_SLEEP))

    def stop(self, *_: object) -> None:
        self.stopping.set()


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _tail(output: bytes | str | None) -> str:
    if not output:
        return ""
    text = output.decode("utf-8", "replace") if isinstance(output, bytes) else output
    text = text.strip()
    return text if len(text) <= OUTPUT_LIMIT else "…" + text[-OUTPUT_LIMIT:]


class Command(BaseCommand):
    help = (
        "Run the scheduled jobs of core/scheduled.py until stopped (the compose "
        "`scheduler` service), or once (--once, --job: systemd timers), or print "
        "them (--list, --cron, --write-timers)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Run the jobs due in the current minute, then exit.",
        )
        parser.add_argument(
            "--job",
            action="append",
            default=[],
            metavar="NAME",
            help="Run this job now, then exit (may be repeated).",
        )
        parser.add_argument(
            "--list", action="store_true", help="Print the jobs and their next runs."
        )
        parser.add_argument("--cron", action="store_true", help="Print crontab lines for the jobs.")
        parser.add_argument(
            "--directory",
            default="/srv/puente",
            help="The project directory the cron lines change to (default: %(default)s).",
        )
        parser.add_argument(
            "--write-timers",
            metavar="DIR",
            help="Write one systemd timer per job into DIR (deploy/systemd).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        zone = ZoneInfo(settings.TIME_ZONE)
        unknown = [name for name in options["job"] if name not in _names()]
        if unknown:
            raise CommandError(f"unknown job {unknown[0]!r}; the jobs are: {', '.join(_names())}")
        if options["list"]:
            self._list(zone)
        elif options["cron"]:
            self._cron(options["directory"])
        elif options["write_timers"]:
            self._write_timers(Path(options["write_timers"]))
        elif options["job"] or options["once"]:
            self._once(zone, options["job"])
        else:
            self._forever(zone)

    def _list(self, zone: ZoneInfo) -> None:
        now = timezone.now()
        for job in scheduled.JOBS:
            upcoming = job.next_after(now, zone).strftime("%Y-%m-%d %H:%M %Z")
            self.stdout.write(
                f"{job.name:<22} {job.schedule.describe():<24} next {upcoming:<22} "
                f"manage.py {' '.join(job.command)}"
            )

    def _cron(self, directory: str) -> None:
        self.stdout.write(
            f"# Puente's scheduled jobs (core/scheduled.py). Times are {settings.TIME_ZONE}:\n"
            f"# run cron in that time zone (TZ, or CRON_TZ={settings.TIME_ZONE} where cron\n"
            "# supports it), as the user that runs Puente, with the production environment."
        )
        for line in scheduled.cron_lines(directory):
            self.stdout.write(line)

    def _write_timers(self, folder: Path) -> None:
        if not folder.is_dir():
            raise CommandError(f"--write-timers: {folder} is not a directory")
        for job in scheduled.JOBS:
            path = folder / scheduled.TIMER_NAME.format(name=job.name)
            path.write_text(scheduled.systemd_timer(job, settings.TIME_ZONE))
            self.stdout.write(f"wrote {path}")

    def _once(self, zone: ZoneInfo, names: list[str]) -> None:
        scheduler = Scheduler(scheduled.JOBS, zone=zone)
        jobs = [scheduled.job(name) for name in names] or scheduler.due(timezone.now())
        outcomes = scheduler.run_many(jobs)
        failed = [
            job.name
            for job, outcome in zip(jobs, outcomes, strict=False)
            if outcome in {"error", "timeout"}
        ]
        if failed:
            raise CommandError(f"failed: {', '.join(failed)}")

    def _forever(self, zone: ZoneInfo) -> None:
        scheduler = Scheduler(scheduled.JOBS, zone=zone)
        previous = {
            sig: signal.signal(sig, scheduler.stop) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        logger.info(
            "scheduler started: %d jobs, time zone %s",
            len(scheduler.jobs),
            settings.TIME_ZONE,
            extra={"status": "started"},
        )
        try:
            scheduler.loop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        logger.info("scheduler stopped", extra={"status": "stopped"})


def _names() -> list[str]:
    return [job.name for job in scheduled.JOBS]
