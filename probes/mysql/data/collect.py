"""Fingerprint the shape of each table's data, inside the probe's read-only snapshot transaction.

Three catalog queries (four on MariaDB, whose JSON is a checked LONGTEXT) say, for every table in
scope, its size, its columns and its primary key. Per table the sample is drawn (`sample.design`;
the leading key column's span is one MIN/MAX query on the index), then `query` counts the rows read,
measures the shape of the rows measured, groups their values and histogram buckets, and walks each
JSON column. A table that cannot be read becomes a gap on that table; the others are still read.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from fidelity.probe import Gap, SecretKeeper
from fidelity.probe.shape import decode
from fidelity.probe.shape.measures import QUANTILE_KINDS, QUANTILES, Column, Kind
from fidelity.probe.shape.options import DataOptions
from fidelity.probe.shape.scale import ROW_LABELS, SIZE_LABELS, magnitude, round2
from probes.mysql.data import query
from probes.mysql.data.sample import (
    INTEGER_TYPES,
    MAX_GROUPS,
    MAX_RUNS,
    OFFSET_UNITS,
    RUN_ROWS,
    TEXT_TYPES,
    Groups,
    Offsets,
    Prefixes,
    Sample,
    depth,
    design,
)
from probes.mysql.session import LockWait, MysqlFault, PermissionDenied, QueryFailed, Session, TimedOut, quote

#: What the key of value fingerprints is derived for (the run's key itself never reaches a server).
VALUES_KEY_PURPOSE = "mysql data values"
#: Columns per shape query.
BATCH_COLUMNS = 100
#: Server errors whose message names no value: access, locks, timeouts, resources, missing objects.
SAFE_ERRORS = (1044, 1054, 1064, 1142, 1143, 1146, 1205, 1213, 1969, 3024, 1038, 1041, 1114, 1135)
DENIED = "permission denied; grant SELECT on it to the probe user, or leave it out with `data.exclude_tables`"
TOO_SLOW = "{reason}; lower `data.sample_rows`, or leave it out with `data.exclude_tables`"
RETRY = "run the audit again, or leave it out with `data.exclude_tables`"
WITHHELD = ("the server reported error {code}; its message is withheld because it may quote a value; "
            "leave the table out with `data.exclude_tables`")

TABLES_SQL = """SELECT TABLE_SCHEMA AS `schema`, TABLE_NAME AS name, TABLE_ROWS AS estimate,
       COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS bytes
FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA IN ({schemas})"""
COLUMNS_SQL = """SELECT TABLE_SCHEMA AS `schema`, TABLE_NAME AS `table`, COLUMN_NAME AS name,
       DATA_TYPE AS data_type, COLUMN_TYPE AS column_type, CHARACTER_SET_NAME AS charset,
       COLLATION_NAME AS collation, NUMERIC_SCALE AS scale
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN ({schemas})
ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION"""
KEYS_SQL = """SELECT TABLE_SCHEMA AS `schema`, TABLE_NAME AS `table`, COLUMN_NAME AS name,
       SUB_PART AS part
