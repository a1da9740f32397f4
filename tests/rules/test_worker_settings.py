"""The worker's configuration: functions, and crons that keep running across summer time
(in UTC; the sweep judges scheme-time moments: see workers/settings.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from arq.cron import CronJob

from peercet.core.publish import DEADLINE_JOB
from tests.support.factories import LONDON
from workers.settings import WorkerSettings


def _cron(name: str) -> CronJob:
    (found,) = [c for c in WorkerSettings.cron_jobs if c.name == f"cron:{name}"]
    return found


def test_the_worker_runs_its_crons_in_utc_with_the_deadline_job() -> None:
    assert WorkerSettings.timezone == UTC
    by_name = {f.name: f for f in WorkerSettings.functions}
    assert by_name[DEADLINE_JOB].keep_result_s == 0  # a re-scheduled deadline is never refused


@pytest.mark.parametrize(
    ("previous", "expected"),
    [
        (datetime(2026, 7, 1, 10, 0, tzinfo=LONDON), datetime(2026, 12, 30, 12, tzinfo=LONDON)),
        (datetime(2026, 12, 30, 12, 1, tzinfo=LONDON), datetime(2027, 12, 30, 12, tzinfo=LONDON)),
    ],
)
def test_the_year_end_runs_at_noon_on_30_december(previous: datetime, expected: datetime) -> None:
    job = _cron("year_end")
    job.calculate_next(previous)
    assert job.next_run is not None
    assert job.next_run.replace(microsecond=0) == expected
    assert job.next_run.utcoffset() == expected.utcoffset()


def test_no_weekly_cron_the_sweep_judges_the_friday_slot_in_scheme_time() -> None:
    """A UTC cron could not hold 09:00 London both in winter and in summer."""
    assert "cron:weekly_upload" not in {c.name for c in WorkerSettings.cron_jobs}


@pytest.mark.parametrize("night", [datetime(2026, 10, 25), datetime(2026, 3, 29)])
def test_the_minutely_crons_keep_running_when_the_clocks_change(night: datetime) -> None:
    """Replays arq's rule (a cron runs when now, in the worker's timezone, >= its
    next_run) every 15 s of real time through the nights the clocks change: the sweep
    runs every minute throughout (London wall time stalled it for the repeated hour)."""
    job, zone = _cron("sweep"), WorkerSettings.timezone
    clock = night.replace(tzinfo=UTC)
    job.calculate_next(clock.astimezone(zone))
    runs = 0
    for _ in range(4 * 60 * 4):  # four hours
        clock += timedelta(seconds=15)
        now = clock.astimezone(zone)
        assert job.next_run is not None
        if now >= job.next_run:
            runs += 1
            job.calculate_next(now)
    assert runs >= 4 * 60 - 1  # (arq's crons fire at .123456 of their second)


def test_the_sweep_runs_every_minute() -> None:
    job = _cron("sweep")
    job.calculate_next(datetime(2026, 12, 30, 11, 59, 30, tzinfo=LONDON))
    assert job.next_run is not None
    assert job.next_run.replace(microsecond=0) == datetime(2026, 12, 30, 12, 0, tzinfo=LONDON)
