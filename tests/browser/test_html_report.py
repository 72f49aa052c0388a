"""The HTML report and the history index, opened in a real headless Chromium as a release captain would."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import DEMO, HOSTILE_KEY, HOSTILE_VALUE, fidelity
from headless_chromium import VIEWPORT, blank_page, chromium, opened

from fidelity.config import Rule, RuleAction
from fidelity.model import AuditReport, Severity
from fidelity.report import RenderOptions
from fidelity.report.html import HtmlReporter

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
SCREENSHOTS = OUTPUT / "screenshots"
BIG_PER_SEVERITY = 1000
LONG_VALUE = "A" * 5000
LONG_SEGMENTS = ["x" * 300, "y" * 300, "LONG_" + "z" * 400]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the whole module; each test gets its own context."""
    with chromium() as launched:
        yield launched


def write_html(report: AuditReport, path: Path) -> Path:
    path.write_text(HtmlReporter().render(report, RenderOptions()), encoding="utf-8")
    return path


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / name
    page.screenshot(path=str(target), full_page=full_page)
    return target


def shown(rows: Locator) -> list[bool]:
    """Visibility of each row the locator matches."""
    return [row.is_visible() for row in rows.all()]


def checkbox(page: Page, kind: str, value: str) -> Locator:
    return page.locator(f'input[data-filter="{kind}"][value="{value}"]')


@pytest.fixture(scope="module")
def demo_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo audit's HTML report, written by the real command."""
    target = tmp_path_factory.mktemp("demo") / "report.html"
    result = fidelity("audit", "-c", str(DEMO / "fidelity.toml"), "--format", "html", "-o", str(target))
    assert result.returncode == 1, result.stderr  # the demo has drift on purpose
    return target


# Loading: no console error, no request, nothing injected ----------------------------------------------

def test_demo_report_loads_without_errors_or_network(browser: Browser, demo_page: Path) -> None:
    with opened(browser, demo_page) as watched:
        page = watched.page
        assert page.title().startswith("fidelity: FAIL")
        assert page.locator("tr[data-severity]").count() > 10
        assert page.locator("h1 .verdict").inner_text().lower() == "fail"
        paths = page.locator("tr[data-severity] td:nth-child(4) code").all_inner_texts()
        assert "deps/requirements.txt/packages/redis" in paths  # wraps at "/" yet copies as written
        screenshot(page, "report-demo.png")
        watched.assert_quiet(demo_page.as_uri())


def test_hostile_values_show_as_text_and_run_nothing(browser: Browser, sample_report: AuditReport,
                                                      tmp_path: Path) -> None:
    with opened(browser, write_html(sample_report, tmp_path / "hostile.html")) as watched:
        page = watched.page
        assert page.locator("b, i, td script").count() == 0  # no markup from values reached the DOM
        assert page.get_by_text(HOSTILE_VALUE, exact=True).count() == 1  # shown, verbatim
        assert page.get_by_text(f"{HOSTILE_KEY} differs", exact=True).count() == 1
        screenshot(page, "report-hostile.png")
        watched.assert_quiet((tmp_path / "hostile.html").as_uri())


# Filters ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("severity", ["high", "medium", "low"])
def test_severity_filter_hides_and_shows_its_rows(browser: Browser, demo_page: Path, severity: str) -> None:
    with opened(browser, demo_page) as watched:
        page = watched.page
        rows = page.locator(f'tr[data-severity="{severity}"]:not([data-status="ignored"])')
        others = page.locator(f'tr[data-severity]:not([data-severity="{severity}"])'
                              ':not([data-status="ignored"])')
        assert rows.count() > 0
        assert all(shown(rows))
        checkbox(page, "severity", severity).click()
        assert not any(shown(rows))
        assert all(shown(others))  # only this severity went away
        checkbox(page, "severity", severity).click()
        assert all(shown(rows))
        watched.assert_quiet(demo_page.as_uri())


def test_ignored_rows_are_hidden_until_ticked(browser: Browser, demo_page: Path) -> None:
    with opened(browser, demo_page) as watched:
        page = watched.page
        ignored = page.locator('tr[data-status="ignored"]')
        assert ignored.count() > 0
        assert not checkbox(page, "status", "ignored").is_checked()
        assert not any(shown(ignored))
        checkbox(page, "status", "ignored").click()
        assert all(shown(ignored))
        checkbox(page, "status", "ignored").click()
        assert not any(shown(ignored))
        watched.assert_quiet(demo_page.as_uri())


