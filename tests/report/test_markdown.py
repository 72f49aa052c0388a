"""The Markdown report: a PR comment that hostile data cannot break and that fits GitHub's limit."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from builders import errored_report, many_keys
from conftest import REFERENCE_DATA

from fidelity.model import AuditReport, Status
from fidelity.report import RenderOptions
from fidelity.report.markdown import MAX_LENGTH, MarkdownReporter

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def render(report: AuditReport) -> str:
    return MarkdownReporter().render(report, RenderOptions())


def tables(text: str) -> list[list[str]]:
    """The tables of a document, each as its lines."""
    found: list[list[str]] = []
    previous = ""
    for line in text.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                found.append([])
            found[-1].append(line)
        previous = line
    return found


def test_heading_and_summary_table(sample_report: AuditReport) -> None:
    out = render(sample_report)
    assert out.startswith("## fidelity: FAIL\n")
    assert "| staging | FAIL | 23 | 12.5% | 0 | 1 | 3 | 1 | 0 |" in out


def test_hostile_values_cannot_break_a_table_or_inject_html(make_report: Callable[..., AuditReport]) -> None:
    nasty = "a|b\nc`d` <img onerror=x> & \\| [link](javascript:x) **bold**"
    report = make_report(candidate={"app": {"app.env": {"LOG_LEVEL": nasty, nasty: "1"}}})
    out = render(report)
    for table in tables(out):
        width = len(UNESCAPED_PIPE.findall(table[0]))
        assert all(len(UNESCAPED_PIPE.findall(line)) == width for line in table)
    for raw in ("<img", "<b>", "<i>", "\nc", "**bold", "[link]"):
        assert raw not in out
    assert not re.search(r"(?<!\\)`", out)
    assert "&lt;img onerror=x&gt; &amp;" in out


def test_only_open_findings_in_the_main_table(sample_report: AuditReport) -> None:
    out = render(sample_report)
    main, details = out.split("<details>")
    assert "FEATURE\\_X" in main
    assert "LOG\\_LEVEL" not in main
    assert "1 expected, 1 ignored" in details
    assert "verbose logging in staging" in details
    assert "hosts differ by design" in details
    assert "</details>" in details


def test_errors_section(sample_report: AuditReport) -> None:
    assert "Errors" not in render(sample_report)
    out = render(errored_report())
    assert out.startswith("## fidelity: ERROR")
    assert "### Errors (audit incomplete)" in out
    assert "staging / db: connection refused" in out
    assert "\x1b" not in out


def test_many_findings_are_cut_to_fit_with_a_count(make_report: Callable[..., AuditReport]) -> None:
    out = render(make_report(reference=many_keys(5000, "a"), candidate=many_keys(5000, "b")))
    assert len(out) < MAX_LENGTH
    shown = sum(1 for line in out.splitlines() if line.startswith("| medium |"))
    omitted = re.search(r"Left out to fit the length limit: (\d+) open finding\(s\)", out)
    assert omitted is not None
    assert 100 < shown < 5000
    assert shown + int(omitted.group(1)) == 5000


def test_clean_pass_says_no_drift(make_report: Callable[..., AuditReport]) -> None:
    out = render(make_report(candidate=REFERENCE_DATA))
    assert out.startswith("## fidelity: PASS\n")
    assert "No drift found between staging and production." in out
    assert "<details>" not in out


def test_covered_findings_are_counted_not_listed(sample_report: AuditReport) -> None:
    """Hundreds of partitions each covered by their parent's finding must not crowd out the rest of the
    report (the length budget drops everything after what does not fit)."""
    (comparison,) = sample_report.comparisons
    parent = next(f for f in comparison.findings if f.status is Status.OPEN)
    copies = tuple(replace(parent, id=f"c{i}", path=f"{parent.path}_part_{i:03d}", status=Status.COVERED,
                           message="covered by the same change at its parent")
                   for i in range(365))
    findings = (*comparison.findings, *copies)
    report = replace(sample_report, comparisons=(replace(comparison, findings=findings),))
    out = render(report)
    assert "_part_" not in out
    assert "365 covered" in out
    assert "Left out" not in out
    assert "hosts differ by design" in out  # the ignored finding is still listed


def test_covered_findings_alone_are_still_counted(sample_report: AuditReport) -> None:
    (comparison,) = sample_report.comparisons
    opened = tuple(f for f in comparison.findings if f.status is Status.OPEN)
    copies = tuple(replace(f, id=f"c{f.id}", path=f"{f.path}_part", status=Status.COVERED)
                   for f in opened[:2])
    report = replace(sample_report, comparisons=(replace(comparison, findings=(*opened, *copies)),))
    out = render(report)
    assert "2 finding(s) out of the gate (2 covered)" in out
    assert "_part" not in out
