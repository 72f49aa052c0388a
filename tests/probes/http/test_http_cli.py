"""The http probe end to end: two real servers (HTTPS with certificates made here, and plain HTTP),
`fidelity audit` with a config file, as a user runs it."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from httpfixtures import Authority, Headers, Service, bases, findings, json_body, run

TOKEN = "Tok-Never-Shown-7731"           # a request header value, from ${VAR}
JSON_SECRET = "Json-Secret-Value-5521"    # a JSON field under a secret-looking name
COOKIE_VALUE = "Cookie-Value-Never-4410"  # a cookie's value
DSN_PASSWORD = "Dsn-Pw-Never-9902"        # a password inside a URL in a JSON field
HOSTILE = "<script>alert('x')</script>/é~"
SECURITY: Headers = [
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("X-Frame-Options", "DENY"),
    ("Cache-Control", "no-store"),
    ("Server", "nginx/1.25.3"),
]


def version(env: str, build: str = "1.4.2", flags: list[str] | None = None) -> Any:
    def route(path: str, headers: dict[str, str]) -> tuple[int, Headers, bytes]:
        extra, body = json_body({
            "version": build, "environment": env, "features": flags or ["checkout-v2"],
            "api_token": JSON_SECRET, "database": f"postgres://app:{DSN_PASSWORD}@db.{env}.internal/shop",
            HOSTILE: "<b>bold</b> & 'q'",
        })
        nonce = secrets.token_hex(6)
        return 200, [*extra, *SECURITY, ("Date", "Mon, 30 Nov 2026 12:00:00 GMT"),
                     ("Content-Security-Policy", f"default-src 'self'; script-src 'nonce-{nonce}'"),
                     ("Set-Cookie",
                      f"session={COOKIE_VALUE}-{nonce}; Path=/; Secure; HttpOnly; SameSite=Lax"),
                     ("Access-Control-Allow-Origin", f"https://{env}.shop.test")], body
    return route


def routes(env: str, **changes: Any) -> dict[str, Any]:
    table: dict[str, Any] = {
        "/version": version(env),
        "/health": (200, [("Content-Type", "text/html")],
                    f"<h1>{env} ok {secrets.token_hex(4)}</h1>".encode()),
        "/old": (301, [("Location", "/mid?token=abc123")], b""),
        "/mid": (302, [("Location", f"https://{env}.shop.test:1/never")], b""),
        "/loop-a": (302, [("Location", "/loop-b")], b""),
        "/loop-b": (302, [("Location", "/loop-a")], b""),
    }
    table.update(changes)
    return table


OPTIONS = """\
tls_verify = true
ca_bundle = "{ca}"
max_redirects = 3
headers = {{ Authorization = "Bearer ${{TOKEN}}" }}
  [probes.svc.endpoints]
  version = "${{BASE_{{env}}}}/version"
  health = {{ url = "${{BASE_{{env}}}}/health", method = "HEAD" }}
  loop = "${{BASE_{{env}}}}/loop-a"
