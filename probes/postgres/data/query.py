"""Build the one aggregate query that fingerprints a batch of columns of one table.

The query reads the table (whole, or `TABLESAMPLE SYSTEM ... REPEATABLE`) and returns a
single row of aggregates: per column arrays of counts, and histograms as small jsonb
objects. No row and no raw value crosses the wire. Low-cardinality values are grouped
and replaced, inside the server, by an HMAC-SHA256 built from sha256() and a key derived
for this purpose, which reaches the server as a transaction setting, never in the query text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import sql

from fidelity.probe.shape.measures import (
    CLASS_PREFIX,
    FORMAT_MAX_LENGTH,
    LENGTH_BOUNDS,
    LOW_CARDINALITY,
    QUANTILE_KINDS,
    QUANTILES,
    SHAPE_ROWS,
    TEXT_CLASSES,
    TEXT_FORMATS,
    Column,
    Kind,
)
from probes.postgres.data import json_paths

#: Columns per query: each takes up to three CTE entries and four result entries, well
#: below PostgreSQL's 1,664 target-list entries.
BATCH_COLUMNS = 250
#: Transaction settings that carry the HMAC's padded keys (hex) to the server.
PAD_SETTINGS = ("fidelity.data_ipad", "fidelity.data_opad")
#: Cheap tests that a value could have a format, before its regular expression is tried.
FORMAT_GUARDS = {
    "email": "strpos({}, '@') > 0",
    "uuid": "length({}) = 36",
    "url": "strpos({}, '://') > 0",
    "iso_date": "substr({}, 5, 1) = '-'",
    "number": "ascii({}) BETWEEN 32 AND 57",  # space, sign, dot or digit first
}


NUMBER_TYPES = {"int2", "int4", "int8", "numeric", "float4", "float8", "money"}
#: Integer types keep their type: a cast to numeric, and numeric arithmetic, would cost more than the
#: rest of their measures, and change none of them (nor a value's text, which value fingerprints hash).
INTEGER_TYPES = ("int2", "int4", "int8")


def kind_of(category: str, base: str) -> Kind:
    """A column's kind from its type category and base type name (domains resolved one level)."""
    if base in ("json", "jsonb"):
        return Kind.JSON
    if category == "B":
        return Kind.BOOL
    if category == "E":
        return Kind.ENUM
    if category == "S":
        return Kind.TEXT
    if category == "N" and base in NUMBER_TYPES:
        return Kind.NUMBER
    if base in ("date", "timestamp", "timestamptz"):
        return Kind.TIME
    if base in ("time", "timetz"):
        return Kind.CLOCK
    return Kind.OTHER


@dataclass(frozen=True)
class Sample:
    """How a table is read: whole, or `percent` of its blocks."""

    percent: float | None
    """None reads every row (the counts are exact)."""
    seed: int = 0
    """REPEATABLE seed: the same seed reads the same blocks of an unchanged table."""
    step: int = 1
    """Every step-th row read has its values examined (about SHAPE_ROWS rows); 0 when the row count
    is unknown (never analyzed), so that the server counts the rows it reads and picks the step."""


def _value(col: Column, raw: sql.Composable) -> sql.Composable:
    """The column's value as the shape measures see it (`raw` is the column as read)."""
    if col.kind is Kind.TEXT:  # byte order: regular expressions refuse nondeterministic collations
        return sql.SQL('({}::text COLLATE "C")').format(raw)
    if col.kind is Kind.NUMBER and col.base in INTEGER_TYPES:
        return raw
    if col.kind is Kind.NUMBER:
        return sql.SQL("{}::float8" if col.base in ("float4", "float8") else "{}::numeric").format(raw)
    if col.kind is Kind.TIME:
        # Day of week and spread in UTC, so that a server's TimeZone does not shift them.
        utc = "({} AT TIME ZONE 'UTC')" if col.base == "timestamptz" else "{}::timestamp"
        return sql.SQL(utc).format(raw)
    if col.kind is Kind.CLOCK:
        return sql.SQL("({} AT TIME ZONE 'UTC')::time" if col.base == "timetz" else "{}::time").format(raw)
    if col.kind is Kind.JSON and col.base == "json":  # jsonb cannot hold \u0000: such a document is skipped
        return sql.SQL("CASE WHEN strpos({r}::text, {nul}) = 0 THEN {r}::jsonb END").format(
            r=raw, nul=sql.Literal("\\u0000"))
    if col.kind is Kind.JSON:
        return sql.SQL("{}::jsonb").format(raw)
    return raw


