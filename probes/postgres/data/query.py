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
from probes.postgres.data.sql_text import ident, literal

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
    """REPEATABLE seed: the same seed reads the same blocks of an unchanged table (and, with `hashed`,
    examines the same rows of them)."""
    step: int = 1
    """One row read in `step` has its values examined (about SHAPE_ROWS rows): every step-th, or one
    picked by a hash (`hashed`); 0 when the row count is unknown (never analyzed), so that the server
    counts the rows it reads and picks the step."""
    partitioned: bool = False
    """The table is partitioned, and read with its partitions; any other table is read `ONLY`: an
    inheritance parent's children are tables of their own (sized, read and fingerprinted as such)."""
    single: bool = False
    """The table is one heap relation (not partitioned: read `ONLY`) that the role may read whole:
    with `hashed`, its examined rows are read by their TIDs (below)."""
    hashed: bool = False
    """The server has `hashtidextended` (PostgreSQL 14 and later), the role may read the whole table
    (a grant on some columns gives no `ctid`), and no partition is a foreign table (whose rows may all
    carry one made-up TID): with a `step` above 1, the examined rows are the rows
    read whose `hashtidextended(ctid, seed)` is a multiple of `step`: one row in `step`, drawn by a
    hash of its place and the seed, never in step with data that has a period (as every `step`-th
    row would be). With `single`, one pass over the rows read counts them (and each column's non-null
    values, when ANALYZE's are not fresh) and keeps the picked rows' TIDs, and only those rows are
    read whole, by TID, in TID order. A partitioned table (several relations, whose TIDs repeat: a
    TID does not name a row) or a table of another access method keeps the picked rows as it scans
    them, ordered by relation and TID."""

    @property
    def picked(self) -> bool:
        """Whether the examined rows are picked by a hash of their TIDs and read again by TID."""
        return self.single and self.hashed and self.step > 1

    @property
    def filtered(self) -> bool:
        """Whether the examined rows are picked by a hash of their TIDs as the rows are scanned."""
        return not self.single and self.hashed and self.step > 1


def _value(col: Column, raw: str) -> str:
    """The column's value as the shape measures see it (`raw` is the column as read)."""
    if col.kind is Kind.TEXT:  # byte order: regular expressions refuse nondeterministic collations
        return f'({raw}::text COLLATE "C")'
    if col.kind is Kind.NUMBER and col.base in INTEGER_TYPES:
        return raw
    if col.kind is Kind.NUMBER:
        return f"{raw}::float8" if col.base in ("float4", "float8") else f"{raw}::numeric"
    if col.kind is Kind.TIME:
        # Day of week and spread in UTC, so that a server's TimeZone does not shift them.
        return f"({raw} AT TIME ZONE 'UTC')" if col.base == "timestamptz" else f"{raw}::timestamp"
    if col.kind is Kind.CLOCK:
        return f"({raw} AT TIME ZONE 'UTC')::time" if col.base == "timetz" else f"{raw}::time"
    if col.kind is Kind.JSON and col.base == "json":  # jsonb cannot hold \u0000: such a document is skipped
        return f"CASE WHEN strpos({raw}::text, {literal(chr(92) + 'u0000')}) = 0 THEN {raw}::jsonb END"
    if col.kind is Kind.JSON:
        return f"{raw}::jsonb"
    return raw


def _bucket(col: Column, x: str, length: str) -> str | None:
    if col.kind is Kind.TEXT:
        return f"width_bucket({length}, {literal(tuple(LENGTH_BOUNDS))})"
    if col.kind is Kind.NUMBER and col.base in INTEGER_TYPES:  # as below: an integer's float8 is the nearest
        return f"CASE WHEN {x} <> 0 THEN greatest(-12, least(18, floor(log(abs({x}::float8)))))::int END"
    if col.kind is Kind.NUMBER:
        return (f"CASE WHEN abs({x}) BETWEEN 1e-300 AND 1e300 "
                f"THEN greatest(-12, least(18, floor(log(abs({x})::float8))))::int END")
    if col.kind is Kind.TIME:
        return f"CASE WHEN isfinite({x}) THEN extract(isodow FROM {x})::int END"
    if col.kind is Kind.CLOCK:
        return f"extract(hour FROM {x})::int"
    return None


