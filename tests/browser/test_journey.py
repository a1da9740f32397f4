"""The whole journey in real headless Chromium against the service as `scripts/start` runs
it (web and worker under honcho, Redis, SQLite): two registrants paired live discuss,
survive a network drop, validate and get their interactive CET, notification, email and
certificate; a third falls back at the deadline (the clock moved by the CLI); a moderator
posts a notice. Every main page is screenshotted and checked with axe-core."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_string, policy
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from peercet.cli import demo
from tests.support.axe import assert_accessible
from tests.support.browsers import chromium, csp_violations, watch_csp
from tests.support.journey_service import Service, started
from tests.support.pdfs import link_uris
from tests.support.services import ROOT

COURSE = "C-10421"  # the demo's interactive glaucoma course
SHOTS = ROOT / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = [
    pytest.mark.browser,
]


@dataclass
class Person:
    name: str
    email: str
    goc: str
    page: Page
    context: BrowserContext
    completion: int = 0


@pytest.fixture
def service(redis_url: str, tmp_path: Path) -> Iterator[Service]:
    with started(redis_url, tmp_path) as running:
        yield running


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def shot(page: Page, name: str, check: bool = True) -> None:
    """A full-page screenshot for the reviewer, and the page checked by axe-core."""
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    if check:
        assert_accessible(page, name)


WIDE = """() => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
  .slice(0, 8).map((e) => `${e.tagName}#${e.id}.${e.className}`)"""


def phone(page: Page, name: str) -> None:
    """The page on a phone-sized screen: screenshotted, checked, nothing wider than it."""
    page.set_viewport_size(PHONE)
    shot(page, f"{name}-phone")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    wide = page.evaluate(WIDE)
    assert width <= PHONE["width"], f"{name} is {width}px wide on a phone: {wide}"
    page.set_viewport_size(DESKTOP)


# Emulated offline stops new connections but leaves an open WebSocket alone (Chromium):
# the pages' sockets are kept so the test can drop them as a lost network would.
KEEP_SOCKETS = """(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); window.__sockets.push(this); }
  };
})();"""


def person(browser: Browser, name: str, n: int) -> Person:
    context = browser.new_context(accept_downloads=True, viewport=DESKTOP)
    context.add_init_script(KEEP_SOCKETS)
    page = context.new_page()
    page.set_default_timeout(10_000)
    watch_csp(page)
    return Person(name, f"journey{n}@example.test", f"01-7777{n}", page, context)


def right_answers() -> list[int]:
    [course] = [c for c in demo.catalogue() if c["ref"] == COURSE]
    return [q["answer"] for q in course["questions"]]


def register(who: Person, base: str) -> None:
    page = who.page
    page.goto(f"{base}/register")
    page.get_by_label("Full name, as on the GOC register").fill(who.name)
    page.get_by_label("Email").fill(who.email)
    page.get_by_label("Password").fill("journey-pass-1")
    page.get_by_label("GOC number").fill(who.goc)
    page.get_by_label("Profession").select_option("optometrist")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="My account")).to_be_visible()


def pass_exam(who: Person, base: str, shots: bool = False) -> None:
    """Search "interactive", open the course, answer right; lands on the choice."""
    page = who.page
    page.goto(f"{base}/courses")
    page.get_by_label("Keywords").fill("interactive")
    page.get_by_role("button", name="Search").click()
    found = page.get_by_role("list", name="Courses found").get_by_role("listitem")
    item = found.filter(has_text=COURSE)
    expect(item.locator(".badge.interactive")).to_have_text("Interactive")
    if shots:
        shot(page, "catalogue")
    item.get_by_role("link").first.click()
    questions = page.locator("form.exam fieldset")
    for i, answer in enumerate(right_answers()):
        questions.nth(i).locator(f'input[value="{answer}"]').check()
    if shots:
        shot(page, "exam")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status").first).to_contain_text("You passed the exam")
    who.completion = int(re.findall(r"/account/completions/(\d+)", page.url)[0])
    if shots:
        shot(page, "choice")


def choose_interactive(who: Person, base: str) -> None:
    who.page.get_by_role("button", name="Find me a discussion partner").click()
    expect(who.page.locator("dd.state")).to_have_text(
        re.compile("Looking for a peer|In discussion")
    )
    who.page.goto(f"{base}/completions/{who.completion}/waiting")


def enter_discussion(who: Person) -> int:
    room = who.page.get_by_role("link", name="Go to your discussion")
    expect(room).to_be_visible()
    room.click()
    expect(who.page.locator("#connection")).to_have_text("Connected")
    return int(re.findall(r"/discussions/(\d+)", who.page.url)[0])


def say(who: Person, body: str, prompt: str = "") -> None:
    who.page.get_by_label("On prompt").select_option(prompt)
    who.page.get_by_label("Message", exact=True).fill(body)
    who.page.get_by_role("button", name="Send", exact=True).click()


def by_keyboard(who: Person, number: int, body: str) -> None:
    """Keyboard only: the prompt's button, then type in the box it focuses, Enter sends."""
    who.page.get_by_role("button", name=f"Write on prompt {number}").focus()
    who.page.keyboard.press("Enter")
    expect(who.page.get_by_label("Message", exact=True)).to_be_focused()
    who.page.keyboard.type(body)
    who.page.keyboard.press("Enter")


