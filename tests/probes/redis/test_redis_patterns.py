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
    # a place of constants (three queue names): "high" is on 12 of 1000 keys (1.2%) and stays, "low" (5)
    # is too rare to be shown and folds
    keys = ([f"queue:high:{i}".encode() for i in range(12)] + [f"queue:low:{i}".encode() for i in range(5)]
            + [f"queue:normal:{i}".encode() for i in range(983)])
    found = _patterns(keys)
    assert found == {"queue:high:<id>": 12, "queue:normal:<id>": 983, "queue:<value>:<id>": 5}


def test_a_frequent_name_in_a_place_of_names_folds() -> None:
    # "alice" starts 12 of 1000 user keys (1.2%), but the 983 others have other names there: the place
    # holds names, and a frequent one is a name too (this test kept `user:alice:<id>` before)
    keys = ([f"user:alice:{i}".encode() for i in range(12)] + [f"user:bob:{i}".encode() for i in range(5)]
            + [f"user:{name}:{i}".encode() for i, name in enumerate(_names(983))])
    assert _patterns(keys) == {"user:<value>:<id>": 1000}


def _names(count: int) -> list[str]:
    """`count` different names of letters only (words, as a person's or a tenant's name can be)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [letters[i % 26] + letters[i // 26 % 26] + letters[i // 676 % 26] + "son" for i in range(count)]


def test_a_frequent_name_among_ids_folds() -> None:
    # 20 keys of one user, named, among 1,000 user ids: frequent (2%), but the place holds ids
    keys = ([f"user:{i}".encode() for i in range(1000)]
            + [f"user:johnsmith:session:{i}".encode() for i in range(20)]
            + [f"user:john.smith:session:{i}".encode() for i in range(20)])
    assert _patterns(keys) == {"user:<id>": 1000, "user:<value>:session:<id>": 40}


def test_a_large_tenant_among_many_tenants_folds() -> None:
    # 500 orders of acme-corp and 2 of each of 150 other tenants: the place holds tenant names
    keys = ([f"tenant:acme-corp:order:{i}".encode() for i in range(500)]
            + [f"tenant:{name}:order:{i}".encode() for name in _names(150) for i in range(2)])
    assert _patterns(keys) == {"tenant:<value>:order:<id>": 800}
    # and among tenant ids
    keys = ([f"tenant:acme-corp:order:{i}".encode() for i in range(500)]
            + [f"tenant:{t}:order:{i}".encode() for t in range(300) for i in range(2)])
    assert _patterns(keys) == {"tenant:<value>:order:<id>": 500, "tenant:<id>:order:<id>": 600}


def test_person_host_and_account_names_never_stay() -> None:
    # on every key of its place, but with a dot, an @ or digits: never shown (the keys where it stands
    # are the place's values, so the place holds data)
    for name in ("john.smith", "db1", "ann@corp", "u42x", "eu-west-1", "host.example.com"):
        assert classify(name) != name
        keys = [f"owner:{name}:{i}".encode() for i in range(500)]
        assert not any(name in pattern for pattern in _patterns(keys)), name


def test_a_keyspace_with_a_few_stray_keys_keeps_its_prefixes() -> None:
    # 5% of keys with no name at all (as in the benchmark) leave the constants of the first place shown
    keys = ([f"session:{i}".encode() for i in range(600)] + [f"user:{i}:profile".encode() for i in range(350)]
            + [f"lock {i:x} {i}".encode() for i in range(50)])
    assert _patterns(keys) == {"session:<id>": 600, "user:<id>:profile": 350, "<value>": 50}


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
