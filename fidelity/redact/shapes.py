"""Find secrets in a string by what the value looks like, and return the spans of the secret part only.

`find_secret_spans` locates credentials inside longer strings (URLs, DSNs, headers, command lines,
embedded config files) and known token formats, so that a caller can replace just the secret part
with a keyed fingerprint while hosts, paths and user names stay comparable::

    >>> text = "postgres://app:hunter2@db:5432/app"
    >>> [(text[s.start:s.end], s.kind) for s in find_secret_spans(text)]
    [('hunter2', 'url_password')]

Speed: the caller runs this on every string leaf of a snapshot (160k+ leaves), so one precompiled
prefilter regex rejects ordinary values first, and the detectors only run on the few strings that
pass (the prefilter and the detectors are catalogued in `detectors.py`).

Decisions (see also the kind list in `KINDS`):

* Stripe publishable keys (``pk_live_``/``pk_test_``) are not secrets: they ship to browsers by
  design. Secret (``sk_``), restricted (``rk_``) keys and webhook secrets (``whsec_``) are.
* ``-p<value>`` counts as a password only when attached (no blank) and in a command of the MySQL
  family (``mysql``, ``mysqldump``, ``mysqladmin``, ``mariadb``...), where ``-p`` takes the password
  glued to it. ``-p 5432`` (psql's port), ``mkdir -p dir`` and ``docker run -p8080:80`` are not.
* Image digests (``@sha256:<hex>``), UUIDs, versions and bare commit SHAs are never secrets here;
  `entropy.looks_high_entropy` is the caller's tool for values under secret-looking key names.
* A value that is already masked (``***`` or a fingerprint ``[secret:<32 hex>]``) or a reference to
  one (``$VAR``, ``${VAR}``, ``{{ template }}``) is not reported, so masking twice changes nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from fidelity.redact.detectors import DETECTORS, FAMILIES, FINGERPRINT, KINDS, PREFILTER_PATTERN, Lazy
from fidelity.redact.entropy import looks_high_entropy

__all__ = ["KINDS", "Span", "find_secret_spans", "mask_spans", "none_has_a_secret"]


@dataclass(frozen=True)
class Span:
    """Where a secret sits in a string: ``text[start:end]`` is the secret part only."""

    start: int
    """Index of the secret's first character."""
    end: int
    """Index just past the secret's last character."""
    kind: str
    """What was found, one of `KINDS` (e.g. ``"url_password"``, ``"jwt"``)."""


_MASKED = Lazy(
    r"\[secret:[0-9a-f]{32}\]|\*+|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\{\{.*\}\}|<[\w .-]*>", re.DOTALL
)
_PRIORITY = {kind: i for i, kind in enumerate(KINDS)}


_FINGERPRINTS = Lazy(FINGERPRINT)


def _overlapping_fingerprints(text: str, start: int, end: int) -> list[re.Match[str]]:
    """The fingerprints in `text` that cover any part of ``text[start:end]`` (also one that begins
    before `start`: a detector may have matched from inside it, e.g. a URL's user ``password=[secret``)."""
    return [fp for fp in _FINGERPRINTS.finditer(text) if fp.start() < end and fp.end() > start]