def seqs(page: Page) -> list[int]:
    return [int(s) for s in page.locator("#messages li").evaluate_all(
        "els => els.map(e => e.dataset.seq || '0')")]  # fmt: skip


def assert_whole(page: Page, count: int) -> None:
    """Every message once, in seq order, none pending: 1..count."""
    expect(page.locator("#messages li")).to_have_count(count)
    expect(page.locator("#messages li.state-sent")).to_have_count(count)
    assert seqs(page) == list(range(1, count + 1))


def prompts_of(page: Page) -> list[str]:
    values = page.locator("#prompt-choice option").evaluate_all("els => els.map(e => e.value)")
    return [v for v in values if v]


def discuss(a: Person, b: Person) -> int:
    """Presence and typing seen; both write on every prompt; returns the message count."""
    expect(a.page.locator("#peer-status")).to_have_text("online")
    expect(b.page.locator("#peer-status")).to_have_text("online")
    for writer, reader in ((b, a), (a, b)):
        writer.page.get_by_label("Message", exact=True).press_sequentially("Hel")
        expect(reader.page.locator("#typing")).to_contain_text(f"{writer.name} is typing")
        writer.page.get_by_label("Message", exact=True).fill("")
    prompts = prompts_of(a.page)
    assert prompts
    count = 0
    for i, prompt in enumerate(prompts):
        say(a, f"{a.name} on prompt {i + 1}: what I would do in practice.", prompt)
        by_keyboard(b, i + 1, f"{b.name} on prompt {i + 1}: I agree, and I would refer sooner.")
        count += 2
        expect(a.page.locator("#messages li")).to_have_count(count)
        # screen readers hear the peer's new message (a polite live region)
        expect(a.page.get_by_role("status").filter(has_text=f"{b.name}: ")).to_have_count(1)
    assert_whole(a.page, count)
    assert_whole(b.page, count)
    return count


def drop_network(a: Person, b: Person, count: int) -> int:
    """`a` goes offline, both write, `a` comes back: nothing lost, nothing twice."""
    a.context.set_offline(True)  # no new connection succeeds...
    a.page.evaluate("() => window.__sockets.forEach((s) => s.close())")  # ...and the open one drops
    expect(a.page.locator("#connection")).to_contain_text("Reconnecting")
    say(b, f"{b.name}: are you still there?")
    say(a, f"{a.name}: my connection dropped for a moment.")
    expect(a.page.locator("#messages li.state-sending")).to_have_count(1)
    a.page.wait_for_timeout(1000)
    a.context.set_offline(False)
    count += 2
    expect(a.page.locator("#connection")).to_have_text("Connected", timeout=15_000)
    assert_whole(a.page, count)
    assert_whole(b.page, count)
    return count


def moderator_notice(moderator: Person, base: str, discussion: int) -> None:
    page = moderator.page
    page.goto(f"{base}/signin")
    page.get_by_label("Email").fill("mo@demo.peercet.test")
    page.get_by_label("Password").fill("mod-demo-1")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/moderation/discussions/{discussion}")
    expect(page.locator("#connection")).to_have_text("Watching live")
    page.get_by_label("Notice to both participants").fill(
        "A moderator: please keep to the prompts."
    )
    page.get_by_role("button", name="Post notice").click()
    expect(page.locator("#transcript li.notice")).to_contain_text("keep to the prompts")
    shot(page, "moderator-console")


def validate(who: Person) -> None:
    page = who.page
    page.get_by_label("Your reflection").fill("I will check IOP risk factors sooner.")
    page.get_by_role("button", name="Validate").click()


