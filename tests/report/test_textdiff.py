"""Multi-line values: every human report shows which lines changed, safely and in bounded size."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest

from fidelity.model import AuditReport
from fidelity.report import RenderOptions
from fidelity.report.html import HtmlReporter
from fidelity.report.json import JsonReporter
from fidelity.report.junit import JunitReporter
from fidelity.report.markdown import MarkdownReporter
from fidelity.report.terminal import TerminalReporter
from fidelity.report.textdiff import MAX_LINES, MAX_WIDTH, line_diff

LINES = [f"setting_{i:02d} = value number {i} of the nginx configuration file" for i in range(20)]
CHANGED = [*LINES[:11], LINES[11].replace("value", "VALUE"), *LINES[12:]]


def render(reporter: Callable[[], object], report: AuditReport) -> str:
    text: str = reporter().render(report, RenderOptions())  # type: ignore[attr-defined]
    return text


def config_report(make_report: Callable[..., AuditReport], reference: str, candidate: str) -> AuditReport:
    return make_report(reference={"app": {"nginx": {"conf": reference}}},
                       candidate={"app": {"nginx": {"conf": candidate}}})


class _Spans(HTMLParser):
    """The text of each <span class=...> inside <pre class="diff">, by class."""

    def __init__(self) -> None:
        super().__init__()
        self.by_class: dict[str, list[str]] = {}
        self.current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "span" and dict(attrs).get("class") in ("same", "removed", "added", "hunk", "note"):
            self.current = dict(attrs)["class"]
            self.by_class.setdefault(self.current, []).append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.current is not None:
            self.by_class[self.current][-1] += data


def test_one_changed_word_in_twenty_lines_is_shown_as_changed_lines(
        make_report: Callable[..., AuditReport]) -> None:
    report = config_report(make_report, "\n".join(LINES), "\n".join(CHANGED))
    old, new = LINES[11], CHANGED[11]
    terminal = render(TerminalReporter, report)
    assert f"  - {old}" in terminal
    assert f"  + {new}" in terminal
    assert f"    {LINES[10]}" in terminal  # context
    assert LINES[2] not in terminal.split("changed lines of", 1)[1]  # far from the change: left out
    markdown = render(MarkdownReporter, report)
    block = markdown.split("```diff\n", 1)[1].split("\n```", 1)[0]
    assert f"- {old}" in block.splitlines()
    assert f"+ {new}" in block.splitlines()
    assert LINES[2] not in block
    spans = _Spans()
    spans.feed(render(HtmlReporter, report))
    assert spans.by_class["removed"] == [f"- {old}"]
    assert spans.by_class["added"] == [f"+ {new}"]
    assert f"  {LINES[10]}" in spans.by_class["same"]
    junit = render(JunitReporter, report)
    assert f"- {old}" in junit
    assert f"+ {new}" in junit
    raw = json.loads(render(JsonReporter, report))  # the contract: whole raw values
    assert "\n".join(CHANGED) in json.dumps(raw, ensure_ascii=False).replace("\\n", "\n")


def test_diff_lines_are_escaped_for_each_format(make_report: Callable[..., AuditReport]) -> None:
    hostile = ["<script>alert(1)</script> | *x* `y`", "```", "</details>", "\x1b[31mred\x1b[0m \u202eevil",
               "end"]
    report = config_report(make_report, "\n".join(["same", *hostile]), "\n".join(["same", *hostile[::-1]]))
    html = render(HtmlReporter, report)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\x1b" not in html
    assert "\\x1b[31mred" in html
    assert "\\u202e" in html
    terminal = render(TerminalReporter, report)
    assert "\x1b" not in terminal
    assert "\u202e" not in terminal
    assert "- \\x1b[31mred" in terminal
    markdown = render(MarkdownReporter, report)
    assert "\x1b" not in markdown
    assert "\u202e" not in markdown
    fence = re.search(r"^(`{3,})diff$", markdown, re.MULTILINE)
    assert fence is not None
    assert len(fence.group(1)) > 3
    body = markdown.split(fence.group(0) + "\n", 1)[1].split("\n" + fence.group(1) + "\n", 1)[0]
    assert "- </details>" in body.splitlines()
    assert "+ </details>" in body.splitlines()


@pytest.mark.parametrize("size", [10_000_000])
def test_a_huge_multi_line_value_gives_a_bounded_section(make_report: Callable[..., AuditReport],
                                                         size: int) -> None:
    reference = "\n".join(f"{i:09d} " + "r" * 90 for i in range(size // 100))
    candidate = "\n".join(f"{i:09d} " + "c" * 90 for i in range(size // 100))
    assert len(candidate) >= size * 0.99
    report = config_report(make_report, reference, candidate)
    for reporter in (TerminalReporter, MarkdownReporter, HtmlReporter, JunitReporter):
        out = render(reporter, report)
        assert len(out) < 100_000, reporter
        assert "more changed line(s) not shown" in out, reporter


def test_the_line_diff_is_capped_in_lines_and_width() -> None:
    long = "x" * 5_000
    diff = line_diff("\n".join(["a", long, *map(str, range(500))]), "\n".join(["b", long + "y", *"xyz"]))
    assert len(diff) <= MAX_LINES
    assert all(len(line.text) <= MAX_WIDTH or line.kind == "note" for line in diff)
    assert diff[-1].kind == "note"
    assert diff[-1].text.startswith("… only the first 150 differing lines were compared")
    assert line_diff("a\nb\nc\nd\ne\nf", "a\nb\nc\nD\ne\nf")[0].text == "@@ -2,5 +2,5 @@"


def test_repetitive_text_is_compared_only_as_far_as_it_is_shown() -> None:
    diff = line_diff("\n".join(["x", "y"] * 50_000), "\n".join(["y", "x", "z"] * 33_000))
    assert len(diff) <= MAX_LINES
    assert [line.kind for line in diff[-2:]] == ["note", "note"]


def test_a_line_ending_change_is_a_visible_difference() -> None:
    diff = line_diff("a\nb\nc", "a\nb\r\nc")
    assert [line.unified() for line in diff if line.kind in ("removed", "added")] == ["- b", "+ b\\x0d"]


def test_single_line_and_one_sided_values_get_no_diff_block(make_report: Callable[..., AuditReport]) -> None:
    report = make_report(reference={"app": {"x": {"a": "one line", "b": "x\ny"}}},
                         candidate={"app": {"x": {"a": "another line", "c": "p\nq"}}})
    assert "changed lines of" not in render(TerminalReporter, report)
    assert "```diff" not in render(MarkdownReporter, report)
    assert 'class="diff"' not in render(HtmlReporter, report)
