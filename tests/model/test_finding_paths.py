"""Finding paths: JSON-Pointer escaping and rule globs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidelity.model import finding_paths as paths


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_escaped_segments_never_hold_a_separator(segments: list[str]) -> None:
    assert paths.join(segments).count("/") == len(segments) - 1


def test_escaping_matches_json_pointer() -> None:
    assert paths.join(["app", "a/b", "c~d", "~1"]) == "app/a~1b/c~0d/~01"


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("app/**/LOG_LEVEL", "app/app.env/LOG_LEVEL", True),
        ("app/**/LOG_LEVEL", "app/LOG_LEVEL", True),
        ("app/**/LOG_LEVEL", "app/a/b/c/LOG_LEVEL", True),
        ("app/*/LOG_LEVEL", "app/a/b/LOG_LEVEL", False),
        ("app/*/LOG_LEVEL", "app/app.env/LOG_LEVEL", True),
        ("app/*", "app/app.env/LOG_LEVEL", False),
        ("app/**", "app", True),
        ("app/**", "app/x/y", True),
        ("app/**", "application/x", False),
        ("**", "anything/at/all", True),
        ("db/schema/*/tables/users*", "db/schema/public/tables/users_archive", True),
        ("app/a~1b", "app/a~1b", True),
        ("app/a.b", "app/aXb", False),
        ("app/LOG_LEVEL", "app/LOG_LEVEL/extra", False),
        ("app/?", "app/x", True),
    ],
)
def test_globs(pattern: str, path: str, expected: bool) -> None:
    assert paths.matches(pattern, path) is expected
