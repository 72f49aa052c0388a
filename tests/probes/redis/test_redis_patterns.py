"""Key names folded into patterns: constants stay, values fold to their class, nothing else is shown."""

from __future__ import annotations

import uuid
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from probes.redis.patterns import MAX_PATTERNS, OTHER, classify, fold, shares


def _patterns(keys: list[bytes]) -> Counter[str]:
    return Counter(fold(keys).values())


def test_classes_of_value_like_segments() -> None:
    assert classify("12345") == "<id>"
    assert classify(str(uuid.UUID(int=7))) == "<uuid>"
    assert classify("2026-11-30") == "<date>"
    assert classify("2026-11-30T12:00:00Z") == "<date>"
    assert classify("-3.25") == "<number>"
    assert classify("ann@example.com") == "<email>"
    assert classify("9f86d081884c7d659a2feaa0c55ad015") == "<hash>"
    assert classify("01HF8XJ4W0Q3M8Z2P5R7T9V1B3") == "<token>"
    assert classify("session") == "session"
    assert classify("") == ""
    for hostile in ("<b>", "ключ", "a b", "\ufffd", "x" * 41, "٣٣", "'; DROP"):
        assert classify(hostile) == "<value>", hostile


def test_constants_stay_and_one_off_names_fold() -> None:
    keys = ([f"session:{i}".encode() for i in range(40)]
            + [f"cart:{uuid.uuid4()}:items".encode() for _ in range(30)]
            + [f"user:{name}:cart".encode() for name in ("alice", "bob", "carol", "dave")]
            + [b"feature:dark_mode", b"feature:beta"])
    assert _patterns(keys) == {"session:<id>": 40, "cart:<uuid>:items": 30, "<value>:<value>:<value>": 4,
                               "<value>:<value>": 2}


def test_a_literal_must_be_frequent_in_its_place() -> None:
    # "alice" starts 12 of 1000 user keys (1.2%): it is a frequent constant and stays; "bob" (5) folds
    keys = ([f"user:alice:{i}".encode() for i in range(12)] + [f"user:bob:{i}".encode() for i in range(5)]
            + [f"user:u{i}x:{i}".encode() for i in range(983)])
    found = _patterns(keys)
    assert found["user:alice:<id>"] == 12
    assert found["user:<value>:<id>"] == 988


def test_colons_only_very_long_and_binary_names() -> None:
    keys = [b"::::"] * 1 + [b":" * 200, b"\xff\xfe\x00", b"k" * 100_000, "☃:1".encode()]
    found = _patterns(keys)
    assert "::::" in found
    assert all(len(p) < 300 for p in found)
    assert found["<value>:<id>"] == 1
    assert found["<value>"] == 2


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=60), st.text(max_size=60).map(str.encode)), max_size=9))
def test_no_key_text_survives_in_fewer_keys_than_the_minimum(keys: list[bytes]) -> None:
    """Fewer keys than MIN_KEYS: no segment is frequent enough, every pattern is classes and separators."""
    for pattern in fold(keys).values():
        stripped = pattern
        for token in ("<id>", "<uuid>", "<date>", "<number>", "<email>", "<hash>", "<token>", "<value>",
                      "<rest>", ":", "/", "|"):
            stripped = stripped.replace(token, "")
        assert stripped == "", pattern


def test_too_many_patterns_keep_the_most_common() -> None:
    counts = shares([f"p{i}" for i in range(MAX_PATTERNS + 50) for _ in range(1 + i % 3)])
    assert len(counts) == MAX_PATTERNS
    assert OTHER in counts
