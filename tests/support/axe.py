"""Accessibility checked by a tool: axe-core (installed by scripts/setup from npm into
.tools/) injected into a Playwright page; serious and critical violations fail."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from tests.support.services import ROOT

AXE = ROOT / ".tools/node_modules/axe-core/axe.min.js"
SEVERE = ("serious", "critical")

RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary),
  }));
}"""


def violations(page: Page) -> list[dict[str, Any]]:
    assert AXE.exists(), f"{AXE} is missing: run PEERCET_BROWSER=1 scripts/setup"
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated through DevTools, not as an inline <script> the page's CSP blocks
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    found: list[dict[str, Any]] = page.evaluate(RUN)
    return found


def assert_accessible(page: Page, name: str) -> None:
    severe = [v for v in violations(page) if v["impact"] in SEVERE]
    assert not severe, f"{name}: accessibility violations (axe-core):\n" + "\n".join(
        f"- {v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in severe
    )
