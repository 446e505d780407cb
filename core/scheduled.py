"""The scheduled jobs: one table, read by everything that runs them.

Each job is a management command with its arguments and a schedule in the
municipality's time zone (settings.TIME_ZONE). `manage.py run_scheduler`
runs the table (the compose `scheduler` service, `deploy/entrypoint.sh
scheduler`); the systemd timers in deploy/systemd/ and the cron lines of
docs/operations.md are generated from it (`run_scheduler --write-timers`,
`run_scheduler --cron`), and tests/core/test_scheduled.py checks that the
committed files still match it.

Names only: this module imports no app and runs nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MINUTE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Every:
    """Every `minutes` minutes, on the minutes of the hour divisible by it
    (cron's */N): every 15 minutes runs at :00, :15, :30 and :45."""

    minutes: int

    def __post_init__(self) -> None:
        if self.minutes < 1 or 60 % self.minutes:
            raise ValueError(f"every {self.minutes} minutes: use a divisor of 60")

    def next_after(self, moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
        # Wall-clock minutes of the zone, so that zones with half-hour offsets
        # run on their own :00 and :30 as cron does.
        local = moment.astimezone(zone).replace(second=0, microsecond=0) + MINUTE
        local += MINUTE * (-local.minute % self.minutes)
        return _normalised(local, zone)

    def cron(self) -> str:
        return "* * * * *" if self.minutes == 1 else f"*/{self.minutes} * * * *"

    def on_calendar(self) -> str:
        return "*-*-* *:*:00" if self.minutes == 1 else f"*-*-* *:00/{self.minutes}:00"

    def describe(self) -> str:
        return "every minute" if self.minutes == 1 else f"every {self.minutes} minutes"


@dataclass(frozen=True)
class Daily:
    """Every day at hour:minute, local time."""

    hour: int
    minute: int = 0

    def __post_init__(self) -> None:
        dt.time(self.hour, self.minute)  # ValueError when out of range

    def next_after(self, moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
        local = moment.astimezone(zone)
        day = local.date()
        while True:
            candidate = _normalised(self._at(day, zone), zone)
            if candidate > moment:
                return candidate
            day += dt.timedelta(days=1)

    def _at(self, day: dt.date, zone: ZoneInfo) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(self.hour, self.minute), tzinfo=zone)

    def cron(self) -> str:
        return f"{self.minute} {self.hour} * * *"

    def on_calendar(self) -> str:
        return f"*-*-* {self.hour:02d}:{self.minute:02d}:00"

    def describe(self) -> str:
        return f"daily at {self.hour:02d}:{self.minute:02d}"


@dataclass(frozen=True)
class Weekly:
    """Every week on `weekday` (0 = Monday) at hour:minute, local time."""

    weekday: int
    hour: int
    minute: int = 0

    def __post_init__(self) -> None:
        dt.time(self.hour, self.minute)
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday {self.weekday}: 0 (Monday) to 6 (Sunday)")

    def next_after(self, moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
        local = moment.astimezone(zone)
        day = local.date() + dt.timedelta(days=(self.weekday - local.weekday()) % 7)
        while True:
            at = dt.datetime.combine(day, dt.time(self.hour, self.minute), tzinfo=zone)
            candidate = _normalised(at, zone)
            if candidate > moment:
                return candidate
            day += dt.timedelta(days=7)

    def cron(self) -> str:
        # cron counts days from Sunday = 0.
        return f"{self.minute} {self.hour} * * {(self.weekday + 1) % 7}"

    def on_calendar(self) -> str:
        return f"{DAY_NAMES[self.weekday]} *-*-* {self.hour:02d}:{self.minute:02d}:00"

    def describe(self) -> str:
        return f"weekly on {DAY_NAMES[self.weekday]} at {self.hour:02d}:{self.minute:02d}"


Schedule = Every | Daily | Weekly


def _normalised(local: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A wall-clock time as a real instant: a time skipped by a daylight-saving
    jump moves past the gap, a repeated one is its first occurrence."""
    return local.astimezone(dt.UTC).astimezone(zone)


@dataclass(frozen=True)
class Job:
    name: str
    command: tuple[str, ...]  # manage.py command and its arguments
    schedule: Schedule
    why: str
    # The longest a run may take: the scheduler stops it then, and its lock
    # (which keeps two schedulers from running it at once) expires after it.
    timeout: int = 30 * 60

    def next_after(self, moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
        return self.schedule.next_after(moment, zone)

    def is_due(self, moment: dt.datetime, zone: ZoneInfo) -> bool:
        """Whether the job runs in the minute holding `moment` (what cron runs then)."""
        start = moment.replace(second=0, microsecond=0)
        return self.schedule.next_after(start - MINUTE, zone) == start


JOBS: tuple[Job, ...] = (
    Job(
        "publish_scheduled",
        ("publish_scheduled",),
        Every(1),
        "Wagtail: publish the pages scheduled to go live, unpublish the expired ones",
        timeout=10 * 60,
    ),
    Job(
        "send_queued_email",
        ("send_queued_email",),
        Every(5),
        "the outbox's safety net: mail due again after a failure, rows of a dead worker",
        timeout=10 * 60,
    ),
    Job(
        "notify_consultations",
        ("notify_consultations",),
        Every(15),
        "tell followers that a consultation opened, closes soon or closed",
        timeout=10 * 60,
    ),
    Job(
        "search_sync",
        ("search_sync",),
        Every(15),
        "the comment index's safety net: index every change still in the backlog",
        timeout=10 * 60,
    ),
    Job(
        "opinion_groups_stale",
        ("opinion_groups", "--stale"),
        Every(15),
        "opinion groups behind their consultation's reactions recomputed (a lost refresh task)",
        timeout=10 * 60,
    ),
    Job(
        "send_digests_daily",
        ("send_digests", "--frequency", "daily"),
        Daily(7, 0),
        "the daily digest e-mails",
    ),
    Job(
        "send_digests_weekly",
        ("send_digests", "--frequency", "weekly"),
        Weekly(0, 7, 0),
        "the weekly digest e-mails (Mondays)",
    ),
    Job(
        "clearsessions",
        ("clearsessions",),
        Daily(3, 0),
        "delete expired sessions",
    ),
    Job(
        "privacy_purge",
        ("privacy_purge",),
        Daily(3, 15),
        "delete the data-export files past their download date",
    ),
    Job(
        "prune_task_results",
        ("prune_db_task_results", "--queue-name", "*", "--min-age-days", "7"),
        Daily(3, 30),
        "delete the background tasks' rows finished more than 7 days ago",
    ),
)


def job(name: str) -> Job:
    for each in JOBS:
        if each.name == name:
            return each
    raise KeyError(name)


def cron_lines(directory: str = "/srv/puente", python: str = ".venv/bin/python") -> list[str]:
    """One crontab line per job, the same commands the scheduler runs."""
    width = max(len(each.schedule.cron()) for each in JOBS) + 1
    return [
        f"{each.schedule.cron():<{width}} cd {directory} && {python} manage.py "
        + " ".join(_shell_word(word) for word in each.command)
        for each in JOBS
    ]


def _shell_word(word: str) -> str:
    return f"'{word}'" if any(c in word for c in "*?[]$ ") else word


TIMER_NAME = "puente-job-{name}.timer"
JOB_SERVICE = "puente-job@{name}.service"


def systemd_timer(each: Job, zone: str) -> str:
    """The text of deploy/systemd/puente-job-<name>.timer."""
    return (
        "# Generated from core/scheduled.py by `manage.py run_scheduler --write-timers`;\n"
        "# tests/core/test_scheduled.py checks that it still matches. Do not edit.\n"
        "[Unit]\n"
        f"Description=Puente scheduled job {each.name}: {each.schedule.describe()}\n"
        "\n"
        "[Timer]\n"
        f"OnCalendar={each.schedule.on_calendar()} {zone}\n"
        f"Unit={JOB_SERVICE.format(name=each.name)}\n"
        "AccuracySec=1s\n"
        "Persistent=true\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
