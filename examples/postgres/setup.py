"""Create two drifted databases on a local PostgreSQL server, for the `postgres` probe example.

    python examples/postgres/setup.py            # creates fidelity_example_production and _staging
    eval "$(python examples/postgres/setup.py --env)"   # ... and exports their DSNs
    fidelity audit -c examples/postgres/fidelity.toml
    python examples/postgres/setup.py --drop     # removes them

`--server` takes libpq parameters (default: host=127.0.0.1 port=5432 user=postgres);
`--prefix` names the databases. The databases it creates carry a comment that says so, and it
drops (or creates again) only databases that carry it: a database of yours that happens to have
one of the names is left alone, and the script stops with exit 2.
"""

from __future__ import annotations

import argparse
import sys

import psycopg
from psycopg import sql

SCHEMA = """
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped');
CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    phone text,
    preferences jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    status order_status NOT NULL DEFAULT 'new',
    total numeric(12,2) NOT NULL CHECK (total >= 0)
);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE VIEW open_orders AS SELECT id, customer_id FROM orders WHERE status <> 'shipped';
CREATE FUNCTION order_tax(total numeric) RETURNS numeric LANGUAGE sql IMMUTABLE
    AS $$ SELECT round(total * 0.20, 2) $$;
CREATE TABLE django_migrations (id serial PRIMARY KEY, app varchar(255) NOT NULL,
                                name varchar(255) NOT NULL, applied timestamptz NOT NULL DEFAULT now());
INSERT INTO django_migrations (app, name) VALUES ('shop', '0001_initial'), ('shop', '0002_orders');
"""

#: What staging did differently: a release under test, and some drift nobody meant.
STAGING_DRIFT = """
ALTER TABLE customers DROP COLUMN phone;
ALTER TABLE orders ALTER COLUMN total TYPE numeric(10,2);
ALTER TYPE order_status ADD VALUE 'refunded';
CREATE INDEX orders_status_idx ON orders (status);
CREATE OR REPLACE FUNCTION order_tax(total numeric) RETURNS numeric LANGUAGE sql IMMUTABLE
    AS $$ SELECT round(total * 0.19, 2) $$;
INSERT INTO django_migrations (app, name) VALUES ('shop', '0003_refunds');
"""


#: Data with production's shape: varied emails, some missing phones, preferences that sometimes
#: carry a newsletter choice, orders in every status with totals spread over orders of magnitude.
PRODUCTION_DATA = """
SELECT setseed(0.1);
INSERT INTO customers (email, phone, preferences, created_at)
SELECT 'c' || i || '@' || (ARRAY['mail.example', 'corp.example', 'isp.example'])[1 + i % 3],
       CASE WHEN random() < 0.12 THEN NULL ELSE '+33 6 ' || lpad((random() * 1e8)::int::text, 8, '0') END,
       jsonb_build_object('lang', (ARRAY['fr', 'en', 'de'])[1 + i % 3])
         || CASE WHEN random() < 0.3 THEN '{"newsletter": true}'::jsonb ELSE '{}' END,
       timestamptz '2023-01-01' + random() * interval '600 days'
FROM generate_series(1, 5000) i;
INSERT INTO orders (customer_id, status, total)
SELECT 1 + (random() * 4999)::int, (ARRAY['new', 'paid', 'shipped'])[1 + (random() * 2)::int]::order_status,
       round((exp(random() * 7))::numeric, 2)
FROM generate_series(1, 20000);
"""
#: Staging's data: a few hundred tidy rows, every phone filled, no newsletter key, one status.
STAGING_DATA = """
INSERT INTO customers (email, preferences, created_at)
SELECT 'test' || i || '@example.com', '{"lang": "en"}', timestamptz '2026-11-01' + i * interval '1 minute'
FROM generate_series(1, 300) i;
INSERT INTO orders (customer_id, status, total)
SELECT 1 + i % 300, 'new', 10.00 FROM generate_series(1, 600) i;
"""


#: The comment on each database this script creates: only those are dropped again.
MARK = "created by fidelity's examples/postgres/setup.py; dropped by its --drop"


def names(prefix: str) -> dict[str, str]:
    """Environment -> database name."""
    return {env: f"{prefix}_{env}" for env in ("production", "staging")}


def main(argv: list[str] | None = None) -> int:
    """Create (or drop) the example databases."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="host=127.0.0.1 port=5432 user=postgres")
    parser.add_argument("--prefix", default="fidelity_example")
    parser.add_argument("--drop", action="store_true", help="drop the databases instead")
    parser.add_argument("--env", action="store_true", help="print `export` lines for the DSNs")
    args = parser.parse_args(argv)
    databases = names(args.prefix)
    with psycopg.connect(f"{args.server} dbname=postgres", autocommit=True) as admin:
        for name in databases.values():  # every name checked before anything is dropped
            row = admin.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                                "WHERE datname = %s", (name,)).fetchone()
            if row is not None and row[0] != MARK:
                print(f"setup.py: error: database {name} exists and was not created by this script; "
                      "pick another --prefix, or drop it yourself", file=sys.stderr)
                return 2
        for name in databases.values():
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            if not args.drop:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name),
                                                                             sql.Literal(MARK)))
    if args.drop:
        return 0
    for env, name in databases.items():
        with psycopg.connect(f"{args.server} dbname={name}", autocommit=True) as conn:
            conn.execute(SCHEMA)
            conn.execute(PRODUCTION_DATA if env == "production" else STAGING_DATA)
            if env == "staging":
                conn.execute(STAGING_DRIFT)
                conn.execute(sql.SQL("ALTER DATABASE {} SET TimeZone = 'Europe/Paris'").format(
                    sql.Identifier(name)))
    for env, name in databases.items():
        line = f"{env.upper()}_DATABASE_URL='{args.server} dbname={name}'"
        print(f"export {line}" if args.env else line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