def _bucket(col: Column, x: sql.Composable, length: sql.Composable) -> sql.Composable | None:
    if col.kind is Kind.TEXT:
        return sql.SQL("width_bucket({}, {})").format(length, sql.Literal(list(LENGTH_BOUNDS)))
    if col.kind is Kind.NUMBER and col.base in INTEGER_TYPES:  # as below: an integer's float8 is the nearest
        return sql.SQL("CASE WHEN {x} <> 0 THEN greatest(-12, least(18, floor(log(abs({x}::float8)))))::int "
                       "END").format(x=x)
    if col.kind is Kind.NUMBER:
        return sql.SQL("CASE WHEN abs({x}) BETWEEN 1e-300 AND 1e300 "
                       "THEN greatest(-12, least(18, floor(log(abs({x})::float8))))::int END").format(x=x)
    if col.kind is Kind.TIME:
        return sql.SQL("CASE WHEN isfinite({x}) THEN extract(isodow FROM {x})::int END").format(x=x)
    if col.kind is Kind.CLOCK:
        return sql.SQL("extract(hour FROM {})::int").format(x)
    return None


def _text_counts(x: sql.Composable, length: sql.Composable) -> sql.Composable:
    """A text column's extras (`decode.column` reads them in this order), as a float8[] subquery over
    its distinct (length, first CLASS_PREFIX characters) pairs in `t`, each weighted by its rows. Every
    measure is a function of that pair (a format is tested only on values shorter than the prefix, so
    whole), a short code repeated in most rows then costs one regular expression per value, not per
    row, and no more than the prefix of a long value is hashed. Each count is 0, not NULL, when no
    value has it."""
    v, n = sql.SQL("v"), sql.SQL("l")
    tests: list[sql.Composable] = [sql.SQL("l = 0")]
    tests += [sql.SQL("v ~ {}").format(sql.Literal(p)) for p in TEXT_CLASSES.values()]
    tests.append(sql.SQL("octet_length(v) <> length(v)"))
    tests += [sql.SQL("{} <= {} AND {} AND v ~ {}").format(
        n, sql.Literal(FORMAT_MAX_LENGTH), sql.SQL(FORMAT_GUARDS[name]).format(v), sql.Literal(p))
        for name, p in TEXT_FORMATS.items()]
    counts = sql.SQL(", ").join(sql.SQL("coalesce(sum(n) FILTER (WHERE {}), 0)").format(test)
                                for test in tests)
    head = sql.SQL("CASE WHEN {l} > {n} THEN left({x}, {n}) ELSE {x} END").format(
        l=length, x=x, n=sql.Literal(CLASS_PREFIX))
    return sql.SQL("(SELECT ARRAY[{}]::float8[] FROM (SELECT {} AS l, {} AS v, count(*) AS n FROM t "
                   "WHERE {} IS NOT NULL GROUP BY 1, 2) d)").format(counts, length, head, x)


def _extras(col: Column, x: sql.Composable) -> list[sql.Composable]:
    """Per-kind counts over the shape sample, in the order `decode.column` reads them (text: see
    `_text_counts`)."""
    if col.kind is Kind.NUMBER:
        integer = "count({x})" if col.base in INTEGER_TYPES else "count(*) FILTER (WHERE {x} = trunc({x}))"
        whole = sql.SQL(integer)
        return [sql.SQL("count(*) FILTER (WHERE {} < 0)").format(x),
                sql.SQL("count(*) FILTER (WHERE {} = 0)").format(x), whole.format(x=x)]
    if col.kind is Kind.TIME:  # spread in days between the finite extremes (x is a timestamp here)
        return [sql.SQL("extract(epoch FROM max({x}) FILTER (WHERE isfinite({x})) - "
                        "min({x}) FILTER (WHERE isfinite({x}))) / 86400").format(x=x)]
    return []


def _group(col: Column, x: sql.Composable) -> sql.Composable:
    """What GROUP BY uses: text for types that may lack an equality operator (text values are
    already in byte order, see `_value`)."""
    return sql.SQL("{}::text COLLATE \"C\"").format(x) if col.kind is Kind.OTHER else x


def _hmac(value: sql.Composable) -> sql.Composable:
    """HMAC-SHA256 of a value's text (its bytes in the database encoding) under the pads in PAD_SETTINGS."""
    ipad, opad = (sql.SQL("decode(current_setting({}), 'hex')").format(sql.Literal(name))
                  for name in PAD_SETTINGS)
    inner = sql.SQL("sha256({} || convert_to({}, getdatabaseencoding()))").format(ipad, value)
    return sql.SQL("left(encode(sha256({} || {}), 'hex'), 16)").format(opad, inner)