def _text_counts(x: str, length: str) -> str:
    """A text column's extras (`decode.column` reads them in this order), as a float8[] subquery over
    its distinct (length, first CLASS_PREFIX characters) pairs in `t`, each weighted by its rows. Every
    measure is a function of that pair (a format is tested only on values shorter than the prefix, so
    whole), a short code repeated in most rows then costs one regular expression per value, not per
    row, and no more than the prefix of a long value is hashed. Each count is 0, not NULL, when no
    value has it."""
    return (f"(SELECT ARRAY[{_TEXT_TESTS}]::float8[] FROM (SELECT {length} AS l, "
            f"CASE WHEN {length} > {literal(CLASS_PREFIX)} THEN left({x}, {literal(CLASS_PREFIX)}) "
            f"ELSE {x} END AS v, count(*) AS n FROM t WHERE {x} IS NOT NULL GROUP BY 1, 2) d)")


def _text_tests() -> str:
    tests = ["l = 0", *(f"v ~ {literal(p)}" for p in TEXT_CLASSES.values()), "octet_length(v) <> length(v)"]
    tests += [f"l <= {literal(FORMAT_MAX_LENGTH)} AND {FORMAT_GUARDS[name].format('v')} AND v ~ {literal(p)}"
              for name, p in TEXT_FORMATS.items()]
    return ", ".join(f"coalesce(sum(n) FILTER (WHERE {test}), 0)" for test in tests)


#: The counts of `_text_counts`, the same for every text column (written once).
_TEXT_TESTS = _text_tests()


def _extras(col: Column, x: str) -> list[str]:
    """Per-kind counts over the shape sample, in the order `decode.column` reads them (text: see
    `_text_counts`)."""
    if col.kind is Kind.NUMBER:
        whole = f"count({x})" if col.base in INTEGER_TYPES else f"count(*) FILTER (WHERE {x} = trunc({x}))"
        return [f"count(*) FILTER (WHERE {x} < 0)", f"count(*) FILTER (WHERE {x} = 0)", whole]
    if col.kind is Kind.TIME:  # spread in days between the finite extremes (x is a timestamp here)
        return [f"extract(epoch FROM max({x}) FILTER (WHERE isfinite({x})) - "
                f"min({x}) FILTER (WHERE isfinite({x}))) / 86400"]
    return []


def _group(col: Column, x: str) -> str:
    """What GROUP BY uses: text for types that may lack an equality operator (text values are
    already in byte order, see `_value`)."""
    return f'{x}::text COLLATE "C"' if col.kind is Kind.OTHER else x


def _hmac(value: str) -> str:
    """HMAC-SHA256 of a value's text (its bytes in the database encoding) under the pads in PAD_SETTINGS."""
    ipad, opad = (f"decode(current_setting({literal(name)}), 'hex')" for name in PAD_SETTINGS)
    inner = f"sha256({ipad} || convert_to({value}, getdatabaseencoding()))"
    return f"left(encode(sha256({opad} || {inner}), 'hex'), 16)"


def _histograms(buckets: Sequence[tuple[int, str]]) -> str:
    """Every column's histogram in one pass over `t` (one scan and one grouping rather than one per
    column): `{position in buckets, from 1: {bucket: count}}`. A bucket is NULL when the value is
    NULL or outside every bucket, and such values are not counted."""
    # Two arrays unnested side by side in the select list (a ProjectSet): cheaper than a function scan
    # per row of `t` (unnest ... WITH ORDINALITY in FROM), which sets up and fills a tuplestore each time.
    values = ", ".join(b for _, b in buckets)
    positions = literal(tuple(range(1, len(buckets) + 1)))
    return ("SELECT jsonb_object_agg(i, h) AS a FROM (SELECT i, jsonb_object_agg(b, n) AS h FROM "
            f"(SELECT v.i, v.b, count(*) AS n FROM (SELECT unnest(ARRAY[{values}]::int[]) AS b, "
            f"unnest({positions}::int8[]) AS i FROM t) v WHERE v.b IS NOT NULL GROUP BY 1, 2) c "
            "GROUP BY i) w")


