"""No raw value of a production table reaches a snapshot, a report or a log, unless opted in.

Production is filled with unique markers (strings, numbers, dates, JSON keys and values,
bytes); the audit is run through the CLI in every output format with debug logging; then
every file and stream is searched for every marker. One column is opted into exact
quantiles, and its marker must show up: that proves the search can find what it looks for.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from pgfixtures import Databases, cli, databases

DATA_KEYS = """  [probes.db.data]
  sample_rows = 5000
  columns = { "opted.amount" = { values = "quantiles" } }"""
FORMATS = ("terminal", "json", "html", "markdown", "junit")


@pytest.fixture
def pg() -> Iterator[Databases]:
    with databases() as created:
        yield created


def _production(marker: str, number: int) -> str:
    """Tables whose every value carries `marker` or `number` (some columns of few values, too)."""
    return f"""
CREATE TYPE mood AS ENUM ('calm', 'busy');
CREATE TABLE people (id bigint, email text, code text, note text, score numeric, born timestamptz, day date,
                     doc jsonb, raw bytea, tags text[], mood mood, big bigint);
INSERT INTO people
SELECT {number} + i, '{marker}' || i || '@corp.example', '{marker}CODE' || (i % 3), 'say {marker} ' || i,
       {number}.25 + i, timestamptz '1987-03-14 15:09:26+00' + i * interval '1 second', date '1961-08-04' + i,
       jsonb_build_object('{marker}K' || i, '{marker}V' || i,
                          'profile', jsonb_build_object('name', '{marker}N' || i, 'age', {number} + i),
                          '{marker}@mail.example', 1,
                          'eef0c0de-{marker[:4]}-4aaa-8bbb-' || lpad(i::text, 12, '0'), 2),
       convert_to('{marker}B' || i, 'UTF8'), ARRAY['{marker}T' || i],
       (ARRAY['calm', 'busy'])[1 + i % 2]::mood,
       CASE WHEN i % 2 = 0 THEN {number} ELSE {number} + 1 END
FROM generate_series(1, 400) i;
CREATE TABLE opted (amount numeric);
INSERT INTO opted SELECT {number}.5 FROM generate_series(1, 10);
"""


STAGING = """
CREATE TYPE mood AS ENUM ('calm', 'busy');
CREATE TABLE people (id bigint, email text, code text, note text, score numeric, born timestamptz, day date,
                     doc jsonb, raw bytea, tags text[], mood mood, big bigint);
INSERT INTO people SELECT i, 'x', 'y', NULL, 1, now(), current_date, '{}', NULL, NULL, 'calm', 1
FROM generate_series(1, 10) i;
CREATE TABLE opted (amount numeric);
INSERT INTO opted VALUES (1);
"""


def test_no_production_value_appears_in_any_output(pg: Databases, tmp_path: Path) -> None:
    marker = f"Mk{secrets.token_hex(5)}"
    number = 7_310_000_000 + secrets.randbelow(10_000_000)
    production, staging = pg.create(_production(marker, number)), pg.create(STAGING)
    outputs: list[str] = []
    args = ["audit", "-vv", "--fail-on", "medium"]
    for fmt in FORMATS:
        args += ["--format", fmt, "-o", str(tmp_path / f"report.{fmt}")]
    audit = cli(tmp_path, production, staging, *args, keys=DATA_KEYS)
    assert audit.returncode == 1, audit.stderr
    snapshot = tmp_path / "production.json"
    taken = cli(tmp_path, production, staging, "snapshot", "--env", "production", "-o", str(snapshot), "-vv",
                keys=DATA_KEYS)
    assert taken.returncode == 0, taken.stderr
    outputs += [audit.stdout, audit.stderr, taken.stdout, taken.stderr]
    outputs += [(tmp_path / f"report.{fmt}").read_text(encoding="utf-8") for fmt in FORMATS]
    outputs.append(snapshot.read_text(encoding="utf-8"))
    text = "\n".join(outputs)

    data = json.loads(snapshot.read_text(encoding="utf-8"))["probes"]["db"]["data"]["data"]["public"]
    people = data["people"]["columns"]
    assert len(people) == 12
    assert people["doc"]["keys"]
    assert people["code"]["values"]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    findings = report["comparisons"][0]["findings"]
    assert len([f for f in findings if f["category"] == "data"]) >= 10  # reports carry data findings

    assert str(number + 0.5) in text  # the opted-in column's quantiles are there: the search works
    forbidden = [marker, marker.lower(), marker.upper(), "1987-03-14", "15:09:26", "1961-08",
                 *(str(number + k) for k in range(0, 402)), f"{number}.25"]
    leaked = sorted({f for f in forbidden if f in text.replace(str(number + 0.5), "")})
    assert leaked == []
    assert marker.encode().hex() not in text  # not even as bytea hex