def completed(who: Person, base: str, text: str) -> Page:
    page = who.page
    page.goto(f"{base}/account/completions/{who.completion}")
    expect(page.locator("dd.state")).to_contain_text(text)
    expect(page.locator(".notes li").first).to_be_visible()
    return page


def download_certificate(who: Person, tmp: Path) -> None:
    with who.page.expect_download() as download:
        who.page.get_by_role("link", name="Download your certificate (PDF)").click()
    saved = tmp / f"certificate-{who.completion}.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")


def email_and_verify(who: Person, service: Service) -> None:
    """The worker sends the outbox: an email with a link to the certificate; the
    certificate's check page (the link printed on the PDF) says it is genuine."""
    service.drain_outbox()
    emails = [
        message_from_string(e, policy=policy.default)
        for e in service.emails_to(who.email, "CET completed")
    ]
    done = [e for e in emails if str(e["Subject"]).startswith("CET completed")]
    assert done, f"no completion email to {who.email} in {service.outbox}"
    body = done[0].get_body(("plain",))
    assert body is not None and "interactive point" in body.get_content()
    [link] = re.findall(r"https?://\S+/certificates/\S+\.pdf", body.get_content())
    pdf = who.page.request.get(link).body()
    assert pdf.startswith(b"%PDF")
    [verify] = link_uris(pdf)  # the link (and QR code) printed on the certificate
    assert verify.startswith(f"{service.base}/verify/")
    who.page.goto(verify)
    expect(who.page.get_by_role("heading", name="This certificate is genuine")).to_be_visible()


def falls_back(third: Person, service: Service) -> None:
    """Waits alone; the CLI runs the deadlines a minute after theirs; the page follows."""
    page = third.page
    expect(page.get_by_role("heading", name="Waiting for a discussion partner")).to_be_visible()
    answer = page.request.get(f"{service.base}/api/completions/{third.completion}").json()
    after = datetime.fromisoformat(answer["deadline"]) + timedelta(minutes=1)
    assert service.cli("deadlines", "run", "--now", after.isoformat()) == {"fallbacks": 1}
    expect(page.locator(".state")).to_have_text("Completed (non-interactive)")
    expect(page.get_by_text("completed automatically at the deadline")).to_be_visible()
    completed(third, service.base, "completed automatically at the deadline")


def test_the_whole_journey(service: Service, browser: Browser, tmp_path: Path) -> None:
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    print(f"\nscreenshots: {SHOTS}")
    base = service.base
    ada, ben = person(browser, "Ada Lovelace", 1), person(browser, "Ben Okri", 2)
    for who in (ada, ben):
        register(who, base)
        pass_exam(who, base, shots=who is ada)
    choose_interactive(ada, base)
    shot(ada.page, "waiting")
    choose_interactive(ben, base)
    discussion = enter_discussion(ada)
    assert enter_discussion(ben) == discussion
    count = discuss(ada, ben)
    count = drop_network(ada, ben, count)
    moderator = person(browser, "Morgan Reid", 9)
    moderator_notice(moderator, base, discussion)
    count += 1
    for who in (ada, ben):
        expect(who.page.locator("#messages li.notice")).to_contain_text("keep to the prompts")
        assert_whole(who.page, count)
    shot(ada.page, "discussion")
    phone(ada.page, "discussion")
    validate(ada)
    expect(ada.page.locator("#validation-state")).to_contain_text("waiting for your partner")
    validate(ben)
    for who in (ada, ben):
        expect(who.page.locator("#validation-state")).to_contain_text("Both of you validated")
    for who in (ada, ben):
        completed(who, base, "Completed (interactive)")
        download_certificate(who, tmp_path)
    ben.page.goto(f"{base}/account")
    shot(ben.page, "account")
    phone(ben.page, "account")
    for who in (ada, ben):
        email_and_verify(who, service)
    shot(ben.page, "certificate")

    cleo = person(browser, "Cleo Bright", 3)
    register(cleo, base)
    pass_exam(cleo, base)
    choose_interactive(cleo, base)
    falls_back(cleo, service)
    shot(cleo.page, "fallback")
    for who in (ada, ben, moderator, cleo):  # every page worked under its CSP
        assert csp_violations(who.page) == [], who.name
    if os.environ.get("PEERCET_DOCS_SCREENSHOTS") == "1":
        shutil.copy(SHOTS / "discussion.png", ROOT / "docs" / "screenshots" / "discussion.png")
