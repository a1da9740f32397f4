"""The `peercet` command. Whatever else a command prints, its last stdout line is JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from arq.connections import ArqRedis
from redis.asyncio import Redis

from discussion.deadlines import apply_due
from peercet.accounts.registrants import check_registration, create_registrant
from peercet.catalogue.loading import import_catalogue
from peercet.cli import demo
from peercet.core import migrate
from peercet.core.clock import SystemClock
from peercet.core.context import Context
from peercet.core.db import create_engine, session_factory, transaction
from peercet.core.errors import DomainError
from peercet.core.publish import ByTheWorker, Effects, RedisPublisher
from peercet.core.settings import MissingSecretKeys, Settings, load_settings, require_secret_keys
from peercet.cycles.report import THIN, cycle_report
from peercet.cycles.standing import cycle_of
from peercet.goc.uploads import run_upload
from workers.jobs import Upkeep, run_duties


def parse_now(value: str | None, tz: ZoneInfo) -> datetime:
    """ISO 8601; a time without an offset is scheme time."""
    if value is None:
        return SystemClock().now()
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed


async def _db_upgrade(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    await migrate.upgrade(ctx.settings.database_url)
    return {"upgraded": True}


async def _with_session(settings: Settings, work: Callable[..., Awaitable[Any]]) -> Any:
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            return await work(session)
    finally:
        await engine.dispose()


async def _courses_import(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    try:
        data = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DomainError(f"cannot read {args.file}: {exc}", "bad_catalogue") from exc
    now = ctx.clock.now()
    count = await _with_session(ctx.settings, lambda s: import_catalogue(s, data, now))
    return {"courses": count}


async def _demo(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    now = parse_now(args.now, ctx.tz)
    return dict(await _with_session(ctx.settings, lambda s: demo.load(s, now, ctx)))


async def _user_create(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    new = check_registration(
        {
            "email": args.email,
            "password": args.password,
            "name": args.name,
            "goc_number": args.goc_number,
            "profession": args.profession,
        },
        role="moderator" if args.moderator else "registrant",
    )
    now, cost = ctx.clock.now(), ctx.settings.password_cost
    registrant = await _with_session(ctx.settings, lambda s: create_registrant(s, new, now, cost))
    return {"registrant": registrant.id, "email": registrant.email, "role": registrant.role}


@asynccontextmanager
async def _effects(settings: Settings) -> AsyncIterator[Effects]:
    """A command's after-commit step: deliveries published; whoever goes back to a queue
    is put there by the worker (the command runs no matcher), and deadline jobs too."""
    redis = Redis.from_url(settings.redis_url)
    jobs = ArqRedis(redis.connection_pool)
    upkeep = ByTheWorker(jobs)
    try:
        yield Effects(RedisPublisher(redis), upkeep, jobs)
        await upkeep.ask()  # once, after the whole run
    finally:
        await redis.aclose()


def _tell(template: str) -> Callable[..., None]:
    """Progress of a long run, a line on stderr each step (stdout keeps the JSON)."""

    def tell(*figures: int) -> None:
        print(template.format(*figures), file=sys.stderr, flush=True)

    return tell


async def _deadlines_run(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    now = parse_now(args.now, ctx.tz)
    settings = require_secret_keys(ctx.settings)  # its emails carry signed certificate links
    engine = create_engine(settings.database_url)
    try:
        async with _effects(settings) as after_commit:
            count = await apply_due(
                session_factory(engine),
                now,
                ctx,
                after_commit,
                progress=_tell("fallbacks so far: {:,}"),
            )
    finally:
        await engine.dispose()
    return {"fallbacks": count}


async def _upload_run(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    now, settings = parse_now(args.now, ctx.tz), ctx.settings
    engine = create_engine(settings.database_url)
    try:
        told = _tell("rows written: {:,} of {:,}")
        result = await run_upload(session_factory(engine), settings, now, progress=told)
    finally:
        await engine.dispose()
    return {"file": None if result.path is None else str(result.path), "rows": result.rows}


async def _sweep(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    """Every periodic duty of the worker once, as of --now (workers.jobs.run_duties)."""
    now = parse_now(args.now, ctx.tz)
    settings = require_secret_keys(ctx.settings)
    engine = create_engine(settings.database_url)
    try:
        async with _effects(settings) as after_commit:
            done = await run_duties(Upkeep(session_factory(engine), ctx, after_commit), now)
    finally:
        await engine.dispose()
    for name, result in done.items():
        print(f"{name.replace('_', ' ')}: {len(result) if isinstance(result, list) else result}")
    return done


async def _report_cycle(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    """How registrants stand in a cycle, by profession, and the competencies the
    catalogue covers poorly (peercet.cycles.report); a line each, then JSON."""
    now, settings = parse_now(args.now, ctx.tz), ctx.settings
    label, years = cycle_of(settings, args.cycle, now)
    report = await _with_session(
        settings, lambda s: cycle_report(s, label, years, now, settings, args.fewer_than)
    )
    for p in report["by_profession"]:
        print(
            f"{p['profession']}: {p['registrants']} registrants, {p['on_track_total']} on track "
            f"({p['met']} met), {p['behind']} behind, {p['not_met']} not met"
        )
    for thin in report["poorly_covered"]:
        print(f"poorly covered: {thin['profession']} {thin['competency']} ({thin['courses']})")
    return dict(report)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="peercet", description=__doc__)
    sub = parser.add_subparsers(dest="group", required=True)
    db = sub.add_parser("db", help="database").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(run=_db_upgrade)
    demo_ = sub.add_parser("demo", help="load the demo catalogue, accounts and history")
    demo_.add_argument("--now", help="the history's present, ISO 8601 (scheme time)")
    demo_.set_defaults(run=_demo)
    courses = sub.add_parser("courses").add_subparsers(dest="action", required=True)
    imp = courses.add_parser("import", help="load or update courses from a catalogue file")
    imp.add_argument("file")
    imp.set_defaults(run=_courses_import)
    user = sub.add_parser("user").add_subparsers(dest="action", required=True)
    create = user.add_parser("create", help="create an account")
    for flag in ("--email", "--password", "--name", "--goc-number", "--profession"):
        create.add_argument(flag, required=True)
    create.add_argument("--moderator", action="store_true")
    create.set_defaults(run=_user_create)
    deadlines = sub.add_parser("deadlines").add_subparsers(dest="action", required=True)
    run = deadlines.add_parser("run", help="apply every fallback due at --now")
    run.add_argument("--now", help="ISO 8601; without an offset, scheme time")
    run.set_defaults(run=_deadlines_run)
    upload = sub.add_parser("upload").add_subparsers(dest="action", required=True)
    up = upload.add_parser("run", help="write the GOC batch of everything not yet uploaded")
    up.add_argument("--now", help="ISO 8601; without an offset, scheme time")
    up.set_defaults(run=_upload_run)
    report = sub.add_parser("report").add_subparsers(dest="action", required=True)
    cycle = report.add_parser("cycle", help="registrants against a cycle's requirements")
    cycle.add_argument("--cycle", help="a cycle label such as 2025-2027 (default: the current)")
    cycle.add_argument("--now", help="ISO 8601; without an offset, scheme time")
    cycle.add_argument("--fewer-than", type=int, default=THIN, help="poorly covered below this")
    cycle.set_defaults(run=_report_cycle)
    sweep = sub.add_parser("sweep", help="run every periodic duty of the worker once, at --now")
    sweep.add_argument("--now", help="ISO 8601; without an offset, scheme time")
    sweep.set_defaults(run=_sweep)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        result = asyncio.run(args.run(args, Context(load_settings(), SystemClock())))
    except MissingSecretKeys as exc:
        print(exc.code, file=sys.stderr)
        print(json.dumps({"error": {"code": "no_secret_keys", "message": str(exc.code)}}))
        return 1
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        print(json.dumps({"error": {"code": exc.code, "message": exc.message}}))
        return 1
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        print(json.dumps({"error": {"code": "bad_input", "message": str(exc)}}))
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
