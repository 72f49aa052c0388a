"""The redis probe's option checks, and the `keys` option: whether and how the keyspace is sampled.

`keys = true` turns the keyspace shape on with the defaults; a sub-table `[probes.NAME.keys]`
sets any of the fields of `KeysOptions`. Values are checked here, so that a mistake is
reported as `keys.<field>` before any server is touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fidelity.probe import OptionError
from fidelity.probe.shape.options import switch_table, whole_number

#: Keys SCAN may return per database before the shape is taken from what was seen.
DEFAULT_SCAN_KEYS = 10_000
#: Seconds SCAN may take per database.
DEFAULT_SCAN_SECONDS = 5.0
#: Keys whose type, encoding, TTL and size are read (four read commands each, pipelined).
DEFAULT_SAMPLE = 1_000
KEYS = ("scan_keys", "scan_seconds", "sample", "match", "seed")
SCHEMES = ("redis", "rediss", "unix")


@dataclass(frozen=True)
class KeysOptions:
    """How much of the keyspace to read."""

    scan_keys: int = DEFAULT_SCAN_KEYS
    """Budget of keys SCAN returns per database; a larger keyspace is sampled."""
    scan_seconds: float = DEFAULT_SCAN_SECONDS
    """Budget of seconds SCAN runs per database."""
    sample: int = DEFAULT_SAMPLE
    """Keys whose type, encoding, TTL and size are read, spread evenly over the keys scanned."""
    match: str = "*"
    """SCAN MATCH pattern: only keys matching it are read."""
    seed: int = 0
    """Where SCAN starts (0: the start of the keyspace); the same seed reads the same keys of an unchanged
    keyspace."""


def parse_keys(value: Any) -> KeysOptions | None:
    """The options a `keys` value stands for; None when the keyspace is not read."""
    value = switch_table(value, KEYS)
    if value is None:
        return None
    seconds = value.get("scan_seconds", DEFAULT_SCAN_SECONDS)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds <= 86_400:
        raise OptionError(f"scan_seconds: expected a number of seconds above 0, got {seconds!r}")
    match = value.get("match", "*")
    if not isinstance(match, str) or not match:
        raise OptionError(f"match: expected a SCAN MATCH glob such as \"session:*\", got {match!r}")
    return KeysOptions(
        scan_keys=whole_number(value, "scan_keys", DEFAULT_SCAN_KEYS, 100, 100_000_000),
        scan_seconds=float(seconds),
        sample=whole_number(value, "sample", DEFAULT_SAMPLE, 10, 1_000_000),
        match=match,
        seed=whole_number(value, "seed", 0, 0, 2**31 - 1),
    )


def check_keys(value: Any) -> None:
    """Option check for `keys`: raise OptionError naming the bad field."""
    parse_keys(value)


def check_url(value: Any) -> None:
    """`url` is a redis://, rediss:// or unix:// URL (the password inside is never echoed); one that
    names a variable or `{env}` is checked when it is opened."""
    if "$" in value or "{env}" in value:
        return
    try:
        scheme = urlsplit(value).scheme
    except ValueError:
        scheme = ""
    if scheme not in SCHEMES:
        raise OptionError('expected a URL such as "redis://host:6379" or "rediss://..." (usually "${VAR}")')
    problem = url_problem(value)
    if problem:
        raise OptionError(problem)


#: What a redis:// URL's path may be; redis-py would read any other as database 0.
DB_PATH = 'the path after host:port must be a database number, as in "redis://host:6379/2", or nothing'


def url_problem(url: str) -> str | None:
    """What is wrong with a URL redis-py would misread, or None: a path that is no database number
    (read as database 0), or a query parameter other than TLS settings and credentials (redis-py
    lets `?db=` override the `db` option, `?client_name=` send CLIENT SETNAME, and fails on others)."""
    try:
        parts = urlsplit(url)
        names = [name for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
    except ValueError:
        return None  # reported as an invalid URL where it is opened
    if parts.scheme != "unix" and not (parts.path.strip("/").isdigit() or parts.path in ("", "/")):
        return DB_PATH
    allowed = ("username", "password", "db") if parts.scheme == "unix" else ("username", "password")
    tls = parts.scheme == "rediss"
    unknown = sorted(n for n in names if n not in allowed and not (tls and n.startswith("ssl_")))
    if unknown:
        return (f"the URL's parameter {unknown[0]!r} is not used (only username, password, ssl_* in a "
                "rediss:// URL, db in a unix:// one): set timeouts and databases with the probe's options")
    return None


def check_dbs(value: Any) -> None:
    """`db` is a non-empty list of database numbers 0..10000 without repeats (or unset)."""
    if value is None:
        return
    if not isinstance(value, list) or not value or len(set(map(repr, value))) != len(value) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 10_000 for v in value):
        raise OptionError(f"expected a list of distinct database numbers such as [0], got {value!r}")


def check_positive(value: Any) -> None:
    """A timeout is above 0."""
    if value <= 0:
        raise OptionError(f"expected a number above 0, got {value}")
