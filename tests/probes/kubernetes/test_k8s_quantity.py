"""Kubernetes quantities compare by exact value, whatever their spelling."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probes.kubernetes.quantity import BINARY, DECIMAL, format_quantity, normalise_quantity, parse_quantity


@pytest.mark.parametrize(("a", "b"), [
    ("100m", "0.1"), ("1Gi", "1024Mi"), ("1.5Gi", "1536Mi"), ("1e3", "1k"), ("1E3", "1000"), ("0.5", 0.5),
    ("2", 2), ("1Ki", "1024"), ("128974848", "123Mi"), ("129e6", "129M"), ("1n", "0.000000001"),
    ("+250m", "0.25"), (".5", "500m"), ("5.", "5"), ("2000m", 2), ("1E", "1e18"), ("10u", "0.00001"),
])
def test_equal_values_spelled_differently_compare_equal(a: object, b: object) -> None:
    assert parse_quantity(a) == parse_quantity(b)
    assert normalise_quantity(a) == normalise_quantity(b)


@pytest.mark.parametrize(("a", "b"), [("1G", "1Gi"), ("1M", "1Mi"), ("100m", "100"), ("1k", "1Ki"),
                                      ("-1", "1")])
def test_different_values_stay_different(a: str, b: str) -> None:
    assert normalise_quantity(a) != normalise_quantity(b)


@pytest.mark.parametrize(("value", "canonical"), [
    ("1024Mi", "1Gi"), ("0.1", "100m"), ("1.5Gi", "1536Mi"), (0.5, "500m"), (1000, "1k"), ("2000m", "2"),
    ("1E", "1E"), ("3", "3"), ("1048576", "1Mi"), ("0", "0"), ("-0.5", "-500m"), ("1e-12", "0.000000000001"),
    ("12345678901", "12345678901"),
])
def test_canonical_spelling_is_short_and_exact(value: object, canonical: str) -> None:
    assert normalise_quantity(value) == canonical


@pytest.mark.parametrize("value", ["abc", "12e", "1.2.3", "", "1 Gi", "Ki", "1e999", "0x10", True, None,
                                   float("nan"), ["1"]])
def test_non_quantities_are_left_alone(value: object) -> None:
    assert parse_quantity(value) is None
    assert normalise_quantity(value) is value or normalise_quantity(value) == value


_SUFFIXES = st.sampled_from([*BINARY, *(s for s in DECIMAL if s), "", "e3", "E-2", "e0"])


@given(whole=st.integers(0, 10**6), fraction=st.integers(0, 999), suffix=_SUFFIXES)
def test_canonical_spelling_round_trips_to_the_same_value(whole: int, fraction: int, suffix: str) -> None:
    text = f"{whole}.{fraction:03d}{suffix}"
    value = parse_quantity(text)
    assert value is not None
    canonical = format_quantity(value)
    assert parse_quantity(canonical) == value
    assert format_quantity(Fraction(parse_quantity(canonical) or 0)) == canonical
