"""A 5,000-finding HTML report in headless Chromium, against the same rows as a plain static table.

The report has 1,000 changed values per severity (a tenth of the info ones ignored), as the
browser test's big report. The subject is navigation to the `load` event plus the first click on
the `critical` severity filter until the first critical row is hidden; the anchor is navigation to
`load` of an HTML file holding the same rows (severity, status, path, reference, candidate,
message) in one `<table>`, with no script and no CSS. Both pages open in a fresh browser context
of one Chromium (Debian's, as the browser tests launch it), interleaved. There is no target: the
row shows what the report's script and styles cost over the bare rows.
"""

from __future__ import annotations

import datetime as dt
import html
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import Row, Skipped

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PER_SEVERITY = 1000
CRITICAL = 'input[data-filter="severity"][value="critical"]'


def report_files(folder: Path, per_severity: int) -> tuple[Path, Path, int]:
    """Write the report and the static table of its rows; return both and the finding count."""
    from fidelity.config import Rule, RuleAction
    from fidelity.model import Severity
    from fidelity.policy import Policy, RuleSet, build_report
    from fidelity.report import RenderOptions
    from fidelity.report.html import HtmlReporter
    from fidelity.snapshot import ProbeSnapshot, Snapshot

    severities = [s.value for s in Severity]

    def snapshot(env: str, prefix: str) -> Snapshot:
        data: dict[str, Any] = {f"{s}.env": {f"KEY_{i:04d}": f"{prefix}-{s}-{i}" for i in range(per_severity)}
                                for s in severities}
        return Snapshot(env, "2026-01-01T00:00:00+00:00", "bench", "k",
                        {"app": ProbeSnapshot(type="fake", status="ok", data=data)})

    rules = [Rule(f"app/{s}.env/*", RuleAction.SEVERITY, severity=Severity(s)) for s in severities]
    rules.append(Rule("app/info.env/KEY_00*", RuleAction.IGNORE, reason="noise"))
    report = build_report(snapshot("production", "prod"), [snapshot("staging", "staging")],
                          Policy(RuleSet(rules, dt.date(2026, 11, 27))))
    findings = report.comparisons[0].findings
    page = folder / "report.html"
    page.write_text(HtmlReporter().render(report, RenderOptions()), encoding="utf-8")
    cells = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in (f.severity.value, f.status.value, f.path,
                                                                       f.reference, f.candidate, f.message))
        + "</tr>\n" for f in findings)
    static = folder / "static.html"
    static.write_text("<!doctype html><html><head><meta charset=\"utf-8\"><title>rows</title></head><body>"
                      "<table><tr><th>severity</th><th>status</th><th>path</th><th>reference</th>"
                      f"<th>candidate</th><th>message</th></tr>\n{cells}</table></body></html>\n",
                      encoding="utf-8")
    return page, static, len(findings)


def rows(folder: Path, smoke: bool, runs: int) -> list[Row] | Skipped:
    """The HTML row, or why it cannot run here."""
    name = "HTML report in headless Chromium"
    try:
        from playwright.sync_api import Browser, Error, sync_playwright
    except ImportError:
        return Skipped(name, "the playwright package is not installed (pip install -e '.[test]')")
    if not CHROMIUM.is_file():
        return Skipped(name, f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    page_file, static_file, count = report_files(folder, 20 if smoke else PER_SEVERITY)

    def report_side(browser: Browser) -> float:
        context = browser.new_context()
        try:
            page = context.new_page()
            started = time.perf_counter()
            page.goto(page_file.as_uri(), wait_until="load")
            page.locator(CRITICAL).click()
            page.locator('tr[data-severity="critical"]').first.wait_for(state="hidden")
            return time.perf_counter() - started
        finally:
            context.close()

    def static_side(browser: Browser) -> float:
        context = browser.new_context()
        try:
            page = context.new_page()
            started = time.perf_counter()
            page.goto(static_file.as_uri(), wait_until="load")
            return time.perf_counter() - started
        finally:
            context.close()

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        except Error as exc:
            return Skipped(name, f"{CHROMIUM} does not start: {exc.message.splitlines()[0]}")
        try:
            report_side(browser), static_side(browser)  # warm-up
            pairs = [(report_side(browser), static_side(browser)) for _ in range(runs)]
        finally:
            browser.close()
    subject = sorted(p[0] for p in pairs)[len(pairs) // 2]
    anchor = sorted(p[1] for p in pairs)[len(pairs) // 2]
    return [Row(f"HTML report of {count:,} findings: load + first severity-filter click", subject, anchor,
                None, "same rows, static <table>, no script/CSS: load",
                note=f"report {page_file.stat().st_size / 1e6:.1f} MB, static table "
                     f"{static_file.stat().st_size / 1e6:.1f} MB; no target set")]
