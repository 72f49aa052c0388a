"""How a table is sampled: MySQL has no TABLESAMPLE, so the sample is drawn over the primary key.

Key-range sampling: the primary key's order is numbered as a line of *cells* (the keys of an
integer leading column; the (leading value, second column) pairs of a composite key whose leading
column has few values; or the prefixes of a string key), the line is cut into R equal strata of L
cells, and in each stratum a seeded random offset starts a circular run of w cells. So every cell,
and so every row, is in the sample with the same probability w/L, however the keys are spread
(gaps do not favour the rows after them). The server reads only those runs, by index range, so the
cost follows the sample, not the table. The rows of one run are neighbours, alike in a column that
follows insertion order, so the noise guard counts no more draws than runs (`sample/blocks`), as it
counts blocks of a PostgreSQL block sample.

* Integer leading column: the cells are the keys of its span `[min, max]` (two index probes).
* Composite key `(a, b, ...)` whose integer leading column has fewer than one value per RUN_ROWS
  rows (a tenant, a shard) and an integer second column: the spans of b under each value of a (one
  loose index scan, at most MAX_GROUPS values) are laid end to end, and a run that crosses from one
  value to the next is cut in two. Read over `a` alone, three tenants were three runs of one key
  each, and every row was read.
* CHAR or VARCHAR key (UUIDs, codes, names): the cells are the strings of `depth` characters over
  an alphabet sorted, and folded, by the key's own collation, after the prefix that the smallest
  and largest keys share (kept in a user variable of the server: no key value leaves it); cell n
  holds the keys from its string (included) to the next one's (excluded), the first cell everything
  below, the last everything above. They partition every string, so every key lies in exactly one
  cell, whatever characters it has: the alphabet (hex digits when the smallest and largest keys
  continue with four of them, else digits and letters) decides only how evenly the rows spread over
  the cells, never their chance.

The rows whose values are measured are a second, shorter run at the start of every run
(`shape_width` cells), about SHAPE_ROWS rows: again each row with one probability.

* DATE, DATETIME, TIMESTAMP, BINARY/VARBINARY or DECIMAL key: the cells are days, seconds, values
  of the first eight bytes, or steps of the key's last decimal digit (0.01 for DECIMAL(12,2)),
  counted up from the smallest key (`Offsets`); that key stays in the server.

A table with another key (FLOAT, a composite key with a non-integer second column and few leading
values is read over its leading column), or whose keys fill too few cells, or none is read in full by the
server, which keeps each row with a seeded probability (a Bernoulli sample: unbiased, but the cost
of a full scan); the draw is a hash of the seed and the row's key (RAND(seed) without a primary key),
so that every query of the fingerprint draws the same rows whatever its plan. Tables up to
WHOLE_TABLE_SLACK times the row budget are read whole, and about SHAPE_ROWS of their rows, drawn the
same way, are measured (not every k-th row: data with a period would alias with k).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fidelity.probe.shape.measures import SHAPE_ROWS

#: Tables up to this many times the row budget are read whole, so their counts are exact.
WHOLE_TABLE_SLACK = 1.2
#: Rows per run aimed at: short runs, many of them, so the sample is nearly a simple random one.
RUN_ROWS = 32
#: At most this many runs (each an index range in one query).
MAX_RUNS = 1024
#: Measured runs that hold more than 1/THIN_BELOW times the rows wanted are thinned by a hash draw.
THIN_BELOW = 0.5
#: Integer types a key range can be drawn over.
INTEGER_TYPES = ("tinyint", "smallint", "mediumint", "int", "integer", "bigint")
#: String key types drawn over prefix cells.
TEXT_TYPES = ("char", "varchar")
#: Key types drawn over offset cells, and the unit of their cells.
OFFSET_UNITS = {"date": "day", "datetime": "second", "timestamp": "second", "binary": "bytes",
                "varbinary": "bytes", "decimal": "step"}
#: At most this many leading values of a composite key are enumerated (one index seek each).
MAX_GROUPS = 1024
#: Prefix cells aimed at per row of the table (so that a run spans many cells).
CELLS_PER_ROW = 64
#: At most this many characters per prefix cell.
MAX_DEPTH = 8

Range = tuple[Any, ...]
Cells = tuple[int, int]


@dataclass(frozen=True)
class Groups:
    """A composite key's cells: per leading value, the span of the second column."""

    spans: tuple[tuple[int, int, int], ...]
    """`(leading value, min, max)` of the second column, in key order."""


