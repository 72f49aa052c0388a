"""What a change of major explains, and the view normalisation that makes two majors print alike.

The definitions below are what PostgreSQL 15 and 16 print for the same views (pg_get_viewdef, as
tests/probes/postgres/test_pg_majors_compare.py sees them on real servers); hostile names included.
"""

from __future__ import annotations

from typing import Any

import pytest

from fidelity.model import Change, Severity
from fidelity.probe import DiffChange
from probes.postgres import PostgresProbe
from probes.postgres.normalise import view_definition

#: (as 15 prints it, as 16 prints it)
SAME_VIEW = [
    ("SELECT orders.id, orders.total FROM public.orders WHERE (orders.total > (0)::numeric) "
     "ORDER BY orders.id",
     "SELECT id, total FROM public.orders WHERE (total > (0)::numeric) ORDER BY id"),
    ("SELECT date_trunc('day'::text, orders.created_at) AS day, count(*) AS orders FROM public.orders "
     "GROUP BY (date_trunc('day'::text, orders.created_at))",
     "SELECT date_trunc('day'::text, created_at) AS day, count(*) AS orders FROM public.orders "
     "GROUP BY (date_trunc('day'::text, created_at))"),
    ('SELECT "Ödd ""T"" <b>"."Cöl ""x""", ("Ödd ""T"" <b>"."select" || \'<i>Ödd.x</i>\'::text) AS "wörd" '
     'FROM public."Ödd ""T"" <b>"',
     'SELECT "Cöl ""x""", ("select" || \'<i>Ödd.x</i>\'::text) AS "wörd" FROM public."Ödd ""T"" <b>"'),
    ("SELECT o.id FROM ONLY public.orders o WHERE (o.customer_id IN (SELECT c.id FROM public.customers c "
     "WHERE (c.created_at < o.created_at)))",
     "SELECT id FROM ONLY public.orders o WHERE (customer_id IN (SELECT c.id FROM public.customers c "
     "WHERE (c.created_at < o.created_at)))"),
    ("SELECT g.i, (g.i * 2) AS twice FROM generate_series(1, 3) g(i)",
     "SELECT i, (i * 2) AS twice FROM generate_series(1, 3) g(i)"),
    ("WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT (t_1.n + 1) FROM t t_1 WHERE (t_1.n < 5)) "
     "SELECT t.n FROM t",
     "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT (t_1.n + 1) FROM t t_1 WHERE (t_1.n < 5)) "
     "SELECT n FROM t"),
    ("SELECT s.a, EXTRACT(year FROM s.d) AS y FROM (SELECT 1 AS a, now() AS d) s",
     "SELECT a, EXTRACT(year FROM d) AS y FROM (SELECT 1 AS a, now() AS d) s"),
]

#: Printed alike by every major, so left exactly as they are (normalised layout aside).
UNCHANGED = [
    "SELECT o.id, c.email FROM (public.orders o JOIN public.customers c ON ((c.id = o.customer_id)))",
    "SELECT a.x FROM public.a UNION SELECT b.x FROM public.b",
    "SELECT a.x, b.y FROM public.a, public.b",
    "SELECT orders.* FROM public.orders",
    "SELECT 'orders.id' AS literal FROM public.orders",
    "SELECT 1 AS one",
]


@pytest.mark.parametrize(("old", "new"), SAME_VIEW)
def test_a_view_printed_by_15_and_by_16_normalises_alike(old: str, new: str) -> None:
    assert view_definition(old) == view_definition(new) == new


@pytest.mark.parametrize("text", UNCHANGED)
def test_joins_set_operations_literals_and_whole_rows_stay_as_printed(text: str) -> None:
    assert view_definition(text) == text


def test_a_function_or_type_of_the_same_name_keeps_its_schema() -> None:
    text = "SELECT billing.tax(billing.amount) AS t, ('x'::text)::billing.kind AS k FROM public.billing"
    assert view_definition(text) == ("SELECT billing.tax(amount) AS t, ('x'::text)::billing.kind AS k "
                                     "FROM public.billing")


