"""Default severities and messages for `http` findings.

One rule decides them (docs/probes/http.md, "Default severities"): a difference that makes **the
same request get another answer or another treatment by the client** is high: another status,
redirect chain, content type, body kind or JSON field (the service says it runs another build or
flag set), a security or CORS header missing or weakened, a cookie or a cookie's protection
missing, another TLS protocol, a certificate close to expiry. A difference in how caches and
intermediaries treat the answer (cache-control, vary, other kept headers, cookie lifetime) or in
the TLS setup that clients still accept (cipher, issuer, key, SAN names) is medium; a cosmetic one
(the `server` banner) is low. Something only in the candidate is medium: nothing that works
against the reference answers differently because of it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fidelity.probe import (
    Assessment,
    Category,
    Change,
    DiffChange,
    Severity,
    is_secret,
    paths,
    severity_rules,
)
from probes.http.normalise import EXPIRY_BUCKETS

H, M, L = Severity.HIGH, Severity.MEDIUM, Severity.LOW

#: Response headers that protect the client; missing or changed is high (HSTS: when weakened).
SECURITY_HEADERS = (
    "content-security-policy", "strict-transport-security", "x-frame-options", "x-content-type-options",
    "referrer-policy", "permissions-policy", "cross-origin-opener-policy", "cross-origin-embedder-policy",
    "cross-origin-resource-policy", "access-control-*", "content-type", "location",
)
#: (glob below the probe name, missing, extra, changed), first match wins.
RULES: severity_rules.Rules = (
    ("endpoints/*/status", H, H, H),
    ("endpoints/*/redirects", H, H, H),
    ("endpoints/*/body", H, H, H),
    ("endpoints/*/body_hash", M, M, M),
    ("endpoints/*/json/**", H, M, H),
    ("endpoints/*/headers/server", L, L, L),
    *((f"endpoints/*/headers/{h}", H, M, H) for h in SECURITY_HEADERS),
    ("endpoints/*/headers/*", M, M, M),
    ("endpoints/*/cookies/*", H, M, M),
    ("endpoints/*/cookies/*/secure", H, M, H),
    ("endpoints/*/cookies/*/httponly", H, M, H),
    ("endpoints/*/cookies/*/samesite", H, M, H),
    ("endpoints/*/cookies/*/*", M, M, M),
    ("endpoints/*/tls", H, M, M),
    ("endpoints/*/tls/protocol", H, H, H),
    ("endpoints/*/tls/*", M, M, M),
    ("endpoints/*/tls/san/*", M, M, M),
    ("**", H, M, M),
)
SEVERITY_NOTES: tuple[tuple[str, Severity], ...] = (
    ("status code; redirect chain (a loop or too many redirects included); body kind (JSON, not JSON, "
     "invalid JSON, empty)", H),
    ("JSON field missing from the candidate or changed (another build, version, flag)", H),
    ("JSON field only in the candidate", M),
    ("security header (CSP, HSTS weakened, X-Frame-Options, X-Content-Type-Options, Referrer-Policy, "
     "Permissions-Policy, Cross-Origin-*), CORS header (Access-Control-*), Content-Type or Location "
     "missing or changed", H),
    ("Strict-Transport-Security longer max-age or more directives in the candidate", M),
    ("security header only in the candidate", M),
    ("cookie missing from the candidate; Secure, HttpOnly or SameSite missing or changed", H),
    ("cookie only in the candidate; cookie path, domain, max-age, expiry", M),
    ("other kept header (Cache-Control, Vary, ...); keyed body hash (body_hash = true)", M),
    ("Server header", L),
    ("TLS missing from the candidate (plain http); TLS protocol version", H),
    ("certificate expires in the candidate: expired or under 14 days", H),
    ("certificate expires in the candidate under 30 days", M),
    ("certificate expiry bucket otherwise (the candidate's lasts longer)", L),
    ("TLS cipher, certificate issuer, key type and size, SAN names", M),
)
_MAX_AGE = re.compile(r"max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


def category(segments: tuple[str, ...]) -> Category:
    """TLS is infrastructure, the Server header a dependency, the rest config."""
    if len(segments) >= 3 and segments[2] == "tls":
        return Category.INFRASTRUCTURE
    if segments[2:] == ("headers", "server"):
        return Category.DEPENDENCY
    return Category.CONFIG




def show(value: Any) -> str:
    """A value in a message, shortened."""
    if is_secret(value):
        return "[secret]"
    text = ", ".join(map(str, value)) if isinstance(value, list) else \
        json.dumps(value) if value is None or isinstance(value, bool) else str(value)
    return repr(text if len(text) <= 80 else text[:77] + "...")


def describe(change: DiffChange) -> str:
    """E.g. "endpoint 'version': json/build/commit 'a1' → 'b2'"."""
    segments = change.segments
    what = f"endpoint {segments[1]!r}" if len(segments) >= 2 else "endpoints"
    below = "/".join(segments[2:])
    where = f"{what}: {below}" if below else what
    if change.change is Change.MISSING:
        return f"{where} is missing from the candidate"
    if change.change is Change.EXTRA:
        return f"{where} is only in the candidate"
    if is_secret(change.reference) or is_secret(change.candidate):
        return f"{where}: secret value differs (compared by keyed fingerprint)"
    return f"{where} {show(change.reference)} → {show(change.candidate)}"


def _hsts(reference: Any, candidate: Any) -> bool:
    """True when the candidate's HSTS is at least as strong: max-age and every directive kept."""
    if not isinstance(reference, str) or not isinstance(candidate, str):
        return False
    ref_age, cand_age = _MAX_AGE.search(reference), _MAX_AGE.search(candidate)
    directives = {d.strip().lower() for d in reference.split(";") if "max-age" not in d.lower()}
    kept = {d.strip().lower() for d in candidate.split(";")}
    return bool(ref_age and cand_age and int(cand_age[1]) >= int(ref_age[1]) and directives <= kept)


def _expiry(change: DiffChange) -> Severity:
    return {"expired": H, EXPIRY_BUCKETS[1][0]: H, EXPIRY_BUCKETS[2][0]: M}.get(str(change.candidate), L)


def _covered(change: DiffChange, reference: Any, candidate: Any) -> str | None:
    """One finding per cause: a whole part missing or extra because the status (an answer left
    uncompared, expect_status) or the body kind differs is covered by that finding."""
    segments = change.segments
    if len(segments) != 3 or change.change is Change.CHANGED:
        return None
    for cause, parts in (("status", ("headers", "cookies", "body", "json", "body_hash")),
                         ("body", ("json", "body_hash"))):
        if segments[2] in parts and paths.lookup(reference, (*segments[:2], cause)) != \
                paths.lookup(candidate, (*segments[:2], cause)):
            return f"{describe(change)}: covered by the {cause} finding"
    return None


def assess(change: DiffChange, reference: Any, candidate: Any) -> Assessment:
    """Severity, category and message for one change."""
    segments = change.segments
    covered = _covered(change, reference, candidate)
    if covered is not None:
        return Assessment(None, category(segments), covered)
    severity = severity_rules.rule_severity(RULES, segments, change.change)
    message = describe(change)
    if change.change is Change.CHANGED and segments[2:] == ("tls", "expiry"):
        severity = _expiry(change)
    elif change.change is Change.CHANGED and segments[2:] == ("headers", "strict-transport-security") \
            and _hsts(change.reference, change.candidate):
        severity, message = M, message + " (as strong or stronger in the candidate)"
    return Assessment(severity, category(segments), message)
