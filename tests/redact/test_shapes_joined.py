"""`none_has_a_secret`: one prefilter search over many strings joined, never True when one holds a secret."""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fidelity.redact.argv import may_flag, secret_flag
from fidelity.redact.detectors import FLAG_DASH, PREFILTER_PATTERN, TOKEN_DASH
from fidelity.redact.shapes import find_secret_spans, none_has_a_secret, prefilter

GHP = "ghp_" + "aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY1z2A"
#: A keyed fingerprint, as masking writes one (and the postgres probe writes each function body's hash).
FP = "[secret:" + "0123456789abcdef" * 2 + "]"
#: Secrets whole, and pieces of them that join into one where two strings meet.
PIECES = ["Bearer abc", "Bearer abcdefghijk", "Token x", "token\tabc", "basic ", "abc", "\n", " ", "\t",
          "password=", "hunter2", "pass", "word=x", '"token": ', '"x"', "postgres://u:pw@h/db", "//", "u@h",
          "-----BEGIN", "-p", " -pS3cret", "--password x", "--api-key=", "glpat-", "xoxb-", "gh", "p_",
          GHP, "eyJ", "hbGciOi", "AKIA", "AIza", "sk_live_", "whsec_", "npm_", "hooks.slack.com/", "", "x",
          "Authorization: Basic dXNlcjpodW50ZXIy", "a:b", "https://example.com/x", "Bearer abc\n", "é 😀",
          "--requirepass x", "-requirepass", "requirepass ", "redis-cli -a x", "curl -u a:b", "machine h ",
          "password 'x'", "<password>x</password>", "'password' => 'x'", '\\"token\\":\\"x\\"', FP,
          FP[:-1], "[secret:"]
STRINGS = st.one_of(st.sampled_from(PIECES), st.text(max_size=12),
                    st.lists(st.sampled_from(PIECES), max_size=4).map("".join))

#: Regex operations under which a match inside one string stays a match inside the joined text.
ALLOWED = {sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY, sre.BRANCH, sre.SUBPATTERN, sre.MAX_REPEAT,
           sre.MIN_REPEAT, sre.ASSERT, sre.AT, sre.GROUPREF}


def operations(parsed: Any) -> list[tuple[Any, Any]]:
    """Every (operation, argument) of a parsed regex, at any depth."""
    found: list[tuple[Any, Any]] = []
    for op, arg in parsed:
        found.append((op, arg))
        if op is sre.BRANCH:
            for branch in arg[1]:
                found += operations(branch)
        elif op is sre.SUBPATTERN:
            found += operations(arg[-1])
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            found += operations(arg[2])
        elif op is sre.ASSERT:
            found += operations(arg[1])
    return found


def test_the_prefilter_only_uses_what_joining_keeps() -> None:
    found = operations(_parser.parse(prefilter().pattern, prefilter().flags))
    assert {op for op, _ in found} <= ALLOWED  # no negative lookaround, no atomic group, no conditional
    # `^` and `$` only (no \\b, \\A, \\Z): the joined text is searched with MULTILINE, under which they
    # match where each string begins and ends, as they do in the string alone
    assert {arg for op, arg in found if op is sre.AT} <= {sre.AT_BEGINNING, sre.AT_END}
    assert not prefilter().flags & (re.MULTILINE | re.DOTALL)


@settings(max_examples=3000, deadline=None)
@given(texts=st.lists(STRINGS, max_size=6))
def test_true_only_when_no_string_holds_a_secret(texts: list[str]) -> None:
    if none_has_a_secret(texts):
        assert [t for t in texts if find_secret_spans(t)] == []


def test_a_secret_anywhere_among_many_strings_is_seen() -> None:
    plain = [f"host-{i}.internal" for i in range(1000)]
    assert none_has_a_secret(plain)
    for secret in ["Bearer abc", "Token abcdefghij", "postgres://u:pw@h/db", GHP,
                   "mysql -uroot -pS3cret", "password=hunter2", "Bearer abc\n"]:
        assert find_secret_spans(secret)
        for where in (0, 500, 1000):
            assert not none_has_a_secret([*plain[:where], secret, *plain[where:]])


