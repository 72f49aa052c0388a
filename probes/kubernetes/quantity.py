"""Kubernetes resource quantities ("100m", "1Gi", "1.5e3"): exact values and one canonical spelling.

The grammar is the API's own (k8s.io/apimachinery resource.Quantity): a signed
decimal number followed by a binary suffix (Ki … Ei), a decimal suffix (n, u, m,
k, M, G, T, P, E) or a decimal exponent (e3, E-2). Values are exact fractions, so
``100m`` equals ``0.1`` and ``1Gi`` equals ``1024Mi``.
"""

from __future__ import annotations

import decimal
import functools
import math
import re
from fractions import Fraction

_QUANTITY_RE = re.compile(
    r"(?P<sign>[+-]?)(?P<number>\d+(?:\.\d*)?|\.\d+)"
    r"(?:[eE](?P<exponent>[+-]?\d+)|(?P<suffix>[KMGTPE]i|[numkMGTPE])?)"
)
BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
DECIMAL = {"n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000), "": Fraction(1),
           "k": Fraction(10**3), "M": Fraction(10**6), "G": Fraction(10**9), "T": Fraction(10**12),
           "P": Fraction(10**15), "E": Fraction(10**18)}
# The API server itself rejects exponents this large; bounding them keeps the arithmetic small.
MAX_EXPONENT = 60
_LARGE = sorted(((s, int(m)) for s, m in DECIMAL.items() if m > 1), key=lambda p: -p[1])
_BINARY_LARGEST_FIRST = sorted(BINARY.items(), key=lambda p: -p[1])


def parse_quantity(value: object) -> Fraction | None:
    """The exact value of a quantity (a string or a YAML number), or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(decimal.Decimal(repr(value))) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    match = _QUANTITY_RE.fullmatch(value.strip())
    if match is None:
        return None
    number = Fraction(decimal.Decimal(match["number"]))
    if match["exponent"] is not None:
        exponent = int(match["exponent"])
        if abs(exponent) > MAX_EXPONENT:
            return None
        number *= Fraction(10) ** exponent
    else:
        suffix = match["suffix"] or ""
        number *= BINARY.get(suffix) or DECIMAL[suffix]
    return -number if match["sign"] == "-" else number


def format_quantity(value: Fraction) -> str:
    """The shortest exact spelling, preferring a binary suffix on a tie: 1Gi, 1536Mi, 100m, 2, 1500k."""
    if value < 0:
        return "-" + format_quantity(-value)
    if value == 0:
        return "0"
    if value.denominator == 1:
        whole = value.numerator
        spellings = [str(whole)]
        spellings += [f"{whole // m}{s}" for s, m in _BINARY_LARGEST_FIRST if whole % m == 0][:1]
        spellings += [f"{whole // m}{s}" for s, m in _LARGE if whole % m == 0][:1]
        return min(spellings, key=lambda s: (len(s), not s.endswith("i")))
    for suffix in ("m", "u", "n"):
        scaled = value / DECIMAL[suffix]
        if scaled.denominator == 1:
            return f"{scaled.numerator}{suffix}"
    with decimal.localcontext() as context:
        context.prec = 200
        exact = decimal.Decimal(value.numerator) / decimal.Decimal(value.denominator)
    return format(exact.normalize(), "f")


def normalise_quantity(value: object) -> object:
    """`value` in canonical spelling when it is a quantity; anything else unchanged."""
    if isinstance(value, (str, int, float)):
        return _canonical(value)  # a cluster repeats a few spellings thousands of times
    return value


@functools.lru_cache(maxsize=4096, typed=True)
def _canonical(value: str | int | float) -> object:
    parsed = parse_quantity(value)
    return value if parsed is None else format_quantity(parsed)


def normalise_quantities(table: object) -> object:
    """A table of quantities (resources.requests, hard, ...), each value canonical; changed in place."""
    if isinstance(table, dict):
        for key, value in table.items():
            table[key] = normalise_quantity(value)
    return table
