"""Distances between measured distributions: bounds, symmetry, and no alarms from sampling noise."""

from __future__ import annotations

import math
import random
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from fidelity.probe.distance import (
    fraction_distance,
    js_distance,
    js_divergence,
    orders_apart,
    relative_difference,
)

weights = st.dictionaries(st.sampled_from("abcdefgh"), st.floats(0.001, 100), min_size=1)


@given(weights, weights)
def test_divergence_is_symmetric_and_bounded(p: dict[str, float], q: dict[str, float]) -> None:
    assert 0.0 <= js_divergence(p, q) <= 1.0
    assert math.isclose(js_divergence(p, q), js_divergence(q, p), abs_tol=1e-12)
    assert js_divergence(p, p) < 1e-12


def test_disjoint_distributions_are_one_apart() -> None:
    assert js_distance({"a": 1.0}, {"b": 1.0}) == 1.0
    one_of_three = js_distance({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}, {"a": 1.0}, 1000, 1000)
    assert 0.6 < one_of_three < 0.7  # all values in one category against three: a medium finding


def _sample(rng: random.Random, shares: list[float], n: int) -> dict[str, float]:
    counts = Counter(rng.choices(range(len(shares)), weights=shares, k=n))
    return {str(k): v / n for k, v in counts.items()}


def test_two_samples_of_one_distribution_stay_below_the_low_threshold() -> None:
    rng = random.Random(20261127)
    for trial in range(400):
        k = rng.choice([2, 3, 7, 13, 50])
        n = rng.choice([30, 200, 1000, 3000])
        shares = [rng.random() ** 3 for _ in range(k)]
        p, q = _sample(rng, shares, n), _sample(rng, shares, n)
        assert js_distance(p, q, n, n) < 0.1, (trial, k, n)
        a, b = sum(p.get(str(i), 0) for i in range(k // 2)), sum(q.get(str(i), 0) for i in range(k // 2))
        assert fraction_distance(a, b, n, n) < 0.05, (trial, k, n)


def test_real_differences_survive_the_noise_guard() -> None:
    assert fraction_distance(0.1, 0.0, 1000, 1000) == 0.1  # 10% NULLs against none
    assert fraction_distance(0.1, 0.0, 20, 20) == 0.0  # two rows in twenty: could be chance
    shifted = js_distance({"1e1": 0.9, "1e2": 0.1}, {"1e3": 0.9, "1e4": 0.1}, 500, 500)
    assert shifted == 1.0


def test_orders_and_relative_differences() -> None:
    assert orders_apart(999, 999_999) == math.log10(1_000_000) - math.log10(1000)
    assert orders_apart(0, 0) == 0.0
    assert relative_difference(10, 20) == 0.5
    assert relative_difference(0, 0) == 0.0
