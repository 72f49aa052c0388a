"""Build the queries that fingerprint a table: counts over the rows read, shape over the rows measured.

They return aggregates only; no row and no raw value crosses the wire (bar opted-in quantiles).
Together they give, per column, what `fidelity.probe.shape.decode.column` reads (as JSON documents):
`e<i>` (non-null count, average width in bytes, its spread, the kind's extras), `h<i>` (histogram),
`g<i>` (`[distinct values, frequencies]`, low-cardinality values as keyed fingerprints computed in
the server: HMAC-SHA256 from SHA2() and the pads in @fidelity_ipad/@fidelity_opad), `k<i>` (JSON key
paths) and `q<i>` (quantiles, opted in). Names are quoted identifiers; every other part of the text
is ours, so no value of the database is ever part of a query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from fidelity.probe.shape.measures import (
    CLASS_PREFIX,
    FORMAT_MAX_LENGTH,
    LENGTH_BOUNDS,
    LOW_CARDINALITY,
    QUANTILES,
    TEXT_CLASSES,
    TEXT_FORMATS,
    Column,
    Kind,
)
from probes.mysql.data import jsonwalk
from probes.mysql.data.jsonwalk import literal
from probes.mysql.data.sample import Offsets, Prefixes, Range, Sample
from probes.mysql.session import quote

#: User variables that carry the HMAC's padded keys to the server, set once per session.
PADS = ("@fidelity_ipad", "@fidelity_opad")
#: User variable holding the smallest key of a string key, whose shared prefix starts each prefix cell.
LOW_KEY = "@fidelity_low"
#: User variable holding the number of the smallest key's prefix cell.
FIRST_CELL = "@fidelity_first"
#: Cheap tests that a value could have a format, before its regular expression is tried.
FORMAT_GUARDS = {
    "email": "LOCATE('@', {}) > 0",
    "uuid": "CHAR_LENGTH({}) = 36",
    "url": "LOCATE('://', {}) > 0",
    "iso_date": "SUBSTR({}, 5, 1) = '-'",
    "number": "ASCII({}) BETWEEN 32 AND 57",  # space, sign, dot or digit first
}
NUMBER_TYPES = ("tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "float", "double",
                "year")
TEXT_TYPES = ("char", "varchar", "tinytext", "text", "mediumtext", "longtext")


def kind_of(data_type: str, column_type: str, json: bool) -> Kind:
    """A column's kind from information_schema's DATA_TYPE and COLUMN_TYPE; `json` for a MariaDB
    text column with a JSON_VALID check (MariaDB's JSON)."""
    data_type, column_type = data_type.lower(), column_type.lower()
    if data_type == "json" or json:
        return Kind.JSON
    if column_type.startswith("tinyint(1)") or column_type == "bit(1)":
        return Kind.BOOL
    if data_type in ("enum", "set"):
        return Kind.ENUM
    if data_type in TEXT_TYPES:
        return Kind.TEXT
    if data_type in NUMBER_TYPES:
        return Kind.NUMBER
    if data_type in ("date", "datetime", "timestamp"):
        return Kind.TIME
    if data_type == "time":
        return Kind.CLOCK
    return Kind.OTHER


def runs(ranges: Sequence[Range]) -> str:
    """Integer key runs as a derived table `(lo, hi)` (bounds are integers we drew)."""
    return " UNION ALL ".join(f"SELECT {int(a)} AS lo, {int(b)} AS hi" for a, b in ranges)


def collated(text: str, charset: str, collation: str) -> str:
    """A string of our alphabet (digits and letters) in the key's collation."""
    if not (text.isascii() and text.isalnum() and _name(charset) and _name(collation)):
        raise ValueError("a prefix bound or collation name outside the expected characters")
    return f"CONVERT('{text}' USING {charset}) COLLATE {collation}"


def _name(text: str) -> bool:
    return text.replace("_", "").isascii() and text.replace("_", "").isalnum()


def bound(cells: Prefixes | Offsets, n: int) -> str:
    """The first key of cell n, spelled in the server: for prefix cells the smallest key's shared
    prefix, then cell @fidelity_first + n written in `depth` characters of the alphabet; for offset
    cells the smallest key plus n days, seconds or decimal steps, or the eight bytes of
    @fidelity_first + n."""
    if isinstance(cells, Offsets):
        if cells.unit == "bytes":
            return f"UNHEX(LPAD(HEX({FIRST_CELL} + {int(n)}), 16, '0'))"
        if cells.unit == "step":  # exact DECIMAL arithmetic
            return f"({LOW_KEY} + {int(n)} * {step(cells.scale)})"
        return f"({LOW_KEY} + INTERVAL {int(n)} {'DAY' if cells.unit == 'day' else 'SECOND'})"
    size = len(cells.alphabet)
    alphabet = collated(cells.alphabet, cells.charset, cells.collation)
    at = f"({FIRST_CELL} + {int(n)})"
    places = [size ** (cells.depth - 1 - i) for i in range(cells.depth)]
    digits = ", ".join(f"SUBSTR({alphabet}, MOD(FLOOR({at} / {place}), {size}) + 1, 1)"
                       for place in places)
    return (f"CONVERT(CONCAT(LEFT({LOW_KEY}, {int(cells.prefix)}), {digits}) USING {cells.charset}) "
            f"COLLATE {cells.collation}")


def step(scale: int) -> str:
    """One unit of a DECIMAL's last digit, as a literal: 1, 0.1, 0.01, ..."""
    return "1" if scale <= 0 else f"0.{'0' * (int(scale) - 1)}1"


def cell_of(cells: Prefixes, key: str) -> str:
    """About the cell number of a key (a user variable): each character's place in the alphabet, 0
    for one not in it. Any number would do (the first and last cells hold every key beyond them):
    a close one spreads the keys over more cells."""
    size = len(cells.alphabet)
    alphabet = collated(cells.alphabet, cells.charset, cells.collation)
    return " + ".join(f"GREATEST(0, LOCATE(SUBSTR({key}, {int(cells.prefix) + 1 + i}, 1), {alphabet}) - 1)"
                      f" * {size ** (cells.depth - 1 - i)}" for i in range(cells.depth))


def _key_runs(name: str, chosen_columns: str, sample: Sample, shape: bool, run: bool) -> str:
    """The rows of the key runs: the runs are a derived table joined to the table, one index range
    per run ("range checked for each record")."""
    keys = [quote(c) for c in sample.columns]
    chosen = sample.shape_ranges if shape else sample.ranges
    thin = ""
    if sample.thin < 1 and shape and sample.layout != "cells":
        thin = f" AND {_draw(sample.seed, [f'f.{k}' for k in keys])} < {int(sample.thin * 2**32)}"
    if sample.layout == "grouped":
        derived = " UNION ALL ".join(f"SELECT {int(v)} AS v, {int(a)} AS lo, {int(b)} AS hi"
                                     for v, a, b in chosen)
        # not `f.a = r.v`: that is a ref access on `a`, which reads every row of the value per run;
        # `a >= v AND a <= v` leaves each run one range over (a, b)
        return (f"SELECT {chosen_columns} FROM ({derived}) r STRAIGHT_JOIN {name} f "
                f"ON f.{keys[0]} + 0 = r.v AND f.{keys[0]} >= r.v AND f.{keys[0]} <= r.v "
                f"AND f.{keys[1]} BETWEEN r.lo AND r.hi{thin}")
    if sample.layout != "cells":
        return (f"SELECT {chosen_columns} FROM ({runs(chosen)}) r STRAIGHT_JOIN {name} f "
                f"ON f.{keys[0]} BETWEEN r.lo AND r.hi{thin}")
    # Cells: the first and last runs may have no bound; they are read on their own.
    # With `run`, each row says which range it came from (`fidelity_run`), to count the ranges with rows.
    cells = sample.cells
    assert cells is not None
    bounded = [(a, b) for a, b in chosen if a is not None and b is not None]
    branches = []
    if bounded:
        derived = " UNION ALL ".join(f"SELECT {i} AS k, {bound(cells, a)} AS lo, {bound(cells, b)} AS hi"
                                     for i, (a, b) in enumerate(bounded))
        branches.append(f"SELECT {chosen_columns}{', r.k AS fidelity_run' if run else ''} FROM ({derived}) r "
                        f"STRAIGHT_JOIN {name} f ON f.{keys[0]} >= r.lo AND f.{keys[0]} < r.hi")
    for i, (a, b) in enumerate(chosen):
        if a is None or b is None:
            where = [f"f.{keys[0]} >= {bound(cells, a)}"] if a is not None else []
            where += [f"f.{keys[0]} < {bound(cells, b)}"] if b is not None else []
            branches.append(f"SELECT {chosen_columns}{f', {-1 - i} AS fidelity_run' if run else ''} "
                            f"FROM {name} f" + (f" WHERE {' AND '.join(where)}" if where else ""))
    return " UNION ALL ".join(branches) or f"SELECT {chosen_columns} FROM {name} f WHERE FALSE"


def _draw(seed: int, keys: Sequence[str]) -> str:
    """A uniform draw in [0, 2^32) per row, from the seed and its key columns."""
    return f"CONV(LEFT(MD5(CONCAT_WS(':', {int(seed)}, {', '.join(keys)})), 8), 16, 10)"


def source(schema: str, table: str, sample: Sample, key: str | None, shape: bool,
           columns: Sequence[Column], run: bool = False) -> str:
    """The rows read (or, with `shape`, the rows measured) of a table.

    Key runs are joined to the table, one index range per run ("range checked for each record"):
    as a list of ORed ranges, the range optimizer's work grows with the square of their number.
    Columns are named, never `*`: a star leaves INVISIBLE columns out."""
    name = f"{quote(schema)}.{quote(table)}"
    chosen_columns = ", ".join(f"f.{quote(c.name)}" for c in columns) or "1 AS one"
    if sample.method == "key range sample" and key is not None:
        if not sample.columns:
            sample = replace(sample, columns=(key,))
        return _key_runs(name, chosen_columns, sample, shape, run)
    share = sample.shape_share if shape else sample.share
    if share >= 1:
        return f"SELECT {chosen_columns} FROM {name} f"
    if key is not None:  # a draw per key, whatever order the plan reads rows in
        draw = _draw(sample.seed, [quote(key)])
        return f"SELECT {chosen_columns} FROM {name} f WHERE {draw} < {int(share * 2**32)}"
    return f"SELECT {chosen_columns} FROM {name} f WHERE RAND({int(sample.seed)}) < {share!r}"


def counts(schema: str, table: str, columns: Sequence[Column], sample: Sample, key: str | None) -> str:
    """Rows read (`n`) and, per column, non-null values among them (`a<i>`); for a prefix sample also
    the key ranges that held rows (`runs`)."""
    parts = ["COUNT(*) AS n"] + [f"COUNT({quote(c.name)}) AS a{i}" for i, c in enumerate(columns)]
    prefix = sample.method == "key range sample" and sample.layout == "cells" and key is not None
    if prefix:
        parts.append("COUNT(DISTINCT fidelity_run) AS runs")
    return f"SELECT {', '.join(parts)} FROM ({source(schema, table, sample, key, False, columns, prefix)}) s"


def _value(col: Column) -> str:
    raw = quote(col.name)
    if col.kind is Kind.TEXT:  # byte order and case-sensitive regular expressions, whatever the collation
        return f"(CONVERT({raw} USING utf8mb4) COLLATE utf8mb4_bin)"
    if col.kind is Kind.BOOL:
        return f"({raw} + 0)"  # bit(1) as a number
    return raw


def _bucket(col: Column, x: str, length: str) -> str | None:
    if col.kind is Kind.TEXT:
        top = len(LENGTH_BOUNDS)  # width_bucket's buckets: 0, then 1 + floor(log2(length)), at most `top`
        return f"CASE WHEN {length} = 0 THEN 0 ELSE LEAST({top}, FLOOR(LOG2({length})) + 1) END"
    if col.kind is Kind.NUMBER:
        return (f"CASE WHEN ABS({x}) BETWEEN 1e-300 AND 1e300 "
                f"THEN GREATEST(-12, LEAST(18, FLOOR(LOG10(ABS({x}))))) END")
    if col.kind is Kind.TIME:
        return f"WEEKDAY({x}) + 1"
    if col.kind is Kind.CLOCK:
        return f"CASE WHEN {x} >= '00:00:00' AND {x} < '24:00:00' THEN HOUR({x}) END"
    return None


def _sum(condition: str) -> str:
    return f"COALESCE(SUM({condition}), 0)"


def _extras(col: Column, x: str, length: str) -> list[str]:
    """Per-kind counts over the measured rows, in the order `decode.column` reads them."""
    if col.kind is Kind.TEXT:
        head = f"IF({length} > {CLASS_PREFIX}, LEFT({x}, {CLASS_PREFIX}), {x})"
        out = [_sum(f"{length} = 0")]
        out += [_sum(f"{head} REGEXP {literal(p)}") for p in TEXT_CLASSES.values()]
        out.append(_sum(f"LENGTH({head}) <> CHAR_LENGTH({head})"))
        out += [_sum(f"{length} <= {FORMAT_MAX_LENGTH} AND {FORMAT_GUARDS[name].format(x)} "
                     f"AND {x} REGEXP {literal(p)}")
                for name, p in TEXT_FORMATS.items()]
        return out
    if col.kind is Kind.NUMBER:
        return [_sum(f"{x} < 0"), _sum(f"{x} = 0"), _sum(f"{x} = FLOOR({x})")]
    if col.kind is Kind.TIME:
        return [f"TIMESTAMPDIFF(SECOND, MIN({x}), MAX({x})) / 86400"]
    return []


def _hmac(value: str) -> str:
    """HMAC-SHA256 of a value's bytes (text as UTF-8), first 16 hex digits, as the postgres probe's."""
    ipad, opad = PADS
    return f"LEFT(SHA2(CONCAT({opad}, UNHEX(SHA2(CONCAT({ipad}, {value}), 256))), 256), 16)"


def _measured(columns: Sequence[Column], rows: str) -> str:
    """`WITH m AS (...)`: per column its value `x<i>`, width `s<i>`, length `l<i>` and bucket `b<i>`."""
    measured: list[str] = []
    for i, col in enumerate(columns):
        value = _value(col)
        measured += [f"{value} AS x{i}", f"LENGTH({quote(col.name)}) AS s{i}"]
        if col.kind is Kind.TEXT:
            measured.append(f"CHAR_LENGTH({value}) AS l{i}")
        bucket = _bucket(col, value, f"CHAR_LENGTH({value})")
        if bucket is not None:
            measured.append(f"{bucket} AS b{i}")
    return f"WITH m AS (SELECT {', '.join(measured) or '1 AS one'} FROM ({rows}) s)"


def measures(schema: str, table: str, columns: Sequence[Column], sample: Sample, key: str | None) -> str:
    """One row: `m` (rows measured) and per column `e<i>` (non-null count, average width in bytes, its
    spread, the kind's extras). A plain aggregate: MariaDB 10.11 can crash on scalar subqueries over a
    derived table in an aggregate's select list, so histograms and groups are a query of their own."""
    parts = ["COUNT(*) AS m"]
    for i, col in enumerate(columns):
        extras = [f"COUNT(x{i})", f"COALESCE(AVG(s{i}), 0)", f"COALESCE(STDDEV_SAMP(s{i}), 0)",
                  *_extras(col, f"x{i}", f"l{i}")]
        parts.append(f"JSON_ARRAY({', '.join(extras)}) AS e{i}")
    rows = source(schema, table, sample, key, True, columns)
    return f"{_measured(columns, rows)} SELECT {', '.join(parts)} FROM m"


def slots(columns: Sequence[Column]) -> list[tuple[int, str]]:
    """What each row of the `groups` query is: `(column position, "h")` for a histogram, `(.., "g")`
    for the groups of values."""
    out: list[tuple[int, str]] = []
    for i, col in enumerate(columns):
        if _bucket(col, "x", "l") is not None:
            out.append((i, "h"))
        out.append((i, "g"))
    return out


def groups(schema: str, table: str, columns: Sequence[Column], sample: Sample, key: str | None) -> str:
    """Rows `(k, d, j)`, one per slot k of `slots`: histograms (`j` = `{bucket: count}`) and groups
    (`d` distinct values; `j` their frequencies: labels for booleans and enums, keyed fingerprints for
    other columns with at most LOW_CARDINALITY values, none for JSON). One pass over the measured rows:
    each row is repeated once per slot and grouped by slot and value (MariaDB would read them again for
    every branch of a UNION)."""
    found = slots(columns)
    keys: list[str] = []
    labels: list[str] = []
    fingerprints: list[str] = []
    unlisted: list[str] = []
    for k, (i, what) in enumerate(found):
        col = columns[i]
        if what == "h" or col.kind in (Kind.BOOL, Kind.ENUM):
            labels.append(str(k))
            keys.append(f"WHEN {k} THEN CAST({f'b{i}' if what == 'h' else f'x{i}'} AS CHAR(255))")
        else:  # grouped by keyed fingerprint: short keys keep the grouping in memory (values may be BLOBs)
            (unlisted if col.kind is Kind.JSON else fingerprints).append(str(k))
            keys.append(f"WHEN {k} THEN {_hmac(f'x{i}')}")
    slot_list = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(len(found)))
    payload = (f"CASE WHEN k IN ({', '.join(unlisted) or '-1'}) THEN NULL "
               f"WHEN k IN ({', '.join(fingerprints) or '-1'}) AND COUNT(*) > {LOW_CARDINALITY} THEN NULL "
               "ELSE JSON_OBJECTAGG(g, n) END")
    rows = source(schema, table, sample, key, True, columns)
    return (f"{_measured(columns, rows)}, u AS (SELECT c.k, CASE c.k {' '.join(keys)} END AS g "
            f"FROM m STRAIGHT_JOIN ({slot_list}) c), h AS (SELECT k, g, COUNT(*) AS n FROM u "
            f"WHERE g IS NOT NULL GROUP BY k, g) SELECT k, COUNT(*) AS d, {payload} AS j FROM h GROUP BY k")


def quantiles(schema: str, table: str, col: Column, sample: Sample, key: str | None) -> str:
    """Rows `(i, v, c)`: the values at the quantiles' positions (ceil(q * c)) among the c measured."""
    positions = ", ".join(f"GREATEST(1, CEIL({q} * c))" for q in QUANTILES)
    rows = source(schema, table, sample, key, True, [col])
    return (f"{_measured([col], rows)} SELECT i, v, c FROM (SELECT x0 AS v, ROW_NUMBER() OVER "
            f"(ORDER BY x0) AS i, COUNT(*) OVER () AS c FROM m WHERE x0 IS NOT NULL) o "
            f"WHERE i IN ({positions}) ORDER BY i")


def json_keys(schema: str, table: str, col: Column, sample: Sample, key: str | None, json_depth: int,
              json_fold_below: int | None = None) -> str:
    """One row, `k`: the key paths of a JSON column."""
    rows = source(schema, table, sample, key, True, [col])
    return f"SELECT {jsonwalk.walk_sql(quote(col.name), rows, json_depth, json_fold_below)} AS k"
