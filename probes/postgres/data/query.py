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
    if col.kind is Kind.NUMBER:
        return sql.SQL("CASE WHEN abs({x}) BETWEEN 1e-300 AND 1e300 "
                       "THEN greatest(-12, least(18, floor(log(abs({x})::float8))))::int END").format(x=x)
    if col.kind is Kind.TIME:
        return sql.SQL("CASE WHEN isfinite({x}) THEN extract(isodow FROM {x})::int END").format(x=x)
    if col.kind is Kind.CLOCK:
        return sql.SQL("extract(hour FROM {})::int").format(x)
    return None


def _extras(col: Column, x: sql.Composable, length: sql.Composable) -> list[sql.Composable]:
    """Per-kind counts over the shape sample, in the order `decode.column` reads them."""
    if col.kind is Kind.TEXT:
        head = sql.SQL("(CASE WHEN {l} > {n} THEN left({x}, {n}) ELSE {x} END)").format(
            l=length, x=x, n=sql.Literal(CLASS_PREFIX))
        out: list[sql.Composable] = [sql.SQL("count(*) FILTER (WHERE {} = 0)").format(length)]
        out += [sql.SQL("count(*) FILTER (WHERE {} ~ {})").format(head, sql.Literal(p))
                for p in TEXT_CLASSES.values()]
        out.append(sql.SQL("count(*) FILTER (WHERE octet_length({x}) <> length({x}))").format(x=head))
        out += [sql.SQL("count(*) FILTER (WHERE {} <= {} AND {} AND {} ~ {})").format(
            length, sql.Literal(FORMAT_MAX_LENGTH), sql.SQL(FORMAT_GUARDS[name]).format(x), x, sql.Literal(p))
            for name, p in TEXT_FORMATS.items()]
        return out
    if col.kind is Kind.NUMBER:
        return [sql.SQL("count(*) FILTER (WHERE {} < 0)").format(x),
                sql.SQL("count(*) FILTER (WHERE {} = 0)").format(x),
                sql.SQL("count(*) FILTER (WHERE {x} = trunc({x}))").format(x=x)]
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
    values = sql.SQL(", ").join(b for _, b in buckets)
    return sql.SQL("SELECT jsonb_object_agg(i, h) AS a FROM (SELECT i, jsonb_object_agg(b, n) AS h FROM "
                   "(SELECT v.i, v.b, count(*) AS n FROM t, unnest(ARRAY[{}]::int[]) WITH ORDINALITY v(b, i) "
                   "WHERE v.b IS NOT NULL GROUP BY 1, 2) c GROUP BY i) w").format(values)


def _groups(col: Column, x: sql.Composable) -> sql.Composable:
    """`[distinct values, frequencies]`: labels for booleans and enums, keyed fingerprints for other
    columns with at most LOW_CARDINALITY values, none for JSON."""
    if col.kind in (Kind.BOOL, Kind.ENUM):
        payload: sql.Composable = sql.SQL("jsonb_object_agg(g::text, n)")
    elif col.kind is Kind.JSON:
        payload = sql.SQL("NULL::jsonb")
    else:
        payload = sql.SQL("CASE WHEN count(*) <= {limit} THEN jsonb_object_agg({key}, n) "
                          "FILTER (WHERE r <= {limit}) END").format(limit=sql.Literal(LOW_CARDINALITY),
                                                                     key=_hmac(sql.SQL("g::text")))
    return sql.SQL("(SELECT jsonb_build_array(count(*), {payload}) FROM (SELECT g, count(*) AS n, "
                   "row_number() OVER () AS r FROM (SELECT {g} AS g FROM t WHERE {x} IS NOT NULL) u "
                   "GROUP BY g) h)").format(payload=payload, g=_group(col, x), x=x)


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
                  sql.SQL("stddev_samp({})").format(width), *_extras(col, x, length)]
        shape.append(_named(sql.SQL("ARRAY[{}]::float8[]").format(sql.SQL(", ").join(extras)), f"e{i}"))
        bucket = _bucket(col, x, length)
        if bucket is not None:
            buckets.append((i, bucket))  # its histogram is `hist.a` at its position in `buckets` (from 1)
            position = sql.Literal(str(len(buckets)))
            shape.append(_named(sql.SQL("(SELECT a -> {} FROM hist)").format(position), f"h{i}"))
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
    if buckets:
        hist = sql.SQL(", hist AS MATERIALIZED ({})").format(_histograms(buckets))
    return sql.SQL("""WITH t AS MATERIALIZED (
    SELECT {shaped} FROM (SELECT {raw} FROM {source}) u{every}){hist}
SELECT * FROM {counted}, (SELECT {shape} FROM t) shape""").format(
        shaped=sql.SQL(", ").join(shaped), raw=sql.SQL(", ").join(raw), source=source, every=every,
        hist=hist, counted=counted, shape=sql.SQL(", ").join(shape))
