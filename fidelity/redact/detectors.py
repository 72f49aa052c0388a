"""The catalogue of secret shapes: the prefilter and the detectors `shapes.find_secret_spans` runs.

One precompiled prefilter regex (`PREFILTER_PATTERN`) rejects ordinary values first. Each of its
branches begins with a punctuation mark, a blank or an upper-case letter, so the regex engine's
first-character scan skips most positions of an ordinary value without trying a branch; a branch
that matches names, by its empty group, the family of detectors to run (`FAMILIES`). Each detector
(`DETECTORS`) is a regex with one or more groups named "s" or "s<n>": the first that matched is the
secret part. `shapes.py` says which values are and are not secrets, and why.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["DETECTORS", "FAMILIES", "FINGERPRINT", "KINDS", "MYSQL_COMMANDS", "PREFILTER_PATTERN", "Lazy"]


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
#: Before a flag's dash (`-p`, `-a`, `--password`, a string that is a flag): a blank, a dash or the
#: start of the text. Asked once, ahead of the four branches that each require it, so that the dash of
#: an ordinary value (`host-1`, `2026-12-01`) fails at once instead of in each of them.
FLAG_DASH = r"(?:(?<=[\s-]-)|(?<=^-))"
#: Before a token prefix's dash (glpat-, glptt-, glrt-, gldt-, xox?-, xapp-): the last letter of one.
TOKEN_DASH = r"(?<=[tabprs]-)"
PREFILTER_PATTERN = (
    # Every branch starts with a literal character: only then does the regex engine build the set of
    # first characters that lets it skip the other positions of the string without trying a branch.
    # The empty group that follows names the family of detectors to run (see `FAMILIES`).
    # password=, token = x, 'password' => 'x'
    rf"=(?P<kv>)(?:(?<=(?:{_NAME_TAILS})=)|(?<=(?:{_NAME_TAILS})[\"' ]=)|(?<=(?:{_NAME_TAILS})[\"'] =))"
    rf"|:(?:(?P<kv_colon>)(?:(?<=(?:{_NAME_TAILS}):)|(?<=(?:{_NAME_TAILS})[\"' ]:)"  # "token": "x"
    rf"|(?<=(?:{_NAME_TAILS})\\[\"']:))"  # {\"token\": \"x\"} (JSON written inside a JSON string)
    r"|//(?P<url>)[^\s/?#@]*@|//hooks\.slack\.com/(?P<webhook>)"  # scheme://user:pass@, Slack
    r"|//(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/(?P<discord>))"  # Discord
    rf"| (?P<header>)(?:{_SCHEMES})|\t(?P<header_tab>)(?:{_SCHEMES})"  # Bearer x, Basic x, Token x
    rf"|-(?:----BEGIN(?P<pem>)|{FLAG_DASH}(?:(?<=\s-)p\S(?P<mysql>)"  # PEM block, mysql -p<secret>
    r"|(?<=\s-)(?:[apuU]|-user|-pass|-auth|-proxy-user)[ \t](?P<command>)"  # redis-cli -a x, curl -u u:x
    # a whole string that is a flag (`--db-password`, `-a`): a list's next item may be its secret; a
    # number (`-1`, a setting's "no limit") is none (no letter: `argv.secret_flag` is false for it)
    r"|(?:(?<=^-)|(?<=\s-))-?[\d.-]*[^\W\d][\w.-]*$(?P<lone_flag>)"
    rf"|(?:(?<=\s--)|(?<=^--))[\w-]+(?<=(?:{_NAME_TAILS}))[= \t](?P<flag>))"  # --password x, --api-key=x
    rf"|{TOKEN_DASH}(?P<dash_token>)"
    r"(?:(?<=glpat-)|(?<=glptt-)|(?<=glrt-)|(?<=gldt-)|(?<=xox[abprs]-)|(?<=xapp-)))"
    r"|_(?P<underscore_token>)(?:(?<=gh[pousr]_)|(?<=github_pat_)|(?<=[sr]k_)(?:live|test)_|(?<=whsec_)"
    r"|(?<=npm_))"  # GitHub, Stripe, npm
    r"|J(?P<jwt>)(?<=eyJ)"  # JWT header
    r"|'(?P<sql>)(?:(?<=[Rr][Dd] ')|(?<=[Bb][Yy] '))"  # SQL: PASSWORD 'x', IDENTIFIED BY 'x'
    r"|>(?P<xml>)(?:(?<=[Dd]>)|(?<=[Tt]>)|(?<=[Nn]>)|(?<=[Yy]>))"  # <password>x</password>
    r"|A(?P<aws>)(?:KIA|SIA)|A(?P<google>)Iza"  # AWS access key id, Google API key
    r"|v(?P<vault>)(?<=hv)[sbr]\."  # HashiCorp Vault token (service, batch, recovery)
    r"|@(?P<go_dsn>)(?:tcp|unix|udp)\("  # Go's MySQL DSN: user:password@tcp(host:3306)/db
    r"|q(?P<requirepass>)(?<=[Rr]eq)uirepass[ \t]|h[ \t](?P<masterauth>)(?<=[Mm]asterauth[ \t])"  # redis.conf
    r"|d[ \t](?P<netrc>)(?<=password[ \t])"  # .netrc: machine h login u password x
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
            r"|(?:[\w.-]*[_.-])?[A-Za-z0-9]+(?:password|passwd|passphrase|secret|token))")
#: Query parameter names: as above, plus bare key/sig/signature (Google ?key=, Azure SAS &sig=, AWS
#: X-Amz-Signature), but not public_key/pubkey.
_QUERY_NAME = (
    rf"(?:[\w.~-]*[_.~-])?(?:{_SECRET_WORDS}|{_QUALIFIED_KEY}|apikey|auth|signature|sig|"
    r"(?<![Pp]ublic[_.~-])(?<![Pp]ub[_.~-])key)"
)
FINGERPRINT = r"\[secret:[0-9a-f]{32}\]"
_FLAG_WORDS = _SECRET_WORDS.replace("pass|", "") + "|requirepass|masterauth"
#: A template or variable reference standing for the value: not the secret itself.
_REFERENCE = r"\{\{.*?\}\}|\$\{[^}]*\}"
#: The MySQL clients, whose `-p` takes the password attached (`-psecret`; `-p` alone prompts).
MYSQL_COMMANDS = r"(?:mysql(?:dump|admin|import|show|check|pump|slap|binlog)?|mariadb(?:-?dump|-?admin)?)"
#: A command's other arguments between its program and a flag (none past a `;`, `|` or `&`).
_ARGS = r"(?:[ \t]+[^\s;|&]+)*?[ \t]+"

class Lazy:
    """A regex compiled when first used: a detector's (most texts call for no detector, and most runs
    for a few of them), or one of the redact modules' own that only a secret, a masked text or a
    policy value calls for, so that start-up does not compile them all."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        """The compiled regex, compiled on the first call (two threads may both compile: same result)."""
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self.pattern, self.flags)
        return compiled

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """`re.Pattern.finditer`."""
        return self.compiled.finditer(text)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """`re.Pattern.search`."""
        return self.compiled.search(text, pos, endpos)

    def fullmatch(self, text: str) -> re.Match[str] | None:
        """`re.Pattern.fullmatch`."""
        return self.compiled.fullmatch(text)

    def sub(self, repl: Callable[[re.Match[str]], str], text: str) -> str:
        """`re.Pattern.sub`, with a function making each replacement."""
        return self.compiled.sub(repl, text)

    def split(self, text: str) -> list[str | Any]:
        """`re.Pattern.split`."""
        return self.compiled.split(text)


DETECTORS: tuple[tuple[str, Lazy], ...] = (
    (
        "private_key",
        Lazy(
            r"(?P<s>-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?"
            r"(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z))",
            re.DOTALL,
        ),
    ),
    (
        "jwt",
        Lazy(
            r"(?<![A-Za-z0-9_-])(?P<s>eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*)(?![A-Za-z0-9_.-])"
        ),
    ),
    ("aws_access_key_id", Lazy(r"(?<![A-Za-z0-9])(?P<s>(?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Za-z0-9])")),
    (
        "aws_secret_access_key",
        Lazy(
            r"(?i:secret[_.-]?access[_.-]?key)[\"']?\s*[:=]\s*[\"']?(?P<s>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
        ),
    ),
    (
        "github_token",
        Lazy(
            r"(?<![A-Za-z0-9_])(?P<s>gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{22,255})"
            + _VALUE_END
        ),
    ),
    (
        "gitlab_token",
        Lazy(r"(?<![A-Za-z0-9_-])(?P<s>gl(?:pat|ptt|rt|dt)-[A-Za-z0-9_-]{20,})(?![A-Za-z0-9_-])"),
    ),
    (
        "slack_webhook",
        Lazy(r"://hooks\.slack\.com/(?:services|workflows|triggers)/(?P<s>[A-Za-z0-9_/-]+)"),
    ),
    (
        "slack_token",
        Lazy(r"(?<![A-Za-z0-9_-])(?P<s>(?:xox[abprs]|xapp)-[A-Za-z0-9-]{10,})(?![A-Za-z0-9_-])"),
    ),
    (
        "stripe_key",
        Lazy(
            r"(?<![A-Za-z0-9_])(?P<s>[sr]k_(?:live|test)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9]{20,})"
            + _VALUE_END
        ),
    ),
    ("google_api_key", Lazy(r"(?<![A-Za-z0-9_-])(?P<s>AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])")),
    ("npm_token", Lazy(r"(?<![A-Za-z0-9_])(?P<s>npm_[A-Za-z0-9]{36})" + _VALUE_END)),
    ("vault_token", Lazy(r"(?<![A-Za-z0-9_.])(?P<s>hv[sbr]\.[A-Za-z0-9_-]{24,})" + _VALUE_END)),
    # scheme://user:password@host -- the password runs to the last '@' before the path.
    (
        "url_password",
        Lazy(
            rf"\b[A-Za-z][A-Za-z0-9+.-]*://(?!{FINGERPRINT}@)[^\s:/?#@]*:(?P<s>[^\s/?#]+)@[^\s/?#@]*"
        ),
    ),
    # https://<token>@host -- only when the user name looks like a token (checked in code).
    ("url_token", Lazy(r"\b[A-Za-z][A-Za-z0-9+.-]*://(?P<s>[^\s:/?#@]+)@")),
    ("url_query_secret", Lazy(rf"[?&](?i:{_QUERY_NAME})=(?P<s>[^&#;\s\"']+)")),
    # Authorization: Bearer <tok>, or "Bearer <tok>" as the whole text, or a token-shaped word after
    # a scheme word in free text (the context is checked in `_auth_header_ok`). The regex starts at the
    # blank, so that the engine skips to blanks.
    (
        "auth_header",
        Lazy(
            "[ \t](?:"
            + "|".join(rf"(?<={_ci(w)}[ \t])" for w in ("bearer", "basic", "token", "digest"))
            + r")[ \t]*(?P<s>[^\s\"',;]+)"
        ),
    ),
    # ADO.NET / JDBC / ODBC: name=value pairs separated by ';', the value running to the ';'.
    (
        "connection_string_password",
        Lazy(
            r"(?:^|;)\s*(?i:password|pwd|passwd)\s*=\s*"
            r"(?:'(?P<s1>(?:[^']|'')*)'|\"(?P<s2>(?:[^\"]|\"\")*)\"|\{(?P<s3>(?:[^}]|\}\})*)\}|(?P<s>[^;'\"{]+?))\s*(?=;|$)"
        ),
    ),
    # password=x, PASSWORD: x, "api_key": "x", token='x y' (libpq DSNs, env, embedded files).
    (
        "key_value_secret",
        Lazy(
            rf"(?<![\w.?&[-])\\?[\"']?(?i:{_KV_NAME})\\?[\"']?[ \t]*(?:=>?|:)[ \t]*"
            rf"(?:{FINGERPRINT}|{_REFERENCE}|\\[\"'](?P<s3>[^\"'\\\n]*)\\[\"']|'(?P<s1>[^'\n]*)'"
            rf"|\"(?P<s2>[^\"\n]*)\"|(?P<s>[^\s'\";&,}}\]\\]+))"
        ),
    ),
    # --password=x, --token x, --api-key "x" (not --password-file, --no-password, --token-ttl).
    (
        "cli_secret_flag",
        Lazy(
            rf"(?<!\S)--(?!no-)(?i:[\w-]*(?:{_FLAG_WORDS}|{_QUALIFIED_KEY}|apikey|api-key))"
            r"(?:=|[ \t]+)(?:'(?P<s1>[^']*)'|\"(?P<s2>[^\"]*)\"|(?P<s>(?!-)[^\s'\"]+))"
        ),
    ),
    # redis-cli -a x, sshpass -p x, mongo -p x: flags that take the password in these programs only.
    (
        "cli_program_password",
        Lazy(
            rf"(?<![\w./-])(?:(?:redis|valkey)-cli{_ARGS}(?:-a|--pass)|(?:sshpass|mongosh?){_ARGS}-p)"
            r"[ \t]+(?:'(?P<s1>[^']*)'|\"(?P<s2>[^\"]*)\"|(?P<s>(?!-)[^\s'\"]+))"
        ),
    ),
    # curl -u user:x, http -a user:x: the part after the user's colon.
    (
        "cli_user_password",
        Lazy(
            rf"(?<![\w./-])(?:curl|https?){_ARGS}(?:-u|--user|-U|--proxy-user|-a|--auth)"
            r"[ \t]+['\"]?[^\s:'\"]*:(?P<s>[^\s'\"]+)"
        ),
    ),
    # redis.conf: requirepass x, masterauth x; .netrc: machine h login u password x.
    (
        "config_line_secret",
        Lazy(
            r"(?im:^[ \t]*(?:requirepass|masterauth)[ \t]+(?:\"(?P<s1>[^\"]*)\"|(?P<s>[^\s\"']+)))"
            r"|\bmachine[ \t]+\S+(?:\s+(?!password\b)\S+\s+\S+)*?\s+password[ \t]+(?P<s2>\S+)"
        ),
    ),
    # SQL: CREATE ROLE a PASSWORD 'x', ALTER USER b WITH PASSWORD 'x', IDENTIFIED BY 'x'.
    ("sql_password", Lazy(r"(?i)\b(?:password|identified[ \t]+by)[ \t]+'+(?P<s>[^'\s][^']*)'")),
    # XML: <password>x</password>, <apiKey>x</apiKey> (Maven's settings.xml, .NET config).
    (
        "xml_secret",
        Lazy(
            r"<([\w.:-]*(?i:password|passwd|secret|token|api[-_]?key|apikey))>(?P<s>[^<\s][^<]*)</\1>"
        ),
    ),
    ("discord_webhook", Lazy(r"discord(?:app)?\.com/api/webhooks/[0-9]+/(?P<s>[\w-]+)")),
    # Go's MySQL driver: user:password@tcp(host:3306)/db, no scheme
    ("go_dsn_password", Lazy(r"(?<![\w/:@.-])[\w.-]+:(?P<s>[^\s:@/()]+)@(?:tcp|unix|udp)\(")),
    # mysql -uroot -psecret: mysql's -p takes the password attached; -p alone prompts.
    (
        "cli_mysql_password",
        Lazy(
            rf"(?<![\w./-]){MYSQL_COMMANDS}{_ARGS}-p"
            r"(?:'(?P<s1>[^']*)'|\"(?P<s2>[^\"]*)\"|(?P<s>[^\s'\"]+))"
        ),
    ),
)

#: Every kind `find_secret_spans` reports.
KINDS: tuple[str, ...] = tuple(kind for kind, _ in DETECTORS)

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
    "vault_token",
)
#: Prefilter group -> the detectors it calls for.
FAMILIES: dict[str, tuple[str, ...]] = {
    "kv": _KV,
    "kv_colon": _KV,
    "url": ("url_password", "url_token", *_TOKENS),
    "webhook": ("slack_webhook",),
    "discord": ("discord_webhook",),
    "command": ("cli_program_password", "cli_user_password"),
    "lone_flag": (),  # the walk decides with `argv.secret_flag`, knowing the list it stands in
    "requirepass": ("config_line_secret",),
    "masterauth": ("config_line_secret",),
    "netrc": ("config_line_secret",),
    "sql": ("sql_password",),
    "xml": ("xml_secret",),
    "go_dsn": ("go_dsn_password",),
    "header": ("auth_header",),
    "header_tab": ("auth_header",),
    "pem": ("private_key",),
    "mysql": ("cli_mysql_password",),
    "flag": ("cli_secret_flag", *_KV),
    "dash_token": ("gitlab_token", "slack_token"),
    "underscore_token": ("github_token", "stripe_key", "npm_token"),
    "vault": ("vault_token",),
    "jwt": ("jwt",),
    "aws": ("aws_access_key_id",),
    "google": ("google_api_key",),
}
