"""The mysql probe through the real CLI and a config file: drift is exit 1, a fault exit 3, masked."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import fidelity
from myfixtures import APP_DDL, CLI_CONFIG, Databases, cli, databases, dsn

PASSWORD = "pw-Never-Shown-42"


@pytest.fixture
def my() -> Iterator[Databases]:
    with databases() as created:
        yield created


def test_drift_fails_the_gate(my: Databases, tmp_path: Path) -> None:
    production = my.create(APP_DDL)
    staging = my.create(APP_DDL + "ALTER TABLE customers DROP COLUMN secret_note;"
                        "ALTER TABLE orders DROP FOREIGN KEY orders_customer;")
    result = cli(tmp_path, dsn(production), dsn(staging), "audit", "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == []
    found = {f["path"]: (f["change"], f["severity"], f["category"])
             for f in report["comparisons"][0]["findings"]}
    assert found == {
        "db/schema/database/tables/customers/columns/secret_note": ("missing", "high", "schema"),
        "db/schema/database/tables/customers/column_order": ("changed", "info", "schema"),
        "db/schema/database/tables/orders/foreign_keys/orders_customer": ("missing", "high", "schema"),
    }


def test_identical_environments_pass(my: Databases, tmp_path: Path) -> None:
    result = cli(tmp_path, dsn(my.create(APP_DDL)), dsn(my.create(APP_DDL)), "audit", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["verdict"] == "pass"


def test_fault_is_exit_3_with_a_masked_one_line_message(my: Databases, tmp_path: Path) -> None:
    production = dsn(my.create(APP_DDL))
    staging = f"mysql://root:{PASSWORD}@127.0.0.1:3306/fidelity_test_no_such_db"
    result = cli(tmp_path, production, staging, "audit", "--format", "json")
    assert result.returncode == 3
    report = json.loads(result.stdout)
    (error,) = report["errors"]
    assert (error["environment"], error["probe"]) == ("staging", "db")
    assert error["message"].startswith("mysql probe 'db', environment 'staging': ")
    assert PASSWORD not in result.stdout + result.stderr
    snapshot = tmp_path / "staging.json"
    result = cli(tmp_path, production, staging, "snapshot", "--env", "staging", "-o", str(snapshot))
    assert result.returncode == 3
    assert PASSWORD not in snapshot.read_text(encoding="utf-8") + result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_probes_lists_the_type_and_its_options() -> None:
    result = fidelity("probes")
    assert result.returncode == 0
    listing = result.stdout[result.stdout.index("mysql  (schema)"):]
    for option in ("dsn", "ssl_mode", "ssl_ca", "schemas", "exclude_schemas", "exclude_tables",
                   "exclude_variables", "connect_timeout", "statement_timeout", "lock_timeout", "privileges",
                   "migrations", "data"):
        assert f"\n  {option} " in listing
    assert "'preferred'" in listing
    assert "server flavour (MariaDB vs MySQL)" in listing


def test_a_bad_option_is_exit_2_naming_the_key(tmp_path: Path) -> None:
    result = cli(tmp_path, "", "", "audit", keys='ssl_mode = "sometimes"')
    assert result.returncode == 2
    assert "ssl_mode" in result.stderr
    assert str(tmp_path / "fidelity.toml") in result.stderr


@pytest.mark.parametrize("written", [f"postgres://root:{PASSWORD}@127.0.0.1:3306/shop",
                                     f"mysql://root:{PASSWORD}@127.0.0.1:3306/shop?sslmode=require"])
def test_a_dsn_written_in_the_config_that_is_not_one_is_exit_2_naming_the_key(tmp_path: Path,
                                                                              written: str) -> None:
    config = tmp_path / "fidelity.toml"
    config.write_text(CLI_CONFIG.format(keys="").replace("${FIDELITY_TEST_STAGING_DSN}", written),
                      encoding="utf-8")
    result = fidelity("audit", "-c", str(config), env={"FIDELITY_TEST_PRODUCTION_DSN": dsn("mysql")})
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"fidelity: error: {config}: [probes.db.staging] dsn: invalid dsn: ")
    assert PASSWORD not in result.stdout + result.stderr


def test_an_unreachable_server_is_exit_3_and_the_other_probes_still_report(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on: bound, then closed
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    for environment, workers in (("production", "8"), ("staging", "2")):
        (tmp_path / environment).mkdir()
        (tmp_path / environment / "app.env").write_text(f"WORKERS={workers}\n", encoding="utf-8")
    config = tmp_path / "fidelity.toml"
    config.write_text(CLI_CONFIG.format(keys="") + '\n[probes.app]\ntype = "config_files"\n'
                      'paths = ["{env}/app.env"]\n', encoding="utf-8")
    unreachable = f"mysql://root:{PASSWORD}@127.0.0.1:{closed}/shop"
    result = fidelity("audit", "-c", str(config), "--format", "json", "-o", str(tmp_path / "report.json"),
                      env={"FIDELITY_TEST_PRODUCTION_DSN": unreachable,
                           "FIDELITY_TEST_STAGING_DSN": unreachable})
    assert result.returncode == 3, result.stdout + result.stderr
    written = (tmp_path / "report.json").read_text(encoding="utf-8")
    report = json.loads(written)
    assert {(e["environment"], e["probe"]) for e in report["errors"]} == {("production", "db"),
                                                                           ("staging", "db")}
    for error in report["errors"]:
        assert error["message"].startswith(f"mysql probe 'db', environment '{error['environment']}': ")
        assert "\n" not in error["message"]
    found = {f["path"]: (f["change"], f["severity"]) for f in report["comparisons"][0]["findings"]}
    assert found == {"app/app.env/WORKERS": ("changed", "medium")}
    assert PASSWORD not in result.stdout + result.stderr + written
    assert "Traceback" not in result.stderr


def test_a_secret_default_written_again_in_a_view_or_comment_is_fingerprinted_there(my: Databases,
                                                                                   tmp_path: Path) -> None:
    """A password below a secret-looking column name is a known secret: a view that repeats it, and
    a comment, hold its fingerprint there too, in the snapshot and in every report."""
    word = "Tr0ub4dor-reused-9"
    ddl = (f"CREATE TABLE accounts (id INT PRIMARY KEY, password VARCHAR(40) DEFAULT '{word}', note TEXT) "
           f"COMMENT 'first login with {word}';"
           f"CREATE VIEW still_default AS SELECT id FROM accounts WHERE password = '{word}';")
    production = my.create(ddl)
    staging = my.create(ddl + "ALTER TABLE accounts DROP COLUMN note;")
    result = cli(tmp_path, dsn(production), dsn(staging), "audit", "--format", "json")
    assert result.returncode == 1, result.stderr
    snapshot = tmp_path / "production.json"
    taken = cli(tmp_path, dsn(production), dsn(staging), "snapshot", "--env", "production",
                "-o", str(snapshot))
    assert taken.returncode == 0, taken.stderr
    text = snapshot.read_text(encoding="utf-8")
    assert word not in text + result.stdout + result.stderr + taken.stderr
    assert text.count("[secret:") >= 3  # the default, the view and the comment
