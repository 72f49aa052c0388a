"""A secret fingerprinted anywhere in a run is fingerprinted wherever else it is written: in another
probe's data, and in the other environment's, whichever environment met it first."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import fidelity

SECRET = "Zx9-correct-horse-7"
CONFIG = ('[audit]\nreference = "production"\n[environments.production]\n[environments.staging]\n'
          '[probes.app]\ntype = "config_files"\npaths = ["{env}/app.json"]\n'
          '[probes.env]\ntype = "config_files"\npaths = ["{env}/.env"]\n')


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def test_a_secret_met_in_staging_is_masked_in_production_and_in_every_report(tmp_path: Path) -> None:
    """Staging holds the password below `DB_PASSWORD`; production repeats it in an ordinary note
    (and in a key) of another probe's file. The reference is probed first, before the password is
    known, and still no report shows it; the note's finding names the fingerprint."""
    _write(tmp_path, {
        "fidelity.toml": CONFIG,
        "production/app.json": json.dumps({"note": f"rotate {SECRET} soon", SECRET: 1,
                                           "mode": "<b>fast</b>"}),
        "production/.env": "DB_USER=app\n",
        "staging/app.json": json.dumps({"mode": "<b>fast</b>"}),
        "staging/.env": f"DB_USER=app\nDB_PASSWORD={SECRET}\n",
    })
    outputs = []
    for fmt in ("json", "terminal", "markdown", "html", "junit"):
        result = fidelity("audit", "-c", str(tmp_path / "fidelity.toml"), "--format", fmt,
                          "-o", str(tmp_path / f"report.{fmt}"), cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        written = (tmp_path / f"report.{fmt}").read_text(encoding="utf-8")
        outputs.append(written + result.stdout + result.stderr)
    for output in outputs:
        assert SECRET not in output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    found = {f["path"]: f for f in report["comparisons"][0]["findings"]}
    assert "app/app.json/note" in found
    assert "env/.env/DB_PASSWORD" in found
    assert "[secret:" in json.dumps(found["app/app.json/note"])
    assert "app/app.json/mode" not in found  # unchanged, HTML and all


def test_a_short_or_unrelated_value_is_left_as_it_is(tmp_path: Path) -> None:
    """A password below six characters is fingerprinted below its name only, and a value that merely
    shares letters with a longer one is not touched."""
    _write(tmp_path, {
        "fidelity.toml": CONFIG,
        "production/app.json": json.dumps({"note": "shop and Zx9-correct"}),
        "production/.env": "DB_PASSWORD=shop\n",
        "staging/app.json": json.dumps({"note": "shop and Zx9-correct"}),
        "staging/.env": f"DB_PASSWORD={SECRET}\n",
    })
    result = fidelity("audit", "-c", str(tmp_path / "fidelity.toml"), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr  # a changed password is medium: below the gate
    findings = json.loads(result.stdout)["comparisons"][0]["findings"]
    assert [f["path"] for f in findings] == ["env/.env/DB_PASSWORD"]
    snapshot = tmp_path / "production.snapshot.json"
    assert fidelity("snapshot", "-c", str(tmp_path / "fidelity.toml"), "--env", "production", "-o",
                    str(snapshot), cwd=tmp_path).returncode == 0
    data = json.loads(snapshot.read_text(encoding="utf-8"))["probes"]
    assert data["app"]["data"]["app.json"]["note"] == "shop and Zx9-correct"


def test_a_secret_name_spelled_with_lookalike_letters_still_hides_its_value(tmp_path: Path) -> None:
    """`раssword` with a Cyrillic р and а, `ΤΟΚΕΝ` in Greek, `pass<zero-width space>word` and a
    full-width `ＡＰＩ＿ＫＥＹ` read as the names they show: their values are fingerprinted in the
    snapshot and in the report, and the names themselves are kept as written."""
    names = ["р\u0430ssword", "ΤΟΚΕΝ", "pass\u200bword", "ＡＰＩ＿ＫＥＹ"]
    values = [f"v4lue-{i}-never-shown" for i in range(len(names))]
    production = dict(zip(names, values, strict=True))
    staging = {name: value[::-1] for name, value in production.items()}
    _write(tmp_path, {
        "fidelity.toml": CONFIG,
        "production/app.json": json.dumps(production, ensure_ascii=False),
        "production/.env": "A=1\n",
        "staging/app.json": json.dumps(staging, ensure_ascii=False),
        "staging/.env": "A=1\n",
    })
    result = fidelity("audit", "-c", str(tmp_path / "fidelity.toml"), "--format", "json", cwd=tmp_path)
    snapshot = tmp_path / "staging.snapshot.json"
    taken = fidelity("snapshot", "-c", str(tmp_path / "fidelity.toml"), "--env", "staging", "-o",
                     str(snapshot), cwd=tmp_path)
    assert taken.returncode == 0, taken.stderr
    shown = result.stdout + result.stderr + snapshot.read_text(encoding="utf-8") + taken.stderr
    for value in values:
        assert value not in shown
        assert value[::-1] not in shown
    findings = {f["path"] for f in json.loads(result.stdout)["comparisons"][0]["findings"]}
    assert findings == {f"app/app.json/{name}" for name in names}  # changed secrets: still findings