FROM information_schema.STATISTICS
WHERE INDEX_NAME = 'PRIMARY' AND SEQ_IN_INDEX <= 2 AND TABLE_SCHEMA IN ({schemas})
ORDER BY TABLE_SCHEMA, TABLE_NAME, SEQ_IN_INDEX"""
#: Characters a string key's prefix cells are spelled in: hex digits for keys that start with
#: them (UUIDs, hashes), else digits and letters. Never punctuation, which some collations ignore.
HEX = "0123456789abcdefABCDEF"
ALPHANUMERIC = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: A prefix sample that reads more than this many times fewer or more rows than its share of the
#: table's estimate is drawn again as a Bernoulli sample.
PREFIX_SPREAD = 4.0
#: The longest shared prefix looked for.
MAX_PREFIX = 64
#: MariaDB's JSON is LONGTEXT with a JSON_VALID check named after the column.
JSON_CHECKS_SQL = """SELECT CONSTRAINT_SCHEMA AS `schema`, TABLE_NAME AS `table`, CHECK_CLAUSE AS clause
FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA IN ({schemas}) AND CHECK_CLAUSE LIKE 'json\\_valid(%%'"""


def collect(session: Session, tables: Iterable[tuple[str, str]], options: DataOptions,
            keeper: SecretKeeper) -> tuple[dict[str, Any], list[Gap]]:
    """`{database: {table: fingerprint}}` for the `(database, table)` pairs given that `options`
    includes, and what could not be read."""
    return DataShape(session, options, keeper).read(tables)


class DataShape:
    """Reads the data-shape fingerprints of the tables in scope."""

    def __init__(self, session: Session, options: DataOptions, keeper: SecretKeeper) -> None:
        self.session = session
        self.options = options
        self.pads = keeper.derived(VALUES_KEY_PURPOSE).hmac_pads()
        self.gaps: list[Gap] = []

    def read(self, tables: Iterable[tuple[str, str]]) -> tuple[dict[str, Any], list[Gap]]:
        wanted = sorted({(s, t) for s, t in tables if self.options.includes(s, t)})
        if not wanted:
            return {}, self.gaps
        schemas = sorted({s for s, _ in wanted})
        try:
            catalog = self._catalog(schemas)
            (zone,) = self.session.query("SELECT @@session.time_zone AS zone")
            # The pads reach the server as parameters of one statement; timestamps are read in UTC.
            self.session.query("SET @fidelity_ipad = UNHEX(%s), @fidelity_opad = UNHEX(%s), "
                               "time_zone = '+00:00'", [pad.hex() for pad in self.pads])
        except QueryFailed as exc:
            self.gaps.append(Gap("data", f"cannot list the tables to fingerprint: {exc}", ("data",)))
            return {}, self.gaps
        tree: dict[str, Any] = {}
        try:
            for schema, name in wanted:
                info = catalog.get((schema, name))
                if info is None:  # not visible to the probe user, or gone
                    self._gap(schema, name, DENIED)
                    continue
                try:
                    with self.session.released():  # the table is not held while the others are read
                        fingerprint = self._table(schema, name, info)
                except MysqlFault:
                    raise  # the connection is gone: the probe fails
                except Exception as exc:  # one table's surprise must not cost the others
                    self._gap(schema, name, f"unexpected {type(exc).__name__} while reading it; {RETRY}")
                    continue
                if fingerprint is not None:
                    tree.setdefault(schema, {})[name] = fingerprint
        finally:  # nothing to reset on a connection that is gone (lost, or closed by an interrupt)
            if self.session.conn.open:
                self.session.query(f"SET @fidelity_ipad = NULL, @fidelity_opad = NULL, "
                                   f"{query.LOW_KEY} = NULL, @fidelity_high = NULL, "
                                   f"{query.FIRST_CELL} = NULL, time_zone = %s", [zone["zone"]])
        return tree, self.gaps

    def _catalog(self, schemas: Sequence[str]) -> dict[tuple[str, str], dict[str, Any]]:
        marks = ", ".join(["%s"] * len(schemas))
        info: dict[tuple[str, str], dict[str, Any]] = {}
        for row in self.session.query(TABLES_SQL.format(schemas=marks), schemas):
            info[(row["schema"], row["name"])] = {"estimate": row["estimate"], "bytes": row["bytes"],
                                                  "columns": [], "key": None, "keys": [], "types": {},
                                                  "scales": {}}
        json_checks: set[tuple[str, str, str]] = set()
        if self.session.flavour == "mariadb":
            for row in self.session.query(JSON_CHECKS_SQL.format(schemas=marks), schemas):
                column = str(row["clause"])[len("json_valid("):-1].strip("`").replace("``", "`")
                json_checks.add((row["schema"], row["table"], column))
        for row in self.session.query(COLUMNS_SQL.format(schemas=marks), schemas):
            table = info.get((row["schema"], row["table"]))
            if table is not None:
                json_text = (row["schema"], row["table"], row["name"]) in json_checks
                table["columns"].append((row["name"], query.kind_of(row["data_type"], row["column_type"],
                                                                    json_text), row["data_type"]))
                table["types"][row["name"]] = (str(row["data_type"]).lower(), row["charset"],
                                               row["collation"])
                table["scales"][row["name"]] = int(row["scale"] or 0)
        for row in self.session.query(KEYS_SQL.format(schemas=marks), schemas):
            table = info.get((row["schema"], row["table"]))
            if table is not None:  # a key column indexed by a prefix of its value does not order rows
                table["keys"].append(row["name"] if row["part"] is None else None)
                table["key"] = table["key"] or row["name"]
        return info

    def _cells(self, schema: str, name: str, info: Mapping[str, Any],
               estimate: float) -> tuple[int, int] | Groups | Prefixes | Offsets | None:
        """The cells of the table's key (see `sample`), from index probes only; None for a key that
        has none (the table is then a Bernoulli sample)."""
        keys, types = info["keys"], info["types"]
        lead, table = keys[0], f"{quote(schema)}.{quote(name)}"
        if lead is None:
            return None
        kind, charset, collation = types[lead]
        if kind in INTEGER_TYPES:
            (ends,) = self.session.query(f"SELECT MIN({quote(lead)}) AS low, MAX({quote(lead)}) AS high "
                                         f"FROM {table}")
            if ends["low"] is None:
                return None
            span = (int(ends["low"]), int(ends["high"]))
            second = keys[1] if len(keys) > 1 else None
            few = (span[1] - span[0] + 1) * RUN_ROWS < estimate and span[1] - span[0] < MAX_GROUPS
            if not few or second is None or types[second][0] not in INTEGER_TYPES:
                return span
            # two index seeks per leading value of the span (GROUP BY may scan the whole index)
            found = self.session.query(" UNION ALL ".join(
                f"SELECT {v} AS v, MIN({quote(second)}) AS low, MAX({quote(second)}) AS high FROM {table} "
                f"WHERE {quote(lead)} = {v}" for v in range(span[0], span[1] + 1)))
            spans = tuple((int(r["v"]), int(r["low"]), int(r["high"])) for r in found if r["low"] is not None)
            return Groups(spans) if spans else None
        if kind in TEXT_TYPES and charset is not None:
            # the smallest and largest keys stay in the server; only their shared prefix's length and
            # whether both continue with hex digits come back
            self.session.query(f"SELECT MIN({quote(lead)}), MAX({quote(lead)}) INTO {query.LOW_KEY}, "
                               f"@fidelity_high FROM {table}")
            same = " + ".join(f"(LEFT({query.LOW_KEY}, {i}) = BINARY LEFT(@fidelity_high, {i}))"
                              for i in range(1, MAX_PREFIX + 1))
            hexes = "REGEXP '^[0-9a-fA-F]{4}'"
            (ends,) = self.session.query(
                f"SELECT {query.LOW_KEY} IS NULL AS empty, c, SUBSTR({query.LOW_KEY}, c + 1) {hexes} AND "
                f"SUBSTR(@fidelity_high, c + 1) {hexes} AS hex FROM (SELECT {same} AS c) x")
            if ends["empty"]:
                return None
            ordered = prefixes(self.session, charset, collation, HEX if ends["hex"] else ALPHANUMERIC, 1)
            cells = Prefixes(ordered.alphabet, depth(len(ordered.alphabet), estimate), charset, collation,
                             int(ends["c"]))
            # the smallest key's cell stays in the server; only the number of cells up to the largest's
            # comes back
            self.session.query(f"SET {query.FIRST_CELL} = {query.cell_of(cells, query.LOW_KEY)}")
            (spread,) = self.session.query(f"SELECT {query.cell_of(cells, '@fidelity_high')} - "
                                           f"{query.FIRST_CELL} AS cells")
            count = int(spread["cells"]) + 1
            if count < min(MAX_RUNS, self.options.sample_rows // RUN_ROWS):  # too few cells for the runs
                return None
            return replace(cells, cells=count)
        if kind in OFFSET_UNITS:
            return self._offsets(table, lead, OFFSET_UNITS[kind], info["scales"].get(lead, 0))
        return None

    def _offsets(self, table: str, lead: str, unit: str, scale: int = 0) -> Offsets | None:
        """Offset cells of a date, datetime, binary or decimal key (`scale`: its digits after the
        point): the smallest and largest keys stay in the server; only how many days, seconds,
        eight-byte values or decimal steps lie between them comes back."""
        self.session.query(f"SELECT MIN({quote(lead)}), MAX({quote(lead)}) INTO {query.LOW_KEY}, "
                           f"@fidelity_high FROM {table}")
        if unit == "bytes":
            def number(key: str) -> str:
                return f"CAST(CONV(RPAD(HEX(LEFT({key}, 8)), 16, '0'), 16, 10) AS UNSIGNED)"

            self.session.query(f"SET {query.FIRST_CELL} = {number(query.LOW_KEY)}")
            spread = f"{number('@fidelity_high')} - {query.FIRST_CELL}"
        elif unit == "day":
            spread = f"DATEDIFF(@fidelity_high, {query.LOW_KEY})"
        elif unit == "step":  # exact: DECIMAL arithmetic, and a whole number of up to 65 digits
            spread = f"CAST((@fidelity_high - {query.LOW_KEY}) / {query.step(scale)} AS DECIMAL(65, 0))"
        else:
            spread = f"TIMESTAMPDIFF(SECOND, {query.LOW_KEY}, @fidelity_high)"
        (ends,) = self.session.query(f"SELECT {query.LOW_KEY} IS NULL AS empty, {spread} AS cells")
        if ends["empty"]:
            return None
        count = int(ends["cells"]) + 1
        if count < min(MAX_RUNS, self.options.sample_rows // RUN_ROWS):  # too few cells for the runs
            return None
        return Offsets(unit, count, scale)

    def _shape(self, schema: str, name: str, batch: list[Column], sample: Sample, key: str | None,
               fold: int | None) -> dict[str, Any]:
        """One batch of columns' shape results, keyed as `decode.column` reads them."""
        (shaped,) = self.session.query(query.measures(schema, name, batch, sample, key))
        if batch:
            found = query.slots(batch)
            for row in self.session.query(query.groups(schema, name, batch, sample, key)):
                i, what = found[int(row["k"])]
                shaped[f"{what}{i}"] = row["j"] if what == "h" else [int(row["d"]), _json(row["j"])]
            for i in range(len(batch)):  # a column with no value measured has no group
                shaped.setdefault(f"g{i}", [0, None])
        for i, col in enumerate(batch):
            if col.kind is Kind.JSON:
                (walked,) = self.session.query(query.json_keys(schema, name, col, sample, key,
                                                               self.options.json_depth, fold))
                shaped[f"k{i}"] = walked["k"]
            if col.quantiles and col.kind in QUANTILE_KINDS:
                at = self.session.query(query.quantiles(schema, name, col, sample, key))
                shaped[f"q{i}"] = [[r["i"], r["v"], r["c"]] for r in at]
        return shaped

    def _gap(self, schema: str, table: str, reason: str) -> None:
        self.gaps.append(Gap(f"{schema}.{table}", f"cannot fingerprint table {schema}.{table}: {reason}",
                             ("data", schema, table)))

    def _table(self, schema: str, name: str, info: Mapping[str, Any]) -> dict[str, Any] | None:
        columns = [Column(c, kind, base, self.options.mode(schema, name, c) == "quantiles")
                   for c, kind, base in info["columns"]]
        key = info["key"]
        key_type = info["types"][key][0] if key is not None else None
        try:
            cells = None
            estimate = float(info["estimate"] or 0)
            if estimate > self.options.sample_rows and key is not None:
                cells = self._cells(schema, name, info, estimate)
            sample = design(estimate, self.options.sample_rows, self.options.seed, key_type, cells,
                            info["keys"])
            (counted,) = self.session.query(query.counts(schema, name, columns, sample, key))
            if sample.layout == "cells" and not _spread(counted, sample, estimate):
                # the rows sit in a few prefix cells (keys that share words, or punctuation, that our
                # cells do not split): unbiased still, but all or nothing; a Bernoulli sample is not
                sample = design(estimate, self.options.sample_rows, self.options.seed, key_type, None)
                (counted,) = self.session.query(query.counts(schema, name, columns, sample, key))
            results: list[tuple[list[Column], dict[str, Any]]] = []
            fold = self.options.json_fold_depth if self.options.json_keys == "fold" else None
            for start in range(0, max(1, len(columns)), BATCH_COLUMNS):
                batch = columns[start:start + BATCH_COLUMNS]
                results.append((batch, self._shape(schema, name, batch, sample, key, fold)))
        except (PermissionDenied, LockWait, TimedOut) as exc:
            denied = isinstance(exc, PermissionDenied)
            self._gap(schema, name, DENIED if denied else TOO_SLOW.format(reason=exc))
            return None
        except QueryFailed as exc:
            safe = exc.code in SAFE_ERRORS
            self._gap(schema, name, f"{exc}; {RETRY}" if safe else WITHHELD.format(code=exc.code))
            return None
        return _assemble(info, sample, columns, counted, results)


