"""Find secrets in a string by what the value looks like, and return the spans of the secret part only.

`find_secret_spans` locates credentials inside longer strings (URLs, DSNs, headers, command lines,
embedded config files) and known token formats, so that a caller can replace just the secret part
with a keyed fingerprint while hosts, paths and user names stay comparable::

    >>> text = "postgres://app:hunter2@db:5432/app"
    >>> [(text[s.start:s.end], s.kind) for s in find_secret_spans(text)]
    [('hunter2', 'url_password')]

Speed: the caller runs this on every string leaf of a snapshot (160k+ leaves), so one precompiled
prefilter regex rejects ordinary values first. Each of its branches begins with a punctuation mark,
a blank or an upper-case letter, so the regex engine's first-character scan skips most positions of
an ordinary value without trying a branch; the detectors below only run on the few strings that pass.

Decisions (see also the kind list in `KINDS`):

* Stripe publishable keys (``pk_live_``/``pk_test_``) are not secrets: they ship to browsers by
  design. Secret (``sk_``), restricted (``rk_``) keys and webhook secrets (``whsec_``) are.
* ``-p<value>`` counts as a password only when attached (no blank) and in a command of the MySQL
  family (``mysql``, ``mysqldump``, ``mysqladmin``, ``mariadb``...), where ``-p`` takes the password
  glued to it. ``-p 5432`` (psql's port), ``mkdir -p dir`` and ``docker run -p8080:80`` are not.
* Image digests (``@sha256:<hex>``), UUIDs, versions and bare commit SHAs are never secrets here;
  `looks_high_entropy` is the caller's tool for values under secret-looking key names.
* A value that is already masked (``***`` or a fingerprint ``[secret:<32 hex>]``) or a reference to
  one (``$VAR``, ``${VAR}``, ``{{ template }}``) is not reported, so masking twice changes nothing.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

__all__ = ["KINDS", "Span", "find_secret_spans", "looks_high_entropy", "mask_spans", "none_has_a_secret"]


@dataclass(frozen=True)
class Span:
    """Where a secret sits in a string: ``text[start:end]`` is the secret part only."""

    start: int
    """Index of the secret's first character."""
    end: int
    """Index just past the secret's last character."""
    kind: str
    """What was found, one of `KINDS` (e.g. ``"url_password"``, ``"jwt"``)."""


