"""The registrant's record (`GET /api/me/record`) and a moderator's revocation of a
certificate (`POST /api/moderation/completions/{id}/certificate/revoke`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from peercet.catalogue.professions import profession_name
from peercet.core.db import transaction
from peercet.core.errors import BadInput
from peercet.core.settings import Settings
from peercet.core.tables import Registrant
from peercet.cycles import record
from peercet.cycles.record_pdf import RecordOwner, render_pdf
from peercet.goc import certificates
from web.auth import require_moderator, require_registrant
from web.fields import Text
from web.http import Body, CycleQuery, asked_cycle, path_int, read_body, read_query
from web.resources import Resources, resources

FORMATS = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


class RecordQuery(CycleQuery):
    format: Text | None = None


class Revocation(Body):
    reason: Text = ""  # required: checked as every moderator action's reason is


def parse_format(value: str | None) -> str:
    if value is None or value == "":
        return "csv"
    if value not in FORMATS:
        raise BadInput("`format` must be csv or pdf", "bad_query", field="format")
    return value


def owner_of(who: Registrant, cycle: str, settings: Settings, res: Resources) -> RecordOwner:
    return RecordOwner(
        name=who.name,
        goc_number=who.goc_number,
        profession=profession_name(who.profession),
        cycle=cycle,
        provider=settings.provider_name,
        provider_goc_id=settings.provider_goc_id,
        generated_on=res.clock.now().astimezone(settings.timezone).date(),
    )


async def my_record(request: Request) -> Response:
    """Every completed CET of the cycle, as CSV (default) or PDF, the same rows."""
    who = await require_registrant(request)
    res = resources(request)
    query = read_query(request, RecordQuery)
    (cycle, _), fmt = asked_cycle(request, query), parse_format(query.format)
    async with res.sessions() as session:
        rows = await record.record_rows(session, who.id, cycle)
    tz = res.settings.timezone
    if fmt == "csv":
        body: str | bytes = record.render_csv(rows, tz)
    else:
        body = render_pdf(owner_of(who, cycle, res.settings, res), rows, tz)
    disposition = f'attachment; filename="{record.filename(cycle, fmt)}"'
    return Response(body, media_type=FORMATS[fmt], headers={"content-disposition": disposition})


async def revoke_certificate(request: Request) -> Response:
    moderator = await require_moderator(request)
    res = resources(request)
    cid = path_int(request, "id")
    body = await read_body(request, Revocation)
    async with transaction(res.sessions) as session:
        row = await certificates.revoke(session, moderator, cid, body.reason, res.clock.now())
    return JSONResponse(
        {
            "completion_id": row.completion_id,
            "code": row.code,
            "verify_url": certificates.verify_url(res.settings, row.code),
            "issued_at": row.issued_at.isoformat(),
            "revoked_at": None if row.revoked_at is None else row.revoked_at.isoformat(),
            "reason": row.revoke_reason,
        }
    )


routes = [
    Route("/api/me/record", my_record, methods=["GET"]),
    Route(
        "/api/moderation/completions/{id}/certificate/revoke", revoke_certificate, methods=["POST"]
    ),
]
