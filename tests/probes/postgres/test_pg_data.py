"""Data-shape fingerprints on a real server: each kind of drift is found, equal data is quiet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pgfixtures import Databases, audit, collect, databases, drift, messages, snapshot

from fidelity.config import Rule, RuleAction
from fidelity.model import Severity
from fidelity.policy import Policy, RuleSet, build_report
from fidelity.probe import Tolerance

DATA = "db/data/public"


@pytest.fixture
def pg() -> Iterator[Databases]:
    with databases() as created:
        yield created


#: One table per drift of the issue; {placeholders} differ between production and staging.
DRIFT_DDL = """
CREATE TABLE customers (id int, email text, status text, note text, meta jsonb, amount numeric(12, 2));
INSERT INTO customers
SELECT i, {email}, {status}, {note}, jsonb_build_object('plan', 'basic') || {meta}, {amount}
FROM generate_series(1, 2000) i;
CREATE TABLE events (id bigint);
INSERT INTO events SELECT generate_series(1, {events});
"""
PRODUCTION = {
    "email": "'user' || i || '@example.com'",
    "status": "(ARRAY['active', 'paused', 'closed'])[1 + i % 3]",
    "note": "CASE WHEN i % 10 = 0 THEN NULL ELSE 'note ' || i END",
    "meta": "CASE WHEN i % 5 = 0 THEN jsonb_build_object('vip', true) ELSE '{}' END",
    "amount": "10 + i % 90",
    "events": 1_000_000,
}
STAGING = {
    "email": "'test@example.com'",  # one address for everybody: the distinct ratio collapses
    "status": "'active'",  # one category instead of three
    "note": "'note ' || i",  # never NULL, where production has 10% NULLs
    "meta": "'{}'::jsonb",  # the `vip` key production has in 20% of documents
    "amount": "1000 * (10 + i % 90)",  # three orders of magnitude larger
    "events": 1_000,
}


def test_each_drift_is_found_with_its_path_and_severity(pg: Databases) -> None:
    production = pg.create(DRIFT_DDL.format(**PRODUCTION))
    staging = pg.create(DRIFT_DDL.format(**{**STAGING, "email": "gen_random_uuid()::text"}))
    found = drift(audit(production, staging, data=True))
    customers = f"{DATA}/customers/columns"
    assert found[f"{customers}/note/null_fraction"] == ("changed", "medium")
    assert found[f"{customers}/meta/keys/vip"] == ("missing", "medium")
    assert found[f"{customers}/status/values"] == ("changed", "medium")
    assert found[f"{customers}/amount/magnitudes"] == ("changed", "high")
    assert found[f"{customers}/email/formats/email"] == ("changed", "high")
    assert found[f"{customers}/email/formats/uuid"] == ("changed", "medium")
    assert found[f"{DATA}/events/rows"] == ("changed", "low")
    assert all(path.startswith(f"{DATA}/") for path in found), found


def test_a_collapsed_distinct_ratio_is_found(pg: Databases) -> None:
    production = pg.create(DRIFT_DDL.format(**{**PRODUCTION, "events": 10}))
    staging = pg.create(DRIFT_DDL.format(**{**PRODUCTION, "events": 10, "email": STAGING["email"]}))
    report = audit(production, staging, data=True)
    found = drift(report)
    path = f"{DATA}/customers/columns/email/distinct_ratio"
    assert found.pop(path) == ("changed", "medium")
    assert "distinct ratio 1.0 → 0.0005" in messages(report)[path]
    assert all(p.startswith(f"{DATA}/customers/columns/email/") for p in found), found  # nothing else drifted


def test_messages_name_the_column_and_the_measure(pg: Databases) -> None:
    production = pg.create(DRIFT_DDL.format(**{**PRODUCTION, "events": 10}))
    staging = pg.create(DRIFT_DDL.format(**{**STAGING, "events": 10}))
    said = messages(audit(production, staging, data=True))
    assert said[f"{DATA}/customers/columns/meta/keys/vip"] == (
        "column public.customers.meta: JSON key path vip is in 20% of the reference's documents and absent "
        "from the candidate's")
    assert said[f"{DATA}/customers/columns/note/null_fraction"].startswith(
        "column public.customers.note: null fraction 0.1 → 0.0")


def test_identical_data_gives_no_findings(pg: Databases) -> None:
    ddl = DRIFT_DDL.format(**{**PRODUCTION, "events": 50_000})
    report = audit(pg.create(ddl), pg.create(ddl), data=True)
    assert drift(report) == {}
    (comparison,) = report.comparisons
    assert comparison.fidelity == 1.0


#: Random data from one distribution; only the seed differs between the two databases.
SEEDED_DDL = """
SELECT setseed({seed});
CREATE TYPE tier AS ENUM ('free', 'pro', 'enterprise');
CREATE TABLE orders (id int, code text, email text, note text, total numeric, placed timestamptz, at time,
                     tier tier, paid boolean, doc jsonb, tags text[]);
