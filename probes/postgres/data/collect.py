"""Fingerprint the shape of each table's data, inside the probe's read-only transaction.

Per table: one catalog row says how big it is (`data_tables.sql`), which decides
between reading it whole and sampling blocks; then one aggregate query per batch of
columns reads it (`probes.postgres.data.query`). A table that cannot be read becomes a gap on
that table, and the others are still fingerprinted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from psycopg import sql

from fidelity.probe import Gap, SecretKeeper
from fidelity.probe.shape import decode
from fidelity.probe.shape.measures import SHAPE_ROWS, Column, Kind
from fidelity.probe.shape.options import DataOptions
from fidelity.probe.shape.scale import ROW_LABELS, SIZE_LABELS, magnitude, round2
from probes.postgres.data.query import BATCH_COLUMNS, INTEGER_TYPES, PAD_SETTINGS, Sample, build, kind_of
from probes.postgres.lanes import SWITCH_INTERVAL, SWITCHING
from probes.postgres.rows import Row
from probes.postgres.schema import Scope
from probes.postgres.session import PgFault, QueryFailed, Session, StatementTimeout

#: Rows from which a table's columns are read half on each of two sessions, when the probe has two.
SPLIT_ROWS = 20_000
#: A column's share of the data query's time, in units of about 0.37 ms (half an integer column's):
#: what each kind adds to the query, measured on the flights-shaped table of benchmarks/data_bench.py
#: (warm, whole queries; an integer column 0.7 to 0.8 ms): a jsonb column's key walk 18 to 20 ms, a
#: text 1.2 to 3.7 ms (its classes and formats; the longer, the more), a numeric 1 to 1.5 ms (its
#: cast), a timestamp or an enum about 1 ms. The walk reads at most JSON_DOCUMENTS documents, so
#: its cost does not grow with the sample.
COST = {Kind.JSON: 48, Kind.TEXT: 6, Kind.TIME: 3, Kind.ENUM: 3, Kind.CLOCK: 3}
#: An integer column's cost (`INTEGER_TYPES`), and any other number's (cast to numeric or float8).
INTEGER_COST, NUMBER_COST = 2, 3
#: A table's fingerprint (None when it cannot be read) and the gaps its reading left.
Read = tuple[dict[str, Any] | None, list[Gap]]
T = TypeVar("T")
#: Tables up to this many times the row budget are read whole, so their counts are exact.
WHOLE_TABLE_SLACK = 1.2
#: Rows per 8 kB block assumed for a table ANALYZE has never seen (so the sample is too big, never too small).
MIN_ROWS_PER_PAGE = 10
#: Settings for this transaction only: text forms (and so fingerprints) that do not depend on a
#: server's TimeZone, DateStyle or float settings; no JIT, whose compile time (seconds for a wide
#: table) dwarfs the work on a sample, and which the JSON walk's row estimates would trigger; and no
#: parallel workers nor synchronized scans (a scan of a large table that starts where another
#: session's scan is), which deliver rows in an order that changes from run to run (rows numbered
#: in that order would examine other rows each time), and which a sample never needs.
SETTINGS = (("TimeZone", "UTC"), ("DateStyle", "ISO, YMD"), ("IntervalStyle", "postgres"),
            ("extra_float_digits", "1"), ("bytea_output", "hex"), ("jit", "off"),
            ("max_parallel_workers_per_gather", "0"), ("synchronize_seqscans", "off"))

#: What the key of value fingerprints is derived for (the run's key itself never reaches a database).
VALUES_KEY_PURPOSE = "postgres data values"
#: Error classes whose server message names no value: access rules, locks, cancellation, resources.
SAFE_ERROR_CLASSES = ("08", "40", "42", "53", "55", "57", "58")
LOCKED = ("another session holds an exclusive lock on it (e.g. a running migration); run the audit again "
          "when it is released")
DENIED = "permission denied; grant SELECT on it to the probe role, or leave it out with `data.exclude_tables`"
COLUMN_DENIED = ("the probe role may not read it; grant SELECT on it, or leave the table out with "
                 "`data.exclude_tables`")
TOO_SLOW = ("it took longer than statement_timeout ({ms} ms); lower `data.sample_rows` or raise "
            "`statement_timeout`")
RETRY = "run the audit again, or leave it out with `data.exclude_tables`"
ROW_SECURITY = ("row-level security hides rows from the probe role, so a fingerprint would describe only "
                "the rows it may see; grant the role BYPASSRLS, or leave the table out with "
                "`data.exclude_tables`")
WITHHELD = ("the server reported error {state} ({name}); its message is withheld because it may quote a "
            "value; leave the table out with `data.exclude_tables`")


def sample_for(row: Mapping[str, Any], options: DataOptions) -> Sample:
    """Read the table whole when it is small, else the share of its blocks that holds the row budget;
    examine the values of one row read in k, about SHAPE_ROWS of them."""
    budget = options.sample_rows
    estimate, pages = row["estimate"], row["pages"]
    expected = estimate if estimate is not None else pages * MIN_ROWS_PER_PAGE
    whole = expected <= budget * WHOLE_TABLE_SLACK
    # Without an estimate the rows read are a guess: the server counts them and picks the step.
    step = 0 if estimate is None else max(1, round(min(expected, budget) / SHAPE_ROWS))
    # picked by TID only where the role may read the whole table: a grant on some columns gives no ctid
    readable = bool(row.get("readable"))
    single = bool(row.get("single")) and readable
    hashed = bool(row.get("hashed")) and readable
    partitioned = row.get("kind") == "p"
    percent = None if whole else max(0.0001, min(100.0, round(100.0 * budget / expected, 4)))
    return Sample(percent, options.seed, step, partitioned, single, hashed)


class DataShape:
    """Reads the data-shape fingerprints of every table in scope."""

    def __init__(self, session: Session, options: DataOptions, scope: Scope, secrets: SecretKeeper,
                 helper: tuple[ThreadPoolExecutor, Session] | None = None) -> None:
        """`helper`: another session in the same snapshot, with the one thread that runs its queries
        (`probes.postgres.lanes`): a large table's columns are then read half on each, side by side."""
        self.session = session
        self.options = options
        self.scope = scope
        self.helper = helper
        self.pads = secrets.derived(VALUES_KEY_PURPOSE).hmac_pads()
        self.gaps: list[Gap] = []

    def read(self, schemas: list[str], skip: Iterable[int]) -> dict[str, Any]:
        """`{schema: {table: fingerprint}}` for every readable table in scope."""
        # One SET LOCAL statement: fixed settings as literals, the pads as parameters, so that no query
        # text or statistics view shows them.
        values = [sql.Literal(v) for _, v in SETTINGS] + [sql.Placeholder(name) for name in PAD_SETTINGS]
        names = [k for k, _ in SETTINGS] + list(PAD_SETTINGS)
        settings = sql.SQL(", ").join(sql.SQL("set_config({}, {}, true)").format(sql.Literal(name), value)
                                      for name, value in zip(names, values, strict=True))
        keys = dict(zip(PAD_SETTINGS, (pad.hex() for pad in self.pads), strict=True))
        try:
            setting = sql.SQL("SELECT {}").format(settings)
            # not in a savepoint (two round trips fewer on each session): fixed settings the server
            # accepts, and placeholders of the probe's own prefix, which only the data phase reads
            helped = None if self.helper is None else \
                self.helper[0].submit(self.helper[1].fetch, setting, keys, "data settings", savepoint=False)
            self.session.fetch(setting, keys, "data settings", savepoint=False)
            rows = self.session.named("data_tables", {"schemas": schemas, "skip": sorted(skip)})
        except QueryFailed as exc:
            self.gaps.append(Gap("data", f"cannot list the tables to fingerprint: {exc}", ("data",)))
            return {}
        if helped is not None:
            try:
                helped.result()
            except (QueryFailed, PgFault):  # the other session is no help: the first reads it all
                self.helper = None
        wanted = [row for row in rows if not self.scope.excludes_table(row["schema"], row["name"])
                  and self.options.includes(row["schema"], row["name"])]
        with SWITCHING.shortened(SWITCH_INTERVAL):  # a helper's thread sends its query while this one builds
            read = self._tables(wanted)
        tree: dict[str, Any] = {}
        for row, (fingerprint, gaps) in zip(wanted, read, strict=True):  # in the tables' order
            self.gaps += gaps
            if fingerprint is not None:
                tree.setdefault(row["schema"], {})[row["name"]] = fingerprint
        return tree

    def _tables(self, wanted: list[Row]) -> list[Read]:
        """Each table's fingerprint and gaps, in order: a large table's columns half on each session,
        smaller tables two at a time, one on each."""
        read: list[Read] = []
        while len(read) < len(wanted):
            row = wanted[len(read)]
            after = wanted[len(read) + 1] if len(read) + 1 < len(wanted) else None
            if self.helper is None or after is None or self._splits(row) or self._splits(after):
                read.append(self._guarded(row, self.session, self.helper))
                continue
            # two smaller tables side by side: the next on the other session, this one on the first
            other = self.helper[0].submit(self._guarded, after, self.helper[1], None)
            read.append(self._guarded(row, self.session, None))
            read.append(self._helped(other, partial(self._guarded, after, self.session, None)))
        return read

    def _splits(self, row: Mapping[str, Any]) -> bool:
        """Whether the table's columns are read half on each session (`SPLIT_ROWS`); never for a
        table that is not sized (one locked by another session: `_table` makes it a gap)."""
        if row["locked"] or row["pages"] is None:
            return False
        return sample_for(row, self.options).percent is not None or (row["estimate"] or 0) >= SPLIT_ROWS

    def _guarded(self, row: Mapping[str, Any], session: Session,
                 helper: tuple[ThreadPoolExecutor, Session] | None) -> Read:
        """`_table`, with a surprise (not a lost connection) made a gap on the table."""
        try:
            return self._table(row, session, helper)
        except PgFault:
            raise  # the connection is gone or the snapshot cannot go on: the probe fails
        except Exception as exc:  # one table's surprise must not cost the others
            return None, [_gap(row["schema"], row["name"],
                               f"unexpected {type(exc).__name__} while reading it; {RETRY}")]

    def _table(self, row: Mapping[str, Any], session: Session,
               helper: tuple[ThreadPoolExecutor, Session] | None) -> Read:
        """One table's fingerprint (None when it cannot be read) and its gaps, read on `session`
        (and half on `helper`'s, when the table `_splits`)."""
        schema, name = row["schema"], row["name"]
        readable = [c for c in row["columns"] or [] if c["readable"]]
        if row["locked"]:
            return None, [_gap(schema, name, LOCKED)]
        if row["row_security"]:
            return None, [_gap(schema, name, ROW_SECURITY)]
        if not row["readable"] and not readable:
            return None, [_gap(schema, name, DENIED)]
        gaps = [_gap(schema, name, COLUMN_DENIED, c["name"])
                for c in row["columns"] or [] if not c["readable"]]
        sample = sample_for(row, self.options)
        # ANALYZE's null fraction comes from rows spread over up to 30,000 blocks: closer than a block
        # sample when nulls cluster by insertion order, and free. Used for sampled tables with fresh stats.
        fresh = sample.percent is not None and row["fresh"]
        columns = [Column(c["name"], kind_of(c["category"], c["base"]), c["base"],
                          self.options.mode(schema, name, c["name"]) == "quantiles",
                          stats=fresh and c["null_frac"] is not None) for c in readable]
        batches = [columns[start:start + BATCH_COLUMNS]
                   for start in range(0, max(1, len(columns)), BATCH_COLUMNS)]
        helper = helper if self._splits(row) else None
        if helper is not None:
            batches = [half for batch in batches for half in halves(batch) if half]
        fold = self.options.json_fold_depth if self.options.json_keys == "fold" else None
        what = f"the data of {schema}.{name}"

        def read(batch: list[Column], on: Session) -> Row:
            return _one_row(on, build(schema, name, batch, sample, self.options.json_depth, fold), what)

        # every other batch on the helper's session, side by side with the first session's; submitted
        # first, so that the helper's server process starts while the first session's query is built
        helped = {i: helper[0].submit(read, batch, helper[1])
                  for i, batch in enumerate(batches) if helper is not None and i % 2}
        outcomes: list[Row | Exception] = []
        for i, batch in enumerate(batches):
            try:
                here = partial(read, batch, session)
                outcomes.append(self._helped(helped[i], here) if i in helped else here())
            except (StatementTimeout, QueryFailed) as exc:
                outcomes.append(exc)
        for outcome in outcomes:
            if isinstance(outcome, StatementTimeout):
                return None, [*gaps, _gap(schema, name, TOO_SLOW.format(ms=session.timeouts.statement))]
            if isinstance(outcome, QueryFailed):
                return None, [*gaps, _gap(schema, name, _failure(outcome))]
        results = [(batch, outcome) for batch, outcome in zip(batches, outcomes, strict=True)
                   if not isinstance(outcome, Exception)]
        return self._assemble(row, sample, results, columns), gaps

    def _helped(self, future: Future[T], again: Callable[[], T]) -> T:
        """What the helper's session read; if that session is gone, `again` reads it on the first
        (and the first reads all that follows)."""
        try:
            return future.result()
        except StatementTimeout:
            raise
        except PgFault:
            self.helper = None
            return again()

    def _assemble(self, row: Mapping[str, Any], sample: Sample,
                  results: list[tuple[list[Column], Row]], order: list[Column]) -> Row:
        read = results[0][1]["n"]
        rows = read if sample.percent is None else (
            row["estimate"] if row["estimate"] is not None else read * 100.0 / sample.percent)
        node: Row = {
            "rows": magnitude(rows, ROW_LABELS),
            "size": magnitude(row["bytes"], SIZE_LABELS),
            "row_count": round2(rows),  # what `rows` is judged by: the actual ratio, not the labels
            "sample": {"rows": round2(read), "shape_rows": round2(results[0][1]["m"]),
                       "method": "whole table" if sample.percent is None else "block sample"},
        }
        if sample.percent is not None:  # values in one block are alike: the noise guard counts blocks
            blocks = max(1.0, (row["pages"] or 0) * sample.percent / 100)
            node["sample"]["blocks"] = round2(blocks)
            # The noise guard trusts ANALYZE's spread only when every null fraction came from it.
            node["sample"]["statistics"] = all(col.stats for batch, _ in results for col in batch)
        if not read:
            return node
        stats = {c["name"]: c["null_frac"] for c in row["columns"] or []}
        decoded: Row = {}
        for batch, result in results:
            for i, col in enumerate(batch):
                decoded[col.name] = decode.column(col, result, i, stats[col.name] if col.stats else None)
        node["columns"] = {col.name: decoded[col.name] for col in order}  # in the table's order
        return node


