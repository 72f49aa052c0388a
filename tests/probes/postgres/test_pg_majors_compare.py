"""The same DDL in production on an older major and in staging on a newer one: the findings are the
server version and the settings whose defaults really changed, nothing in the schema; a real change
is still found.

What "really changed" means is read from the two servers here, independently of the probe: the
settings present on both whose value nobody set (source 'default' or 'override') differs.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from pgfixtures import audit, messages
from pgmajor_schema import ddl

from fidelity.model import AuditReport
from probes.postgres import settings
from tests.support.pg_majors import Server

Major = Callable[[int], Server]
#: Sources of a value nobody set: the compiled-in default, or what the server or initdb decided.
UNSET = {"default", "override"}
#: Every adjacent pair, 14 against 18, and 14 against 17 (46 low findings before the version explained them).
PAIRS = [(14, 15), (15, 16), (16, 17), (17, 18), (14, 18), (14, 17)]
#: A real change in staging, on a single-relation view (the kind whose columns 14 and 15 qualify).
DRIFT = ("CREATE OR REPLACE VIEW recent AS SELECT id, total, EXTRACT(year FROM created_at) AS year "
         "FROM ONLY orders WHERE created_at > now() - interval '30 days' "
         "AND customer_id IN (SELECT c.id FROM customers c WHERE c.created_at < orders.created_at) "
         "ORDER BY created_at DESC LIMIT 10;")


def _settings(server: Server) -> dict[str, tuple[str, str]]:
    with psycopg.connect(server.dsn()) as conn:
        return {name: (value, source) for name, value, source in
                conn.execute("SELECT name, reset_val, source FROM pg_settings").fetchall()}


def _expected(old: Server, new: Server) -> tuple[set[str], set[str]]:
    """Settings whose defaults differ between the two servers, and those that exist on one side only."""
    before, after = _settings(old), _settings(new)
    changed = {name for name in before.keys() & after.keys() if not settings.is_noise(name)
               and {before[name][1], after[name][1]} <= UNSET and before[name][0] != after[name][0]}
    # lc_collate and lc_ctype left pg_settings in 16; the probe reads them from pg_database on every major
    one_sided = {name for name in before.keys() ^ after.keys() if not settings.is_noise(name)}
    return changed, one_sided - {"lc_collate", "lc_ctype"}


def _compare(pg_major: Major, old: int, new: int, drift: str = "") -> tuple[AuditReport, Server, Server]:
    reference, candidate = pg_major(old), pg_major(new)
    with reference.database(ddl(old)) as production, candidate.database(ddl(old) + drift) as staging:
        return audit(production, staging), reference, candidate


@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_same_ddl_on_two_majors_differs_by_version_and_defaults_only(pg_major: Major, old: int,
                                                                     new: int) -> None:
    report, reference, candidate = _compare(pg_major, old, new)
    changed, one_sided = _expected(reference, candidate)
    found = messages(report)
    assert set(found) == {"db/server/version/major"} | {f"db/settings/{name}" for name in changed}
    (comparison,) = report.comparisons
    severities = {f.path: f.severity.value for f in comparison.findings}
    assert severities["db/server/version/major"] == "high"
    version = found["db/server/version/major"]
    assert f"PostgreSQL {reference.version} → {candidate.version}" in version
    # settings added, removed or renamed: no finding of their own, each named under the version
    assert one_sided, "every pair of majors adds or removes settings"
    for name in one_sided:
        assert name in version
    for name in changed:
        assert f"default changed between PostgreSQL {old} and {new}" in found[f"db/settings/{name}"]
        assert "server version change explains it" in found[f"db/settings/{name}"]


@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_a_changed_view_is_found_across_majors(pg_major: Major, old: int, new: int) -> None:
    report, _, _ = _compare(pg_major, old, new, DRIFT)
    (comparison,) = report.comparisons
    schema = [f for f in comparison.findings if "/schema/" in f.path]
    assert [f.path for f in schema] == ["db/schema/public/views/recent/definition"]
    assert schema[0].severity.value == "high"
    assert "'7 days'::interval" in str(schema[0].reference)
    assert "'30 days'::interval" in str(schema[0].candidate)
