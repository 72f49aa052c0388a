"""Failures as users meet them: unreachable, refused, silent or untrusted services are exit 3 with one
line naming the probe; bad config is exit 2 naming the file and key; nothing is sent but GET and HEAD."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import fidelity
from httpfixtures import Authority, Service, bases, findings, run
from support.trickling import trickling_port

SECRET = "Hdr-Secret-Never-3321"


@contextmanager
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def plain_service() -> Service:
    return Service({"/": (200, [("Content-Type", "text/plain"), ("Cache-Control", "max-age=60")], b"ok")})


def test_refused_everywhere_is_exit_3_with_one_line_naming_the_probe(tmp_path: Path) -> None:
    port = closed_port()
    options = (f'headers = {{ "X-Api-Key" = "{SECRET}" }}\n'
               f'endpoints = {{ home = "http://127.0.0.1:{port}/?token={SECRET}" }}')
    result = run(tmp_path, options, "audit", "--format", "json")
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    messages = [e["message"] for e in report["errors"] if e["environment"] == "staging"]
    assert messages == [f"http probe 'svc', environment 'staging': endpoint 'home' (GET http://127.0.0.1:{port}/"
                        "?…): connection refused: is the service running, and is the port right?"]
    assert SECRET not in result.stdout + result.stderr
    plain = run(tmp_path, options, "audit")
    assert plain.returncode == 3
    assert "http probe 'svc', environment 'production': endpoint 'home'" in plain.stdout + plain.stderr


def test_a_silent_service_times_out_and_the_other_endpoints_are_still_compared(tmp_path: Path) -> None:
    with silent_port() as port, plain_service().running() as production, plain_service().running() as staging:
        options = (f'timeout = 1\n[probes.svc.endpoints]\nhome = "${{BASE_{{env}}}}/"\n'
                   f'slow = "http://127.0.0.1:{port}/"')
        result = run(tmp_path, options, "audit", "--format", "json", env=bases(production, staging))
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    assert findings(report) == {}
    errors = {(e["environment"], e["probe"], e["object"], e["message"]) for e in report["errors"]}
    assert errors == {(env, "svc", f"endpoint 'slow' (GET http://127.0.0.1:{port}/)",
                       "no answer within 1 s (timeout)") for env in ("production", "staging")}


def test_an_untrusted_certificate_is_exit_3_saying_what_to_set(tmp_path: Path) -> None:
    ca = Authority(tmp_path)
    with Service({"/": (200, [], b"ok")}, ca.issue("s", ["shop.test"], 90)).running() as service:
        result = run(tmp_path, f'endpoints = {{ home = "{service.base}/" }}', "audit", "--format", "json")
        insecure = run(tmp_path, f'tls_verify = false\nendpoints = {{ home = "{service.base}/" }}', "audit",
                       "--format", "json")
    assert result.returncode == 3
    message = json.loads(result.stdout)["errors"][0]["message"]
    assert "TLS certificate not trusted" in message
    assert "set ca_bundle" in message
    assert insecure.returncode == 0, insecure.stdout


@pytest.mark.parametrize(("endpoint", "problem"), [
    ('{ url = "https://{env}.shop.test/", method = "POST" }',
     "endpoints.home.method: expected GET or HEAD (the probe never sends anything that could change a "
     "service), got 'POST'"),
    ('"ftp://{env}.shop.test/"', "endpoints.home: expected an http:// or https:// URL with a host, "
     "got 'ftp://{env}.shop.test/'"),
    ('"https://shop.test:99999/"', "endpoints.home: not a valid URL (Port out of range 0-65535)"),
    ('{ url = "https://shop.test/", json_paths = ["a..b"] }',
     "endpoints.home.json_paths: 'a..b' is not a dotted path such as build.commit"),
    ('{ url = "https://shop.test/", expect_status = 42 }',
     "endpoints.home.expect_status: expected a status code (100-599) or a list of them"),
    ('{ url = "https://shop.test/", verb = "GET" }',
     "endpoints.home: unknown key 'verb' (known: url, method, headers, json_paths, headers_kept, "
     "expect_status, body_hash)"),
])
def test_bad_config_is_exit_2_naming_file_and_key(tmp_path: Path, endpoint: str, problem: str) -> None:
    result = run(tmp_path, f"endpoints = {{ home = {endpoint} }}", "audit")
    assert result.returncode == 2
    config = tmp_path / "fidelity.toml"
    assert result.stderr.strip() == f"fidelity: error: {config}: [probes.svc] endpoints: {problem}"


def test_a_url_variable_that_is_not_a_url_is_exit_3_naming_it(tmp_path: Path) -> None:
    result = run(tmp_path, 'endpoints = { home = "${HOME_URL}" }', "audit", "--format", "json",
                 env={"HOME_URL": "not a url"})
    assert result.returncode == 3
    message = json.loads(result.stdout)["errors"][0]["message"]
    assert message.startswith("http probe 'svc', environment 'production': endpoints.home: expected an http://")


def test_plain_http_redirect_limit_and_cross_origin_credentials(tmp_path: Path) -> None:
    other = Service({"/landing": (200, [("Content-Type", "text/plain")], b"ok")})
    with other.running():
        chain = {f"/r{i}": (302, [("Location", f"/r{i + 1}")], b"") for i in range(6)}
        chain["/away"] = (307, [("Location", f"{other.base}/landing?session=abc")], b"")
        with Service(chain).running() as production, Service(dict(chain)).running() as staging:
            options = ('max_redirects = 2\nheaders = { Authorization = "Bearer ${TOKEN}" }\n'
                       '[probes.svc.endpoints]\nchain = "${BASE_{env}}/r0"\naway = "${BASE_{env}}/away"')
            out = tmp_path / "p.json"
            result = run(tmp_path, options, "snapshot", "--env", "production", "-o", str(out),
                         env={**bases(production, staging), "TOKEN": SECRET})
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))["probes"]["svc"]["data"]["endpoints"]
    assert data["chain"]["redirects"] == ["302 /r1", "302 /r2", "302 /r3", "more than 2 redirects"]
    assert data["chain"]["status"] == 302
    assert data["away"]["redirects"] == [f"307 http://127.0.0.1:{other.port}/landing?session="]
    assert data["away"]["status"] == 200
    assert "tls" not in data["away"]
    assert [h.get("authorization") for _, _, h in other.requests] == [None]  # not sent to another origin
    assert all(h.get("authorization") == f"Bearer {SECRET}" for _, _, h in production.requests)
    assert production.methods() == {"GET"}
    assert SECRET not in out.read_text(encoding="utf-8") + result.stderr


def test_an_unknown_host_is_exit_3_saying_so(tmp_path: Path) -> None:
    result = run(tmp_path, 'endpoints = { home = "https://{env}.fidelity-test.invalid/" }', "audit")
    assert result.returncode == 3
    assert ("http probe 'svc', environment 'staging': endpoint 'home' (GET https://staging.fidelity-test.invalid/)"
            ": host name not found (DNS): check the URL") in result.stdout + result.stderr


def test_fidelity_probes_lists_the_type_with_its_options_and_defaults() -> None:
    result = fidelity("probes")
    assert result.returncode == 0, result.stderr
    section = result.stdout[result.stdout.index("\nhttp  (config)"):]
    for line in ("max_redirects   integer", "tls_verify      boolean          True",
                 "timeout         number  "):
        assert line in section
    assert "certificate expires in the candidate: expired or under 14 days" in section


def test_a_header_variable_with_a_line_break_is_one_line_that_never_shows_its_value(tmp_path: Path) -> None:
    with plain_service().running() as production, plain_service().running() as staging:
        options = 'headers = { "X-Api-Key" = "${API_KEY}" }\nendpoints = { home = "${BASE_{env}}/" }'
        env = {**bases(production, staging), "API_KEY": f"{SECRET}\n"}
        for fmt in ("terminal", "json", "markdown"):
            result = run(tmp_path, options, "-v", "--debug", "audit", "--format", fmt, env=env)
            assert result.returncode == 3, result.stderr
            assert SECRET not in result.stdout + result.stderr
            assert ("http probe 'svc', environment 'production': endpoints.home.headers: the value of "
                    "X-Api-Key has a line break (after substitution); fix the variable") in result.stdout


@pytest.mark.parametrize("content", [None, "not a certificate"])
def test_a_ca_bundle_that_cannot_be_loaded_is_one_line_not_an_internal_error(tmp_path: Path,
                                                                              content: str | None) -> None:
    bundle = tmp_path / "ca.pem"
    if content is not None:
        bundle.write_text(content, encoding="utf-8")
    with plain_service().running() as production, plain_service().running() as staging:
        options = f'ca_bundle = "{bundle}"\nendpoints = {{ home = "${{BASE_{{env}}}}/" }}'
        result = run(tmp_path, options, "audit", env=bases(production, staging))
    assert result.returncode == 3, result.stderr
    assert "internal error" not in result.stdout + result.stderr
    assert f"http probe 'svc', environment 'production': ca_bundle: cannot load '{bundle}' (" in result.stdout


def test_a_body_that_trickles_in_is_cut_off_at_the_timeout(tmp_path: Path) -> None:
    """`timeout` bounds the whole answer, body included: a server that sends a byte a second (each read
    answered well within the timeout) is an error at `timeout`. Its body would take 600 s, far past
    the 120 s the test's command may run (the old code read it to the end)."""
    with trickling_port(600) as port:
        options = f'timeout = 2\n[probes.svc.endpoints]\nslow = "http://127.0.0.1:{port}/"'
        result = run(tmp_path, options, "snapshot", "--env", "staging", "-o", str(tmp_path / "s.json"))
    assert result.returncode == 3, result.stderr
    assert "endpoint 'slow' (GET" in result.stderr
    assert "no complete answer within 2 s (timeout)" in result.stderr