def _groups(col: Column, x: str) -> str:
    """`[distinct values, frequencies]`: labels for booleans and enums, keyed fingerprints for other
    columns with at most LOW_CARDINALITY values, none for JSON. The distinct values are counted in
    the one pass over `t`; the frequencies take a grouping of their own, which runs only when they are
    recorded (an uncorrelated subquery is evaluated when first needed)."""
    g = _group(col, x)
    if col.kind is Kind.JSON:  # hashed: sorting documents (count(DISTINCT)) compares them member by member
        distinct = f"(SELECT count(*) FROM (SELECT DISTINCT {x} FROM t WHERE {x} IS NOT NULL) d)"
        return f"jsonb_build_array({distinct}, NULL::jsonb)"
    distinct = f"count(DISTINCT {g})"
    label = "g::text" if col.kind in (Kind.BOOL, Kind.ENUM) else _HMAC_LABEL
    frequencies = (f"(SELECT jsonb_object_agg({label}, n) FROM (SELECT g, count(*) AS n FROM "
                   f"(SELECT {g} AS g FROM t WHERE {x} IS NOT NULL) u GROUP BY g) h)")
    if col.kind not in (Kind.BOOL, Kind.ENUM):
        frequencies = f"CASE WHEN {distinct} <= {literal(LOW_CARDINALITY)} THEN {frequencies} END"
    return f"jsonb_build_array({distinct}, {frequencies})"


#: A value's label in `_groups`: its keyed fingerprint (written once).
_HMAC_LABEL = _hmac("g::text")


def build(schema: str, table: str, columns: Sequence[Column], sample: Sample,
          json_depth: int, json_fold_below: int | None = None) -> sql.SQL:
    """The fingerprint query of `columns` of one table.

    The query has no parameters, so that no name (however odd) is read as a placeholder.
    When some column's null fraction is not taken from fresh ANALYZE statistics, it counts
    them over every row read (`n`, and `a<i>`: the non-null count). It keeps one row read in
    `sample.step` (`Sample.hashed`), renamed by position, as `t` (`m` rows), and measures there
    the shape of the values: per column `e<i>` (float8[]: non-null count, average stored width,
    then the kind's extras), `h<i>` (histogram), `g<i>` (`[distinct values, frequencies]`),
    `k<i>` (JSON key paths; keys deeper than `json_fold_below` levels folded)
    and `q<i>` (quantiles, finite values only, when opted in).

    Written as text, names quoted and constants written as psycopg writes them: composing it from
    `psycopg.sql` objects took longer than some of the queries it builds.
    """
    raw: list[str] = []
    shaped: list[str] = [] if sample.picked or sample.filtered else ["rn"]
    cheap: list[tuple[str, str]] = [("count(*)", "n")]  # aggregates over every row read, with their names
    shape: list[str] = ["count(*) AS m"]
    buckets: list[tuple[int, str]] = []
    histograms: list[str] = []  # read from the one row of `hist`, joined (not one subquery each)
    for i, col in enumerate(columns):
        name = ident(col.name)
        r, x, length, width = f'"r{i}"', f'"x{i}"', f'"l{i}"', f'"s{i}"'
        raw.append(f"{name} AS {r}")
        shaped += [f"{_value(col, r)} AS {x}", f"pg_column_size({r}) AS {width}"]
        if col.kind is Kind.TEXT:
            shaped.append(f"length({_value(col, r)}) AS {length}")
        if not col.stats:
            cheap.append((f"ARRAY[count({name})]::float8[]", f'"a{i}"'))
        if col.quantiles and col.kind in QUANTILE_KINDS:
            value = _value(col, name)
            finite = {Kind.NUMBER: f"{value}::text NOT IN ('NaN', 'Infinity', '-Infinity')",
                      Kind.TIME: f"isfinite({value})", Kind.CLOCK: "true"}[col.kind]
            cheap.append((f"percentile_disc({literal(tuple(QUANTILES))}::float8[]) WITHIN GROUP "
                          f"(ORDER BY {value}) FILTER (WHERE {finite})", f'"q{i}"'))
        extras = ", ".join([f"count({x})", f"avg({width})", f"stddev_samp({width})", *_extras(col, x)])
        measured = f"ARRAY[{extras}]::float8[]"
        if col.kind is Kind.TEXT:
            measured = f"{measured} || {_text_counts(x, length)}"
        shape.append(f'{measured} AS "e{i}"')
        bucket = _bucket(col, x, length)
        if bucket is not None:
            buckets.append((i, bucket))  # its histogram is `hist.a` at its position in `buckets` (from 1)
            histograms.append(f'hist.a -> {literal(str(len(buckets)))} AS "h{i}"')
        shape.append(f'{_groups(col, x)} AS "g{i}"')
        if col.kind is Kind.JSON:
            shape.append(f'{json_paths.walk_sql(x, json_depth, json_fold_below)} AS "k{i}"')
    picked, read, counted = _reading(f"{ident(schema)}.{ident(table)}", sample, raw, cheap)
    hist = joined = ""
    if buckets:
        hist = f", hist AS MATERIALIZED ({_histograms(buckets)})"
        joined = ", hist"
    columns_out = ", ".join(["cheap.*, shape.*", *histograms])
    return sql.SQL(f"""WITH {picked}t AS MATERIALIZED (
    SELECT {', '.join(shaped)} FROM {read}){hist}
SELECT {columns_out} FROM {counted}, (SELECT {', '.join(shape)} FROM t) shape{joined}""")


