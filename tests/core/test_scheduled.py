"""The scheduled jobs (core/scheduled.py) and `manage.py run_scheduler`:
the table's commands, next-run times in the municipality's time zone, the
files generated from the table, and real runs in child processes (a
Wagtail page scheduled to go live, a failing job, the lock, the timeout,
SIGTERM)."""

import datetime as dt
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import scheduled
from core.management.commands import run_scheduler
from core.scheduled import Daily, Every, Job, Weekly
from search.indexing import sync_comments
from tests.e2e.conftest import database_url_for

ROOT = Path(__file__).resolve().parents[2]
SYSTEMD = ROOT / "deploy" / "systemd"
MEXICO = ZoneInfo("America/Mexico_City")
NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.UTC
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def at(zone, *args):
    return dt.datetime(*args, tzinfo=zone)


# --- The table -------------------------------------------------------------


def test_every_job_is_an_existing_command_with_valid_arguments(settings):
    # prune_db_task_results checks its --backend default: a database backend,
    # as in production.
    settings.TASKS = DATABASE_TASKS
    commands = get_commands()
    for job in scheduled.JOBS:
        name, *args = job.command
        assert name in commands, f"{job.name}: no command {name!r}"
        command = load_command_class(commands[name], name)
        parser = command.create_parser("manage.py", name)
        parser.parse_args(args)  # exits (SystemExit) on a typo in an option


def test_the_table_names_each_job_once_with_a_reason_and_a_timeout():
    names = [job.name for job in scheduled.JOBS]
    assert len(names) == len(set(names))
    for job in scheduled.JOBS:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", job.name), job.name
        assert job.why and job.timeout > 0
    # What the issue and docs/operations.md ask to run.
    commands = {" ".join(job.command) for job in scheduled.JOBS}
    assert {
        "publish_scheduled",
        "clearsessions",
        "search_sync",
        "opinion_groups --stale",
        "send_queued_email",
        "notify_consultations",
        "send_digests --frequency daily",
        "send_digests --frequency weekly",
        "privacy_purge",
    } <= commands
    assert any(job.command[0] == "prune_db_task_results" for job in scheduled.JOBS)


@pytest.mark.parametrize(
    "bad",
    [
        lambda: Every(7),
        lambda: Every(0),
        lambda: Daily(24, 0),
        lambda: Daily(7, 60),
        lambda: Weekly(7, 7, 0),
    ],
)
def test_impossible_schedules_are_refused(bad):
    with pytest.raises(ValueError):
        bad()


# --- Next runs ---------------------------------------------------------------


def test_every_n_minutes_runs_on_the_minutes_of_the_hour_divisible_by_n():
    every15 = Every(15)
    assert every15.next_after(at(MEXICO, 2025, 5, 1, 10, 7, 30), MEXICO) == at(
        MEXICO, 2025, 5, 1, 10, 15
    )
    # Strictly after: at 10:15:00 the next is 10:30.
    assert every15.next_after(at(MEXICO, 2025, 5, 1, 10, 15), MEXICO) == at(
        MEXICO, 2025, 5, 1, 10, 30
    )
    assert every15.next_after(at(MEXICO, 2025, 12, 31, 23, 50), MEXICO) == at(
        MEXICO, 2026, 1, 1, 0, 0
    )
    assert Every(1).next_after(at(MEXICO, 2025, 5, 1, 10, 7, 59, 999999), MEXICO) == at(
        MEXICO, 2025, 5, 1, 10, 8
    )
    # A zone with a half-hour offset runs on its own :00 and :30, as cron does.
    kolkata = ZoneInfo("Asia/Kolkata")
    assert Every(30).next_after(at(kolkata, 2025, 5, 1, 10, 1), kolkata) == at(
        kolkata, 2025, 5, 1, 10, 30
    )


def test_daily_and_weekly_runs():
    seven = Daily(7, 0)
    assert seven.next_after(at(MEXICO, 2025, 5, 1, 6, 59), MEXICO) == at(MEXICO, 2025, 5, 1, 7)
    assert seven.next_after(at(MEXICO, 2025, 5, 1, 7, 0), MEXICO) == at(MEXICO, 2025, 5, 2, 7)
    monday = Weekly(0, 7, 0)
    # 2025-05-04 is a Sunday, 2025-05-05 a Monday.
    assert monday.next_after(at(MEXICO, 2025, 5, 4, 12), MEXICO) == at(MEXICO, 2025, 5, 5, 7)
    assert monday.next_after(at(MEXICO, 2025, 5, 5, 6, 59), MEXICO) == at(MEXICO, 2025, 5, 5, 7)
    assert monday.next_after(at(MEXICO, 2025, 5, 5, 7, 0, 1), MEXICO) == at(MEXICO, 2025, 5, 12, 7)
    # A moment given in UTC is read in the municipality's zone: Monday 03:00
    # UTC is still Sunday 21:00 in Mexico City.
    assert monday.next_after(at(UTC, 2025, 5, 5, 3), MEXICO) == at(MEXICO, 2025, 5, 5, 7)