@dataclass(frozen=True)
class Prefixes:
    """A string key's cells: the strings of `depth` characters of `alphabet` (sorted and distinct
    under `collation`) after the key's shared prefix, each holding the keys from it to the next.
    Cell n is the server's @fidelity_first + n, the first cell that of the smallest key: the
    client knows how many cells the keys span, never which."""

    alphabet: str
    depth: int
    charset: str
    collation: str
    prefix: int = 0
    """Characters every key shares (those of the smallest key, kept in the server's @fidelity_low),
    written before each cell's own characters."""
    cells: int = 0
    """Cells from the smallest key's to the largest key's (all of them when 0)."""

    def count(self) -> int:
        return self.cells or int(len(self.alphabet) ** self.depth)

    def bounds(self, first: int, last: int) -> Range:
        """The keys of cells `first .. last` (see `cell_bounds`)."""
        return cell_bounds(first, last, self.count())


@dataclass(frozen=True)
class Offsets:
    """A DATE, DATETIME, TIMESTAMP, BINARY or DECIMAL key's cells: steps of one unit up from its
    smallest key, which stays in the server (@fidelity_low; for a binary key also its first eight
    bytes as a number, @fidelity_first): a day of a DATE, a second of a DATETIME or TIMESTAMP, one
    of the 2^64 values of a binary key's first eight bytes, one unit of a DECIMAL's last digit.
    Cell n holds the keys from the smallest key plus n units (included) to the next cell's start,
    the last cell everything above: they partition every key, fractions of a second and keys
    shorter than eight bytes included. The client knows how many cells the keys span, never which."""

    unit: str
    """"day", "second", "bytes" or "step"."""
    cells: int
    scale: int = 0
    """Of a DECIMAL key ("step"): its digits after the point, so that a step is 10^-scale."""

    def count(self) -> int:
        return self.cells

    def bounds(self, first: int, last: int) -> Range:
        """The keys of cells `first .. last` (see `cell_bounds`)."""
        return cell_bounds(first, last, self.cells)


def cell_bounds(first: int, last: int, count: int) -> Range:
    """The keys of cells `first .. last` of `count`: `(from, to)` cell numbers, `to` excluded, None
    for no bound (the first cell holds every key below it, the last every key above)."""
    return (first if first > 0 else None, last + 1 if last + 1 < count else None)


def depth(alphabet_size: int, estimate: float) -> int:
    """Characters per prefix cell: CELLS_PER_ROW cells per row, at most MAX_DEPTH."""
    target = max(2.0, estimate * CELLS_PER_ROW)
    return max(1, min(MAX_DEPTH, math.ceil(math.log(target) / math.log(max(2, alphabet_size)))))


@dataclass(frozen=True)
class Sample:
    """How one table is read."""

    method: str
    """"whole table", "key range sample" or "bernoulli sample"."""
    layout: str = "integer"
    """How a key range sample's ranges read: "integer" (`(low, high)` of the leading column),
    "grouped" (`(leading value, low, high)` of the second column) or "cells" (`(from, to)` cells,
    `to` excluded, None for no bound)."""
    columns: tuple[str, ...] = ()
    """The key columns the ranges are over."""
    cells: Prefixes | Offsets | None = None
    """The cells of a "cells" sample."""
    share: float = 1.0
    """The probability of each row to be read."""
    shape_share: float = 1.0
    """The probability of each row to have its values measured."""
    ranges: tuple[Range, ...] = ()
    """Key runs read, for a key range sample (as `layout` says)."""
    shape_ranges: tuple[Range, ...] = ()
    """Key runs whose values are measured."""
    runs: int = 0
    """Runs (strata) drawn: the most independent draws the sample holds."""
    seed: int = 0
    """Seed of the Bernoulli draws (of a Bernoulli sample, and of the measured rows of a whole table)."""
    thin: float = 1.0
    """Of a key range sample whose measured runs hold far more rows than SHAPE_ROWS (a key with many
    rows per key value, where a run cannot be shorter than one key): the probability that a row of
    a measured run is measured, drawn from a hash of the seed and its key."""