def _gap(schema: str, table: str, reason: str, column: str | None = None) -> Gap:
    what = f"{schema}.{table}" + (f".{column}" if column else "")
    below = ("columns", column) if column else ()
    return Gap(what, f"cannot fingerprint {'column' if column else 'table'} {what}: {reason}",
               ("data", schema, table, *below))


def _one_row(session: Session, query: sql.SQL, what: str) -> Row:
    (result,) = session.fetch(query, None, what)
    return result


def cost(col: Column) -> int:
    """What a column adds to the time of the data query (`COST`), to split a table's columns evenly."""
    if col.kind is Kind.NUMBER:
        return INTEGER_COST if col.base in INTEGER_TYPES else NUMBER_COST
    return COST.get(col.kind, INTEGER_COST)


def halves(columns: list[Column]) -> tuple[list[Column], list[Column]]:
    """`columns` in two parts of about equal cost (a JSON document's key walk costs most, then a
    text's formats), each in the table's order; one part when there is one column."""
    if len(columns) < 2:
        return columns, []
    loads = [0, 0]
    part: dict[str, int] = {}
    for col in sorted(columns, key=lambda c: -cost(c)):
        lighter = 0 if loads[0] <= loads[1] else 1
        part[col.name] = lighter
        loads[lighter] += cost(col)
    return ([c for c in columns if part[c.name] == 0], [c for c in columns if part[c.name] == 1])


def _failure(exc: QueryFailed) -> str:
    """The server's message when its class never quotes data; otherwise only the error code."""
    state = exc.sqlstate or "XX000"
    if state[:2] in SAFE_ERROR_CLASSES:
        return f"{exc}; {RETRY}"
    from psycopg import errors

    try:
        name = errors.lookup(state).__name__
    except KeyError:
        name = "unknown to psycopg"
    return WITHHELD.format(state=state, name=name)
