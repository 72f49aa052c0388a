"""The Markdown report: a GitHub PR comment or step summary, bounded in length and injection-safe."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from fidelity.model import AuditReport, Comparison, Finding, Severity, Status, Verdict
from fidelity.report.common import (
    ABSENT,
    cut_sides,
    error_text,
    expired_text,
    gate_text,
    note,
    open_counts,
    percent,
    printable_line,
    shorten,
    warning_text,
)
from fidelity.report.interface import RenderOptions, Reporter
from fidelity.report.textdiff import finding_diff

#: GitHub refuses comments over 65,536 characters; stay well below.
MAX_LENGTH = 60_000
#: Room kept for the lines that say how much was left out.
RESERVE = 1_000
VALUE_LIMIT = 120
TEXT_LIMIT = 300
_BACKTICKS = re.compile(r"`+")
_SPECIAL = re.compile(r"[&<>|\\`*_\[\]~]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "\\|"}


def text(value: str, limit: int = TEXT_LIMIT) -> str:
    """A table-cell-safe rendering: one line, HTML escaped, pipes and Markdown punctuation escaped."""
    cell = shorten(printable_line(value), limit)
    return _SPECIAL.sub(lambda m: _ENTITIES.get(m.group(), "\\" + m.group()), cell)


def code(value: str | None, limit: int = TEXT_LIMIT) -> str:
    """Like `text`, in monospace (an HTML <code> element, so backticks in the value cannot end it)."""
    return f"*{ABSENT}*" if value is None else f"<code>{text(value, limit)}</code>"


def row(cells: Iterable[str]) -> str:
    """One table row; cells must already be escaped."""
    return "| " + " | ".join(cells) + " |"


def table_head(headers: Sequence[str]) -> list[str]:
    """A table's header and delimiter rows."""
    return [row(headers), "|" + "---|" * len(headers)]


class _Budget:
    """Characters left before MAX_LENGTH; once something does not fit, everything after is left out."""

    def __init__(self) -> None:
        self.left = MAX_LENGTH - RESERVE
        self.omitted: dict[str, int] = {}

    def fit(self, head: list[str], items: list[str], noun: str) -> list[str]:
        """`head` and as many `items` as fit (nothing when not even the head fits), counting the rest."""
        kept: list[str] = []
        for line in [*head, *items] if items else []:
            if self.omitted or len(line) + 1 > self.left:
                break
            self.left -= len(line) + 1
            kept.append(line)
        cut = len(items) - max(0, len(kept) - len(head))
        if cut:
            self.omitted[noun] = self.omitted.get(noun, 0) + cut
        return kept if len(kept) > len(head) else []


def _open_row(finding: Finding) -> str:
    reference, candidate = cut_sides(finding, VALUE_LIMIT)
    return row([finding.severity.value + (" **new**" if finding.new else ""), code(finding.path),
                finding.change.value,
                f"{code(reference, VALUE_LIMIT)} → {code(candidate, VALUE_LIMIT)}", text(note(finding))])


def _diff_block(finding: Finding) -> str | None:
    """A folded ```diff block with the changed lines of a multi-line value, or None."""
    diff = finding_diff(finding)
    if not diff:
        return None
    body = "\n".join(line.unified() for line in diff)
    # A fence longer than any run of backticks inside cannot be closed by the value.
    fence = "`" * max(3, 1 + max((len(run) for run in _BACKTICKS.findall(body)), default=0))
    return (f"<details><summary>changed lines of {code(finding.path)}</summary>\n\n"
            f"{fence}diff\n{body}\n{fence}\n\n</details>")


def _other_row(finding: Finding) -> str:
    return row([finding.status.value, finding.severity.value, code(finding.path), finding.change.value,
                text(finding.reason) if finding.reason is not None else "", text(finding.message)])


