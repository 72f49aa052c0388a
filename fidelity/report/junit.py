"""The JUnit XML report: one test suite per candidate, one test case per probe, for CI test views."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from fidelity.model import AuditError, AuditReport, AuditWarning, Comparison, Finding
from fidelity.policy.gate import gate_failures
from fidelity.report.common import error_text, note, percent, visible, warning_text
from fidelity.report.interface import RenderOptions, Reporter
from fidelity.report.textdiff import finding_diff

# Everything outside XML 1.0's Char production: what `visible` leaves of it (surrogates, U+FFFE/F).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
NO_FINDINGS = "all probes"


def xml_text(text: str) -> str:
    """Text safe for XML 1.0: control characters shown as escapes, other illegal ones removed."""
    return _NOT_XML.sub("", visible(text))


def _element(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def errors_for(report: AuditReport, comparison: Comparison) -> list[AuditError]:
    """The gaps that affect one comparison: its candidate's and the reference's."""
    return [e for e in report.errors if e.environment in (comparison.candidate, report.reference)]


def _line(finding: Finding) -> str:
    line = f"{finding.severity.value} {finding.change.value} {finding.path}: {note(finding)}"
    diff = finding_diff(finding)
    return "\n".join([line, *(f"    {d.unified()}" for d in diff)]) if diff else line


def _testcase(suite: ET.Element, name: str, findings: Iterable[Finding], failing: set[str],
              errors: Iterable[AuditError], threshold: str, warnings: Iterable[AuditWarning] = ()) -> None:
    """A test case for one probe: failed by its findings with ids in `failing`, errored by `errors`;
    warnings and the other findings go to system-out."""
    case = _element(suite, "testcase", classname=suite.get("name", ""), name=name)
    failed = [f for f in findings if f.id in failing]
    errored = list(errors)
    if failed:
        _element(case, "failure", "\n".join(map(_line, failed)), type="drift",
                 message=f"{len(failed)} open finding(s) at or above {threshold}")
    if errored:
        _element(case, "error", "\n".join(map(error_text, errored)), type="incomplete",
                 message=f"audit incomplete: {len(errored)} part(s) could not be read")
    rest = [f"warning: {warning_text(w)}" for w in warnings]
    rest += [_line(f) for f in findings if f.id not in failing]
    if rest:
        _element(case, "system-out", "\n".join(rest))


def _suite(parent: ET.Element, report: AuditReport, comparison: Comparison) -> ET.Element:
    suite = _element(parent, "testsuite", name=f"fidelity.{comparison.candidate}")
    properties = _element(suite, "properties")
    for name, value in (("reference", report.reference), ("verdict", comparison.verdict.value),
                        ("score", str(comparison.score)), ("fidelity", percent(comparison.fidelity))):
        _element(properties, "property", name=name, value=value)
    failing = {f.id for f in gate_failures(comparison.findings, report.fail_on)}
    errors = errors_for(report, comparison)
    warnings = [w for w in report.warnings if w.environment in (comparison.candidate, report.reference)]
    threshold = report.fail_on.value if report.fail_on else "never"
    probes = sorted({f.probe for f in comparison.findings} | {e.probe for e in errors}
                    | {w.probe for w in warnings})
    for probe in probes:
        findings = [f for f in comparison.findings if f.probe == probe]
        _testcase(suite, probe, findings, failing, [e for e in errors if e.probe == probe], threshold,
                  [w for w in warnings if w.probe == probe])
    if not probes:
        _testcase(suite, NO_FINDINGS, (), failing, (), threshold)
    if report.max_score is not None:
        case = _element(suite, "testcase", classname=suite.get("name", ""), name="score")
        if comparison.score > report.max_score:
            _element(case, "failure", f"open findings: {comparison.score} points against a maximum of "
                     f"{report.max_score}", type="score",
                     message=f"drift score {comparison.score} exceeds max_score {report.max_score}")
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(c.find("failure") is not None for c in cases)))
    suite.set("errors", str(sum(c.find("error") is not None for c in cases)))
    suite.set("skipped", "0")
    return suite


class JunitReporter(Reporter):
    """JUnit XML for CI systems; a probe with gate-failing drift is a failed test."""


    def render(self, report: AuditReport, options: RenderOptions) -> str:
        """The <testsuites> document, indented, with an XML declaration."""
        root = ET.Element("testsuites", name="fidelity")
        suites = [_suite(root, report, c) for c in report.comparisons]
        for key in ("tests", "failures", "errors"):
            root.set(key, str(sum(int(s.get(key, "0")) for s in suites)))
        ET.indent(root)
        return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