def _spread(counted: Mapping[str, Any], sample: Sample, estimate: float) -> bool:
    """Whether a prefix sample read about the rows it should (within PREFIX_SPREAD times), from at
    least one run in PREFIX_SPREAD (each run should find about RUN_ROWS rows)."""
    read, expected = float(counted["n"]), sample.share * estimate
    held = int(counted["runs"]) >= sample.runs / PREFIX_SPREAD
    return held and expected / PREFIX_SPREAD <= read <= expected * PREFIX_SPREAD


def prefixes(session: Session, charset: str, collation: str, candidates: str, depth: int) -> Prefixes:
    """Prefix cells of `depth` characters over `candidates`, sorted by the server in `collation`, one
    of each set of characters it holds equal."""
    marks = " UNION ALL ".join(f"SELECT {query.collated(c, charset, collation)} AS c" for c in candidates)
    found = session.query(f"SELECT MIN(c) AS c FROM ({marks}) a GROUP BY c ORDER BY c")
    return Prefixes("".join(str(r["c"]) for r in found), depth, charset, collation)


def _assemble(info: Mapping[str, Any], sample: Sample, columns: list[Column], counted: Mapping[str, Any],
              results: list[tuple[list[Column], dict[str, Any]]]) -> dict[str, Any]:
    read = int(counted["n"])
    rows = read / sample.share
    node: dict[str, Any] = {
        "rows": magnitude(rows, ROW_LABELS),
        "size": magnitude(float(info["bytes"] or 0), SIZE_LABELS),
        "row_count": round2(rows),
        "sample": {"rows": round2(read), "shape_rows": round2(int(results[0][1]["m"])),
                   "method": sample.method},
    }
    if sample.runs:  # rows of one run are neighbours: the noise guard counts runs, as it counts blocks
        # (of a prefix sample, only the key ranges that held rows: keys may fill a part of the cells)
        held = int(counted["runs"]) if "runs" in counted else sample.runs
        node["sample"]["blocks"] = round2(max(1, min(sample.runs, held)))
        node["sample"]["statistics"] = False
    if not read:
        return node
    fingerprints: dict[str, Any] = {}
    offset = 0
    for batch, shaped in results:
        for i, col in enumerate(batch):
            row = _row(col, i, counted, offset + i, shaped)
            fingerprints[col.name] = decode.column(col, row, i, None)
        offset += len(batch)
    node["columns"] = fingerprints
    return node