def _reading(table: str, sample: Sample, raw: list[str],
             cheap: list[tuple[str, str]]) -> tuple[str, str, str]:
    """How `build` reads the rows: a CTE to put before `t` (or nothing), the examined rows with their
    `raw` columns (`t`'s source, in the order read), and the one-row `cheap` subquery of the `cheap`
    aggregates over every row read."""
    table = table if sample.partitioned else f"ONLY {table}"
    tablesample = ("" if sample.percent is None else
                   f" TABLESAMPLE SYSTEM ({literal(sample.percent)}) REPEATABLE ({literal(sample.seed)})")
    aggregates = ", ".join(f"{aggregate} AS {name}" for aggregate, name in cheap)
    names = ", ".join(name for _, name in cheap)
    keep = f"hashtidextended(ctid, {literal(sample.seed)}) % {literal(sample.step)} = 0"
    if sample.picked:  # one pass picks the examined rows' TIDs and counts; those rows are read by TID
        picked = (f"p AS MATERIALIZED (SELECT {aggregates}, array_agg(ctid) FILTER (WHERE {keep}) AS tids "
                  f"FROM {table}{tablesample}), ")
        read = (f"(SELECT {', '.join(raw)} FROM {table} "
                f"WHERE ctid = ANY((SELECT tids FROM p)::tid[]) ORDER BY ctid) u")
        return picked, read, f"(SELECT {names} FROM p) cheap"
    source = table + tablesample
    if sample.filtered:  # rows picked as scanned (no TID read), no numbering, in a fixed order
        read = f"(SELECT {', '.join(raw)} FROM {source} WHERE {keep} ORDER BY tableoid, ctid) u"
        if len(cheap) == 1 and sample.percent is not None:  # fresh statistics: no counting pass
            return "", read, f"(SELECT (SELECT count(*) FROM t) * {literal(sample.step)} AS n) cheap"
        return "", read, f"(SELECT {aggregates} FROM {source}) cheap"
    numbering = ["row_number() OVER () AS rn"]
    every = ""
    if sample.step == 0:
        numbering.append("count(*) OVER () AS total")
        every = f" WHERE rn % greatest(1, round(total / {literal(SHAPE_ROWS)}::numeric)) = 0"
    elif sample.step > 1:
        every = f" WHERE rn % {literal(sample.step)} = 0"
    read = f"(SELECT {', '.join([*raw, *numbering])} FROM {source}) u{every}"
    if len(cheap) == 1 and sample.percent is not None:
        # Fresh statistics spare the counting pass; the rows read are about the last row number kept.
        return "", read, "(SELECT (SELECT coalesce(max(rn), 0) FROM t) AS n) cheap"
    return "", read, f"(SELECT {aggregates} FROM {source}) cheap"