def _unmasked_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The parts of ``text[start:end]`` between fingerprints that hold a letter or digit."""
    pieces: list[tuple[int, int]] = []
    for fp in (*_overlapping_fingerprints(text, start, end), None):
        piece_end = end if fp is None else max(start, fp.start())
        if any(c.isalnum() for c in text[start:piece_end]):
            pieces.append((start, piece_end))
        if fp is not None:
            start = max(start, fp.end())
    return pieces


def _token_shaped(value: str) -> bool:
    """Whether a word after "Bearer"/"Basic"/"Token" in free text is a token rather than prose: it
    holds a digit or one of ``._~+/=-``, or an upper-case letter after the first character."""
    return any(c.isdigit() or c in "._~+/=-" for c in value) or any(c.isupper() for c in value[1:])


_HEADER_NAME = Lazy(r"(?i:authorization)[\"']?[ \t]*[:=][ \t]*[\"']?\Z")


def _auth_header_ok(text: str, blank: int, start: int, end: int) -> bool:
    """Whether the word at ``text[start:end]``, after the scheme word ending at `blank`, is a
    credential: in an Authorization header, alone with its scheme word as the whole text, or, in
    free text, token-shaped after a whole scheme word."""
    word = blank - (6 if text[blank - 6 : blank].lower() in ("bearer", "digest") else 5)
    if _HEADER_NAME.search(text, max(0, word - 40), word):
        return True
    if not text[:word].strip() and not text[end:].strip():
        return True
    return (word == 0 or not (text[word - 1].isalnum() or text[word - 1] in "_-")) and _token_shaped(
        text[start:end]
    )


@functools.cache
def prefilter(joined: bool = False) -> re.Pattern[str]:
    """The prefilter, compiled when first used (a run whose strings all pass `none_has_a_secret`
    never needs the single-string one). `joined` gives the one for strings joined by newlines: with
    MULTILINE, its anchors (``$`` in the lookahead after a scheme word, ``^`` before a flag that starts
    the text) also match just before and after each newline, where one string ends and the next begins."""
    return re.compile(PREFILTER_PATTERN, re.MULTILINE if joined else 0)


#: Strings a search of `none_has_a_secret` found nothing in (at most `_CLEARED_MAX`): in each of them
#: alone `find_secret_spans` finds nothing, so a later search skips them (the second environment's
#: copy of a file, a schema's repeated column types).
_CLEARED: set[str] = set()
_CLEARED_MAX = 200_000


def none_has_a_secret(texts: Iterable[str]) -> bool:
    """True when `find_secret_spans` finds nothing in any of `texts`, from one search over them all.

    False may be wrong (a trigger may appear where two strings meet): then ask each string. True is
    never wrong: every branch of the prefilter is characters, character classes, repeats and positive
    lookarounds, with ``^`` and ``$`` as its only anchors, which MULTILINE makes match where each
    string begins and ends (tests/redact/test_shapes_joined.py checks this), so
    a match inside one string is still a match where that string sits in the joined text, and
    `find_secret_spans` reports nothing for a string the prefilter does not match. The same holds
    for each string alone, so the strings of a search that found nothing are remembered and left out
    of later searches.
    """
    cleared = _CLEARED
    fresh = [text for text in texts if text not in cleared]
    joined = "\n".join(fresh)
    if "[secret:" in joined:  # a fingerprint's `secret:` is a trigger, yet in a fingerprint alone (a
        # masked value, a function body's hash) `find_secret_spans` finds nothing: left out of the search
        joined = "\n".join(text for text in fresh if not _FINGERPRINTS.fullmatch(text))
    if prefilter(joined=True).search(joined) is not None:
        return False
    if len(cleared) < _CLEARED_MAX:
        cleared.update(fresh)
    return True


def find_secret_spans(text: str) -> tuple[Span, ...]:
    """The secret parts of `text`, as sorted, non-overlapping spans (empty for ordinary values).

    Overlapping findings merge into one span (so no part of either leaks), whose kind is that of
    the one starting first, then the longer, then the more specific (the order of `KINDS`).
    """
    if len(text) < 5 or prefilter().search(text) is None or _FINGERPRINTS.fullmatch(text):
        return ()  # nothing found; or a fingerprint alone (a masked value, e.g. a function body's hash)
    families = {match.lastgroup for match in prefilter().finditer(text)}
    wanted = {kind for family in families if family for kind in FAMILIES[family]}
    found: list[tuple[int, int, int, str]] = []
    for kind, regex in DETECTORS:
        if kind not in wanted:
            continue
        for match in regex.finditer(text):
            start, end = next(
                (match.span(g) for g, v in match.groupdict().items() if v is not None), (-1, -1)
            )
            if start >= end:
                continue
            secret = text[start:end]
            # the context check comes first, so that masking a text again finds what it found before
            if kind == "auth_header" and not _auth_header_ok(text, match.start(), start, end):
                continue
            if "[secret:" in text and _overlapping_fingerprints(text, start, end):
                # a match running over (or from inside) values masked before: only the rest counts
                found.extend(
                    (piece_start, -piece_end, _PRIORITY[kind], kind)
                    for piece_start, piece_end in _unmasked_pieces(text, start, end)
                )
                continue
            if _MASKED.fullmatch(secret):
                continue
            if kind == "url_token" and not looks_high_entropy(secret):
                continue
            found.append((start, -end, _PRIORITY[kind], kind))
    if not found:
        return ()
    found.sort()
    spans: list[Span] = []
    for start, neg_end, _, kind in found:
        if spans and start < spans[-1].end:  # overlapping: one span covering both, so nothing leaks
            if -neg_end > spans[-1].end:
                spans[-1] = Span(spans[-1].start, -neg_end, spans[-1].kind)
            continue
        spans.append(Span(start, -neg_end, kind))
    return tuple(spans)


def mask_spans(text: str, replace: Callable[[str], str]) -> str:
    """`text` with each secret part found by `find_secret_spans` replaced by ``replace(secret)``."""
    spans = find_secret_spans(text)
    if not spans:
        return text
    parts: list[str] = []
    position = 0
    for span in spans:
        parts.append(text[position : span.start])
        parts.append(replace(text[span.start : span.end]))
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


# ---------------------------------------------------------------------------------------------
# Entropy check, for values under secret-looking parents.
# ---------------------------------------------------------------------------------------------