def _histograms(buckets: Sequence[tuple[int, sql.Composable]]) -> sql.Composable:
    """Every column's histogram in one pass over `t` (one scan and one grouping rather than one per
    column): `{position in buckets, from 1: {bucket: count}}`. A bucket is NULL when the value is
    NULL or outside every bucket, and such values are not counted."""
    # Two arrays unnested side by side in the select list (a ProjectSet): cheaper than a function scan
    # per row of `t` (unnest ... WITH ORDINALITY in FROM), which sets up and fills a tuplestore each time.
    values = sql.SQL(", ").join(b for _, b in buckets)
    positions = sql.Literal(list(range(1, len(buckets) + 1)))
    return sql.SQL("SELECT jsonb_object_agg(i, h) AS a FROM (SELECT i, jsonb_object_agg(b, n) AS h FROM "
                   "(SELECT v.i, v.b, count(*) AS n FROM (SELECT unnest(ARRAY[{}]::int[]) AS b, "
                   "unnest({}::int8[]) AS i FROM t) v WHERE v.b IS NOT NULL GROUP BY 1, 2) c GROUP BY i) w"
                   ).format(values, positions)


def _groups(col: Column, x: sql.Composable) -> sql.Composable:
    """`[distinct values, frequencies]`: labels for booleans and enums, keyed fingerprints for other
    columns with at most LOW_CARDINALITY values, none for JSON. The distinct values are counted in
    the one pass over `t`; the frequencies take a grouping of their own, which runs only when they are
    recorded (an uncorrelated subquery is evaluated when first needed)."""
    g = _group(col, x)
    distinct = sql.SQL("count(DISTINCT {})").format(g)
    if col.kind is Kind.JSON:  # hashed: sorting documents (count(DISTINCT)) compares them member by member
        distinct = sql.SQL("(SELECT count(*) FROM (SELECT DISTINCT {x} FROM t WHERE {x} IS NOT NULL) d)"
                           ).format(x=x)
        return sql.SQL("jsonb_build_array({}, NULL::jsonb)").format(distinct)
    label = sql.SQL("g::text") if col.kind in (Kind.BOOL, Kind.ENUM) else _hmac(sql.SQL("g::text"))
    frequencies: sql.Composable = sql.SQL(
        "(SELECT jsonb_object_agg({label}, n) FROM (SELECT g, count(*) AS n FROM "
        "(SELECT {g} AS g FROM t WHERE {x} IS NOT NULL) u GROUP BY g) h)").format(label=label, g=g, x=x)
    if col.kind not in (Kind.BOOL, Kind.ENUM):
        frequencies = sql.SQL("CASE WHEN {} <= {} THEN {} END").format(
            distinct, sql.Literal(LOW_CARDINALITY), frequencies)
    return sql.SQL("jsonb_build_array({}, {})").format(distinct, frequencies)


def _named(expression: sql.Composable, name: str) -> sql.Composable:
    return sql.SQL("{} AS {}").format(expression, sql.Identifier(name))


