"""What a data-shape fingerprint measures, whatever store computes it: column kinds, buckets,
character classes, formats and the sizes of the examined sample.

A probe turns these into its own query language; the patterns are POSIX-style regular
expressions that PostgreSQL, MySQL (ICU) and MariaDB (PCRE) read alike, applied case-sensitively.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

#: Low-cardinality limit: columns with more distinct values in the sample get no value frequencies.
LOW_CARDINALITY = 50
#: Rows of the sample whose values are examined (one row in k of it, drawn as each probe documents):
#: enough for fractions within about ±0.02, and it bounds the cost of regular expressions, grouping
#: and JSON walks.
SHAPE_ROWS = 2_000
#: Quantiles recorded for columns opted in with values = "quantiles".
QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
#: Text values longer than this are not tested for a format (no email is 2 kB long).
FORMAT_MAX_LENGTH = 2048
#: Character classes are looked for in the first 4 kB of a value.
CLASS_PREFIX = 4096
TEXT_CLASSES = {
    "digits": "[0-9]",
    "letters": "[[:alpha:]]",
    "upper": "[A-Z]",  # letter case (ASCII): `N14228` becoming `n14228` shows here
    "lower": "[a-z]",
    "whitespace": "[[:space:]]",
}
TEXT_FORMATS = {
    "email": r"^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$",
    "uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "url": r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^[:space:]]+$",
    "iso_date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
                r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$",
    "number": r"^[[:space:]]*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?[[:space:]]*$",
}
#: Upper bounds of the text-length buckets: 0, 1, 2-3, 4-7, ..., 1024-2047, 2048+.
LENGTH_BOUNDS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048)


class Kind(str, enum.Enum):
    """What the fingerprint of a column holds besides null fraction, distinct ratio and width."""

    TEXT = "text"
    NUMBER = "number"
    TIME = "time"
    CLOCK = "time of day"
    BOOL = "boolean"
    ENUM = "enum"
    JSON = "json"
    OTHER = "other"


#: Kinds whose columns can be opted into exact quantiles.
QUANTILE_KINDS = (Kind.NUMBER, Kind.TIME, Kind.CLOCK)


@dataclass(frozen=True)
class Column:
    """One column to fingerprint."""

    name: str
    kind: Kind
    base: str
    quantiles: bool = False
    """Opted into exact quantiles."""
    stats: bool = False
    """The null fraction comes from fresh planner statistics; the query need not count NULLs."""
