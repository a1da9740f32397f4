"""Rule 8 end to end: the completion email goes through real SMTP (aiosmtpd), and the
certificate link read back out of it opens the PDF without signing in."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from starlette.testclient import TestClient

from peercet.core.clock import FixedClock
from peercet.core.db import create_engine, session_factory, transaction
from peercet.core.settings import Settings
from peercet.notify import mailer
from tests.support import factories as f
from tests.support.services import Inbox, parts
from web.app import create_app

LINK = re.compile(r"https?://\S+/certificates/\S+\.pdf")


async def test_the_completion_email_links_to_a_certificate_anyone_with_it_can_open(
    settings: Settings, smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    try:
        async with transaction(sessions) as session:
            who = await f.registrant(session, email="ann@example.test", name="Ann Ó Súilleabháin")
            course = await f.course(session, interactive=False)
            await f.completion(session, who, course)  # a non-interactive course completes at once
        transport = mailer.SmtpTransport(url)
        sent = await mailer.drain(sessions, transport, FixedClock(f.T0), "P <p@x.test>")
    finally:
        await engine.dispose()
    assert sent.sent == 1
    (message,) = inbox.messages
    assert message["To"] == "ann@example.test" and course.ref in message["Subject"]
    text, html = parts(message)
    link = LINK.search(text)
    assert link is not None and link.group(0) in html
    path = urlsplit(link.group(0)).path
    with TestClient(create_app(settings, FixedClock(f.T0 + timedelta(hours=1)))) as anyone:
        response = anyone.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        tampered = anyone.get(path.replace(".pdf", "x.pdf"))
        assert tampered.status_code in (400, 403, 404)