def build(schema: str, table: str, columns: Sequence[Column], sample: Sample,
          json_depth: int, json_fold_below: int | None = None) -> sql.Composed:
    """The fingerprint query of `columns` of one table.

    The query has no parameters, so that no name (however odd) is read as a placeholder.
    When some column's null fraction is not taken from fresh ANALYZE statistics, it counts
    them over every row read (`n`, and `a<i>`: the non-null count). It keeps every
    `sample.step`-th row read, renamed by position, as `t` (`m` rows), and measures there
    the shape of the values: per column `e<i>` (float8[]: non-null count, average stored width,
    then the kind's extras), `h<i>` (histogram), `g<i>` (`[distinct values, frequencies]`),
    `k<i>` (JSON key paths; keys deeper than `json_fold_below` levels folded)
    and `q<i>` (quantiles, finite values only, when opted in).
    """
    raw: list[sql.Composable] = []
    shaped: list[sql.Composable] = [sql.SQL("rn")]
    cheap: list[sql.Composable] = [sql.SQL("count(*) AS n")]
    shape: list[sql.Composable] = [sql.SQL("count(*) AS m")]
    buckets: list[tuple[int, sql.Composable]] = []
    histograms: list[sql.Composable] = []  # read from the one row of `hist`, joined (not one subquery each)
    for i, col in enumerate(columns):
        ident, r = sql.Identifier(col.name), sql.Identifier(f"r{i}")
        x, length = sql.Identifier(f"x{i}"), sql.Identifier(f"l{i}")
        raw.append(_named(ident, f"r{i}"))
        shaped += [_named(_value(col, r), f"x{i}"), _named(sql.SQL("pg_column_size({})").format(r), f"s{i}")]
        if col.kind is Kind.TEXT:
            shaped.append(_named(sql.SQL("length({})").format(_value(col, r)), f"l{i}"))
        if not col.stats:
            cheap.append(_named(sql.SQL("ARRAY[count({})]::float8[]").format(ident), f"a{i}"))
        if col.quantiles and col.kind in QUANTILE_KINDS:
            value = _value(col, ident)
            finite = {Kind.NUMBER: sql.SQL("{}::text NOT IN ('NaN', 'Infinity', '-Infinity')").format(value),
                      Kind.TIME: sql.SQL("isfinite({})").format(value), Kind.CLOCK: sql.SQL("true")}[col.kind]
            quantiles = sql.SQL("percentile_disc({}::float8[]) WITHIN GROUP (ORDER BY {}) FILTER (WHERE {})")
            cheap.append(_named(quantiles.format(sql.Literal(list(QUANTILES)), value, finite), f"q{i}"))
        width = sql.Identifier(f"s{i}")
        extras = [sql.SQL("count({})").format(x), sql.SQL("avg({})").format(width),
                  sql.SQL("stddev_samp({})").format(width), *_extras(col, x)]
        measured: sql.Composable = sql.SQL("ARRAY[{}]::float8[]").format(sql.SQL(", ").join(extras))
        if col.kind is Kind.TEXT:
            measured = sql.SQL("{} || {}").format(measured, _text_counts(x, length))
        shape.append(_named(measured, f"e{i}"))
        bucket = _bucket(col, x, length)
        if bucket is not None:
            buckets.append((i, bucket))  # its histogram is `hist.a` at its position in `buckets` (from 1)
            position = sql.Literal(str(len(buckets)))
            histograms.append(_named(sql.SQL("hist.a -> {}").format(position), f"h{i}"))
        shape.append(_named(_groups(col, x), f"g{i}"))
        if col.kind is Kind.JSON:
            shape.append(_named(json_paths.walk_sql(x, json_depth, json_fold_below), f"k{i}"))
    source: sql.Composable = sql.Identifier(schema, table)
    if sample.percent is not None:
        source = sql.SQL("{} TABLESAMPLE SYSTEM ({}) REPEATABLE ({})").format(
            source, sql.Literal(sample.percent), sql.Literal(sample.seed))
    raw.append(sql.SQL("row_number() OVER () AS rn"))
    every: sql.Composable = sql.SQL("")
    if sample.step == 0:
        raw.append(sql.SQL("count(*) OVER () AS total"))
        every = sql.SQL(" WHERE rn % greatest(1, round(total / {}::numeric)) = 0").format(
            sql.Literal(SHAPE_ROWS))
    elif sample.step > 1:
        every = sql.SQL(" WHERE rn % {} = 0").format(sql.Literal(sample.step))
    if len(cheap) == 1 and sample.percent is not None:
        # Fresh statistics spare the counting pass; the rows read are about the last row number kept.
        counted: sql.Composable = sql.SQL("(SELECT (SELECT coalesce(max(rn), 0) FROM t) AS n) cheap")
    else:
        counted = sql.SQL("(SELECT {} FROM {}) cheap").format(sql.SQL(", ").join(cheap), source)
    hist: sql.Composable = sql.SQL("")
    joined: sql.Composable = sql.SQL("")
    if buckets:
        hist = sql.SQL(", hist AS MATERIALIZED ({})").format(_histograms(buckets))
        joined = sql.SQL(", hist")
    return sql.SQL("""WITH t AS MATERIALIZED (
    SELECT {shaped} FROM (SELECT {raw} FROM {source}) u{every}){hist}
SELECT {columns} FROM {counted}, (SELECT {shape} FROM t) shape{joined}""").format(
        shaped=sql.SQL(", ").join(shaped), raw=sql.SQL(", ").join(raw), source=source, every=every,
        hist=hist, columns=sql.SQL(", ").join([sql.SQL("cheap.*, shape.*"), *histograms]), counted=counted,
        shape=sql.SQL(", ").join(shape), joined=joined)
