"""`fidelity audit` probes its environments side by side: a service that answers production only once
staging has been asked too (a barrier in the test's server) is answered, where probing one
environment after the other would wait on production until its timeout."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from httpfixtures import Headers, Service, bases, findings, json_body, run

#: The barrier waits this long at most (far beyond the probe's timeout), so a sequential audit fails.
BARRIER_SECONDS = 120


def test_environments_are_probed_side_by_side(tmp_path: Path) -> None:
    asked = threading.Event()

    def production_answer(path: str, headers: dict[str, str]) -> tuple[int, Headers, bytes]:
        asked.wait(BARRIER_SECONDS)
        return (200, *json_body({"version": "1.4.2", "asked_after_staging": asked.is_set()}))

    def staging_answer(path: str, headers: dict[str, str]) -> tuple[int, Headers, bytes]:
        asked.set()
        return (200, *json_body({"version": "1.4.3", "asked_after_staging": True}))

    with Service({"/version": production_answer}).running() as production, \
            Service({"/version": staging_answer}).running() as staging:
        options = ('timeout = 30\n[probes.svc.endpoints]\nversion = { url = "${BASE_{env}}/version", '
                   'json_paths = ["version", "asked_after_staging"] }')
        result = run(tmp_path, options, "audit", "--format", "json", env=bases(production, staging))
    assert result.returncode in (0, 1), result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == []
    assert set(findings(report)) == {"svc/endpoints/version/json/version"}
    assert [m for m, _, _ in production.requests + staging.requests] == ["GET", "GET"]
