"""Distances between measured distributions, with a guard against sampling noise.

Measures are effect sizes, not p-values, so that a large sample does not turn a tiny
difference into a finding. A difference no larger than what sampling alone produces
(four standard errors; for histograms, χ²'s 1e-4 tail) is reported as no difference
at all, so that a small table does not cry wolf either.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

#: Standard errors a difference of fractions must exceed before it counts.
NOISE_SIGMAS = 4.0
#: Normal quantile of the χ² bound for histograms (one-sided tail 1e-4).
CHI2_Z = 3.72


def js_divergence(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """Jensen–Shannon divergence in bits (0 = same, 1 = disjoint); inputs are normalised first."""
    sp, sq = sum(p.values()), sum(q.values())
    if sp <= 0 or sq <= 0:
        return 0.0 if sp == sq else 1.0
    total = 0.0
    for key in p.keys() | q.keys():
        a, b = p.get(key, 0.0) / sp, q.get(key, 0.0) / sq
        m = (a + b) / 2
        if a > 0:
            total += a * math.log2(a / m)
        if b > 0:
            total += b * math.log2(b / m)
    return max(0.0, min(1.0, total / 2))


def js_noise(categories: int, n_p: float, n_q: float) -> float:
    """Divergence that two samples of sizes n_p, n_q from one distribution exceed only by rare chance.

    For small differences 8·ln2·JSD ≈ Σ(p−q)²/m, which is χ² with k−1 degrees of freedom
    scaled by 1/n_p + 1/n_q. The bound is that χ²'s upper 1e-4 quantile (Wilson–Hilferty),
    widened where categories hold few values each (the approximation runs low there).
    """
    if categories < 2 or n_p <= 0 or n_q <= 0:
        return 0.0 if categories < 2 else math.inf
    df = categories - 1
    quantile = df * (1 - 2 / (9 * df) + CHI2_Z * math.sqrt(2 / (9 * df))) ** 3
    sparse = 1 + categories / min(n_p, n_q)
    return sparse * quantile * (1 / n_p + 1 / n_q) / (8 * math.log(2))


def js_distance(p: Mapping[str, float], q: Mapping[str, float], n_p: float = math.inf,
                n_q: float = math.inf) -> float:
    """Jensen–Shannon distance (square root of the divergence, 0..1); 0 when within sampling noise."""
    divergence = js_divergence(p, q)
    categories = len({k for k, v in p.items() if v > 0} | {k for k, v in q.items() if v > 0})
    if divergence <= js_noise(categories, n_p, n_q):
        return 0.0
    return math.sqrt(divergence)


def fraction_distance(a: float, b: float, n_a: float = math.inf, n_b: float = math.inf) -> float:
    """|a − b| for two measured fractions; 0 when within four standard errors of each other."""
    diff = abs(a - b)
    if n_a <= 0 or n_b <= 0:
        return 0.0
    pooled = (a * n_a + b * n_b) / (n_a + n_b) if math.isfinite(n_a + n_b) else (a + b) / 2
    inv = (1 / n_a if math.isfinite(n_a) else 0.0) + (1 / n_b if math.isfinite(n_b) else 0.0)
    if diff <= NOISE_SIGMAS * math.sqrt(max(pooled * (1 - pooled), 0.0) * inv):
        return 0.0
    return diff


def orders_apart(a: float, b: float) -> float:
    """How many orders of magnitude separate two non-negative quantities (0 counts as 1)."""
    return abs(math.log10(max(a, 0.0) + 1) - math.log10(max(b, 0.0) + 1))


def relative_difference(a: float, b: float) -> float:
    """|a − b| / max(|a|, |b|): 0 for equal, 0.5 when one is twice the other."""
    top = max(abs(a), abs(b))
    return abs(a - b) / top if top else 0.0
