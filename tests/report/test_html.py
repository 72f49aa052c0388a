"""The HTML report: escaped, self-contained, filterable."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

from builders import errored_report, many_keys
from conftest import HOSTILE_VALUE

from fidelity.model import AuditReport
from fidelity.report import RenderOptions
from fidelity.report.html import HtmlReporter


class Page(HTMLParser):
    """Collects the tags, finding rows and filter checkboxes of a page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.rows: dict[str, dict[str, str | None]] = {}
        self.boxes: dict[tuple[str | None, str | None], bool] = {}
        self.body_class: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        attributes = dict(attrs)
        if tag == "tr" and (attributes.get("id") or "").startswith("f-"):
            self.rows[str(attributes["id"])] = attributes
        if tag == "input":
            self.boxes[attributes.get("data-filter"), attributes.get("value")] = "checked" in attributes
        if tag == "body":
            self.body_class = attributes.get("class")


def render(report: AuditReport, **options: bool) -> str:
    return HtmlReporter().render(report, RenderOptions(**options))


def test_hostile_keys_and_values_appear_only_escaped(sample_report: AuditReport) -> None:
    out = render(sample_report)
    assert "<script>alert" not in out
    assert "&lt;script&gt;alert" in out
    assert "<b>bold</b>" not in out
    assert "&lt;b&gt;bold&lt;/b&gt;" in out
    assert "<i>other" not in out
    page = Page(out)
    assert page.tags.count("script") == 1  # ours
    assert not {"b", "i"} & set(page.tags)
    assert HOSTILE_VALUE.split()[-1] in out  # non-ASCII text kept as it is


def test_page_is_self_contained(sample_report: AuditReport) -> None:
    out = render(sample_report)
    for external in ("http://", "https://", "src=", "<link", "@import", "url("):
        assert external not in out
    assert "<style>" in out
    assert "<script>" in out


def test_every_finding_has_a_row_with_its_id_severity_and_status(sample_report: AuditReport) -> None:
    page = Page(render(sample_report))
    findings = sample_report.comparisons[0].findings
    assert set(page.rows) == {f"f-{f.id}" for f in findings}
    for finding in findings:
        row = page.rows[f"f-{finding.id}"]
        assert (row["data-severity"], row["data-status"]) == (finding.severity.value, finding.status.value)


def test_values_are_side_by_side(sample_report: AuditReport) -> None:
    out = render(sample_report)
    row = out.split('id="f-' + next(f.id for f in sample_report.comparisons[0].findings
                                     if f.path.endswith("WORKERS")))[1].split("</tr>")[0]
    assert row.index("<code>8</code>") < row.index("<code>2</code>")
    assert "white-space: pre-wrap" in out
    assert "overflow-wrap: anywhere" in out


def test_filters_hide_ignored_by_default(sample_report: AuditReport) -> None:
    page = Page(render(sample_report))
    for severity in ("critical", "high", "medium", "low", "info"):
        assert page.boxes["severity", severity] is True
    assert page.boxes["status", "open"]
    assert page.boxes["status", "expected"]
    assert page.boxes["status", "ignored"] is False
    assert page.boxes["status", "covered"] is False  # reported by the finding of its cause
    assert page.body_class == "hide-status-ignored hide-status-covered"
    shown = Page(render(sample_report, show_ignored=True))
    assert shown.boxes["status", "ignored"] is True
    assert shown.boxes["status", "covered"] is True
    assert shown.body_class is None


def test_errors_section_only_when_incomplete(sample_report: AuditReport) -> None:
    assert "audit incomplete" not in render(sample_report)
    out = render(errored_report())
    assert "Errors: audit incomplete (1)" in out
    assert "connection refused\\x1b[31m\\x00 by db.internal" in out  # control bytes shown, not sent
    assert "\x1b" not in out
    assert "\x00" not in out


def test_expired_rules_and_header(sample_report: AuditReport) -> None:
    out = render(sample_report)
    assert "rule &#39;app/**/FEATURE_X&#39; expired on 2026-01-01 and no longer applies" in out
    assert sample_report.generated_at in out
    assert sample_report.tool_version in out
    assert "12.5%" in out


def test_five_thousand_findings_render_as_plain_rows(make_report: Callable[..., AuditReport]) -> None:
    report = make_report(reference=many_keys(5000, "a"), candidate=many_keys(5000, "b"))
    page = Page(render(report))
    assert len(page.rows) == 5000
