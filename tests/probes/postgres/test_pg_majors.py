"""The whole probe on a real server of every supported major (14 to 18), on a schema using its features.

The servers come from tests/support/pg_majors.py (the `pg_major` fixture): a major that cannot
be had fails these tests under CI and skips them elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from pgfixtures import KEY, collect
from pgmajor_schema import ddl

from fidelity.redact import FINGERPRINT_RE, SecretKeeper
from probes.postgres.normalise import body_hash
from tests.support.pg_majors import MAJORS, Server

Major = Callable[[int], Server]


def _read(server: Server, major: int) -> tuple[dict[str, Any], dict[str, Any]]:
    with server.database(ddl(major)) as database:
        result = collect(database, data=True)
        assert result.gaps == ()
        with psycopg.connect(database) as conn:
            rows = conn.execute("SELECT name, setting FROM pg_settings").fetchall()
    return result.data, dict(rows)


@pytest.mark.parametrize("major", MAJORS)
def test_the_whole_probe_runs_on_every_major(pg_major: Major, major: int) -> None:
    server = pg_major(major)
    data, server_settings = _read(server, major)
    assert data["server"]["version"] == {"major": major,
                                         "minor": int(server_settings["server_version_num"]) % 10000}
    # settings: the server's own list, less the host-specific ones
    assert data["settings"]["TimeZone"] == server_settings["TimeZone"]
    assert set(data["settings"]) - {"lc_collate", "lc_ctype"} <= set(server_settings)
    assert ("io_method" in data["settings"]) == (major >= 18)
    assert ("vacuum_defer_cleanup_age" in data["settings"]) == (major <= 15)
    assert "port" not in data["settings"]
    # lc_collate and lc_ctype: settings up to 15, pg_database columns from 16 on; recorded on every major
    assert (data["settings"]["lc_collate"], data["settings"]["lc_ctype"]) == ("C.UTF-8", "C.UTF-8")
    assert "locale" not in data["server"]  # libc
    # extensions at the version each server offers
    assert data["extensions"]["pg_trgm"]["version"] == data["extensions"]["pg_trgm"]["default_version"]
    assert set(data["extensions"]) >= {"plpgsql", "pg_trgm", "hstore"}
    # migrations and data shape
    assert sorted(data["migrations"]["django"]["applied"]) == ["shop.0001_initial", "shop.0002_orders"]
    assert data["data"]["public"]["orders"]["row_count"] == 200
    public, billing = data["schema"]["public"], data["schema"]["billing"]
    # SQL-standard bodies (prosqlbody, 14+): hashed from pg_get_function_sqlbody, not the empty prosrc
    functions = {**public["functions"], **billing["functions"]}
    hashes = {functions[name]["body_hash"] for name in ("tax(numeric)", "net(numeric)", "order_count(bigint)",
                                                        "ship(integer)")}
    assert len(hashes) == 4
    assert body_hash("", SecretKeeper(KEY).derived("postgres bodies").fingerprint) not in hashes
    assert all(FINGERPRINT_RE.fullmatch(h) for h in hashes)  # keyed: a known body cannot be guessed back
    assert functions["ship(integer)"]["kind"] == "procedure"
    # the ICU collation: collcollate (14), colliculocale (15, 16), colllocale (17+)
    assert billing["collations"]["german"] == {"provider": "icu", "deterministic": True,
                                               "icu_locale": "de-DE"}
    # NOT NULL is the column's nullability on every major, never a constraint (18 records one per column)
    customers = public["tables"]["customers"]
    assert customers["columns"]["email"]["nullable"] is False
    assert not [name for name in customers["constraints"] if name.endswith("_not_null")]
    assert customers["columns"]["name_upper"]["generated"] == "upper(name)"
    odd = public["tables"]['Ödd "T" <b>']
    assert odd["column_order"] == ['Cöl "x"', "select"]
    assert public["views"]["odd"]["definition"].startswith('SELECT "Cöl ""x""", ("select" || \'<i>é</i>\'')
    recent = public["views"]["recent"]["definition"]
    assert recent.startswith("SELECT id, total, EXTRACT(year FROM created_at) AS year FROM ONLY public.")
    assert "(SELECT c.id FROM public.customers c WHERE (c.created_at < orders.created_at))" in recent
    _check_features(data, major)


def _check_features(data: dict[str, Any], major: int) -> None:
    public = data["schema"]["public"]
    if major >= 15:  # indnullsnotdistinct
        accounts = public["tables"]["accounts"]
        assert "NULLS NOT DISTINCT" in accounts["indexes"]["accounts_id_key"]
        assert accounts["constraints"]["accounts_email_key"] == "UNIQUE NULLS NOT DISTINCT (email)"
        assert "upsert_account(integer, text)" in public["functions"]
        assert public["views"]["secure_orders"]["definition"] == "SELECT id, status FROM public.orders"
    if major >= 16:
        assert "JSON_OBJECT('id' : id, 'total' : total" in public["views"]["json_orders"]["definition"]
    if major >= 17:
        assert "JSON_TABLE(" in public["views"]["order_items"]["definition"]
        assert data["schema"]["billing"]["tables"]["ledger"]["columns"]["id"]["identity"] == "always"
    if major >= 18:
        bookings = public["tables"]["bookings"]
        assert bookings["constraints"]["bookings_pkey"] == "PRIMARY KEY (room, during WITHOUT OVERLAPS)"
        check = "CHECK ((price > (0)::numeric)) NOT ENFORCED"
        assert bookings["constraints"]["bookings_price_check"] == check
        assert bookings["columns"]["price_with_tax"]["generated"] == "(price * 1.2) VIRTUAL"
        assert bookings["columns"]["id"]["default"] == "uuidv7()"


@pytest.mark.parametrize("major", [m for m in MAJORS if m >= 15])
def test_an_icu_database_locale_is_read_on_every_major(pg_major: Major, major: int) -> None:
    """datlocprovider (15+), with daticulocale (15, 16) or datlocale (17+)."""
    options = "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'de-DE' LOCALE 'C.UTF-8'"
    with pg_major(major).database("CREATE TABLE t (a text)", options) as database:
        data = collect(database).data
    assert data["server"]["locale"] == {"provider": "icu", "locale": "de-DE"}
    assert data["settings"]["lc_collate"] == "C.UTF-8"