def test_a_real_change_survives_normalisation() -> None:
    old, new = SAME_VIEW[0]
    assert view_definition(old.replace("(0)", "(10)")) != view_definition(new)


def _tree(major: int, minor: int, settings: dict[str, Any],
          extensions: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"server": {"version": {"major": major, "minor": minor}}, "settings": settings,
            "extensions": extensions or {}}


def _assess(segments: tuple[str, ...], kind: Change, ref: Any, cand: Any, reference: dict[str, Any],
            candidate: dict[str, Any]) -> tuple[Severity | None, str]:
    found = PostgresProbe.assess(DiffChange(segments, kind, ref, cand), reference, candidate)
    return found.severity, found.message


# production on 18, staging rolled back to 16: the version change explains as much in that direction
NEW = _tree(18, 4, {"effective_io_concurrency": "16", "io_method": "worker", "app.tenant": "a"},
            {"citext": {"version": "1.8", "default_version": "1.8"}})
OLD = _tree(16, 14, {"effective_io_concurrency": "1", "old_snapshot_threshold": "-1"},
            {"citext": {"version": "1.6", "default_version": "1.6"}})


def test_settings_of_one_major_only_are_no_findings_and_the_version_finding_names_them() -> None:
    severity, message = _assess(("settings", "io_method"), Change.MISSING, "worker", None, NEW, OLD)
    assert severity is None
    assert "exists in PostgreSQL 18 only" in message
    severity, message = _assess(("server", "version", "major"), Change.CHANGED, 18, 16, NEW, OLD)
    assert severity is Severity.HIGH
    assert "PostgreSQL 18.4 → 16.14" in message
    assert "in PostgreSQL 16 only (old_snapshot_threshold)" in message
    assert "in PostgreSQL 18 only (io_method)" in message
    assert "app.tenant" not in message
    assert "changed default(s) of effective_io_concurrency" in message
    assert "citext 1.8 → 1.6" in message


def test_a_changed_default_is_a_finding_that_names_the_version_change() -> None:
    severity, message = _assess(("settings", "effective_io_concurrency"), Change.CHANGED, "16", "1", NEW, OLD)
    assert severity is Severity.LOW
    assert message == ("setting effective_io_concurrency 16 → 1: the default changed between PostgreSQL 18 "
                       "and 16, so the server version change explains it")


def test_what_the_version_change_does_not_explain_stays_a_finding() -> None:
    # a value somebody set, a custom setting, an extension not at its server's default
    severity, message = _assess(("settings", "effective_io_concurrency"), Change.CHANGED, "16", "4", NEW, OLD)
    assert (severity, message) == (Severity.LOW, "setting effective_io_concurrency 16 → 4")
    assert _assess(("settings", "app.tenant"), Change.MISSING, "a", None, NEW, OLD)[0] is Severity.LOW
    pending = _tree(15, 18, {}, {"citext": {"version": "1.4", "default_version": "1.5"}})
    severity, message = _assess(("extensions", "citext", "version"), Change.CHANGED, "1.8", "1.4", NEW,
                                pending)
    assert severity is Severity.MEDIUM
    assert "ALTER EXTENSION ... UPDATE is pending" in message


def test_same_major_settings_and_minor_versions_are_findings() -> None:
    before, after = _tree(17, 9, {"hash_mem_multiplier": "1"}), _tree(17, 10, {})
    severity, _ = _assess(("settings", "hash_mem_multiplier"), Change.MISSING, "1", None, before, after)
    assert severity is Severity.LOW
    assert _assess(("server", "version", "minor"), Change.CHANGED, 9, 10, before, after) == (
        Severity.MEDIUM, "server: version/minor 9 → 10")
    # across majors the minor version is part of the major finding
    assert _assess(("server", "version", "minor"), Change.CHANGED, 10, 18, NEW, OLD)[0] is None
