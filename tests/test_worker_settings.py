"""The worker's configuration: functions, cron times in scheme time across summer time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from arq.cron import CronJob

from peercet.effects import DEADLINE_JOB
from tests.factories import LONDON
from workers.settings import WorkerSettings


def _cron(name: str) -> CronJob:
    (found,) = [c for c in WorkerSettings.cron_jobs if c.name == f"cron:{name}"]
    return found


def test_the_worker_runs_in_scheme_time_with_the_deadline_job() -> None:
    assert WorkerSettings.timezone == LONDON
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


def test_the_weekly_upload_runs_on_friday_at_the_configured_local_time() -> None:
    job = _cron("weekly_upload")
    job.calculate_next(datetime(2026, 3, 26, 12, 0, tzinfo=LONDON))  # Thursday, GMT
    assert job.next_run is not None
    assert job.next_run.replace(microsecond=0) == datetime(2026, 3, 27, 9, 0, tzinfo=LONDON)
    job.calculate_next(datetime(2026, 3, 27, 10, 0, tzinfo=LONDON))  # next: summer time
    assert job.next_run is not None
    assert (job.next_run.hour, job.next_run.weekday()) == (9, 4)
    assert job.next_run.utcoffset() == timedelta(hours=1)


def test_the_sweep_runs_every_minute() -> None:
    job = _cron("sweep")
    job.calculate_next(datetime(2026, 12, 30, 11, 59, 30, tzinfo=LONDON))
    assert job.next_run is not None
    assert job.next_run.replace(microsecond=0) == datetime(2026, 12, 30, 12, 0, tzinfo=LONDON)