#: Dashes where a flag or a token prefix may stand, and where none does.
DASHES = ["-", "--", " -", "\n-", "-a ", "-p", "-pX", "--password ", "--api-key=", "-x", "host-1",
          "2026-12-01", "glpat-", "glptt-", "glrt-", "gldt-", "xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-",
          "xapp-", "at-", "--db-password", "\t--token\t"]


@settings(max_examples=3000, deadline=None)
@given(text=st.lists(st.one_of(STRINGS, st.sampled_from(DASHES)), max_size=6).map("".join),
       joined=st.booleans())
def test_the_dash_guards_change_no_match(text: str, joined: bool) -> None:
    """FLAG_DASH and TOKEN_DASH, asked ahead of the branches that each require them, only skip what
    would fail: without them the prefilter finds the same triggers, at the same places, of the same
    families, in a string alone and in joined text (MULTILINE)."""
    assert PREFILTER_PATTERN.count(FLAG_DASH) == 1
    assert PREFILTER_PATTERN.count(TOKEN_DASH) == 1
    unguarded = PREFILTER_PATTERN.replace(FLAG_DASH, "").replace(TOKEN_DASH, "")
    flags = re.MULTILINE if joined else 0
    found = [(m.span(), m.lastgroup) for m in re.compile(PREFILTER_PATTERN, flags).finditer(text)]
    assert found == [(m.span(), m.lastgroup) for m in re.compile(unguarded, flags).finditer(text)]


def test_strings_found_clean_are_left_out_of_later_searches_and_a_secret_is_still_seen() -> None:
    """A second environment's copy of a file asks again about the same strings: those a search found
    nothing in are not searched again, and a secret among them is still seen."""
    plain = [f"cleared-{i}.internal" for i in range(100)]
    assert none_has_a_secret(plain)
    assert none_has_a_secret(plain)  # every string cleared already: nothing left to search
    for secret in ["Bearer abcdefghijk", "--password", "postgres://u:pw@h/db", "mysql -uroot -pS3cret"]:
        assert not none_has_a_secret([*plain, secret])
        assert not none_has_a_secret([*plain, secret])


def test_fingerprints_alone_need_no_search_and_a_secret_beside_them_is_still_seen() -> None:
    """A schema's function bodies are recorded as fingerprints, whose `secret:` looks like a name
    before a colon to the prefilter: a fingerprint alone holds nothing to find, so it neither sends
    the whole batch to the per-string search nor costs the detectors' compilation; a fingerprint with
    more text, and a secret in another string, are searched as before."""
    hashes = [f"[secret:{i:032x}]" for i in range(100)]
    assert find_secret_spans(hashes[0]) == ()
    assert none_has_a_secret([*hashes, "integer", "plpgsql"])
    for other in ["password=hunter2", f"{FP} password=hunter2", "Bearer abcdefghijk", "[secret:XYZ]: pw",
                  f"password={FP[:-1]}"]:
        assert not none_has_a_secret([*hashes, other])
    assert find_secret_spans(f"password=hunter2 {FP}")
    assert find_secret_spans(f"{FP}password=hunter2")


LONE_FLAG_OLD = r"(?:(?<=^-)|(?<=\s-))-?[\w.-]+$"
NUMBERISH = st.text(alphabet=st.sampled_from("0123456789.-١２²aZpP_ｐａｓｓé"), min_size=1, max_size=10)


@settings(max_examples=3000, deadline=None)
@given(tail=NUMBERISH, lead=st.sampled_from(["-", "--", "x -", "a\t--"]),
       program=st.sampled_from(["", "redis-cli", "curl", "mysql", "sshpass"]))
def test_a_number_is_no_flag_but_every_flag_is_still_a_trigger(tail: str, lead: str, program: str) -> None:
    """The prefilter's lone-flag branch leaves out a string of digits, dots and dashes (a setting's
    `-1`), which no program takes as a flag before a secret; any string that the flag checks could
    take as one still triggers it."""
    text = lead + tail
    if re.search(LONE_FLAG_OLD, text) is not None and prefilter().search(text) is None:
        flag = text.split()[-1]
        assert not may_flag(flag)
        assert not any(secret_flag(flag, program, following) for following in (None, "hunter2"))


def test_settings_of_minus_one_need_no_search_of_their_own() -> None:
    assert none_has_a_secret(["-1", "-2", "-0.5", "--1", "off", "1min"])
    assert not none_has_a_secret(["-1", "--db-password"])
    assert not none_has_a_secret(["-1", "-1password"])
