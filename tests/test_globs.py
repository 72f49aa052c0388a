"""`fidelity.globs.matches_any`: a set and one pattern per glob list, with `fnmatch.fnmatchcase`'s answers."""

from __future__ import annotations

import fnmatch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidelity.globs import matches_any

#: Characters that mean something to globs or to regular expressions, and some that mean nothing.
ALPHABET = "ab_.*?[]!-^\\$()|+{}/\n é"


@settings(max_examples=400, deadline=None)
@given(st.text(ALPHABET, max_size=8), st.lists(st.text(ALPHABET, max_size=6), max_size=5))
def test_a_name_matches_a_list_exactly_when_fnmatchcase_matches_one_of_its_globs(name: str,
                                                                                globs: list[str]) -> None:
    expected = any(fnmatch.fnmatchcase(name, glob) for glob in globs)
    assert matches_any(name, globs) is expected
    assert matches_any(name, tuple(globs)) is expected
    assert matches_any(name, iter(globs)) is expected  # any iterable, consumed once


@pytest.mark.parametrize(("name", "globs", "expected"), [
    ("log_min_duration", ("log_*", "lc_*"), True),
    ("Log_min", ("log_*",), False),  # case-sensitive, on every platform
    ("a.b", ("a?b",), True),
    ("a\nb", ("a?b",), True),  # ? and * cross a newline, as in fnmatch
    ("app.users", ("*.users", "users"), True),
    ("x", (), False),
    ("", ("",), True),
    ("[x]", ("[[]x]",), True),
    ("shared_buffers", ("[!s]*",), False),
    ("<script>", ("<*>",), True),
])
def test_glob_lists_follow_fnmatch_rules(name: str, globs: tuple[str, ...], expected: bool) -> None:
    assert matches_any(name, globs) is expected


def test_a_list_of_hundreds_of_globs_is_matched_as_a_whole() -> None:
    globs = (*(f"setting_{i}_*" for i in range(500)), "wal_*")
    assert matches_any("wal_level", globs)
    assert matches_any("setting_499_x", globs)
    assert not matches_any("setting_500_x", globs)
