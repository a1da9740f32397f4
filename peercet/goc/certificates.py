"""CET certificates: issued once per completed CET, with a stored random verification
code (peercet.goc.verification), and revocable by a moderator (audited). The PDF is
peercet.goc.certificate_pdf; the emailed download link is signed (peercet.completions.links).

Revoking withdraws the certificate only: the verification page says so, and neither the
registrant nor a download link gets the PDF again. The completion, its points and its
upload stay as they are (a provider corrects a record already at the GOC with the GOC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.catalogue.professions import profession_name
from peercet.completions import links
from peercet.completions.actions import award_of
from peercet.completions.lifecycle import COMPLETED_STATES, State
from peercet.core import audit
from peercet.core.clock import Clock
from peercet.core.errors import BadInput, Conflict, NotFound
from peercet.core.settings import Settings
from peercet.core.tables import Certificate as CertificateRow
from peercet.core.tables import Completion, Course, Registrant
from peercet.goc import verification

REASON_MAX = 2000


@dataclass(frozen=True)
class Certificate:
    """What a certificate says, and the verification page shows."""

    completion_id: int
    code: str
    name: str
    goc_number: str
    profession: str
    course_ref: str
    course_title: str
    competencies: list[str]
    points: int
    kind: str  # "interactive" or "non-interactive"
    fallback: bool
    completed_on: date
    cet_year: int
    cycle: str
    provider: str
    provider_goc_id: str
    issued_on: date
    verify_url: str
    revoked_on: date | None = None

    @property
    def printed_code(self) -> str:
        return verification.display(self.code)

    @property
    def points_text(self) -> str:
        plural = "point" if self.points == 1 else "points"
        how = " (completed by the deadline)" if self.fallback else ""
        return f"{self.points} {self.kind} CET {plural}{how}"


def verify_url(settings: Settings, code: str) -> str:
    return f"{settings.base_url}/verify/{verification.display(code)}"


def _insert(session: AsyncSession) -> type[postgresql.Insert] | type[sqlite.Insert]:
    dialect = session.get_bind().dialect.name
    return postgresql.Insert if dialect == "postgresql" else sqlite.Insert


async def issue(session: AsyncSession, completion: Completion, now: datetime) -> CertificateRow:
    """The completion's certificate, issued now with a fresh code if it has none yet
    (two requests at once issue one: the second's insert does nothing); 409 while the
    completion is open."""
    if State(completion.state) not in COMPLETED_STATES or completion.completed_at is None:
        raise Conflict("the certificate is ready once the CET is completed", "not_completed")
    values = {"completion_id": completion.id, "code": verification.new_code(), "issued_at": now}
    insert = _insert(session)(CertificateRow).values(**values)
    await session.execute(insert.on_conflict_do_nothing(index_elements=["completion_id"]))
    row = await session.scalar(
        select(CertificateRow).where(CertificateRow.completion_id == completion.id)
    )
    assert row is not None  # just inserted, or there already
    return row


async def by_download_link(
    session: AsyncSession, keys: list[str], token: str, clock: Clock
) -> Completion | None:
    """The completion an emailed download link names, while the link is unexpired."""
    cid = links.read_download_token(keys, token, clock)
    return None if cid is None else await session.get(Completion, cid)


async def by_legacy_link(
    session: AsyncSession, keys: list[str], token: str, now: datetime
) -> CertificateRow | None:
    """A link printed before stored codes: signed, valid while its key is in SECRET_KEYS;
    its completion's certificate is issued now if it had none."""
    cid = links.read_verify_token(keys, token)
    completion = None if cid is None else await session.get(Completion, cid)
    if completion is None or State(completion.state) not in COMPLETED_STATES:
        return None
    return await issue(session, completion, now)


async def by_code(session: AsyncSession, text: str) -> CertificateRow | None:
    """The certificate of a verification code as typed or linked, or None."""
    code = verification.normalise(text)
    if code is None:
        return None
    return await session.scalar(select(CertificateRow).where(CertificateRow.code == code))


async def facts(session: AsyncSession, row: CertificateRow, settings: Settings) -> Certificate:
    """Everything the certificate states, from the completion as awarded (rule 9: the
    points of its point record, whatever the course is worth today)."""
    tz = settings.timezone
    completion = await session.get_one(Completion, row.completion_id)
    registrant = await session.get_one(Registrant, completion.registrant_id)
    course = await session.get_one(Course, completion.course_id)
    award = await award_of(session, completion.id)
    assert award is not None and completion.completed_at is not None  # rule 6
    return Certificate(
        completion_id=completion.id,
        code=row.code,
        name=registrant.name,
        goc_number=registrant.goc_number,
        profession=profession_name(registrant.profession),
        course_ref=course.ref,
        course_title=course.title,
        competencies=[str(c) for c in course.competencies],
        points=award.points,
        kind=award.kind.replace("_", "-"),
        fallback=completion.fallback,
        completed_on=completion.completed_at.astimezone(tz).date(),
        cet_year=completion.cet_year,
        cycle=completion.cycle,
        provider=settings.provider_name,
        provider_goc_id=settings.provider_goc_id,
        issued_on=row.issued_at.astimezone(tz).date(),
        verify_url=verify_url(settings, row.code),
        revoked_on=None if row.revoked_at is None else row.revoked_at.astimezone(tz).date(),
    )


async def for_download(
    session: AsyncSession, completion: Completion, now: datetime, settings: Settings
) -> Certificate:
    """The certificate to print: issued if need be; 409 once revoked."""
    cert = await facts(session, await issue(session, completion, now), settings)
    if cert.revoked_on is not None:
        raise Conflict("this certificate has been revoked by the provider", "certificate_revoked")
    return cert


def filename(cert: Certificate) -> str:
    return f"certificate-{cert.course_ref}-{cert.completion_id}.pdf"


def _reason(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadInput("'reason' is required: say why the certificate is revoked", "bad_input")
    if len(value) > REASON_MAX:
        raise BadInput(f"'reason' is over {REASON_MAX} characters", "bad_input")
    return value.strip()


async def revoke(
    session: AsyncSession, moderator: Registrant, completion_id: int, reason: object, now: datetime
) -> CertificateRow:
    """A moderator withdraws a completion's certificate, with why (audited); once."""
    why = _reason(reason)
    completion = await session.get(Completion, completion_id)
    if completion is None:
        raise NotFound("no such completion")
    row = await issue(session, completion, now)
    revoked = await session.execute(
        update(CertificateRow)
        .where(CertificateRow.id == row.id, CertificateRow.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=moderator.id, revoke_reason=why)
        .returning(CertificateRow.id)
    )
    if revoked.first() is None:  # revoked before, or by another at once
        raise Conflict("this certificate is already revoked", "already_revoked")
    subject = f"completion:{completion_id}"
    await audit.record(session, now, moderator, "revoke_certificate", subject, why, code=row.code)
    await session.refresh(row)
    return row
