"""Signal quality on real schemas: objects that used to be invisible, one finding per cause,
renames that really are renames, the `schemas` filter on extensions, severities that follow behaviour."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pgfixtures import Databases, audit, collect, covered, databases, drift, messages

from fidelity.config import Rewrite
from fidelity.model import Verdict
from fidelity.policy import Policy
from fidelity.policy.rules import RuleSet

PUBLIC = "db/schema/public"


@pytest.fixture
def pg() -> Iterator[Databases]:
    with databases() as created:
        yield created


VIEW_WITH_TRIGGER = """
CREATE TABLE t (a int);
CREATE VIEW v AS SELECT a FROM t;
CREATE FUNCTION ins() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN INSERT INTO t VALUES (NEW.a); RETURN NEW; END $$;
"""


def test_a_view_that_loses_its_instead_of_trigger_is_high(pg: Databases) -> None:
    reference = pg.create(VIEW_WITH_TRIGGER + "CREATE TRIGGER v_ins INSTEAD OF INSERT ON v "
                          "FOR EACH ROW EXECUTE FUNCTION ins();")
    report = audit(reference, pg.create(VIEW_WITH_TRIGGER))
    assert drift(report) == {f"{PUBLIC}/views/v/triggers/v_ins": ("missing", "high")}
    assert messages(report)[f"{PUBLIC}/views/v/triggers/v_ins"] == (
        "trigger v_ins on public.v is missing from the candidate")


def test_a_table_that_inherits_only_in_the_candidate_is_one_high_finding(pg: Databases) -> None:
    reference = pg.create("CREATE TABLE base (id int, at date); CREATE TABLE child (id int, at date, x int);")
    candidate = pg.create("CREATE TABLE base (id int, at date); CREATE TABLE child (x int) INHERITS (base);")
    tables = collect(candidate).data["schema"]["public"]["tables"]
    assert tables["child"]["inherits"] == ["public.base"]
    assert tables["child"]["columns"]["id"]["origin"] == "inherited"
    assert "origin" not in tables["child"]["columns"]["x"]
    assert drift(audit(reference, candidate)) == {f"{PUBLIC}/tables/child/inherits": ("extra", "high")}


def test_a_dropped_collation_is_high(pg: Databases) -> None:
    ddl = "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);"
    reference = pg.create(ddl + "CREATE COLLATION fr (provider = libc, locale = 'C');")
    collations = collect(reference).data["schema"]["public"]["collations"]
    assert collations["ci"]["provider"] == "icu"
    assert collations["ci"]["deterministic"] is False
    candidate = pg.create("CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2');")
    assert drift(audit(reference, candidate)) == {
        f"{PUBLIC}/collations/fr": ("missing", "high"),
        f"{PUBLIC}/collations/ci/deterministic": ("changed", "high")}


def test_a_new_constraint_is_no_rename_while_the_old_name_still_exists(pg: Databases) -> None:
    reference = pg.create("CREATE TABLE t (a int, CONSTRAINT x CHECK (a > 0));")
    candidate = pg.create("CREATE TABLE t (a int, CONSTRAINT x CHECK (a > 1), CONSTRAINT y CHECK (a > 0));")
    report = audit(reference, candidate)
    assert drift(report) == {f"{PUBLIC}/tables/t/constraints/x": ("changed", "high"),
                             f"{PUBLIC}/tables/t/constraints/y": ("extra", "high")}
    assert "renamed" not in messages(report)[f"{PUBLIC}/tables/t/constraints/y"]


def test_a_column_added_to_a_partitioned_parent_is_reported_once(pg: Databases) -> None:
    parts = "".join(f"CREATE TABLE p_{i} PARTITION OF p FOR VALUES WITH (MODULUS 3, REMAINDER {i});"
                    for i in range(3))
    reference = pg.create("CREATE TABLE p (id int, at date) PARTITION BY HASH (id);" + parts)
    candidate = pg.create("CREATE TABLE p (id int, at date, note text) PARTITION BY HASH (id);" + parts +
                          "ALTER TABLE p ALTER COLUMN at TYPE timestamp;")
    report = audit(reference, candidate)
    assert drift(report) == {f"{PUBLIC}/tables/p/columns/note": ("extra", "medium"),
                             f"{PUBLIC}/tables/p/columns/at/type": ("changed", "high"),
                             f"{PUBLIC}/tables/p/column_order": ("changed", "info")}
    # each partition's copy of the change is listed as covered, naming the parent, out of the gate
    children = covered(report)
    assert set(children) == {f"{PUBLIC}/tables/p_{i}/{leaf}" for i in range(3)
                             for leaf in ("columns/note", "columns/at/type", "column_order")}
    assert all("public.p" in message for message in children.values())
    # and the score counts the cause once: what the same change costs a table without partitions
    plain = audit(pg.create("CREATE TABLE p (id int, at date);"),
                  pg.create("CREATE TABLE p (id int, at timestamp, note text);"))
    assert report.comparisons[0].score == plain.comparisons[0].score > 0


def test_a_child_is_not_covered_by_a_parent_change_that_a_rewrite_cancels(pg: Databases) -> None:
    """A rewrite scoped to the parent's path cancels its change: the partition's change is then
    the only trace of the drift, and must be a finding in the gate, not covered by nothing."""
    ddl = ("CREATE TABLE ev (id int, src text DEFAULT '{}-x') PARTITION BY RANGE (id);"
           "CREATE TABLE ev_1 PARTITION OF ev FOR VALUES FROM (0) TO (10);")
    rewrite = Rewrite(reference="prod", candidate="staging", path="db/schema/public/tables/ev/**")
    report = audit(pg.create(ddl.format("prod")), pg.create(ddl.format("staging")),
                   Policy(RuleSet([]), [rewrite]))
    assert covered(report) == {}
    assert drift(report) == {f"{PUBLIC}/tables/ev_1/columns/src/default": ("changed", "high")}
    assert report.verdict is Verdict.FAIL
    # without the rewrite the parent carries it, and the partition's copy is covered
    plain = audit(pg.create(ddl.format("prod")), pg.create(ddl.format("staging")))
    assert set(covered(plain)) == {f"{PUBLIC}/tables/ev_1/columns/src/default"}
    assert drift(plain) == {f"{PUBLIC}/tables/ev/columns/src/default": ("changed", "high")}


def test_a_column_added_to_an_inheritance_parent_is_reported_once(pg: Databases) -> None:
    ddl = "CREATE TABLE base (id int); CREATE TABLE kid (extra text) INHERITS (base);"
    report = audit(pg.create(ddl), pg.create(ddl + "ALTER TABLE base ADD COLUMN note text;"))
    found = drift(report)
    assert found[f"{PUBLIC}/tables/base/columns/note"] == ("extra", "medium")
    assert not any(path.startswith(f"{PUBLIC}/tables/kid/") for path in found)
    assert set(covered(report)) >= {f"{PUBLIC}/tables/kid/columns/note"}
    assert "public.base" in covered(report)[f"{PUBLIC}/tables/kid/columns/note"]


def test_a_partition_column_that_differs_on_its_own_is_still_reported(pg: Databases) -> None:
    ddl = "CREATE TABLE p (id int, at date) PARTITION BY RANGE (at);" \
          "CREATE TABLE p_1 PARTITION OF p FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
    report = audit(pg.create(ddl), pg.create(ddl + "ALTER TABLE p_1 ALTER COLUMN id SET NOT NULL;"))
    assert drift(report) == {f"{PUBLIC}/tables/p_1/columns/id/nullable": ("changed", "high")}


def test_the_schemas_filter_applies_to_extensions(pg: Databases) -> None:
    reference = pg.create("CREATE SCHEMA app; CREATE TABLE app.t (a int); CREATE EXTENSION citext;"
                          "CREATE EXTENSION hstore SCHEMA app;")
    candidate = pg.create("CREATE SCHEMA app; CREATE TABLE app.t (a int);")
    found = drift(audit(reference, candidate, schemas=["app"]))
    assert found == {"db/extensions/hstore": ("missing", "high")}  # citext, in public, is out of scope


CONSTRAINED = """
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE t (id int {pk}, code text {unique}, parent_id int {fk}, n int {check}, name text COLLATE {coll});
"""


@pytest.mark.parametrize(("what", "dropped"), [
    ("pk", {"pk": ""}), ("unique", {"unique": ""}), ("fk", {"fk": ""}), ("check", {"check": ""}),
    ("collation", {"coll": '"POSIX"'})])
def test_behaviour_changing_schema_differences_fail_the_default_gate(
        pg: Databases, what: str, dropped: dict[str, str]) -> None:
    full = {"pk": "PRIMARY KEY", "unique": "UNIQUE", "fk": "REFERENCES parent (id)", "check": "CHECK (n > 0)",
            "coll": '"C"'}
    report = audit(pg.create(CONSTRAINED.format(**full)), pg.create(CONSTRAINED.format(**(full | dropped))))
    found = drift(report)
    assert found
    assert all(severity == "high" for _, severity in found.values()), found
    assert report.verdict is Verdict.FAIL


def test_a_unique_index_is_high_and_a_plain_index_medium(pg: Databases) -> None:
    reference = pg.create("CREATE TABLE t (a int, b int); CREATE UNIQUE INDEX u ON t (a);"
                          "CREATE INDEX i ON t (b);")
    candidate = pg.create("CREATE TABLE t (a int, b int);")
    assert drift(audit(reference, candidate)) == {f"{PUBLIC}/tables/t/indexes/u": ("missing", "high"),
                                                  f"{PUBLIC}/tables/t/indexes/i": ("missing", "medium")}


def test_a_partition_attached_later_is_no_different(pg: Databases) -> None:
    parent = "CREATE TABLE p (id int, at date) PARTITION BY RANGE (at);"
    bound = "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"
    made = pg.create(parent + f"CREATE TABLE p_1 PARTITION OF p {bound};")
    attached = pg.create(parent + "CREATE TABLE p_1 (id int, at date);"
                         f"ALTER TABLE p ATTACH PARTITION p_1 {bound};")
    assert drift(audit(made, attached)) == {}


TRIGGERED = """
CREATE TABLE orders (id int, total numeric, touched timestamptz);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched := now(); RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch();
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
"""


@pytest.mark.parametrize(("change", "path"), [
    ("ALTER TABLE orders DISABLE TRIGGER orders_touch", "tables/orders/triggers/orders_touch"),
    ("ALTER TABLE orders ENABLE REPLICA TRIGGER orders_touch", "tables/orders/triggers/orders_touch"),
    ("ALTER TABLE orders ENABLE ALWAYS TRIGGER orders_touch", "tables/orders/triggers/orders_touch"),
    ("CREATE OR REPLACE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100 "
     "WITH CASCADED CHECK OPTION", "views/big_orders/options"),
    ("ALTER VIEW big_orders SET (security_barrier = true)", "views/big_orders/options"),
])
def test_a_trigger_that_stops_firing_or_a_view_option_fails_the_gate(pg: Databases, change: str,
                                                                      path: str) -> None:
    """A disabled trigger no longer rewrites rows; WITH CHECK OPTION rejects writes through the view;
    security_barrier changes which rows a leaky function sees. Each was silent (exit 0)."""
    report = audit(pg.create(TRIGGERED), pg.create(TRIGGERED + change + ";"))
    found = drift(report)
    assert found == {f"{PUBLIC}/{path}": (found[f"{PUBLIC}/{path}"][0], "high")}
    assert report.verdict is Verdict.FAIL


def test_a_reordered_enum_is_high_and_an_appended_label_medium(pg: Databases) -> None:
    """Reordering labels changes ORDER BY and < > on the enum; adding one at the end changes neither."""
    reference = pg.create("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');")
    reordered = audit(reference, pg.create("CREATE TYPE mood AS ENUM ('happy', 'ok', 'sad');"))
    assert drift(reordered) == {f"{PUBLIC}/enums/mood/labels": ("changed", "high")}
    inserted = audit(reference, pg.create("CREATE TYPE mood AS ENUM ('sad', 'meh', 'ok', 'happy');"))
    assert drift(inserted) == {f"{PUBLIC}/enums/mood/labels": ("changed", "medium")}
