"""How a table is sampled: MySQL has no TABLESAMPLE, so the sample is drawn over the primary key.

Key-range sampling, for a table whose primary key leads with an integer column: the span
`[min, max]` of that column (two index probes) is cut into R equal strata of L keys; in each
stratum a seeded random offset starts a circular run of w keys, so every key of the span, and
so every row, is in the sample with the same probability w/L, however the keys are spread
(gaps do not favour the rows after them). The server reads only those runs, by index range,
so the cost follows the sample, not the table. The rows of one run are neighbours, alike in a
column that follows insertion order, so the noise guard counts no more draws than runs
(`sample/blocks`), as it counts blocks of a PostgreSQL block sample.

The rows whose values are measured are a second, shorter run at the start of every run
(`shape_width` keys), about SHAPE_ROWS rows: again each row with one probability.

A table without an integer leading key column is read in full by the server, which keeps each
row with a seeded probability (a Bernoulli sample: unbiased, but the cost of a full scan).
Tables up to WHOLE_TABLE_SLACK times the row budget are read whole, and about SHAPE_ROWS of
their rows, drawn the same way, are measured (not every k-th row: data with a period would
alias with k).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from fidelity.probe.shape.measures import SHAPE_ROWS

#: Tables up to this many times the row budget are read whole, so their counts are exact.
WHOLE_TABLE_SLACK = 1.2
#: Rows per run aimed at: short runs, many of them, so the sample is nearly a simple random one.
RUN_ROWS = 32
#: At most this many runs (each an index range in one query).
MAX_RUNS = 1024
#: Integer types a key range can be drawn over.
INTEGER_TYPES = ("tinyint", "smallint", "mediumint", "int", "integer", "bigint")

Range = tuple[int, int]


@dataclass(frozen=True)
class Sample:
    """How one table is read."""

    method: str
    """"whole table", "key range sample" or "bernoulli sample"."""
    share: float = 1.0
    """The probability of each row to be read."""
    shape_share: float = 1.0
    """The probability of each row to have its values measured."""
    ranges: tuple[Range, ...] = ()
    """Key runs read (inclusive bounds), for a key range sample."""
    shape_ranges: tuple[Range, ...] = ()
    """Key runs whose values are measured."""
    runs: int = 0
    """Runs (strata) drawn: the most independent draws the sample holds."""
    seed: int = 0
    """Seed of the Bernoulli draws (of a Bernoulli sample, and of the measured rows of a whole table)."""


def design(estimate: float, budget: int, seed: int, key_type: str | None,
           span: tuple[int, int] | None) -> Sample:
    """The sample of a table with about `estimate` rows, a leading key column of `key_type` (or none)
    whose values lie in `span` (None when the table is empty)."""
    if estimate <= budget * WHOLE_TABLE_SLACK:
        return Sample("whole table", shape_share=min(1.0, SHAPE_ROWS / max(1.0, estimate)), seed=seed)
    share = budget / estimate
    shape_share = min(1.0, SHAPE_ROWS / estimate)
    if key_type not in INTEGER_TYPES or span is None:
        return Sample("bernoulli sample", share, shape_share, seed=seed)
    low, high = span
    keys = high - low + 1
    runs = max(1, min(MAX_RUNS, budget // RUN_ROWS, keys))
    length = math.ceil(keys / runs)
    width = max(1, min(length, round(length * share)))
    shape_width = max(1, min(width, round(length * shape_share)))
    rng = random.Random(seed)
    ranges: list[Range] = []
    shape_ranges: list[Range] = []
    for k in range(runs):
        base = low + k * length
        offset = rng.randrange(length)
        ranges += _circular(base, length, offset, width)
        shape_ranges += _circular(base, length, offset, shape_width)
    return Sample("key range sample", width / length, shape_width / length, tuple(_merge(ranges)),
                  tuple(_merge(shape_ranges)), runs)


def _circular(base: int, length: int, offset: int, width: int) -> list[Range]:
    """Keys `offset .. offset + width - 1` of the stratum starting at `base`, wrapping round its end."""
    end = offset + width
    if end <= length:
        return [(base + offset, base + end - 1)]
    return [(base + offset, base + length - 1), (base, base + end - length - 1)]


def _merge(ranges: list[Range]) -> list[Range]:
    """Sorted, with touching ranges joined (fewer ranges for the server to seek)."""
    out: list[Range] = []
    for low, high in sorted(ranges):
        if out and low <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], high))
        else:
            out.append((low, high))
    return out