def test_mexico_city_has_no_daylight_saving_time_07_00_is_always_13_00_utc():
    # Mexico abolished DST in October 2022: the former change dates (first
    # Sunday of April, last Sunday of October) move nothing.
    for day in [(2025, 1, 15), (2025, 4, 5), (2025, 4, 7), (2025, 7, 15), (2025, 10, 27)]:
        run = Daily(7, 0).next_after(at(MEXICO, *day, 0, 0), MEXICO)
        assert run.astimezone(UTC) == at(UTC, *day, 13, 0), day


def test_a_zone_with_daylight_saving_keeps_local_wall_clock_times():
    seven = Daily(7, 0)
    # New York moved to EDT on 2025-03-09: 07:00 local is 12:00 UTC before, 11:00 after.
    assert seven.next_after(at(UTC, 2025, 3, 8, 0), NEW_YORK).astimezone(UTC) == at(
        UTC, 2025, 3, 8, 12
    )
    assert seven.next_after(at(UTC, 2025, 3, 9, 0), NEW_YORK).astimezone(UTC) == at(
        UTC, 2025, 3, 9, 11
    )
    # A time the jump skips (02:30 that day) runs just after it, at 03:30 EDT.
    run = Daily(2, 30).next_after(at(NEW_YORK, 2025, 3, 9, 0), NEW_YORK)
    assert run.astimezone(UTC) == at(UTC, 2025, 3, 9, 7, 30)


def test_is_due_means_the_job_runs_in_this_minute():
    daily = Job("d", ("clearsessions",), Daily(3, 0), "test")
    assert daily.is_due(at(MEXICO, 2025, 5, 1, 3, 0, 42), MEXICO)
    assert not daily.is_due(at(MEXICO, 2025, 5, 1, 3, 1), MEXICO)
    every5 = Job("e", ("clearsessions",), Every(5), "test")
    assert every5.is_due(at(MEXICO, 2025, 5, 1, 3, 55, 59), MEXICO)
    assert not every5.is_due(at(MEXICO, 2025, 5, 1, 3, 56), MEXICO)


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_computes_the_same_next_runs_as_the_scheduler():
    """Each timer's OnCalendar, as systemd itself reads it, elapses at the
    times run_scheduler computes: three iterations from a fixed moment."""
    base = at(UTC, 2025, 5, 4, 23, 52, 10)  # a Sunday evening, local 17:52
    for job in scheduled.JOBS:
        spec = f"{job.schedule.on_calendar()} America/Mexico_City"
        output = subprocess.run(
            [
                "systemd-analyze",
                "calendar",
                "--iterations=3",
                f"--base-time={base.strftime('%Y-%m-%d %H:%M:%S')} UTC",
                spec,
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "TZ": "UTC"},
        ).stdout
        elapses = re.findall(r"(?:Next elapse|Iter\. #\d): \w+ (\S+ \S+) UTC", output)
        assert len(elapses) == 3, output
        ours, moment = [], base
        for _ in range(3):
            moment = job.next_after(moment, MEXICO)
            ours.append(moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"))
        assert elapses == ours, job.name


# --- Files generated from the table -----------------------------------------------


def test_cron_output_has_one_line_per_job_with_its_schedule_and_command(capsys):
    call_command("run_scheduler", "--cron")
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("#")]
    assert len(lines) == len(scheduled.JOBS)
    for job, line in zip(scheduled.JOBS, lines, strict=True):
        fields = line.split()
        assert " ".join(fields[:5]) == job.schedule.cron()
        assert line.endswith(
            "cd /srv/puente && .venv/bin/python manage.py "
            + " ".join(f"'{w}'" if w == "*" else w for w in job.command)
        )
    # The lines docs/operations.md gave before the scheduler existed.
    assert "0 7 * * 1" in "\n".join(lines)
    assert any(
        line.startswith("*/5 ") and line.endswith("manage.py send_queued_email") for line in lines
    )