def test_status_filter_hides_expected_rows(browser: Browser, demo_page: Path) -> None:
    with opened(browser, demo_page) as watched:
        page = watched.page
        expected = page.locator('tr[data-status="expected"]')
        open_rows = page.locator('tr[data-status="open"]')
        assert expected.count() > 0
        assert all(shown(expected))
        checkbox(page, "status", "expected").click()
        assert not any(shown(expected))
        assert all(shown(open_rows))


def test_filters_combine(browser: Browser, demo_page: Path) -> None:
    """An ignored medium row appears with "ignored" ticked, and goes again when "medium" is unticked."""
    with opened(browser, demo_page) as watched:
        page = watched.page
        row = page.locator('tr[data-status="ignored"][data-severity="medium"]')
        assert row.count() == 1
        checkbox(page, "status", "ignored").click()
        assert row.is_visible()
        checkbox(page, "severity", "medium").click()
        assert not row.is_visible()


# Long values ------------------------------------------------------------------------------------------

def long_report(make_report: Callable[..., AuditReport]) -> AuditReport:
    def deep(value: str) -> dict[str, Any]:
        nested: dict[str, Any] = {"value": value}
        for segment in reversed(LONG_SEGMENTS):
            nested = {segment: nested}
        return nested

    reference = {"app": {"long.env": {"BLOB": LONG_VALUE, "PLAIN": "1"}, "deep.yaml": deep("short")}}
    candidate = {"app": {"long.env": {"BLOB": "B" * 5000, "PLAIN": "1"}, "deep.yaml": deep("other")}}
    return make_report(reference=reference, candidate=candidate)


def overflowing(page: Page, selector: str) -> list[str]:
    """Elements matching `selector` whose content is wider than their own box."""
    result: list[str] = page.eval_on_selector_all(
        selector, "els => els.filter(e => e.scrollWidth > e.clientWidth + 1)"
                  ".map(e => e.tagName + ' ' + e.scrollWidth + '>' + e.clientWidth)")
    return result


def test_long_values_and_paths_wrap_inside_the_table(browser: Browser, tmp_path: Path,
                                                      make_report: Callable[..., AuditReport]) -> None:
    report = long_report(make_report)
    paths = {f.path for f in report.comparisons[0].findings}
    assert "app/long.env/BLOB" in paths
    assert any(len(p) > 1000 for p in paths)
    with opened(browser, write_html(report, tmp_path / "long.html")) as watched:
        page = watched.page
        width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width[0] <= width[1] <= VIEWPORT["width"], "the page scrolls sideways"
        rows = page.locator("tr[data-severity]")
        assert rows.count() == 2
        for row in rows.all():
            table = row.locator("xpath=ancestor::table").bounding_box()
            assert table is not None
            assert table["x"] + table["width"] <= VIEWPORT["width"]
            for cell in row.locator("td").all():
                box = cell.bounding_box()
                assert box is not None
                assert box["x"] >= table["x"] - 1
                assert box["x"] + box["width"] <= table["x"] + table["width"] + 1
        assert overflowing(page, "tr[data-severity] td, tr[data-severity] pre, tr[data-severity] code") == []
        assert page.locator("pre", has_text="A" * 1000).count() == 1  # the value is there, wrapped
        screenshot(page, "report-long-values.png")
        watched.assert_quiet((tmp_path / "long.html").as_uri())


# A big report -----------------------------------------------------------------------------------------

def big_report(make_report: Callable[..., AuditReport]) -> AuditReport:
    """1,000 changed values per severity (5,000 findings); a tenth of the info ones ignored."""
    severities = [s.value for s in Severity]

    def data(prefix: str) -> dict[str, Any]:
        return {"app": {f"{s}.env": {f"KEY_{i:04d}": f"{prefix}-{s}-{i}" for i in range(BIG_PER_SEVERITY)}
                        for s in severities}}

    rules = [Rule(f"app/{s}.env/*", RuleAction.SEVERITY, severity=Severity(s)) for s in severities]
    rules.append(Rule("app/info.env/KEY_00*", RuleAction.IGNORE, reason="noise"))
    return make_report(reference=data("prod"), candidate=data("staging"), rules=rules)


