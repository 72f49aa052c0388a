"""Secrets in text: secret-looking key names, and credentials inside URLs, DSNs and command lines."""

from __future__ import annotations

import functools
import logging
import math
import re
import unicodedata
from collections.abc import Iterable
from typing import Any, cast

from fidelity.redact.detectors import Lazy
from fidelity.redact.shapes import find_secret_spans, mask_spans

MASK = "***"

#: Key names that hold secrets, matched case-insensitively anywhere in the name (authorization: at its end).
#: Compiled when first needed (`secret_name_re`, or the module attribute SECRET_NAME_RE): a run whose
#: names all pass `no_secret_name` never compiles it.
SECRET_NAME_PATTERN = (
    r"pass(?:word|wd|phrase|code|key)?s?(?![a-z])|pwd|secret|token|api[-_.]?key|masterauth"
    # short forms as words of their own: DB_PW, userPw, creds, refreshTok (not pwned, credo, tokyo)
    r"|(?<![a-z])(?:pw|creds?|toks?)(?![a-z])|(?-i:(?<=[a-z])(?:Pw|Creds?|Toks?)(?![a-z]))"
    # a PIN as a word of its own (card_pin, PIN_CODE, cardPin), not ping, mapping or pinned
    r"|(?<![a-z])pin(?:code)?s?(?![a-z])|(?-i:(?<=[a-z])Pin(?:Code)?s?(?![a-z]))|apikey|access[-_.]?key"
    r"|private[-_.]?key|credential|auth[-_.]?key|signing[-_.]?key|encryption[-_.]?key"
    r"|client[-_.]?secret|session[-_.]?key|cookie[-_.]?secret"
    r"|(?:hmac|jwt|master|license|licence|signature|cookie|app|otp|totp|client)[-_.]?(?:key|seed)"
    # a Docker config's registry credentials (`auths: {host: {auth: <base64 of user:password>}}`)
    r"|\Aauths\Z"
    # an HTTP credential header by name (Authorization, Proxy-Authorization), not authorization_mode
    r"|authorization\Z"
    # the same words in other languages (`pass` above is followed by no letter: not `passwort`)
    r"|passwort|passord|kennwort|wachtwoord|adgangskode|l[oö]senord|salasana|jelsz[oó]|has[lł]o"
    r"|(?<![a-z])heslo|(?<![a-z])senha|contrase[nñ]a|mot[-_. ]?de[-_. ]?passe|(?<![a-z])[sş]ifre|geheim"
    r"|пароль|секрет|токен|密码|密碼|暗証番号|パスワード|비밀번호|암호"
)


@functools.cache
def secret_name_re() -> re.Pattern[str]:
    """SECRET_NAME_PATTERN, compiled (case-insensitive) once."""
    return re.compile(SECRET_NAME_PATTERN, re.IGNORECASE)


def __getattr__(name: str) -> Any:
    """SECRET_NAME_RE, compiled when first asked for."""
    if name == "SECRET_NAME_RE":
        return secret_name_re()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
#: Letters of other scripts drawn like the Latin letters of secret names (Unicode's confusables,
#: those of Cyrillic, Greek and Latin extensions), and the letters that IGNORECASE takes for i and
#: k: `раssword` with a Cyrillic р and а, or `ΤΟΚΕΝ` in Greek, is read as the word it shows.
_LOOKALIKES = str.maketrans(
    "аАвВсСԁеЕһНіІјЈкКӏмМпоОрРԛѕЅтТуУԝхХαΑβΒεΕηΗιΙκΚμΜνΝοΟρΡτΤυΥχΧζΖɑɡıİ\u212a",
    "aABBcCdeEhHiIjJkKlmMnoOpPqsStTyYwxXaABBeEnHiIkKuMvNoOpPtTuYxXzZagiIK")


