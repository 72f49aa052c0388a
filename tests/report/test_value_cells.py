"""Values cut to fit a cell still show where they differ: two connection strings that differ only
in the host, past the cut, are shown from a little before the difference in every reporter that cuts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fidelity.model import AuditReport
from fidelity.report import RenderOptions
from fidelity.report.common import ELLIPSIS, shorten_pair
from fidelity.report.markdown import VALUE_LIMIT, MarkdownReporter
from fidelity.report.terminal import CELL_LIMIT, TerminalReporter

PREFIX = "postgres://app:<b>&amp;</b>@" + "replica-" * 12


@pytest.fixture
def hosts_report(make_report: Callable[..., AuditReport]) -> AuditReport:
    return make_report(reference={"app": {"url": PREFIX + "prod.internal:5432/app"}},
                       candidate={"app": {"url": PREFIX + "staging.internal:5432/app"}})


def test_the_terminal_shows_where_two_long_values_differ(hosts_report: AuditReport) -> None:
    out = TerminalReporter().render(hosts_report, RenderOptions())
    row = next(line for line in out.splitlines() if "app/url" in line)
    assert "prod.internal" in row or "prod.inte" in row
    assert "staging" in row
    assert all(len(cell) <= CELL_LIMIT for cell in row.split())


def test_markdown_shows_where_two_long_values_differ(hosts_report: AuditReport) -> None:
    out = MarkdownReporter().render(hosts_report, RenderOptions())
    row = next(line for line in out.splitlines() if "app/url" in line)
    assert "prod.internal" in row
    assert "staging.internal" in row
    assert "<b>" not in row  # still escaped


@pytest.mark.parametrize(("reference", "candidate", "limit", "shown"), [
    ("abc", "abd", 10, ("abc", "abd")),                                  # short: as they are
    ("x" * 30 + "A", "x" * 30 + "B", 10, ("…xxxA", "…xxxB")),           # the difference kept in view
    ("x" * 30, "x" * 30 + "tail", 10, ("…xxx", "…xxxtail")),             # one is the other's start
    ("same" * 20, "same" * 20, 10, ("samesames…", "samesames…")),        # equal: cut as usual
    ("a" * 5 + "Z" + "b" * 40, "a" * 5 + "Y" + "b" * 40, 10, ("aaaaaZbbb…", "aaaaaYbbb…")),
])
def test_shorten_pair(reference: str, candidate: str, limit: int, shown: tuple[str, str]) -> None:
    assert shorten_pair(reference, candidate, limit) == shown
    assert all(len(side) <= limit for side in shorten_pair(reference, candidate, limit) if side)


def test_a_value_on_one_side_only_is_cut_as_usual() -> None:
    assert shorten_pair(None, "y" * 200, VALUE_LIMIT) == (None, "y" * (VALUE_LIMIT - 1) + ELLIPSIS)