def test_every_job_has_its_timer_and_every_timer_a_job():
    timers = {path.name for path in SYSTEMD.glob("puente-job-*.timer")}
    expected = {scheduled.TIMER_NAME.format(name=job.name) for job in scheduled.JOBS}
    assert timers == expected, "regenerate: manage.py run_scheduler --write-timers deploy/systemd"
    for job in scheduled.JOBS:
        text = (SYSTEMD / scheduled.TIMER_NAME.format(name=job.name)).read_text()
        assert text == scheduled.systemd_timer(job, "America/Mexico_City"), (
            f"{job.name}: regenerate with manage.py run_scheduler --write-timers deploy/systemd"
        )
        assert f"OnCalendar={job.schedule.on_calendar()} America/Mexico_City\n" in text
        assert f"Unit=puente-job@{job.name}.service\n" in text


def test_the_timers_service_runs_the_named_job_through_the_entrypoint():
    unit = (SYSTEMD / "puente-job@.service").read_text()
    assert "ExecStart=/srv/puente/deploy/entrypoint.sh scheduler --job %i\n" in unit
    assert "Type=oneshot" in unit


def test_write_timers_writes_the_committed_files(tmp_path):
    call_command("run_scheduler", "--write-timers", str(tmp_path))
    for path in tmp_path.iterdir():
        assert path.read_text() == (SYSTEMD / path.name).read_text()
    assert len(list(tmp_path.iterdir())) == len(scheduled.JOBS)


def test_list_prints_every_job_with_its_next_run(capsys):
    call_command("run_scheduler", "--list")
    out = capsys.readouterr().out
    for job in scheduled.JOBS:
        assert re.search(rf"^{job.name} .* next \d{{4}}-\d\d-\d\d \d\d:\d\d CST ", out, re.M)


def test_an_unknown_job_is_refused_with_the_list_of_jobs():
    with pytest.raises(CommandError, match=r"unknown job 'publish'; the jobs are: publish_sched"):
        call_command("run_scheduler", "--job", "publish")


def test_write_timers_into_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(CommandError, match="is not a directory"):
        call_command("run_scheduler", "--write-timers", str(tmp_path / "nope"))


# --- Real runs ----------------------------------------------------------------------


@pytest.fixture
def scheduled_page(transactional_db, monkeypatch):
    """A consultation page an editor scheduled to go live, whose time has
    come; jobs' child processes read the test database."""
    from django.db import connection
    from wagtail.models import Revision

    from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, ensure_site

    home = ensure_site()
    index = ConsultationIndexPageFactory(parent=home)
    page = ConsultationPageFactory(parent=index, publish=False)
    go_live_at = timezone.now() + dt.timedelta(seconds=2)
    page.go_live_at = go_live_at
    page.save_revision().publish()  # scheduled: not live yet
    page.refresh_from_db()
    assert not page.live
    assert Revision.objects.filter(approved_go_live_at=go_live_at).count() == 1
    # Its time comes.
    time.sleep(max(0, (go_live_at - timezone.now()).total_seconds()) + 0.1)
    monkeypatch.setenv("DATABASE_URL", database_url_for(connection))
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.test")
    return page


@pytest.fixture
def shared_cache():
    """The production cache (Redis) when the test command started one."""
    url = os.environ.get("REDIS_URL")
    if not url:
        yield
        return
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-scheduler-{os.getpid()}",
        }
    }
    with override_settings(CACHES=caches):
        yield