def _json(value: Any) -> Any:
    """A JSON document the server returned (as text), parsed; nested documents MariaDB returned as
    strings parsed too."""
    if isinstance(value, (str, bytes)):
        value = json.loads(value)
    return value


def _row(col: Column, i: int, counted: Mapping[str, Any], position: int,
         shaped: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of one column's results, in the layout `decode.column` reads."""
    groups = _json(shaped[f"g{i}"])
    frequencies = _json(groups[1]) if groups[1] is not None else None
    row: dict[str, Any] = {
        "n": int(counted["n"]), f"a{i}": [int(counted[f"a{position}"])],
        f"e{i}": [float(v) if v is not None else None for v in _json(shaped[f"e{i}"])],
        f"g{i}": [groups[0], frequencies],
    }
    if shaped.get(f"h{i}") is not None:
        row[f"h{i}"] = {str(k): float(v) for k, v in _json(shaped[f"h{i}"]).items()}
    if shaped.get(f"k{i}") is not None:
        walked = _json(shaped[f"k{i}"])
        row[f"k{i}"] = {"documents": walked["documents"],
                        "paths": [[p, n, [int(c or 0) for c in _json(t)]]
                                  for p, n, t in _json(walked["paths"])]}
    if f"q{i}" in shaped:
        row[f"q{i}"] = _quantiles(col, shaped[f"q{i}"])
    return row


def _quantiles(col: Column, found: Any) -> list[Any] | None:
    """The value at each quantile's position (`percentile_disc`), dates and times as Python values."""
    if not found:
        return None
    at = {int(position): value for position, value, _ in found}
    count = int(found[0][2])
    return [_typed(col, at.get(max(1, math.ceil(q * count)))) for q in QUANTILES]


def _typed(col: Column, value: Any) -> Any:
    """A quantile as the decoder takes it: TIME (a duration to PyMySQL) as a time of day, or None
    beyond one day."""
    if isinstance(value, dt.timedelta):
        return (dt.datetime.min + value).time() if dt.timedelta(0) <= value < dt.timedelta(days=1) else None
    return value
