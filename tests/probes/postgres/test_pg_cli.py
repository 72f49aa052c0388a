"""The postgres probe through the CLI: drift fails the gate (exit 1), a fault is exit 3, masked."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from conftest import fidelity
from pgfixtures import APP_DDL, CLI_CONFIG, Databases, cli, databases

PASSWORD = "pw-Never-Shown-42"
@pytest.fixture
def pg() -> Iterator[Databases]:
    with databases() as created:
        yield created


def test_drift_fails_the_gate(pg: Databases, tmp_path: Path) -> None:
    production = pg.create(APP_DDL)
    staging = pg.create(APP_DDL + "ALTER TABLE customers DROP COLUMN name;"
                        "INSERT INTO django_migrations (app, name) VALUES ('shop', '0003_refunds');")
    result = cli(tmp_path, production, staging, "audit", "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == []
    found = {f["path"]: (f["change"], f["severity"], f["category"])
             for f in report["comparisons"][0]["findings"]}
    assert found == {
        "db/schema/public/tables/customers/columns/name": ("missing", "high", "schema"),
        "db/schema/public/tables/customers/column_order": ("changed", "info", "schema"),
        "db/migrations/django/applied/shop.0003_refunds": ("extra", "info", "schema"),
    }


def test_column_defaults_under_secret_looking_names_never_leave_the_probe(pg: Databases,
                                                                        tmp_path: Path) -> None:
    """A key or password written into a schema as a column default is fingerprinted in every output,
    and a changed one is still a finding."""
    token, word = "q8Zr2Lx9PqT4mWv7Ke3N", "hunter2-Default"
    ddl = ("CREATE TABLE accounts (id int PRIMARY KEY, api_key text DEFAULT '{t}', "
           "password varchar(40) DEFAULT '{w}', status text DEFAULT 'active');")
    production = pg.create(ddl.format(t=token, w=word))
    staging = pg.create(ddl.format(t=token[::-1], w=word))
    result = cli(tmp_path, production, staging, "audit", "--format", "json")
    assert result.returncode == 1, result.stderr
    found = {f["path"] for f in json.loads(result.stdout)["comparisons"][0]["findings"]}
    assert "db/schema/public/tables/accounts/columns/api_key/default" in found
    snapshot = tmp_path / "production.json"
    assert cli(tmp_path, production, staging, "snapshot", "--env", "production", "-o", str(snapshot)
               ).returncode == 0
    text = snapshot.read_text(encoding="utf-8") + result.stdout + result.stderr
    for raw in (token, token[::-1], word):
        assert raw not in text
    assert "'active'::text" in text  # a default under an ordinary name stays comparable as it is


def test_fault_is_exit_3_with_a_masked_message(pg: Databases, tmp_path: Path) -> None:
    production = pg.create(APP_DDL)
    staging = f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/fidelity_test_no_such_db"
    result = cli(tmp_path, production, staging, "audit", "--format", "json")
    assert result.returncode == 3
    report = json.loads(result.stdout)
    (error,) = report["errors"]
    assert (error["environment"], error["probe"]) == ("staging", "db")
    assert error["message"].startswith("postgres probe 'db', environment 'staging': cannot connect: ")
    assert 'database "fidelity_test_no_such_db" does not exist' in error["message"]
    assert PASSWORD not in result.stdout + result.stderr

    snapshot = tmp_path / "staging.json"
    result = cli(tmp_path, production, staging, "snapshot", "--env", "staging", "-o", str(snapshot))
    assert result.returncode == 3
    assert PASSWORD not in snapshot.read_text(encoding="utf-8") + result.stdout + result.stderr


def test_example_creates_drift_that_the_example_config_reports(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[3] / "examples" / "postgres"
    prefix = f"fidelity_test_{secrets.token_hex(4)}"
    setup = [sys.executable, str(root / "setup.py"), "--prefix", prefix]
    created = subprocess.run(setup, capture_output=True, text=True, check=True, timeout=120)
    try:
        exported = dict(line.split("=", 1) for line in created.stdout.splitlines())
        env = {**os.environ, **{key: value.strip("'") for key, value in exported.items()}}
        result = subprocess.run([sys.executable, "-m", "fidelity", "audit", "-c", str(root / "fidelity.toml"),
                                 "--format", "json"], capture_output=True, text=True, env=env, check=False,
                                timeout=120)
    finally:
        subprocess.run([*setup, "--drop"], check=True, timeout=120)
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["comparisons"][0]["findings"]
    found = {f["path"]: (f["severity"], f["status"]) for f in findings}
    assert found["db/schema/public/tables/customers/columns/phone"] == ("high", "open")
    assert found["db/schema/public/tables/orders/columns/total/type"] == ("high", "open")
    assert found["db/settings/TimeZone"] == ("high", "expected")
    assert found["db/migrations/django/applied/shop.0003_refunds"] == ("info", "open")


def test_the_example_setup_never_drops_a_database_it_did_not_create() -> None:
    """A user's own database that happens to have one of the example's names (`--prefix myapp` and a
    real `myapp_staging`) is neither dropped nor recreated, by setup or by --drop: exit 2, named."""
    root = Path(__file__).resolve().parents[3] / "examples" / "postgres"
    prefix = f"fidelity_test_{secrets.token_hex(4)}"
    with databases() as pg:
        theirs = pg.create("CREATE TABLE precious (id int); INSERT INTO precious VALUES (42);")
        name = theirs.rpartition("dbname=")[2]
        with psycopg.connect(theirs.replace(f"dbname={name}", "dbname=postgres"), autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE {name} RENAME TO {prefix}_staging")  # now an example's name
        pg.names[pg.names.index(name)] = f"{prefix}_staging"  # dropped at the end as any test database
        for extra in ([], ["--drop"]):
            result = subprocess.run([sys.executable, str(root / "setup.py"), "--prefix", prefix, *extra],
                                    capture_output=True, text=True, timeout=120, check=False)
            assert result.returncode == 2, result.stderr
            assert result.stderr.strip() == (
                f"setup.py: error: database {prefix}_staging exists and was not created by this script; "
                "pick another --prefix, or drop it yourself")
            kept = theirs.replace(f"dbname={name}", f"dbname={prefix}_staging")
            with psycopg.connect(kept) as conn:
                assert conn.execute("SELECT id FROM precious").fetchall() == [(42,)]
            with psycopg.connect(theirs.replace(f"dbname={name}", "dbname=postgres")) as admin:
                assert admin.execute("SELECT count(*) FROM pg_database WHERE datname = %s",
                                     (f"{prefix}_production",)).fetchone() == (0,)  # nothing half done


def test_a_bad_data_option_is_exit_2_naming_the_file_and_key(tmp_path: Path) -> None:
    result = cli(tmp_path, "", "", "audit", keys='  [probes.db.data]\n  sample_rows = "lots"')
    config = tmp_path / "fidelity.toml"
    assert result.returncode == 2
    assert result.stderr.strip() == (f"fidelity: error: {config}: [probes.db] data: sample_rows: expected a "
                                     "whole number of at least 100, got 'lots'")


@pytest.mark.parametrize("written", [f"host='127.0.0.1 password={PASSWORD}",
                                     f"host=127.0.0.1 {PASSWORD} dbname=shop",
                                     f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/shop?{PASSWORD}=1"])
def test_a_dsn_written_in_the_config_that_libpq_cannot_parse_is_exit_2_naming_the_key(tmp_path: Path,
                                                                                     written: str) -> None:
    """As for the mysql probe: a literal DSN is checked with the config, and nothing is probed."""
    config = tmp_path / "fidelity.toml"
    config.write_text(CLI_CONFIG.format(keys="").replace("${FIDELITY_TEST_STAGING_DSN}", written),
                      encoding="utf-8")
    result = fidelity("audit", "-c", str(config), env={"FIDELITY_TEST_PRODUCTION_DSN": "dbname=postgres"})
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"fidelity: error: {config}: [probes.db.staging] dsn: invalid dsn: ")
    assert PASSWORD not in result.stdout + result.stderr
    assert result.stdout == ""


def test_a_secret_default_written_again_in_a_view_or_comment_is_fingerprinted_there(pg: Databases,
                                                                                   tmp_path: Path) -> None:
    """A password below a secret-looking column name is a known secret: a view's definition, another
    table's default or a comment that repeats it holds its fingerprint there too, in the snapshot and
    in every report, and the view still compares (the same fingerprint on both sides)."""
    word = "Tr0ub4dor-reused-9"
    ddl = (f"CREATE TABLE accounts (id int PRIMARY KEY, password text DEFAULT '{word}', note text);"
           f"CREATE VIEW still_default AS SELECT id FROM accounts WHERE password = '{word}';"
           f"CREATE TABLE audit_log (id int, who text DEFAULT 'admin:{word}');"
           f"COMMENT ON TABLE accounts IS 'first login with {word}, then change it';")
    production = pg.create(ddl)
    staging = pg.create(ddl + "ALTER TABLE accounts DROP COLUMN note;")
    result = cli(tmp_path, production, staging, "audit", "--format", "json")
    assert result.returncode == 1, result.stderr
    found = {f["path"] for f in json.loads(result.stdout)["comparisons"][0]["findings"]}
    assert found == {"db/schema/public/tables/accounts/columns/note",
                     "db/schema/public/tables/accounts/column_order"}  # the masked view is unchanged
    snapshot = tmp_path / "production.json"
    assert cli(tmp_path, production, staging, "snapshot", "--env", "production", "-o", str(snapshot)
               ).returncode == 0
    text = snapshot.read_text(encoding="utf-8")
    assert word not in text + result.stdout + result.stderr
    schema = json.loads(text)["probes"]["db"]["data"]["schema"]["public"]
    assert "[secret:" in schema["views"]["still_default"]["definition"]
    assert schema["tables"]["audit_log"]["columns"]["who"]["default"].startswith("'admin:[secret:")
    assert schema["tables"]["accounts"]["comment"].startswith("first login with [secret:")