"""


@contextmanager
def two_services(tmp_path: Path, production: dict[str, Any], staging: dict[str, Any],
                 days: tuple[float, float] = (365, 365), keys: tuple[str, str] = ("ec", "ec"),
                 ) -> Iterator[tuple[Service, Service, Authority]]:
    ca = Authority(tmp_path)
    with ExitStack() as stack:
        services = [
            stack.enter_context(Service(table, ca.issue(env, [f"{env}.shop.test"], day, key)).running())
            for env, table, day, key in zip(("production", "staging"), (production, staging), days, keys,
                                            strict=True)]
        yield services[0], services[1], ca


def audit(tmp_path: Path, ca: Authority, production: Service, staging: Service, options: str = OPTIONS,
          *extra: str) -> tuple[int, dict[str, Any], str]:
    result = run(tmp_path, options.format(ca=ca.bundle), "audit", "--format", "json", "-o", "-", *extra,
                 env={**bases(production, staging), "TOKEN": TOKEN})
    return result.returncode, json.loads(result.stdout), result.stderr


def test_identical_services_give_no_finding_and_only_get_or_head_is_sent(tmp_path: Path) -> None:
    with two_services(tmp_path, routes("production"), routes("staging")) as (production, staging, ca):
        code, report, stderr = audit(tmp_path, ca, production, staging)
    assert code == 0, (stderr, report["comparisons"][0]["findings"], report["errors"])
    assert findings(report) == {}
    for service in (production, staging):
        assert service.methods() == {"GET", "HEAD"}
        assert ("HEAD", "/health") in {(m, p) for m, p, _ in service.requests}
        assert all(h.get("authorization") == f"Bearer {TOKEN}" for _, _, h in service.requests)


def test_snapshot_holds_real_tls_facts_and_no_secret(tmp_path: Path) -> None:
    with two_services(tmp_path, routes("production"), routes("staging"), keys=("rsa", "ec")) \
            as (production, staging, ca):
        out = tmp_path / "staging.json"
        result = run(tmp_path, OPTIONS.format(ca=ca.bundle), "snapshot", "--env", "staging", "-o", str(out),
                     env={**bases(production, staging), "TOKEN": TOKEN})
        code, report, stderr = audit(tmp_path, ca, production, staging, OPTIONS, "--format", "html", "-o",
                                     str(tmp_path / "report.html"))
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    data = json.loads(text)["probes"]["svc"]["data"]["endpoints"]
    tls = data["version"]["tls"]
    assert tls["protocol"] == "TLSv1.3"
    assert tls["key"] == "EC secp256r1 256"
    assert tls["issuer"] == "O=Fidelity Test,CN=Fidelity Test CA"
    assert tls["san"] == ["127.0.0.1", "{env}.shop.test"]
    assert tls["expiry"] == "30 days or more"
    assert data["version"]["json"]["environment"] == "{env}"
    assert data["version"]["json"]["version"] == "1.4.2"
    assert data["version"]["headers"]["access-control-allow-origin"] == "https://{env}.shop.test"
    assert data["version"]["headers"]["content-security-policy"] == \
        "default-src 'self'; script-src 'nonce-…'"
    assert "date" not in data["version"]["headers"]
    assert "x-request-id" not in data["version"]["headers"]
    assert data["version"]["cookies"] == {"session": {"path": "/", "secure": True, "httponly": True,
                                                      "samesite": "lax"}}
    assert data["health"]["headers"].pop("server").startswith("BaseHTTP/")  # http.server's own banner
    assert data["health"] == {"status": 200, "redirects": [], "tls": tls,
                              "headers": {"content-type": "text/html"}, "cookies": {}}  # HEAD: no body
    assert data["loop"]["redirects"] == ["302 /loop-b", "302 /loop-a", "redirect loop"]
    # the reference's key is RSA: a real difference in the TLS setup, medium
    assert findings(report)["svc/endpoints/version/tls/key"] == ("changed", "medium")
    assert code == 1 or findings(report), stderr
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    for secret in (TOKEN, JSON_SECRET, COOKIE_VALUE, DSN_PASSWORD):
        assert secret not in text + html + json.dumps(report) + stderr + result.stderr
    assert "<script>alert" not in html


def test_drift_in_status_headers_cookies_json_and_redirects(tmp_path: Path) -> None:
    weaker: Headers = [("Strict-Transport-Security", "max-age=300"), ("Server", "nginx/1.18.0")]

    def staging_version(path: str, headers: dict[str, str]) -> tuple[int, Headers, bytes]:
        status, got, _ = version("staging")(path, headers)
        got = [(k, v) for k, v in got if k not in ("Strict-Transport-Security", "Server", "Set-Cookie")]
        got += [*weaker, ("Set-Cookie", "session=x; Path=/; HttpOnly; SameSite=None")]
        return status, got, json_body({"version": "1.5.0-rc1", "environment": "staging",
                                       "features": ["checkout-v2", "beta-search"],
                                       "api_token": "other-secret", "database": "postgres://db.staging.internal/shop",
                                       HOSTILE: "<i>other</i>"})[1]

    staging_routes = routes("staging", **{"/version": staging_version,
                                          "/health": (503, [("Content-Type", "text/html")], b"down"),
                                          "/loop-a": (200, [("Content-Type", "text/plain")], b"fixed")})
    with two_services(tmp_path, routes("production"), staging_routes) as (production, staging, ca):
        code, report, stderr = audit(tmp_path, ca, production, staging)
    assert code == 1, stderr
    found = findings(report)
    version_path = "svc/endpoints/version"
    assert found == {
        f"{version_path}/json/version": ("changed", "high"),
        f"{version_path}/json/features": ("changed", "high"),
        f"{version_path}/json/api_token": ("changed", "high"),
        f"{version_path}/json/database": ("changed", "high"),
        f"{version_path}/json/<script>alert('x')<~1script>~1é~0": ("changed", "high"),
        f"{version_path}/headers/strict-transport-security": ("changed", "high"),
        f"{version_path}/headers/server": ("changed", "low"),
        f"{version_path}/cookies/session/secure": ("missing", "high"),
        f"{version_path}/cookies/session/samesite": ("changed", "high"),
        "svc/endpoints/health/status": ("changed", "high"),
        "svc/endpoints/loop/status": ("changed", "high"),
        "svc/endpoints/loop/redirects": ("changed", "high"),
        "svc/endpoints/loop/headers/location": ("missing", "high"),
        "svc/endpoints/loop/headers/content-type": ("extra", "medium"),
        "svc/endpoints/loop/body": ("changed", "high"),
    }
    for secret in (JSON_SECRET, COOKIE_VALUE, "other-secret", DSN_PASSWORD, TOKEN):
        assert secret not in json.dumps(report) + stderr