def test_the_scheduler_as_a_process_publishes_the_page(scheduled_page):
    """What the timer's unit runs: the entrypoint's scheduler role, one job,
    in a process of its own that runs the job in a child."""
    env = {**os.environ, "PUENTE_PYTHON": sys.executable}
    result = subprocess.run(
        [str(ROOT / "deploy" / "entrypoint.sh"), "scheduler", "--job", "publish_scheduled"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    scheduled_page.refresh_from_db()
    assert scheduled_page.live


def test_prune_task_results_deletes_only_the_rows_finished_over_a_week_ago(db, settings):
    settings.TASKS = DATABASE_TASKS
    now = timezone.now()
    days = dt.timedelta(days=1)

    def row(status, finished_days_ago=None, queue="default"):
        pk = sync_comments.enqueue([1]).id
        finished = finished_days_ago is not None
        DBTaskResult.objects.filter(pk=pk).update(
            status=status,
            queue_name=queue,
            enqueued_at=now - 30 * days,
            started_at=now - 30 * days if status != "READY" else None,
            finished_at=now - finished_days_ago * days if finished else None,
        )
        return pk

    # Pruned: finished (either way) over 7 days ago, in any queue.
    row("SUCCESSFUL", 8)
    row("FAILED", 30)
    row("SUCCESSFUL", 8, queue="email")
    # Kept: finished 6 days ago, and old rows not finished yet.
    recent = row("SUCCESSFUL", 6)
    old_queued = row("READY")
    old_running = row("RUNNING")
    assert DBTaskResult.objects.count() == 6

    call_command(*scheduled.job("prune_task_results").command, verbosity=0)

    left = {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}
    assert left == {recent, old_queued, old_running}


def test_a_failing_job_is_logged_and_the_next_still_runs(scheduled_page, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="puente.scheduler")
    broken = Job("broken", ("check", "--tag", "no_such_tag"), Every(1), "fails")
    monkeypatch.setattr(scheduled, "JOBS", (broken, scheduled.job("publish_scheduled")))
    with pytest.raises(CommandError, match="failed: broken"):
        call_command("run_scheduler", "--job", "broken", "--job", "publish_scheduled")
    records = scheduler_records(caplog)
    assert [(r.job, r.status) for r in records] == [
        ("broken", "error"),
        ("publish_scheduled", "ok"),
    ]
    assert records[0].levelno == logging.ERROR and records[0].exit_code == 1
    assert records[1].exit_code == 0 and records[1].duration_ms > 0
    scheduled_page.refresh_from_db()
    assert scheduled_page.live


def test_a_held_lock_skips_the_job_until_released(scheduled_page, shared_cache, caplog):
    from django.core.cache import cache

    caplog.set_level(logging.INFO, logger="puente.scheduler")
    job = scheduled.job("publish_scheduled")
    assert cache.add(run_scheduler.lock_key(job), "another scheduler", timeout=60)
    try:
        call_command("run_scheduler", "--job", "publish_scheduled")  # skipped, not failed
        scheduled_page.refresh_from_db()
        assert not scheduled_page.live
        assert scheduler_records(caplog)[-1].status == "locked"
    finally:
        cache.delete(run_scheduler.lock_key(job))
    call_command("run_scheduler", "--job", "publish_scheduled")
    scheduled_page.refresh_from_db()
    assert scheduled_page.live
    assert cache.get(run_scheduler.lock_key(job)) is None  # released after the run


def test_two_schedulers_at_once_run_a_job_once(shared_cache):
    slow = Job("slow", ("shell", "-c", "import time; time.sleep(2)"), Every(1), "test")
    outcomes = []
    schedulers = [run_scheduler.Scheduler([slow], zone=MEXICO) for _ in range(2)]
    threads = [
        threading.Thread(target=lambda s=s: outcomes.append(s.run(slow))) for s in schedulers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["locked", "ok"]


def test_a_job_past_its_timeout_is_stopped_and_logged(caplog):
    caplog.set_level(logging.INFO, logger="puente.scheduler")
    hung = Job("hung", ("shell", "-c", "import time; time.sleep(60)"), Every(1), "test", timeout=2)
    started = time.monotonic()
    assert run_scheduler.Scheduler([hung], zone=MEXICO).run(hung) == "timeout"
    assert time.monotonic() - started < 20
    assert scheduler_records(caplog)[-1].status == "timeout"


def test_the_loop_runs_due_jobs_and_skips_missed_times(monkeypatch):
    """The loop on a fake clock: a job due at 10:01 runs once; the clock then
    jumps 5 minutes (a long run), and the job runs once more, not five times."""
    clock = [at(MEXICO, 2025, 5, 1, 10, 0, 30)]
    job = Job("every_minute", ("check",), Every(1), "test")
    scheduler = run_scheduler.Scheduler([job], zone=MEXICO, now=lambda: clock[0])
    ran = []

    def run(each):
        ran.append(clock[0])
        clock[0] += dt.timedelta(minutes=5) if len(ran) == 1 else dt.timedelta(seconds=1)
        if len(ran) == 2:
            scheduler.stop()
        return "ok"

    def wait(seconds):
        clock[0] += dt.timedelta(seconds=seconds)
        return scheduler.stopping.is_set()

    monkeypatch.setattr(scheduler, "run", run)
    monkeypatch.setattr(scheduler.stopping, "wait", wait)
    scheduler.loop()
    assert ran == [at(MEXICO, 2025, 5, 1, 10, 1), at(MEXICO, 2025, 5, 1, 10, 7)]


def test_sigterm_stops_the_scheduler_cleanly(transactional_db):
    from django.db import connection

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url_for(connection),
    }
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "run_scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # Wait until the process catches SIGTERM (Linux: SigCgt in /proc),
        # i.e. Django is set up and the loop is about to sleep.
        deadline = time.monotonic() + 60
        while not catches_sigterm(process.pid):
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "the scheduler never installed its handler"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def catches_sigterm(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    caught = int(re.search(r"^SigCgt:\s*([0-9a-f]+)$", status, re.M).group(1), 16)
    return bool(caught & (1 << (signal.SIGTERM - 1)))


def scheduler_records(caplog):
    return [record for record in caplog.records if record.name == "puente.scheduler"]
