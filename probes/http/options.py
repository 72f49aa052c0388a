"""The http probe's options: the `endpoints` table checked at load time, and parsed for `collect`.

An endpoint is a URL template (a string) or a table with `url` and the per-endpoint keys below.
The check runs on the raw config value (before `{env}` and `${VAR}` are substituted), so a URL
that is one `${VAR}` is checked again, after substitution, when the probe runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fidelity.probe import OptionError

#: Only these methods are ever sent: neither changes anything on a well-behaved server.
METHODS = ("GET", "HEAD")
#: Response headers kept by default (lower case; globs allowed).
DEFAULT_HEADERS_KEPT = (
    "server", "content-type", "content-security-policy", "content-security-policy-report-only",
    "strict-transport-security", "cache-control", "vary", "access-control-*", "x-frame-options",
    "x-content-type-options", "referrer-policy", "permissions-policy", "cross-origin-opener-policy",
    "cross-origin-embedder-policy", "cross-origin-resource-policy", "x-xss-protection",
    "content-encoding", "location",
)
ENDPOINT_KEYS = ("url", "method", "headers", "json_paths", "headers_kept", "expect_status", "body_hash")
_VAR = re.compile(r"\$\{[^}]*\}")
_JSON_PATH = re.compile(r"[^.]+(\.[^.]+)*\Z")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")


@dataclass(frozen=True)
class Endpoint:
    """One endpoint of one environment, after `{env}` and `${VAR}` substitution."""

    name: str
    """Its key in `endpoints`: a path segment of the findings."""
    url: str
    """The URL to fetch."""
    method: str
    """GET or HEAD."""
    headers: tuple[tuple[str, str], ...]
    """Request headers (values may be secrets: never recorded)."""
    json_paths: tuple[str, ...]
    """Dotted paths of the JSON fields kept; empty keeps all."""
    headers_kept: tuple[str, ...]
    """Globs of the response headers kept (lower case)."""
    expect_status: tuple[int, ...]
    """Statuses the endpoint is meant to answer; empty accepts any."""
    body_hash: bool
    """Record a keyed hash of a body that is not JSON."""


def check_headers(value: Any, where: str = "headers") -> None:
    """Request headers: a table of header name to string."""
    if not isinstance(value, dict):
        raise OptionError(f"{where}: expected a table of header name = value")
    for name, header in value.items():
        if not _HEADER_NAME.match(name):
            raise OptionError(f"{where}: {name!r} is not a valid header name")
        if not isinstance(header, str) or "\n" in header or "\r" in header:
            raise OptionError(f"{where}: {name}: expected a one-line string value")


def check_url(url: str, where: str) -> None:
    """An http:// or https:// URL with a host; a URL that starts with ${VAR} is checked after substitution."""
    if url.startswith("${"):
        return
    plain = _VAR.sub("x", url.replace("{env}", "env"))
    try:
        parts = urlsplit(plain)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise OptionError(f"{where}: not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OptionError(f"{where}: expected an http:// or https:// URL with a host, got {url[:80]!r}")
    if any(c.isspace() for c in plain):
        raise OptionError(f"{where}: a URL may not contain whitespace")


def _check_status(value: Any, where: str) -> None:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 599
                             for v in values):
        raise OptionError(f"{where}: expected a status code (100-599) or a list of them")


def _check_strings(value: Any, where: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise OptionError(f"{where}: expected a list of strings")


def check_endpoint(name: str, value: Any) -> None:
    """One endpoint: a URL string, or a table of ENDPOINT_KEYS."""
    where = f"endpoints.{name}"
    if isinstance(value, str):
        check_url(value, where)
        return
    if not isinstance(value, dict):
        raise OptionError(f"{where}: expected a URL or a table with url, got a {type(value).__name__}")
    unknown = sorted(set(value) - set(ENDPOINT_KEYS))
    if unknown:
        raise OptionError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(ENDPOINT_KEYS)})")
    if not isinstance(value.get("url"), str):
        raise OptionError(f"{where}: missing url (a string)")
    check_url(value["url"], f"{where}.url")
    method = value.get("method", "GET")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise OptionError(f"{where}.method: expected GET or HEAD (the probe never sends anything that "
                          f"could change a service), got {method!r}")
    if "headers" in value:
        check_headers(value["headers"], f"{where}.headers")
    for key in ("json_paths", "headers_kept"):
        if key in value:
            _check_strings(value[key], f"{where}.{key}")
    for path in value.get("json_paths", []):
        if not _JSON_PATH.match(path):
            raise OptionError(f"{where}.json_paths: {path!r} is not a dotted path such as build.commit")
    if "expect_status" in value:
        _check_status(value["expect_status"], f"{where}.expect_status")
    if not isinstance(value.get("body_hash", False), bool):
        raise OptionError(f"{where}.body_hash: expected true or false")


def check_endpoints(value: Any) -> None:
    """`endpoints` is a non-empty table of name = URL or table."""
    if not value:
        raise OptionError("expected at least one endpoint, e.g. version = \"https://{env}.example.com/version\"")
    for name, endpoint in value.items():
        check_endpoint(name, endpoint)


def parse(options: Mapping[str, Any]) -> tuple[Endpoint, ...]:
    """The endpoints of one environment's (substituted) options, in config order."""
    common = dict(options["headers"])
    found = []
    for name, value in options["endpoints"].items():
        table: dict[str, Any] = {"url": value} if isinstance(value, str) else dict(value)
        status = table.get("expect_status", [])
        found.append(Endpoint(
            name=name, url=table["url"], method=str(table.get("method", "GET")).upper(),
            headers=tuple({**common, **table.get("headers", {})}.items()),
            json_paths=tuple(table.get("json_paths", ())),
            headers_kept=tuple(h.lower() for h in table.get("headers_kept", options["headers_kept"])),
            expect_status=tuple(status if isinstance(status, list) else [status]),
            body_hash=bool(table.get("body_hash", False)),
        ))
    return tuple(found)