def _ci(word: str) -> str:
    """A case-insensitive regex for `word` built from character classes ([Pp][Aa]...), which, unlike
    ``(?i:...)``, keeps the regex engine's first-character scan."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)


# ---------------------------------------------------------------------------------------------
# Prefilter: a string that matches none of these cannot hold anything the detectors report.
# ---------------------------------------------------------------------------------------------
# Secret-ish key names end with one of these three letters (passwORD, passWD, PWD, toKEN, secRET,
# api_KEY, pASS, SIG, signatURE, aUTH); checked just before a '=' or ':' (optionally after a quote
# or one blank), so "page=2", "path=/x", "config=x" or "10:30" fail at once.
_NAME_TAILS = "|".join(_ci(t) for t in ("ord", "swd", "pwd", "ken", "ret", "key", "ass", "sig", "ure", "uth"))
# A scheme word and a blank, then a token: 8+ token characters, or anything up to the end of the text.
_SCHEMES = (
    "(?:"
    + "|".join(rf"(?<={_ci(w)}[ \t])" for w in ("bearer", "basic", "token"))
    + r")(?=[A-Za-z0-9._~+/=-]{8}|[^\s\"',;]+[\"']?\s*$)"
)
_PREFILTER_PATTERN = (
    # Every branch starts with a literal character: only then does the regex engine build the set of
    # first characters that lets it skip the other positions of the string without trying a branch.
    # The empty group that follows names the family of detectors to run (see `_FAMILIES`).
    rf"=(?P<kv>)(?:(?<=(?:{_NAME_TAILS})=)|(?<=(?:{_NAME_TAILS})[\"' ]=))"  # password=, token = x
    rf"|:(?:(?P<kv_colon>)(?:(?<=(?:{_NAME_TAILS}):)|(?<=(?:{_NAME_TAILS})[\"' ]:))"  # "token": "x"
    r"|//(?P<url>)[^\s/?#@]*@|//hooks\.slack\.com/(?P<webhook>))"  # scheme://user:pass@, Slack
    rf"| (?P<header>)(?:{_SCHEMES})|\t(?P<header_tab>)(?:{_SCHEMES})"  # Bearer x, Basic x, Token x
    r"|-(?:----BEGIN(?P<pem>)|(?<=\s-)p\S(?P<mysql>)"  # PEM block, mysql -p<secret>
    rf"|(?<=\s--)[\w-]+(?<=(?:{_NAME_TAILS}))[= \t](?P<flag>)"  # --password x, --api-key=x
    r"|(?P<dash_token>)(?:(?<=glpat-)|(?<=glptt-)|(?<=glrt-)|(?<=gldt-)|(?<=xox[abprs]-)|(?<=xapp-)))"
    r"|_(?P<underscore_token>)(?:(?<=gh[pousr]_)|(?<=github_pat_)|(?<=[sr]k_)(?:live|test)_|(?<=whsec_)"
    r"|(?<=npm_))"  # GitHub, Stripe, npm
    r"|J(?P<jwt>)(?<=eyJ)"  # JWT header
    r"|A(?P<aws>)(?:KIA|SIA)|A(?P<google>)Iza"  # AWS access key id, Google API key
)

# ---------------------------------------------------------------------------------------------
# Detectors. Each regex has one or more groups named "s" or "s<n>"; the first that matched is the
# secret part. A detector only runs when the prefilter found a trigger of its family.
# ---------------------------------------------------------------------------------------------
_VALUE_END = r"(?![A-Za-z0-9_])"
_SECRET_WORDS = r"password|passwd|passphrase|pwd|pass|secret|token"
_QUALIFIED_KEY = (
    r"(?:api|access|secret|private|auth|signing|encryption|master|client|account|session|"
    r"app|subscription|license)[_.-]?key"
)
#: Key names in key=value pairs (DSNs, env assignments, embedded config files).
#: The longer words may also come glued to a prefix (PGPASSWORD, REDISPASSWORD, csrftoken); the short
#: ones may not (bypass, OLDPWD, compass are not secrets).
_KV_NAME = (rf"(?:(?:[\w.-]*[_.-])?(?:{_SECRET_WORDS}|{_QUALIFIED_KEY}|apikey|auth)"
            r"|[A-Za-z0-9]+(?:password|passwd|passphrase|secret|token))")
#: Query parameter names: as above, plus bare key/sig/signature (Google ?key=, Azure SAS &sig=, AWS
#: X-Amz-Signature), but not public_key/pubkey.
_QUERY_NAME = (
    rf"(?:[\w.~-]*[_.~-])?(?:{_SECRET_WORDS}|{_QUALIFIED_KEY}|apikey|auth|signature|sig|"
    r"(?<![Pp]ublic[_.~-])(?<![Pp]ub[_.~-])key)"
)
_FINGERPRINT = r"\[secret:[0-9a-f]{32}\]"
_FLAG_WORDS = _SECRET_WORDS.replace("pass|", "")
#: A template or variable reference standing for the value: not the secret itself.
_REFERENCE = r"\{\{.*?\}\}|\$\{[^}]*\}"
_MYSQL_COMMANDS = r"(?:mysql(?:dump|admin|import|show|check|pump|slap|binlog)?|mariadb(?:-?dump|-?admin)?)"

class _Lazy:
    """A detector's regex, compiled when first used: most texts call for no detector, and most runs
    for a few of them, so start-up does not compile them all."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """`re.Pattern.finditer`, compiling first if need be (two threads may both compile: same result)."""
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self.pattern, self.flags)
        return compiled.finditer(text)


_DETECTORS: tuple[tuple[str, _Lazy], ...] = (
    (
        "private_key",
        _Lazy(
            r"(?P<s>-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?"
            r"(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z))",
            re.DOTALL,
        ),
    ),
    (
        "jwt",
        _Lazy(
            r"(?<![A-Za-z0-9_-])(?P<s>eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*)(?![A-Za-z0-9_.-])"
        ),
    ),
    ("aws_access_key_id", _Lazy(r"(?<![A-Za-z0-9])(?P<s>(?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Za-z0-9])")),
    (
        "aws_secret_access_key",
        _Lazy(
            r"(?i:secret[_.-]?access[_.-]?key)[\"']?\s*[:=]\s*[\"']?(?P<s>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
        ),
    ),
    (
        "github_token",
        _Lazy(
            r"(?<![A-Za-z0-9_])(?P<s>gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{22,255})"
            + _VALUE_END
        ),
    ),
    (
        "gitlab_token",
        _Lazy(r"(?<![A-Za-z0-9_-])(?P<s>gl(?:pat|ptt|rt|dt)-[A-Za-z0-9_-]{20,})(?![A-Za-z0-9_-])"),
    ),
    (
        "slack_webhook",
        _Lazy(r"://hooks\.slack\.com/(?:services|workflows|triggers)/(?P<s>[A-Za-z0-9_/-]+)"),
    ),
    (
        "slack_token",
        _Lazy(r"(?<![A-Za-z0-9_-])(?P<s>(?:xox[abprs]|xapp)-[A-Za-z0-9-]{10,})(?![A-Za-z0-9_-])"),
    ),
    (
        "stripe_key",
        _Lazy(
            r"(?<![A-Za-z0-9_])(?P<s>[sr]k_(?:live|test)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9]{20,})"
            + _VALUE_END
        ),
    ),
    ("google_api_key", _Lazy(r"(?<![A-Za-z0-9_-])(?P<s>AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])")),
    ("npm_token", _Lazy(r"(?<![A-Za-z0-9_])(?P<s>npm_[A-Za-z0-9]{36})" + _VALUE_END)),
    # scheme://user:password@host -- the password runs to the last '@' before the path.
    (
        "url_password",
        _Lazy(
            rf"\b[A-Za-z][A-Za-z0-9+.-]*://(?!{_FINGERPRINT}@)[^\s:/?#@]*:(?P<s>[^\s/?#]+)@[^\s/?#@]*"
        ),
    ),
    # https://<token>@host -- only when the user name looks like a token (checked in code).
    ("url_token", _Lazy(r"\b[A-Za-z][A-Za-z0-9+.-]*://(?P<s>[^\s:/?#@]+)@")),
    ("url_query_secret", _Lazy(rf"[?&](?i:{_QUERY_NAME})=(?P<s>[^&#;\s\"']+)")),
    # Authorization: Bearer <tok>, or "Bearer <tok>" as the whole text, or a token-shaped word after
    # a scheme word in free text (the context is checked in `_auth_header_ok`). The regex starts at the
    # blank, so that the engine skips to blanks.
    (
        "auth_header",
        _Lazy(
            "[ \t](?:"
            + "|".join(rf"(?<={_ci(w)}[ \t])" for w in ("bearer", "basic", "token", "digest"))
            + r")[ \t]*(?P<s>[^\s\"',;]+)"
        ),
    ),
    # ADO.NET / JDBC / ODBC: name=value pairs separated by ';', the value running to the ';'.
    (
        "connection_string_password",
        _Lazy(
            r"(?:^|;)\s*(?i:password|pwd|passwd)\s*=\s*"
            r"(?:'(?P<s1>(?:[^']|'')*)'|\"(?P<s2>(?:[^\"]|\"\")*)\"|\{(?P<s3>(?:[^}]|\}\})*)\}|(?P<s>[^;'\"{]+?))\s*(?=;|$)"
        ),
    ),
    # password=x, PASSWORD: x, "api_key": "x", token='x y' (libpq DSNs, env, embedded files).
    (
        "key_value_secret",
        _Lazy(
            rf"(?<![\w.?&[-])[\"']?(?i:{_KV_NAME})[\"']?[ \t]*[=:][ \t]*"
            rf"(?:{_FINGERPRINT}|{_REFERENCE}|'(?P<s1>[^'\n]*)'|\"(?P<s2>[^\"\n]*)\"|(?P<s>[^\s'\";&,}}\]]+))"
        ),
    ),
    # --password=x, --token x, --api-key "x" (not --password-file, --no-password, --token-ttl).
    (
        "cli_secret_flag",
        _Lazy(
            rf"(?<!\S)--(?!no-)(?i:[\w-]*(?:{_FLAG_WORDS}|{_QUALIFIED_KEY}|apikey|api-key))"
            r"(?:=|[ \t]+)(?:'(?P<s1>[^']*)'|\"(?P<s2>[^\"]*)\"|(?P<s>(?!-)[^\s'\"]+))"
        ),
    ),
    # mysql -uroot -psecret: mysql's -p takes the password attached; -p alone prompts.
    (
        "cli_mysql_password",
        _Lazy(
            rf"(?<![\w./-]){_MYSQL_COMMANDS}(?:[ \t]+[^\s;|&]+)*?[ \t]+-p"
            r"(?:'(?P<s1>[^']*)'|\"(?P<s2>[^\"]*)\"|(?P<s>[^\s'\"]+))"
        ),
    ),
)

#: Every kind `find_secret_spans` reports.
KINDS: tuple[str, ...] = tuple(kind for kind, _ in _DETECTORS)

_KV = (
    "aws_secret_access_key",
    "url_query_secret",
    "connection_string_password",
    "key_value_secret",
    "cli_secret_flag",
)
_TOKENS = (
    "jwt",
    "aws_access_key_id",
    "github_token",
    "gitlab_token",
    "slack_token",
    "stripe_key",
    "google_api_key",
    "npm_token",
)
#: Prefilter group -> the detectors it calls for.
_FAMILIES: dict[str, tuple[str, ...]] = {
    "kv": _KV,
    "kv_colon": _KV,
    "url": ("url_password", "url_token", *_TOKENS),
    "webhook": ("slack_webhook",),
    "header": ("auth_header",),
    "header_tab": ("auth_header",),
    "pem": ("private_key",),
    "mysql": ("cli_mysql_password",),
    "flag": ("cli_secret_flag", *_KV),
    "dash_token": ("gitlab_token", "slack_token"),
    "underscore_token": ("github_token", "stripe_key", "npm_token"),
    "jwt": ("jwt",),
    "aws": ("aws_access_key_id",),
    "google": ("google_api_key",),
}

_MASKED = re.compile(
    r"\[secret:[0-9a-f]{32}\]|\*+|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\{\{.*\}\}|<[\w .-]*>", re.DOTALL
)
_PRIORITY = {kind: i for i, kind in enumerate(KINDS)}


_FINGERPRINTS = re.compile(_FINGERPRINT)


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


_HEADER_NAME = re.compile(r"(?i:authorization)[\"']?[ \t]*[:=][ \t]*[\"']?\Z")


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
    MULTILINE, its one anchor (``$``, in the lookahead after a scheme word) also matches just before
    each newline, where one string ended."""
    return re.compile(_PREFILTER_PATTERN, re.MULTILINE if joined else 0)