def test_five_thousand_findings_stay_usable(browser: Browser, make_report: Callable[..., AuditReport],
                                            tmp_path: Path) -> None:
    report = big_report(make_report)
    assert len(report.comparisons[0].findings) == 5 * BIG_PER_SEVERITY
    target = write_html(report, tmp_path / "big.html")
    with blank_page(browser) as watched:
        page = watched.page
        page.goto(target.as_uri(), wait_until="load")

        critical = page.locator('tr[data-severity="critical"]')
        first, last = critical.first, critical.last
        assert first.is_visible()
        assert last.is_visible()
        checkbox(page, "severity", "critical").click()
        first.wait_for(state="hidden")
        assert not last.is_visible()
        assert page.locator('tr[data-severity="high"]').first.is_visible()
        assert page.locator('tr[data-status="ignored"]').count() == 100
        assert not page.locator('tr[data-status="ignored"]').first.is_visible()
        screenshot(page, "report-5000-findings.png", full_page=False)
        checkbox(page, "severity", "critical").click()
        first.wait_for(state="visible")
        assert last.is_visible()
        watched.assert_quiet(target.as_uri())


# The history index ------------------------------------------------------------------------------------

RUNS = 3


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three `--report-dir` runs of a private demo copy; staging improves, then regresses."""
    base = tmp_path_factory.mktemp("history")
    demo = base / "demo"
    shutil.copytree(DEMO, demo)
    reports = base / "reports"
    env = demo / "staging" / "app.env"
    text = env.read_text(encoding="utf-8")
    better = text.replace("DEBUG_TOOLBAR=1\n", "").replace("EMAIL_BACKEND=console", "EMAIL_BACKEND=smtp")
    stagings = [text, better, better + "ADMIN_PASSWORD_RESET=disabled\nNEW_THING=1\n"]
    for content in stagings:
        env.write_text(content, encoding="utf-8")
        result = fidelity("audit", "-c", str(demo / "fidelity.toml"), "--report-dir", str(reports),
                          "--format", "json", "-o", str(base / "x.json"))
        assert result.returncode == 1, result.stderr
    return reports


def points(polyline: Locator) -> list[tuple[float, float]]:
    raw = polyline.get_attribute("points") or ""
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in raw.split())]


def test_history_index_lists_runs_and_draws_the_trend(browser: Browser, history: Path) -> None:
    index = history / "index.html"
    with opened(browser, index) as watched:
        page = watched.page
        assert page.locator("table tbody tr").count() == RUNS
        svg = page.locator("svg")
        assert svg.count() == 1
        assert svg.is_visible()
        lines = svg.locator("polyline")
        assert lines.count() == 2
        score, fidelity_line = points(lines.nth(0)), points(lines.nth(1))
        assert len(score) == len(fidelity_line) == RUNS
        assert [x for x, _ in score] == sorted(x for x, _ in score)  # oldest run on the left
        assert len({y for _, y in score}) > 1, "the score trend should move between these runs"
        box, chart = svg.bounding_box(), lines.nth(0).bounding_box()
        assert box is not None
        assert chart is not None
        assert box["x"] <= chart["x"]
        assert chart["x"] + chart["width"] <= box["x"] + box["width"]
        generated = page.locator("table tbody tr td:nth-child(2)").all_inner_texts()  # newest first
        labels = svg.locator("text.when").all_text_contents()
        assert labels == [generated[-1][:16].replace("T", " "), generated[0][:16].replace("T", " ")]
        assert svg.locator("circle").count() == RUNS  # one mark per run, its tooltip saying when and how
        assert "score" in (svg.locator("circle title").first.text_content() or "")
        screenshot(page, "history-index.png")
        watched.assert_quiet(index.as_uri())


def test_history_index_links_open_each_runs_report(browser: Browser, history: Path) -> None:
    index = history / "index.html"
    with opened(browser, index) as watched:
        page = watched.page
        links = page.locator('a[href$="/report.html"]')
        assert links.count() == RUNS
        hrefs = [link.get_attribute("href") or "" for link in links.all()]
        assert all((history / href).is_file() for href in hrefs)
        with page.expect_navigation(wait_until="load"):
            links.first.click()  # the newest run is listed first
        report = (history / hrefs[0]).resolve()
        assert page.url == report.as_uri()
        assert page.locator("tr[data-severity]").count() > 10
        assert page.locator(".badge-new").count() == 2  # the two keys added in the last run
        watched.assert_quiet(index.as_uri(), report.as_uri())