INSERT INTO orders
SELECT i,
       'C' || (random() * 30)::int,
       CASE WHEN random() < 0.5 THEN 'p' || (random() * 1e6)::int || '@mail.test'
            ELSE md5(random()::text) END,
       CASE WHEN random() < 0.15 THEN NULL ELSE repeat('x', (random() * random() * 300)::int) END,
       round((exp(random() * 8) * CASE WHEN random() < 0.1 THEN -1 ELSE 1 END)::numeric, 2),
       timestamptz '2024-01-01' + random() * interval '400 days',
       time '00:00' + random() * interval '24 hours',
       (ARRAY['free', 'pro', 'enterprise'])[1 + (random() * random() * 2.99)::int]::tier,
       random() < 0.7,
       jsonb_build_object('sku', md5(random()::text), 'qty', (random() * 5)::int)
         || CASE WHEN random() < 0.3 THEN jsonb_build_object('gift', jsonb_build_object('to', 'x'))
                 ELSE '{{}}' END
         || CASE WHEN random() < 0.5 THEN jsonb_build_object('items', jsonb_build_array(1, 'a'))
                 ELSE '{{}}' END,
       ARRAY['t' || (random() * 3)::int]
FROM generate_series(1, {rows}) i;
ANALYZE orders;
"""


@pytest.mark.parametrize(("rows", "sample_rows"), [(4_000, 30_000), (60_000, 8_000)],
                         ids=["whole tables", "block samples"])
def test_equal_distributions_from_different_seeds_give_no_findings(pg: Databases, rows: int,
                                                                   sample_rows: int) -> None:
    production = pg.create(SEEDED_DDL.format(seed=0.11, rows=rows))
    staging = pg.create(SEEDED_DDL.format(seed=0.77, rows=rows))
    options: dict[str, Any] = {"data": {"sample_rows": sample_rows}}
    snapshot = collect(production, **options).data["data"]["public"]["orders"]
    expected = "whole table" if rows <= sample_rows else "block sample"
    assert snapshot["sample"]["method"] == expected
    report = audit(production, staging, **options)
    assert drift(report) == {}, messages(report)


def test_same_seed_twice_reads_the_same_sample(pg: Databases) -> None:
    database = pg.create(SEEDED_DDL.format(seed=0.3, rows=60_000))
    first = collect(database, data={"sample_rows": 5_000}).data["data"]
    second = collect(database, data={"sample_rows": 5_000}).data["data"]
    assert first == second
    sample = first["public"]["orders"]["sample"]
    assert sample["method"] == "block sample"
    assert 2_000 <= sample["rows"] <= 15_000


def test_a_tolerance_rule_overrides_the_default_thresholds(pg: Databases) -> None:
    production = pg.create(DRIFT_DDL.format(**{**PRODUCTION, "events": 10}))
    staging = pg.create(DRIFT_DDL.format(**{**STAGING, "events": 10}))
    rules = RuleSet([
        Rule("db/data/**/null_fraction", RuleAction.TOLERANCE, tolerance=Tolerance(low=0.5)),
        Rule("db/data/**/magnitudes", RuleAction.TOLERANCE,
             tolerance=Tolerance(low=0.05, medium=0.5, high=0.9)),
    ])
    found = drift(audit(production, staging, data=True, policy=Policy(rules=rules)))
    assert f"{DATA}/customers/columns/note/null_fraction" not in found
    assert found[f"{DATA}/customers/columns/amount/magnitudes"] == ("changed", Severity.HIGH.value)


def test_fingerprints_are_off_unless_asked_for(pg: Databases) -> None:
    database = pg.create(DRIFT_DDL.format(**{**PRODUCTION, "events": 10}))
    assert "data" not in collect(database).data
    tables = collect(database, data={"tables": ["cust*"], "exclude_tables": ["public.events"]}).data["data"]
    assert list(tables["public"]) == ["customers"]


#: Columns that follow insertion order, as in real tables: block samples see them in clumps.
CLUSTERED_DDL = """
SELECT setseed({seed});
CREATE TABLE events (id bigint, at timestamptz, kind text, detail text);
INSERT INTO events
SELECT i, timestamptz '2024-01-01' + i * interval '3 minutes',
       CASE WHEN i < 80000 THEN 'v1.' || (random() * 3)::int ELSE 'v2.' || (random() * 5)::int END,
       CASE WHEN i < 60000 THEN NULL ELSE repeat('d', (random() * 40)::int) END
FROM generate_series(1, 150000) i;
ANALYZE events;
"""


def test_block_samples_of_clustered_columns_give_no_findings(pg: Databases) -> None:
    production = pg.create(CLUSTERED_DDL.format(seed=0.2))
    staging = pg.create(CLUSTERED_DDL.format(seed=0.6))
    reference = snapshot(production, "production", data={"sample_rows": 6000, "seed": 1})
    candidate = snapshot(staging, "staging", data={"sample_rows": 6000, "seed": 2})  # other blocks
    sample = reference.probes["db"].data["data"]["public"]["events"]["sample"]
    assert sample["method"] == "block sample"
    assert sample["blocks"] < sample["shape_rows"]
    report = build_report(reference, [candidate], Policy())
    assert drift(report) == {}, messages(report)