def design(estimate: float, budget: int, seed: int, key_type: str | None,
           span: tuple[int, int] | Groups | Prefixes | Offsets | None, columns: Sequence[str] = ()) -> Sample:
    """The sample of a table with about `estimate` rows, a leading key column of `key_type` (or none)
    and the cells of its key: `span` (`[min, max]` of an integer column), `Groups` or `Prefixes`;
    None when the key has no cells (or the table is empty). `columns` are the key columns read."""
    if estimate <= budget * WHOLE_TABLE_SLACK:
        return Sample("whole table", shape_share=min(1.0, SHAPE_ROWS / max(1.0, estimate)), seed=seed)
    share = budget / estimate
    shape_share = min(1.0, SHAPE_ROWS / estimate)
    if isinstance(span, Groups):
        offsets, total = [], 0
        for _, low, high in span.spans:
            offsets.append(total)
            total += high - low + 1
        drawn = _draw(total, budget, share, shape_share, seed)

        def grouped(cells: list[Cells]) -> tuple[Range, ...]:
            out: list[Range] = []
            for a, b in cells:
                for start, (value, low, high) in zip(offsets, span.spans, strict=True):
                    lo, hi = max(a, start), min(b, start + high - low)
                    if lo <= hi:
                        out.append((value, low + lo - start, low + hi - start))
            return tuple(out)

        return _sample(drawn, "grouped", columns[:2], grouped)
    if isinstance(span, (Prefixes, Offsets)):
        cells = span.count()
        drawn = _draw(cells, budget, share, shape_share, seed)

        def strings(found: list[Cells]) -> tuple[Range, ...]:
            return tuple(span.bounds(a, min(b, cells - 1)) for a, b in found if a < cells)

        return _sample(drawn, "cells", columns[:1], strings, span)
    if key_type not in INTEGER_TYPES or span is None:
        return Sample("bernoulli sample", share=share, shape_share=shape_share, seed=seed)
    low, high = span
    drawn = _draw(high - low + 1, budget, share, shape_share, seed)
    return _sample(drawn, "integer", columns[:1],
                   lambda cells: tuple((low + a, low + b) for a, b in cells))


@dataclass(frozen=True)
class _Drawn:
    runs: int
    share: float
    shape_share: float
    cells: list[Cells]
    shape_cells: list[Cells]
    wanted: float
    seed: int


def _draw(cells: int, budget: int, share: float, shape_share: float, seed: int) -> _Drawn:
    """Runs over cells `0 .. cells - 1`: R strata of L cells, a seeded circular run of w in each."""
    runs = max(1, min(MAX_RUNS, budget // RUN_ROWS, cells))
    length = math.ceil(cells / runs)
    width = max(1, min(length, round(length * share)))
    shape_width = max(1, min(width, round(length * shape_share)))
    rng = random.Random(seed)
    ranges: list[Cells] = []
    shape_ranges: list[Cells] = []
    for k in range(runs):
        base = k * length
        offset = rng.randrange(length)
        ranges += _circular(base, length, offset, width)
        shape_ranges += _circular(base, length, offset, shape_width)
    return _Drawn(runs, width / length, shape_width / length, _merge(ranges), _merge(shape_ranges),
                  shape_share, seed)


def _sample(drawn: _Drawn, layout: str, columns: Sequence[str], keys: Any,
            cells: Prefixes | Offsets | None = None) -> Sample:
    thin = drawn.wanted / drawn.shape_share
    thin = 1.0 if thin > THIN_BELOW else thin
    return Sample("key range sample", layout, tuple(columns), cells, drawn.share, drawn.shape_share * thin,
                  keys(drawn.cells), keys(drawn.shape_cells), drawn.runs, drawn.seed, thin)


def _circular(base: int, length: int, offset: int, width: int) -> list[Cells]:
    """Keys `offset .. offset + width - 1` of the stratum starting at `base`, wrapping round its end."""
    end = offset + width
    if end <= length:
        return [(base + offset, base + end - 1)]
    return [(base + offset, base + length - 1), (base, base + end - length - 1)]


def _merge(ranges: list[Cells]) -> list[Cells]:
    """Sorted, with touching ranges joined (fewer ranges for the server to seek)."""
    out: list[Cells] = []
    for low, high in sorted(ranges):
        if out and low <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], high))
        else:
            out.append((low, high))
    return out
