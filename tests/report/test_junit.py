"""The JUnit report as a CI test view reads it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from builders import errored_report
from conftest import REFERENCE_DATA

from fidelity.model import AuditReport, Severity
from fidelity.report import RenderOptions
from fidelity.report.junit import JunitReporter


def parse(report: AuditReport) -> ET.Element:
    return ET.fromstring(JunitReporter().render(report, RenderOptions()))


def cases(root: ET.Element) -> dict[str, ET.Element]:
    return {case.get("name", ""): case for case in root.iter("testcase")}


def test_suite_per_candidate_and_case_per_probe(sample_report: AuditReport) -> None:
    root = parse(sample_report)
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("name") == "fidelity.staging"
    assert list(cases(root)) == ["app"]
    assert cases(root)["app"].get("classname") == "fidelity.staging"


def test_open_findings_at_or_above_fail_on_fail(sample_report: AuditReport) -> None:
    root = parse(sample_report)
    failure = cases(root)["app"].find("failure")
    assert failure is not None
    assert failure.get("type") == "drift"
    assert failure.text is not None
    assert failure.text.splitlines() == [
        "high missing app/app.env/FEATURE_X: FEATURE_X is in the reference but missing from the candidate "
        "(rule 'app/**/FEATURE_X' expired on 2026-01-01)"
    ]
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("1", "1", "0")


@pytest.mark.parametrize("fail_on", [Severity.CRITICAL, None])
def test_no_failure_below_fail_on(make_report: Callable[..., AuditReport], fail_on: Severity | None) -> None:
    root = parse(make_report(fail_on=fail_on))
    assert root.get("failures") == "0"
    assert not list(root.iter("failure"))


def test_failure_lists_every_offending_finding(make_report: Callable[..., AuditReport]) -> None:
    report = make_report(fail_on=Severity.MEDIUM)
    failure = cases(parse(report))["app"].find("failure")
    assert failure is not None
    assert failure.text is not None
    offending = [f.path for f in report.comparisons[0].findings if f.severity.rank >= Severity.MEDIUM.rank]
    assert len(offending) == 7
    lines = failure.text.splitlines()
    assert len(lines) == len(offending)
    assert all(f" {path}: " in line for path, line in zip(offending, lines, strict=True))


@pytest.mark.parametrize("reference_fails", [False, True])
def test_failed_probe_is_an_error(reference_fails: bool) -> None:
    root = parse(errored_report(reference_fails=reference_fails))
    error = cases(root)["db"].find("error")
    assert error is not None
    assert error.text is not None
    env = "production" if reference_fails else "staging"
    assert error.text.startswith(f"{env} / db: connection refused")
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("errors")) == ("2", "1")


def test_score_case_fails_above_max_score(make_report: Callable[..., AuditReport]) -> None:
    over = cases(parse(make_report(fail_on=None, max_score=5)))["score"]
    failure = over.find("failure")
    assert failure is not None
    assert failure.get("message") == "drift score 34 exceeds max_score 5"
    assert cases(parse(make_report(fail_on=None, max_score=50)))["score"].find("failure") is None
    assert "score" not in cases(parse(make_report()))


def test_clean_comparison_is_one_passing_case(make_report: Callable[..., AuditReport]) -> None:
    root = parse(make_report(candidate=REFERENCE_DATA))
    assert list(cases(root)) == ["all probes"]
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("1", "0", "0")


def test_characters_illegal_in_xml_are_removed(make_report: Callable[..., AuditReport]) -> None:
    illegal = "\x00\x08\x0b\x0c\x1f\ufffe"
    report = make_report(candidate={"app": {"app.env": {f"KEY{illegal}": "x", "LOG_LEVEL": illegal}}},
                         fail_on=Severity.INFO)
    text = JunitReporter().render(report, RenderOptions())
    assert not set(illegal) & set(text)
    assert "KEY\\x00\\x08\\x0b\\x0c\\x1f" in text  # shown as escapes instead
    ET.fromstring(text)
    root = parse(errored_report(message=f"bad{illegal}thing"))
    error = cases(root)["db"].find("error")
    assert error is not None
    assert error.text is not None
    assert "thing" in error.text
