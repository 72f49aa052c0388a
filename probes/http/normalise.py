"""Responses as comparable data: kept headers without what changes on every request, cookies without
values, redirect URLs and names with the environment folded to `{env}`, and the kept JSON fields.

Nothing here quotes a value that may differ by request (dates, request ids, nonces) or that may
be a secret (cookie values, query-string values, JSON fields under secret-looking names).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from fidelity.probe import SecretKeeper, matches_any

#: Headers whose value changes on every request or every deploy: recorded as "present" when kept.
VOLATILE = (
    "date", "age", "expires", "last-modified", "etag", "content-length", "x-request-id", "request-id",
    "x-correlation-id", "x-amzn-requestid", "x-amzn-trace-id", "x-amz-request-id", "x-amz-id-2",
    "x-amz-cf-id", "x-amz-cf-pop", "cf-ray", "traceparent", "tracestate", "x-trace-id", "x-b3-*",
    "x-cloud-trace-context", "x-runtime", "x-response-time", "server-timing", "x-served-by", "x-timer",
    "x-cache-hits", "keep-alive", "set-cookie",
)
PRESENT = "present"
#: JSON deeper than this below `json` is summarised, to stay within the snapshot's depth limit.
MAX_JSON_DEPTH = 40
#: Certificate expiry buckets, soonest first: (bucket, days to expiry below which it applies).
EXPIRY_BUCKETS = (("expired", 0), ("under 14 days", 14), ("under 30 days", 30))
LATER = "30 days or more"
_NONCE = re.compile(r"'nonce-[^']*'")
_SPACE = re.compile(r"\s+")


def fold_env(text: str, environment: str) -> str:
    """`text` with the environment's name, as a whole word (any case), written `{env}`."""
    if not environment:
        return text
    return re.sub(rf"(?<![A-Za-z0-9]){re.escape(environment)}(?![A-Za-z0-9])", "{env}", text,
                  flags=re.IGNORECASE)


def fold_url(url: str, environment: str, origin: str = "") -> str:
    """A URL as recorded: no user info, query keys without values, no fragment, `{env}` folded; a URL
    on the same scheme, host and port as `origin` is recorded from its path on."""
    parts = urlsplit(url)
    if origin and _origin(url) == _origin(origin):
        query = "&".join(p.split("=", 1)[0] + "=" for p in parts.query.split("&") if p)
        return fold_env((parts.path or "/") + (f"?{query}" if query else ""), environment)
    host = (parts.hostname or "").lower()
    netloc = f"[{host}]" if ":" in host else host
    try:
        if parts.port:
            netloc += f":{parts.port}"
    except ValueError:
        pass
    query = "&".join(p.split("=", 1)[0] + "=" for p in parts.query.split("&") if p) if parts.query else ""
    return fold_env(f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else ""), environment)


def expiry_bucket(not_after: dt.datetime, now: dt.datetime) -> str:
    """The bucket of the time left before `not_after`."""
    days = (not_after - now).total_seconds() / 86_400
    return next((bucket for bucket, below in EXPIRY_BUCKETS if days < below), LATER)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        return parts.scheme, (parts.hostname or "").lower(), parts.port
    except ValueError:
        return parts.scheme, (parts.hostname or "").lower(), None


def header_value(name: str, value: str, environment: str) -> str:
    """One kept header's value: whitespace collapsed, CSP nonces and dates folded, `{env}` folded."""
    value = _SPACE.sub(" ", value).strip()
    if name.startswith("content-security-policy"):
        value = _NONCE.sub("'nonce-…'", value)
    if name == "location":
        return fold_url(value, environment)
    if len(value) > 20 and value[:3].isalpha() and value[3:5] == ", ":
        try:
            parsedate_to_datetime(value)
            return "<date>"
        except (TypeError, ValueError):
            pass
    return fold_env(value, environment)


def headers(raw: Iterable[tuple[str, str]], kept: Iterable[str], environment: str) -> dict[str, str]:
    """The kept headers, by lower-case name; repeated headers are joined with ", "."""
    kept = tuple(kept)
    found: dict[str, list[str]] = {}
    for name, value in raw:
        if matches_any(name, kept) and name != "set-cookie":
            found.setdefault(name, []).append(value)
    return {name: PRESENT if matches_any(name, VOLATILE) else
            ", ".join(header_value(name, v, environment) for v in values)
            for name, values in sorted(found.items())}


def cookies(raw: Iterable[tuple[str, str]], environment: str) -> dict[str, dict[str, Any]]:
    """Set-Cookie headers as name -> attributes; a cookie's value is never read."""
    found: dict[str, dict[str, Any]] = {}
    for name, value in raw:
        if name != "set-cookie":
            continue
        first, *attributes = value.split(";")
        cookie = first.split("=", 1)[0].strip()
        if not cookie:
            continue
        parsed: dict[str, Any] = {}
        for attribute in attributes:
            key, _, setting = attribute.partition("=")
            key, setting = key.strip().lower(), setting.strip()
            if key in ("secure", "httponly", "partitioned"):
                parsed[key] = True
            elif key == "expires":
                parsed[key] = "set"
            elif key == "max-age":
                parsed["max_age"] = setting
            elif key == "samesite":
                parsed[key] = setting.lower()
            elif key == "domain":
                parsed[key] = fold_env(setting.lower().lstrip("."), environment)
            elif key == "path":
                parsed[key] = fold_env(setting, environment)
        found[cookie] = parsed
    return dict(sorted(found.items()))


class JsonFields:
    """Selects and protects the kept fields of a JSON document."""

    def __init__(self, keeper: SecretKeeper, secret_keys: Iterable[str], environment: str) -> None:
        self.keeper = keeper
        self.secret_keys = tuple(secret_keys)
        self.environment = environment

    def keep(self, document: Any, json_paths: Iterable[str]) -> Any:
        """The fields `json_paths` name (all of the document when there is none), protected."""
        paths = [p.split(".") for p in json_paths]
        picked = _pick(document, paths) if paths else document
        return self._protect(picked, 0)

    def _protect(self, value: Any, depth: int) -> Any:
        if depth >= MAX_JSON_DEPTH and isinstance(value, (dict, list)):
            return f"<nested deeper than {MAX_JSON_DEPTH} levels>"
        if isinstance(value, dict):
            return {key: self._secret(item) if self.keeper.is_secret_name(key, self.secret_keys)
                    else self._protect(item, depth + 1) for key, item in value.items()}
        if isinstance(value, list):
            return [self._protect(item, depth + 1) for item in value]
        if isinstance(value, str):
            return self.keeper.protect_value(fold_env(value, self.environment))
        return value

    def _secret(self, value: Any) -> Any:
        if value is None or isinstance(value, bool) or value == "":
            return value  # whether a secret is set is comparable, and no secret
        return self.keeper.fingerprint(json.dumps(value, sort_keys=True) if isinstance(value, (dict, list))
                                       else value)


def _pick(document: Any, paths: list[list[str]]) -> Any:
    """The sub-document holding the fields at `paths` (`*` matches any key), in document order."""
    if not isinstance(document, dict):
        return {}
    picked: dict[str, Any] = {}
    for key, value in document.items():
        below = [p[1:] for p in paths if p[0] in (key, "*")]
        if not below:
            continue
        if any(not p for p in below):
            picked[key] = value
        elif isinstance(value, dict):
            picked[key] = _pick(value, below)
    return picked


def parse_json(body: bytes) -> Any:
    """A JSON body, with NaN and infinities kept as text; raises ValueError when it is not JSON."""
    return json.loads(body.decode("utf-8-sig"), parse_constant=str)
