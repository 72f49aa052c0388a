"""Scales of a data-shape fingerprint: order-of-magnitude labels and rounding.

Kept free of any database driver, so that judging findings (which loading the probe registry
imports) never loads it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

ROW_LABELS = ("1+", "10+", "100+", "1k+", "10k+", "100k+", "1M+", "10M+", "100M+", "1G+", "10G+", "100G+")
SIZE_LABELS = ("1 B+", "10 B+", "100 B+", "1 kB+", "10 kB+", "100 kB+", "1 MB+", "10 MB+", "100 MB+",
               "1 GB+", "10 GB+", "100 GB+", "1 TB+", "10 TB+", "100 TB+")


def magnitude(count: float, labels: Sequence[str]) -> str:
    """The order-of-magnitude label of a count: "0", "1+", "10+", ..."""
    if count < 1:
        return "0"
    return labels[min(len(labels) - 1, math.floor(math.log10(count) + 1e-9))]


def order(label: str, labels: Sequence[str]) -> int:
    """The order of magnitude a label stands for (-1 for "0")."""
    return labels.index(label) if label in labels else -1


def fraction(part: float, whole: float) -> float:
    """part/whole rounded to four places (0 when there is no whole)."""
    return round(part / whole, 4) if whole else 0.0


def round2(count: float) -> int:
    """A count rounded to two significant digits."""
    if count < 100:
        return int(count)
    digits = math.floor(math.log10(count)) - 1
    return int(round(count, -digits))
