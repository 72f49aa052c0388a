"""Data-shape fingerprints of awkward tables: empty, all NULL, 500 columns, odd types and names, no access."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
from pgfixtures import KEY, Databases, admin, audit, collect, databases, drift, dsn, messages, run

from fidelity.probe.options import OptionError
from fidelity.probe.shape.options import DataOptions, parse
from fidelity.redact import SecretKeeper
from probes.postgres.data.collect import VALUES_KEY_PURPOSE


@pytest.fixture
def pg() -> Iterator[Databases]:
    with databases() as created:
        yield created


def test_empty_and_all_null_tables(pg: Databases) -> None:
    database = pg.create("""
        CREATE TABLE nothing (a int, b text);
        CREATE TABLE nulls (a int, b text, c jsonb, d timestamptz);
        INSERT INTO nulls SELECT NULL, NULL, NULL, NULL FROM generate_series(1, 300);
    """)
    result = collect(database, data=True)
    assert result.gaps == ()
    tables = result.data["data"]["public"]
    assert tables["nothing"]["rows"] == "0"
    assert "columns" not in tables["nothing"]
    assert tables["nothing"]["sample"] == {"rows": 0, "shape_rows": 0, "method": "whole table"}
    assert tables["nulls"]["rows"] == "100+"
    assert {c["null_fraction"] for c in tables["nulls"]["columns"].values()} == {1.0}


def test_an_empty_table_against_a_full_one_is_one_rows_finding(pg: Databases) -> None:
    ddl = "CREATE TABLE t (a int, b text);"
    full = pg.create(ddl + "INSERT INTO t SELECT i, 'x' FROM generate_series(1, 500) i;")
    report = audit(full, pg.create(ddl), data=True)
    assert drift(report) == {"db/data/public/t/rows": ("changed", "low")}
    assert messages(report)["db/data/public/t/rows"] == (
        "table public.t: about 500 rows in the reference, 0 in the candidate (the candidate has none: "
        "2.7 orders of magnitude)")


WIDE = 500


def _wide(nulls_in_last: bool) -> str:
    types = [("int", "text", "numeric", "jsonb", "boolean")[i % 5] for i in range(WIDE - 1)] + ["text"]
    columns = ", ".join(f"c{i} {kind}" for i, kind in enumerate(types))
    expressions = ("i", "'v' || i", "i * 1.5", "jsonb_build_object('k', i)", "i % 2 = 0")
    values = ", ".join(expressions[i % 5] for i in range(WIDE - 1))
    last = "CASE WHEN i % 2 = 0 THEN NULL ELSE 'z' END" if nulls_in_last else "'z'"
    return (f"CREATE TABLE wide ({columns}); "
            f"INSERT INTO wide SELECT {values}, {last} FROM generate_series(1, 400) i;")


def test_a_table_of_500_columns_is_read_in_batches(pg: Databases) -> None:
    production, staging = pg.create(_wide(False)), pg.create(_wide(True))
    columns = collect(production, data=True).data["data"]["public"]["wide"]["columns"]
    assert len(columns) == WIDE
    assert columns["c499"]["null_fraction"] == 0.0
    assert columns["c3"]["keys"]["k"]["presence"] == 1.0
    found = drift(audit(production, staging, data=True))
    assert found["db/data/public/wide/columns/c499/null_fraction"] == ("changed", "medium")
    assert all("/c499/" in path for path in found), found


UNUSUAL = """
CREATE DOMAIN short_text AS text CHECK (length(VALUE) < 100);
CREATE TYPE pair AS (a int, b text);
CREATE COLLATION loose (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE "odd types" (
    arr int[], txts text[], rng int4range, trng tstzrange, raw bytea, pt point, box box, poly polygon,
    circ circle, dom short_text, comp pair, addr inet, mac macaddr, bits bit varying(8), x xml, js json,
    tsv tsvector, span interval, cash money, dt date, tod timetz, id uuid, ch "char", nm name, big numeric,
    ci text COLLATE loose, fl float8
);
INSERT INTO "odd types"
SELECT ARRAY[i, i + 1], ARRAY['a' || i], int4range(i, i + 3), tstzrange('2024-01-01', '2024-01-02'),
       decode(md5(i::text), 'hex'), point(i, -i), box(point(0, 0), point(i, i)),
       polygon(box(point(0, 0), point(i, 1))), circle(point(i, i), 2), 'short ' || i, ROW(i, 'b')::pair,
       ('10.0.0.' || i % 250)::inet, '08:00:2b:01:02:03', B'101', ('<a>' || i || '</a>')::xml,
       ('{"n": ' || i || '}')::json, to_tsvector('simple', 'word ' || i), i * interval '1 hour',
       i::money, date '2020-01-01' + i, time with time zone '10:00+02', gen_random_uuid(), 'x', 'nm' || i,
       CASE WHEN i % 3 = 0 THEN 'NaN'::numeric WHEN i % 3 = 1 THEN 1e400::numeric ELSE -0.001 END,
       'Case ' || i, CASE WHEN i % 10 = 0 THEN 'NaN'::float8 WHEN i % 10 = 1 THEN '-Infinity' ELSE i END
FROM generate_series(1, 200) i;
INSERT INTO "odd types" (dt, big, js)
VALUES ('infinity', NULL, '{"nul": "\\u0000"}'), ('-infinity', NULL, NULL);
"""


def test_unusual_types_are_fingerprinted_and_compare_cleanly(pg: Databases) -> None:
    production, staging = pg.create(UNUSUAL), pg.create(UNUSUAL)
    opted = ("fl", "dt", "cash", "big", "tod")
    options = {"columns": {f"odd types.{c}": {"values": "quantiles"} for c in opted}}
    result = collect(production, data=options)
    assert result.gaps == ()
    columns = result.data["data"]["public"]["odd types"]["columns"]
    assert len(columns) == 27
    assert columns["ci"]["formats"]["email"] == 0.0  # regular expressions on a nondeterministic collation
    assert columns["tod"]["hours"] == [["08", 1.0]]  # 10:00+02 in UTC
    assert 2 <= min(columns["fl"]["quantiles"]) <= max(columns["fl"]["quantiles"]) < 200  # NaN, -Infinity out
    assert all(q.startswith("2020-") for q in columns["dt"]["quantiles"])  # infinity and -infinity left out
    assert columns["cash"]["quantiles"][-1] == 198.0  # money, as a number
    assert None in columns["big"]["quantiles"]  # 1e400 is beyond a float: recorded as unknown
    assert columns["tod"]["quantiles"] == ["08:00:00"] * 7
    assert drift(audit(production, staging, data=options)) == {}
    assert columns["dom"]["kind"] == "text"
    assert columns["dom"]["formats"]["email"] == 0.0
    assert columns["js"]["kind"] == "json"
    assert "n" in columns["js"]["keys"]
    assert columns["big"]["kind"] == "number"
    assert columns["dt"]["spread_days"] is not None
    assert columns["dt"]["spread_days"] < 1000
    assert all(c["null_fraction"] < 0.02 for name, c in columns.items() if name not in ("dt", "big"))


HOSTILE = '''
CREATE SCHEMA "we""ird schema";
CREATE TABLE "we""ird schema"."Robert'); DROP TABLE students;--" (
    "%s" text, "%(x)s" int, "{}" text, "col with space" text, "ünïcødé ☃" text, "a/b~c" text, "<b>x</b>" text,
    rn int, x0 text, r0 text  -- the names the fingerprint query gives its own columns
);
INSERT INTO "we""ird schema"."Robert'); DROP TABLE students;--"
SELECT 'v' || i, i, '{}', ' ', 'ü', '/', '<i>', i, 'x', 'r' FROM generate_series(1, 50) i;
'''


def test_hostile_names_are_quoted_and_kept(pg: Databases) -> None:
    database = pg.create(HOSTILE)
    result = collect(database, data=True, schemas=["*"])
    assert result.gaps == ()
    table = result.data["data"]['we"ird schema']["Robert'); DROP TABLE students;--"]
    assert set(table["columns"]) == {"%s", "%(x)s", "{}", "col with space", "ünïcødé ☃", "a/b~c", "<b>x</b>",
                                     "rn", "x0", "r0"}
    assert table["columns"]["ünïcødé ☃"]["chars"]["non_ascii"] == 1.0
    assert drift(audit(database, pg.create(HOSTILE), data=True, schemas=["*"])) == {}


def test_a_table_the_role_cannot_read_is_a_gap_and_the_others_are_fingerprinted(pg: Databases) -> None:
    database = pg.create("""
        CREATE TABLE open (a int); INSERT INTO open SELECT generate_series(1, 20);
        CREATE TABLE payroll (a int, salary text); INSERT INTO payroll VALUES (1, 't');
        CREATE TABLE half (a int, hidden text); INSERT INTO half VALUES (1, 'h');
    """)
    role = pg.role()
    run(database, f'GRANT SELECT ON open TO "{role}"; GRANT SELECT (a) ON half TO "{role}";')
    dbname = psycopg.conninfo.conninfo_to_dict(database)["dbname"]
    result = collect(dsn(str(dbname), role), data=True)
    tables = result.data["data"]["public"]
    assert set(tables) == {"open", "half"}
    assert tables["open"]["rows"] == "10+"
    assert set(tables["half"]["columns"]) == {"a"}
    gaps = {gap.object: gap for gap in result.gaps}
    assert set(gaps) == {"public.payroll", "public.half.hidden"}
    assert gaps["public.payroll"].segments == ("data", "public", "payroll")
    assert gaps["public.payroll"].message == (
        "cannot fingerprint table public.payroll: permission denied; grant SELECT on it to the probe role, "
        "or leave it out with `data.exclude_tables`")


def test_value_fingerprints_computed_in_the_server_match_the_secret_keeper(pg: Databases) -> None:
    database = pg.create("CREATE TABLE t (v text); INSERT INTO t VALUES ('alpha'), ('alpha'), ('βeta');")
    values = dict(collect(database, data=True).data["data"]["public"]["t"]["columns"]["v"]["values"])
    keeper = SecretKeeper(KEY).derived(VALUES_KEY_PURPOSE)  # never the run's key itself
    expected = {keeper.fingerprint(v)[len("[secret:"):][:16]: share for v, share in (("alpha", 0.6667),
                                                                                    ("βeta", 0.3333))}
    assert values == expected


@pytest.mark.parametrize(("value", "problem"), [
    ("yes", "expected true, false or a table"),
    ({"sample_rows": 10}, "sample_rows: expected a whole number of at least 100"),
    ({"tables": "orders"}, "tables: expected a list of globs"),
    ({"colums": {}}, "unknown key 'colums'"),
    ({"columns": {"orders.total": {"values": "raw"}}}, 'columns."orders.total": expected'),
    ({"columns": {"total": {"values": "quantiles"}}}, '"table.column" or "schema.table.column"'),
    ({"json_depth": 0}, "json_depth: expected a whole number from 1 to 16"),
])
def test_bad_data_options_name_the_key(value: object, problem: str) -> None:
    with pytest.raises(OptionError, match=None) as raised:
        parse(value)
    assert problem in str(raised.value)


def test_column_modes_take_the_last_matching_glob() -> None:
    options = parse({"columns": {"orders.*": {"values": "quantiles"}, "orders.email": {"values": "shape"}}})
    assert isinstance(options, DataOptions)
    assert options.mode("public", "orders", "total") == "quantiles"
    assert options.mode("public", "orders", "email") == "shape"
    assert options.mode("public", "customers", "total") == "shape"
    assert parse(False) is None
    assert parse(True) == DataOptions()


def test_a_table_locked_by_a_migration_is_a_gap_and_the_others_are_fingerprinted(pg: Databases) -> None:
    database = pg.create("CREATE TABLE busy (a int); CREATE TABLE calm (a int); INSERT INTO calm VALUES (1);")
    with psycopg.connect(database) as migration:
        migration.execute("LOCK TABLE busy IN ACCESS EXCLUSIVE MODE")  # held until the block ends
        result = collect(database, data=True, lock_timeout=200)
    assert set(result.data["data"]["public"]) == {"calm"}
    (gap,) = result.gaps
    assert gap.segments == ("data", "public", "busy")
    assert gap.message == ("cannot fingerprint table public.busy: another session holds an exclusive lock on "
                           "it (e.g. a running migration); run the audit again when it is released")


def test_a_partitioned_table_is_fingerprinted_through_its_parent(pg: Databases) -> None:
    database = pg.create("""
        CREATE TABLE measures (at date NOT NULL, v int) PARTITION BY RANGE (at);
        CREATE TABLE measures_2024 PARTITION OF measures FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE measures_2025 PARTITION OF measures FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        INSERT INTO measures SELECT date '2024-06-01' + i % 400, i FROM generate_series(1, 3000) i;
        ANALYZE measures;
    """)
    tables = collect(database, data={"sample_rows": 1000}).data["data"]["public"]
    assert set(tables) == {"measures"}
    assert tables["measures"]["rows"] == "1k+"
    assert tables["measures"]["sample"]["method"] == "block sample"
    assert tables["measures"]["columns"]["at"]["spread_days"] > 300


def test_a_table_over_statement_timeout_is_a_gap_and_the_others_are_fingerprinted(pg: Databases) -> None:
    # Never analyzed (nor by autovacuum meanwhile), `huge` is read whole with its rows counted as they
    # are read (the step is picked by the server): 0.6 s where a catalog query takes milliseconds, on
    # a machine where reading it with fresh statistics took as little as 0.14 s, under the timeout.
    database = pg.create("""
        CREATE TABLE huge WITH (autovacuum_enabled = false) AS
            SELECT i, md5(i::text) AS h FROM generate_series(1, 1000000) i;
        CREATE TABLE small (a int); INSERT INTO small VALUES (1);
        ANALYZE small;
    """)
    result = collect(database, data={"sample_rows": 1_000_000}, statement_timeout=150)
    assert set(result.data["data"]["public"]) == {"small"}
    (gap,) = result.gaps
    assert gap.segments == ("data", "public", "huge")
    assert gap.message == ("cannot fingerprint table public.huge: it took longer than statement_timeout "
                           "(150 ms); lower `data.sample_rows` or raise `statement_timeout`")


def test_json_key_paths_fold_arrays_value_like_and_rare_keys(pg: Databases) -> None:
    database = pg.create("""
        CREATE TABLE docs (d jsonb);
        INSERT INTO docs
        SELECT jsonb_build_object(
                   'customer', jsonb_build_object('address', jsonb_build_object('city', 'x', 'geo',
                       jsonb_build_object('lat', jsonb_build_object('deg', 1)))),
                   'items', jsonb_build_array(jsonb_build_object('sku', 'a'),
                                              jsonb_build_object('sku', 'b', 'qty', 2)),
                   'by_user', jsonb_build_object(gen_random_uuid()::text, 1, 'u' || i || '@mail.example', 2,
                                                 (1000 + i)::text, 3, 'nickname_' || i, 4))
               || CASE WHEN i = 7 THEN '{"JohnRare": [1, 2], "AliceRare": {"x": [{"y": 1}]}}'::jsonb
                       ELSE '{}' END
        FROM generate_series(1, 500) i;
    """)
    keys = collect(database, data=True).data["data"]["public"]["docs"]["columns"]["d"]["keys"]
    assert keys["$"] == {"presence": 1.0, "types": [["object", 1.0]]}
    assert keys["items[]"]["types"] == [["object", 1.0]]
    assert keys["items[].sku"]["presence"] == 1.0
    assert keys["items[].qty"]["presence"] == 1.0  # in one element of every document's array
    assert keys["by_user.<key>"]["presence"] == 1.0  # uuids, emails, numbers and rare names, folded
    assert not any("nickname" in path or "@" in path or "Rare" in path for path in keys)
    assert keys["<key>"]["presence"] == 0.002  # the rare keys of one document, under the document
    assert "customer.address.geo.lat" in keys
    assert "customer.address.geo.lat.deg" not in keys


def test_materialized_views_are_read_and_views_and_unpopulated_ones_are_not(pg: Databases) -> None:
    database = pg.create("""
        CREATE TABLE base (a int); INSERT INTO base SELECT generate_series(1, 50);
        CREATE VIEW plain AS SELECT a FROM base;
        CREATE MATERIALIZED VIEW totals AS SELECT sum(a) AS s FROM base;
        CREATE MATERIALIZED VIEW later AS SELECT a FROM base WITH NO DATA;
    """)
    result = collect(database, data=True)
    assert set(result.data["data"]["public"]) == {"base", "totals"}
    assert result.gaps == ()


def test_row_level_security_is_a_gap_unless_the_role_bypasses_it(pg: Databases) -> None:
    database = pg.create("""
        CREATE TABLE notes (owner text, body text); INSERT INTO notes VALUES ('a', 'x'), ('b', 'y');
        ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
        CREATE POLICY mine ON notes USING (owner = current_user);
        CREATE TABLE plain (a int); INSERT INTO plain VALUES (1);
    """)
    role = pg.role()
    run(database, f'GRANT SELECT ON notes, plain TO "{role}"')
    dbname = str(psycopg.conninfo.conninfo_to_dict(database)["dbname"])
    result = collect(dsn(dbname, role), data=True)
    assert set(result.data["data"]["public"]) == {"plain"}
    (gap,) = result.gaps
    assert gap.segments == ("data", "public", "notes")
    assert "row-level security hides rows from the probe role" in gap.message
    superuser = collect(database, data=True)  # bypasses row security
    assert set(superuser.data["data"]["public"]) == {"notes", "plain"}


def test_a_database_that_is_not_utf8_and_a_message_that_could_quote_a_value(pg: Databases) -> None:
    name = f"fidelity_test_{secrets.token_hex(5)}"
    with admin() as conn:
        conn.execute(f"CREATE DATABASE {name} ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' "
                     "TEMPLATE template0")
    pg.names.append(name)
    with psycopg.connect(dsn(name), autocommit=True) as conn:
        conn.execute("CREATE TABLE latin (t text); CREATE TABLE doc (j json)")
        conn.execute("INSERT INTO latin VALUES (convert_from('\\xe974e9'::bytea, 'SQL_ASCII')), ('plain')")
        conn.execute("""INSERT INTO doc VALUES ('{"secretvalue": "\\u00e9t\\u00e9"}')""")
        # Names, labels and keys in bytes that are not UTF-8 (Latin-1 'café'):
        cafe = "convert_from('\\x636166e9'::bytea, 'SQL_ASCII')"
        conn.execute(f"DO $$ BEGIN EXECUTE format('CREATE TYPE mood AS ENUM (%L)', {cafe}); "
                     f"EXECUTE format('CREATE TABLE %I (%I int, m mood, j jsonb)', {cafe}, {cafe}); "
                     f"EXECUTE format('INSERT INTO %I VALUES (1, %L, jsonb_build_object(%L, 1))', "
                     f"{cafe}, {cafe}, {cafe}); END $$")
    result = collect(dsn(name), data=True)  # whatever it cannot read is a gap: the probe does not fail
    assert "café" not in str(result.data)  # a Latin-1 name is not taken for UTF-8
    latin = result.data["data"]["public"]["latin"]["columns"]["t"]
    assert len(latin["values"]) == 2  # fingerprinted from its bytes, whatever the encoding
    gap = next(g for g in result.gaps if g.object == "public.doc")  # a json escape jsonb cannot hold here
    assert gap.message.startswith("cannot fingerprint table public.doc: the server reported error ")
    assert gap.message.endswith("its message is withheld because it may quote a value; leave the table out "
                                "with `data.exclude_tables`")
    assert "secretvalue" not in gap.message


def test_a_table_glob_never_spans_a_dot() -> None:
    options = parse({"columns": {"orders.*": {"values": "quantiles"}}, "tables": ["orders*"]})
    assert isinstance(options, DataOptions)
    assert options.mode("public", "orders", "total") == "quantiles"
    assert options.mode("orders", "lines", "total") == "shape"  # a schema named orders is not opted in
    assert options.includes("public", "orders_2024")
    assert not options.includes("orders_archive", "lines")


def test_a_table_never_analyzed_has_its_values_examined_on_a_bounded_subsample(pg: Databases) -> None:
    database = pg.create("CREATE TABLE fresh AS SELECT i AS n FROM generate_series(1, 200000) i;")
    sample = collect(database, data=True).data["data"]["public"]["fresh"]["sample"]
    assert sample["rows"] >= 25_000  # ANALYZE never ran: the size is a guess (here: read whole)
    assert 1_000 <= sample["shape_rows"] <= 3_000  # but the values examined stay near 2,000
