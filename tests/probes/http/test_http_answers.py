"""What an answer becomes: certificate expiry buckets, body kinds, kept JSON fields, expected statuses,
and HSTS judged by strength; each through the real CLI against real servers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from httpfixtures import Authority, Service, bases, findings, json_body, run


def audit(tmp_path: Path, options: str, production: Service, staging: Service,
          ca: Authority | None = None) -> tuple[int, dict[str, Any]]:
    text = (f'ca_bundle = "{ca.bundle}"\n' if ca else "") + options
    result = run(tmp_path, text, "audit", "--format", "json", env=bases(production, staging))
    return result.returncode, json.loads(result.stdout)


@pytest.mark.parametrize(("days", "bucket", "severity"), [(10, "under 14 days", "high"),
                                                          (20, "under 30 days", "medium")])
def test_a_certificate_close_to_expiry_in_the_candidate(tmp_path: Path, days: int, bucket: str,
                                                        severity: str) -> None:
    ca = Authority(tmp_path)
    page = {"/": (200, [("Content-Type", "text/plain")], b"ok")}
    with Service(page, ca.issue("p", ["production.shop.test"], 365)).running() as production, \
            Service(page, ca.issue("s", ["staging.shop.test"], days)).running() as staging:
        code, report = audit(tmp_path, 'endpoints = { home = "${BASE_{env}}/" }', production, staging, ca)
        back, reverse = audit(tmp_path, 'endpoints = { home = "${BASE_{env}}/" }', staging, production, ca)
    assert code == (1 if severity == "high" else 0)
    assert findings(report) == {"svc/endpoints/home/tls/expiry": ("changed", severity)}
    (finding,) = report["comparisons"][0]["findings"]
    assert (finding["reference"], finding["candidate"]) == ("30 days or more", bucket)
    assert finding["category"] == "infrastructure"
    # swapped, the candidate's certificate lasts longer (and names the other environment)
    assert back == 0
    assert findings(reverse)["svc/endpoints/home/tls/expiry"] == ("changed", "low")


def test_bodies_json_paths_and_expected_status(tmp_path: Path) -> None:
    def service(build: str, flag: bool, uptime: int, page: bytes, status: int) -> Service:
        return Service({
            "/version": (200, *json_body({"build": {"commit": build, "time": uptime}, "uptime": uptime,
                                          "flags": {"search": flag, "chat": True}})),
            "/page": (200, [("Content-Type", "text/html; charset=utf-8")], page),
            "/broken": (200, [("Content-Type", "application/json")], b"{not json" if flag else b"{}"),
            "/nan": (200, [("Content-Type", "application/json")], b'{"ratio": NaN}'),
            "/gone": (status, [("Content-Type", "text/plain"), ("Cache-Control", f"max-age={status}")], b"x"),
        })

    options = """\
[probes.svc.endpoints]
version = { url = "${BASE_{env}}/version", json_paths = ["build.commit", "flags.*"] }
page = { url = "${BASE_{env}}/page", body_hash = true }
broken = "${BASE_{env}}/broken"
nan = "${BASE_{env}}/nan"
gone = { url = "${BASE_{env}}/gone", expect_status = [200, 204] }
"""
    with service("a1b2", True, 10, b"<p>prod</p>", 200).running() as production, \
            service("c3d4", False, 99999, b"<p>stage</p>", 500).running() as staging:
        code, report = audit(tmp_path, options, production, staging)
        out = tmp_path / "s.json"
        run(tmp_path, options, "snapshot", "--env", "staging", "-o", str(out), env=bases(production, staging))
    assert code == 1
    assert findings(report) == {
        "svc/endpoints/version/json/build/commit": ("changed", "high"),
        "svc/endpoints/version/json/flags/search": ("changed", "high"),
        "svc/endpoints/page/body_hash": ("changed", "medium"),
        "svc/endpoints/broken/body": ("changed", "high"),
        "svc/endpoints/gone/status": ("changed", "high"),
    }  # staging's 500 page is not compared beyond its status (no cache-control, headers or body finding),
    # and the JSON fields of broken's reference-side body are covered by the body finding
    (warning,) = [w for w in report["warnings"] if w["environment"] == "staging"]
    assert warning["message"] == ("answered 500, expected 200, 204: its headers and body are not compared "
                                  "(the status is)")
    data = json.loads(out.read_text(encoding="utf-8"))["probes"]["svc"]["data"]["endpoints"]
    assert data["version"]["json"] == {"build": {"commit": "c3d4"}, "flags": {"search": False, "chat": True}}
    assert data["page"]["body"] == "not JSON"
    assert data["page"]["body_hash"].startswith("[secret:")
    assert "stage" not in json.dumps(data["page"])
    assert data["broken"]["body"] == "JSON"
    assert data["nan"]["json"] == {"ratio": "NaN"}


def test_hsts_is_judged_by_strength_under_a_hostile_endpoint_name(tmp_path: Path) -> None:
    def service(hsts: str, csp: str, key: str) -> Service:
        return Service({"/": (200, [("Content-Type", "text/plain"), ("Strict-Transport-Security", hsts),
                                    ("Content-Security-Policy", csp), ("X-Api-Key", key)], b"ok")})

    options = ('headers_kept = ["strict-transport-security", "content-security-policy", "x-api-key"]\n'
               'endpoints = { "<b>home</b>/~" = "${BASE_{env}}/" }')
    with service("max-age=600", "default-src 'self'", "Key-Never-Shown-1").running() as production, \
            service("max-age=31536000; includeSubDomains; preload", "default-src *",
                    "Key-Never-Shown-2").running() as staging:
        code, report = audit(tmp_path, options, production, staging)
    home = "svc/endpoints/<b>home<~1b>~1~0/headers"
    assert findings(report) == {f"{home}/strict-transport-security": ("changed", "medium"),
                                f"{home}/content-security-policy": ("changed", "high"),
                                f"{home}/x-api-key": ("changed", "medium")}
    assert code == 1
    assert "Key-Never-Shown" not in json.dumps(report)