def none_has_a_secret(texts: Iterable[str]) -> bool:
    """True when `find_secret_spans` finds nothing in any of `texts`, from one search over them all.

    False may be wrong (a trigger may appear where two strings meet): then ask each string. True is
    never wrong: every branch of the prefilter is characters, character classes, repeats and positive
    lookarounds, with ``$`` as its only anchor (tests/redact/test_shapes_joined.py checks this), so
    a match inside one string is still a match where that string sits in the joined text, and
    `find_secret_spans` reports nothing for a string the prefilter does not match.
    """
    return prefilter(joined=True).search("\n".join(texts)) is None


def find_secret_spans(text: str) -> tuple[Span, ...]:
    """The secret parts of `text`, as sorted, non-overlapping spans (empty for ordinary values).

    Overlapping findings merge into one span (so no part of either leaks), whose kind is that of
    the one starting first, then the longer, then the more specific (the order of `KINDS`).
    """
    if len(text) < 5 or prefilter().search(text) is None:
        return ()
    families = {match.lastgroup for match in prefilter().finditer(text)}
    wanted = {kind for family in families if family for kind in _FAMILIES[family]}
    found: list[tuple[int, int, int, str]] = []
    for kind, regex in _DETECTORS:
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
#: Shortest value considered (shorter random strings are rare as secrets and common as words).
MIN_LENGTH = 16
#: Shannon entropy, in bits per character, a hex value must reach (random hex: close to 4; at most 4).
HEX_ENTROPY = 3.0
#: Shannon entropy a base64/base64url value must reach (random base64 of 16 characters: about 3.8,
#: of 40: about 4.9; English identifiers in camel case: usually 3.0 to 3.6).
BASE64_ENTROPY = 3.7
_HEX = re.compile(r"[0-9a-fA-F]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_WORDISH = re.compile(r"[a-z]+(?:[_-][a-z0-9]+)*|[A-Z][a-z]+(?:[A-Z][a-z]+|[0-9]+)*|[A-Z]+(?:_[A-Z0-9]+)*")


def _entropy(value: str) -> float:
    """Shannon entropy of `value`'s characters, in bits per character."""
    length = len(value)
    return -sum(n / length * math.log2(n / length) for n in Counter(value).values())


def looks_high_entropy(value: str) -> bool:
    """Whether `value` looks like a random secret (a key, token or password generated by a machine).

    For values whose key name already looks secret-ish; the caller decides when to ask. True when:

    * it has at least `MIN_LENGTH` (16) characters and no whitespace;
    * it is hex with entropy at least `HEX_ENTROPY` (3.0 bits per character), or base64/base64url
      (``A-Z a-z 0-9 + / _ -``, up to two ``=`` of padding) with entropy at least `BASE64_ENTROPY`
      (3.7) and at least two of lower case, upper case and digits;
    * it is not a UUID, a number, a path (leading ``/``, ``./``, ``~/``), a version, a host name or
      dotted name (any ``.``), nor a word-like identifier (``snake_case``, ``kebab-case``,
      ``CamelCase``, ``UPPER_CASE``).
    """
    if len(value) < MIN_LENGTH or value.isdigit() or "." in value or value[0] in "/~":
        return False
    if _UUID.fullmatch(value) or _WORDISH.fullmatch(value):
        return False
    if _HEX.fullmatch(value):
        return _entropy(value.lower()) >= HEX_ENTROPY
    if not _BASE64.fullmatch(value):
        return False
    classes = sum(
        (any(c.islower() for c in value), any(c.isupper() for c in value), any(c.isdigit() for c in value))
    )
    return classes >= 2 and _entropy(value.rstrip("=")) >= BASE64_ENTROPY