class MarkdownReporter(Reporter):
    """Markdown for a pull-request comment or $GITHUB_STEP_SUMMARY."""


    def render(self, report: AuditReport, options: RenderOptions) -> str:
        """Summary, errors, open findings, the others folded away, expired rules; cut to MAX_LENGTH."""
        budget = _Budget()
        lines = [f"## fidelity: {report.verdict.value.upper()}", "",
                 f"Reference: {code(report.reference)} · {gate_text(report)} · "
                 f"generated {text(report.generated_at)} by fidelity {text(report.tool_version)}", "",
                 *table_head(["candidate", "verdict", "score", "fidelity", *(s.value for s in Severity)])]
        lines += [row([text(c.candidate), c.verdict.value.upper(), str(c.score), percent(c.fidelity),
                       *(str(n) for n in open_counts(c).values())]) for c in report.comparisons]
        budget.left -= sum(len(line) + 1 for line in lines)
        if report.errors:
            lines += ["", "### Errors (audit incomplete)", "",
                      f"**{len(report.errors)} part(s) could not be read, so drift there is unknown.**", ""]
            lines += budget.fit([], [f"- {text(error_text(e))}" for e in report.errors], "error(s)")
        for comparison in report.comparisons:
            lines += self.open_findings(budget, report, comparison)
        for comparison in report.comparisons:
            lines += self.other_findings(budget, comparison)
        if report.warnings:
            lines += budget.fit(["", "### Warnings", ""],
                                [f"- {text(warning_text(w))}" for w in report.warnings], "warning(s)")
        if report.expired_rules:
            rules = [f"- {text(expired_text(r))}" for r in report.expired_rules]
            lines += budget.fit(["", "### Expired rules", ""], rules, "expired rule(s)")
        if budget.omitted:
            left_out = ", ".join(f"{n} {noun}" for noun, n in budget.omitted.items())
            lines += ["", f"*Left out to fit the length limit: {left_out}. "
                          "The JSON and HTML reports have everything.*"]
        return "\n".join(lines) + "\n"

    def open_findings(self, budget: _Budget, report: AuditReport, comparison: Comparison) -> list[str]:
        """One candidate's notices and its table of open findings."""
        name = text(comparison.candidate)
        lines = budget.fit([""], [f"- Notice for {name}: {text(n)}" for n in comparison.notices], "notice(s)")
        opened = [f for f in comparison.findings if f.status is Status.OPEN]
        if opened:
            head = ["", f"### {name}: {len(opened)} open finding(s)", "",
                    *table_head(["severity", "path", "change", "reference → candidate", "message"])]
            lines += budget.fit(head, [_open_row(f) for f in opened], "open finding(s)")
            diffs = [block for block in map(_diff_block, opened) if block is not None]
            lines += budget.fit([""], diffs, "line diff(s)")
        elif not comparison.findings and comparison.verdict is Verdict.ERROR:
            lines += ["", f"No drift found in what could be read of {name}, but the audit is incomplete: "
                          "see the errors."]
        elif not comparison.findings:
            lines += ["", f"No drift found between {name} and {text(report.reference)}."]
        else:
            lines += ["", f"No open drift in {name}: every finding is out of the gate."]
        if comparison.resolved:
            lines += ["", f"{len(comparison.resolved)} finding(s) resolved since the previous run."]
        return lines

    def other_findings(self, budget: _Budget, comparison: Comparison) -> list[str]:
        """Expected, ignored and baselined findings of one candidate in a <details> block; covered ones
        (a partition's copy of its parent's change) only counted, as their causes are listed."""
        others = [f for f in comparison.findings if f.status is not Status.OPEN]
        per_status = ", ".join(f"{sum(f.status is s for f in others)} {s.value}"
                               for s in Status if any(f.status is s for f in others))
        listed = [f for f in others if f.status is not Status.COVERED]
        if others and not listed:  # only covered ones: their count, without an empty table
            count = f"{text(comparison.candidate)}: {len(others)} finding(s) out of the gate ({per_status})."
            return budget.fit([""], [count], "finding(s) out of the gate")
        head = ["", "<details>", f"<summary>{text(comparison.candidate)}: {len(others)} finding(s) "
                f"out of the gate ({per_status})</summary>", "",
                *table_head(["status", "severity", "path", "change", "reason", "message"])]
        lines = budget.fit(head, [_other_row(f) for f in listed], "finding(s) out of the gate")
        return [*lines, "", "</details>"] if lines else []