#: Unicode's invisible format characters (category Cf: a soft hyphen, zero-width spaces and joiners,
#: bidirectional marks, tags), as ranges of code points: `name_skeleton` drops them in one
#: `str.translate`. tests/redact/test_names_joined.py checks them against `unicodedata`.
FORMAT_CHARACTERS = ((0xAD, 0xAD), (0x600, 0x605), (0x61C, 0x61C), (0x6DD, 0x6DD), (0x70F, 0x70F),
                     (0x890, 0x891), (0x8E2, 0x8E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
                     (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB),
                     (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3),
                     (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F))
_AS_SHOWN: dict[int, int | None] = {**_LOOKALIKES, **{code: None for low, high in FORMAT_CHARACTERS
                                                      for code in range(low, high + 1)}}


def name_skeleton(name: str) -> str:
    """`name` as it reads: compatibility forms folded (`ｐａｓｓ`, `𝐩𝐚𝐬𝐬`), invisible format
    characters dropped (a zero-width space, a soft hyphen) and lookalike letters of other scripts
    read as the Latin ones they show. ASCII names are returned as they are. Linear, and in C."""
    if name.isascii():
        return name
    return unicodedata.normalize("NFKC", name).translate(_AS_SHOWN)


def looks_secret_name(name: str) -> bool:
    """True when SECRET_NAME_RE matches `name` as it reads (`name_skeleton`). Names of up to 256
    characters are remembered: the same names come back in every environment and file, and the
    expression has many words."""
    return _looks_secret(name) if len(name) > 256 else _remembered(name)


def _looks_secret(name: str) -> bool:
    pattern = secret_name_re()
    return pattern.search(name) is not None or (
        not name.isascii() and pattern.search(name_skeleton(name)) is not None)


_remembered = functools.lru_cache(maxsize=1 << 16)(_looks_secret)


#: Last words of a name that measures a secret instead of holding it: `password_min_length`,
#: `token_ttl_seconds`, `passwordMaxAgeDays`, `bcrypt_password_rounds`, `secret_version`. A number
#: under such a name is a policy (how long, how old, how many tries), which staging must mirror.
MEASURE_WORDS = frozenset({
    "length", "len", "min", "max", "minimum", "maximum", "ttl", "timeout", "expiry", "expires",
    "expiration", "lifetime", "age", "days", "hours", "minutes", "mins", "seconds", "secs", "ms",
    "rounds", "iterations", "cost", "count", "size", "bits", "limit", "attempts", "retries",
    "interval", "version"})
#: Last words of a name that switches a secret's use on or off: `token_required`,
#: `PASSWORD_AUTH_ENABLED`, `apiKeyEnforced`.
SWITCH_WORDS = frozenset({"required", "enabled", "disabled", "enforced", "allowed", "enable", "disable",
                          "enforce", "allow", "optional", "active", "mandatory"})
#: How string-only formats (.env, INI, .properties) write a boolean.
BOOLEAN_TEXTS = frozenset({"true", "false", "yes", "no", "on", "off", "0", "1"})
#: A measure written as text: a number, and a unit of time (`6`, `90d`, `1.5h`); `is_policy` also
#: wants ten digits at most in all.
_MEASURE_TEXT = Lazy(r"[+-]?[0-9]{1,10}(?:\.[0-9]{1,9})?[ ]?(?:ms|s|secs?|seconds?|m|mins?|minutes?"
                           r"|h|hrs?|hours?|d|days?|w|weeks?|y|years?)?", re.IGNORECASE)
#: The largest measure kept: ten digits (a year in milliseconds has eleven; a key id or PIN as
#: long is more likely a secret than a policy).
_MEASURE_LIMIT = 10**10
#: Where a name splits into words: separators, and a lower-case letter or digit before a capital.
_WORD_BREAK = Lazy(r"[-_.\s]+|(?<=[a-z0-9])(?=[A-Z])")


@functools.lru_cache(maxsize=1 << 12)
def _last_word(name: str) -> str:
    """The last word of `name` as it reads (`name_skeleton`), lower case; "" for a name of one word."""
    words = [word for word in _WORD_BREAK.split(name_skeleton(name)) if word]
    return words[-1].lower() if len(words) > 1 else ""


def is_policy(name: str, value: object) -> bool:
    """Whether `value`, the value of the key `name` below a secret-looking name, is policy rather
    than a secret, and so stays as it is. `name` must itself look secret and end with a word that
    says what it is: a number (ten digits at most), or one written as text (`"6"`, `"90d"`), under a
    name that measures the secret (`password_min_length`, `TOKEN_TTL`: `MEASURE_WORDS`); a boolean,
    or one written as text (`"false"`, `"off"`), under a name that switches it (`token_required`,
    `PASSWORD_AUTH_ENABLED`: `SWITCH_WORDS`). Not `password: 123456`, `password: yes` (YAML's true),
    `password_length = "hunter2"`, nor a label under a secret table (`credentials: {sam_max: 4829}`)."""
    kind = type(value)
    if kind is not bool and kind is not int and kind is not float and kind is not str:
        return False
    last = _last_word(name)
    if (last not in MEASURE_WORDS and last not in SWITCH_WORDS) or not looks_secret_name(name):
        return False
    if kind is bool:
        return last in SWITCH_WORDS
    if kind is int or kind is float:
        number = cast(float, value)
        return last in MEASURE_WORDS and math.isfinite(number) and abs(number) < _MEASURE_LIMIT
    text = cast(str, value)
    if last in SWITCH_WORDS:
        return text.strip().lower() in BOOLEAN_TEXTS
    return _MEASURE_TEXT.fullmatch(text) is not None and sum(map(str.isdigit, text)) <= 10


#: The words of SECRET_NAME_RE, for `no_secret_name`: each name it matches holds one of these (with
#: the `[-_.]?` of the `..key` words spelled out), in lower case, as written or as `name_skeleton`
#: reads it (`пароль` reads `napoль`).
_WORDS = ("pass", "pw", "pin", "secret", "tok", "cred", "auth", "masterauth", "kennwort",
          "wachtwoord", "adgangskode", "senord", "salasana", "jelsz", "haslo", "hasło", "heslo", "senha",
          "contrase", "ifre", "geheim", "пароль", "секрет", "токен", "密码", "密碼", "暗証番号", "パスワード",
          "비밀번호", "암호")
_NAME_WORDS = tuple({form for word in _WORDS for form in (word, name_skeleton(word).lower())})
_KEY_WORDS = tuple(f"{word}{sep}{end}"
                   for word in ("api", "access", "private", "auth", "signing", "encryption", "session",
                                "hmac", "jwt", "master", "license", "licence", "signature", "cookie", "app",
                                "otp", "client")
                   for sep in ("", "-", "_", ".") for end in ("key", "seed"))


def no_secret_name(names: Iterable[str]) -> bool:
    """True when `looks_secret_name` is false for every one of `names`, from substring searches over
    them all joined (far cheaper than the regular expression per name). False may be wrong (then ask
    each name); True never is."""
    joined = "\n".join(names)
    # the names as written (a word of another script matches there) and as they read (lookalikes)
    texts = [joined.lower()] if joined.isascii() else [joined.lower(), name_skeleton(joined).lower()]
    for text in texts:
        if any(word in text for word in _NAME_WORDS):
            return False
        if ("key" in text or "seed" in text) and any(word in text for word in _KEY_WORDS):
            return False
    return True

# scheme://user:password@host... ; the password may hold anything but '@' and '/'.
URL_CREDENTIALS_RE = Lazy(
    r"(?P<prefix>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:)(?P<password>[^\s@/]+)(?P<at>@)"
)
# key=value pairs in libpq-style DSNs: password=... / "password": ...
KV_PASSWORD_RE = Lazy(
    r"(?P<prefix>\b(?<!\[)(?:password|passwd|pwd|secret|token|api[-_]?key)\s*[=:]\s*['\"]?)(?P<password>[^\s'\";&]+)",
    re.IGNORECASE,
)
# A bare token as the user of an http(s) URL (https://ghp_xxx@github.com/...) is a credential too.
_URL_TOKEN_RE = Lazy(r"(?P<prefix>\bhttps?://)[^\s/@:]+@")


def has_embedded_password(value: str) -> bool:
    """True when a string holds a secret: a URL or DSN password, a token, a key (see `shapes`)."""
    return bool(URL_CREDENTIALS_RE.search(value) or KV_PASSWORD_RE.search(value) or find_secret_spans(value))


def _masked(secret: str) -> str:
    return MASK


def mask_text(text: str, known: Iterable[str] = ()) -> str:
    """Mask credentials in free text (commands, error output, logs), plus any known secret strings.

    Secrets are found by what they look like (`shapes.find_secret_spans`: URL and DSN passwords,
    Authorization headers, tokens of known formats, private keys, secret command-line flags...),
    and by the older URL and key=value rules.
    """
    for secret in sorted({k for k in known if len(k) >= 3}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    for _ in range(5):  # masking can reveal another shape (see `SecretKeeper.protect_value`)
        masked = mask_spans(text, _masked)
        if masked == text:
            break
        text = masked
    text = URL_CREDENTIALS_RE.sub(lambda m: m["prefix"] + MASK + m["at"], text)
    text = _URL_TOKEN_RE.sub(lambda m: m["prefix"] + MASK + "@", text)
    return KV_PASSWORD_RE.sub(lambda m: m["prefix"] + MASK, text)


class MaskingFormatter(logging.Formatter):
    """A log formatter whose output (message, arguments and traceback) goes through `mask_text`."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))


def written_credentials(target: str) -> list[str]:
    """The password of a URL or key=value DSN as its user wrote it, and the pieces a parser may cut it
    into, for `mask_text`'s known strings. A password holding an unencoded ``@``, ``#``, ``/`` or a
    blank is cut by the driver's parser, which then quotes a piece of it in its error as a host, a
    port or a key (``failed to resolve host 'tail@db'``), a piece the parsed password does not hold,
    and often lower-cased, as host names are."""
    found: list[str] = []
    scheme = target.find("://")
    if scheme >= 0:
        rest = target[scheme + 3:].split("?", 1)[0]
        at = rest.rfind("@")  # a password may hold '@': the host follows the last one
        if at > 0:
            _, colon, password = rest[:at].partition(":")
            if colon:
                found.append(password)
    for match in _KV_WRITTEN.finditer(target):
        found.append(match["value"].strip("'\""))
    pieces = [piece for secret in found for piece in _CUT.split(secret)]
    # A piece quoted as a host name is often lower-cased by the parser (urllib's `hostname`).
    lowered = [piece.lower() for piece in pieces]
    return [text for text in dict.fromkeys([*found, *pieces, *lowered]) if len(text) >= 3]


#: `password=...` in a key=value DSN, up to the next `key=` (a blank in an unquoted value cuts it).
_KV_WRITTEN = Lazy(
    r"(?i)\b(?:password|passwd|pwd)\s*=\s*(?P<value>'(?:[^'\\]|\\.)*'?|.*?)(?=\s+\w+\s*=|\s*$)")
#: Where a parser may cut a password it was not meant to cut.
_CUT = Lazy(r"[@#/?:\s]+")
