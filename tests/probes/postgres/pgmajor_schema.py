"""A schema for every supported PostgreSQL major: what 14 accepts, plus what each later major adds.

`ddl(major)` is valid on `major` and on every later one, so that the same DDL can be loaded
into production on an older major and staging on a newer one.
"""

from __future__ import annotations

from pgfixtures import APP_DDL

#: Valid on 14 and later: the probe tests' application schema (SQL-standard function bodies,
#: partitions, RLS, ...) plus multiranges, SEARCH, GROUP BY DISTINCT, an ICU collation, procedures,
#: views that read one relation (whose columns 14 and 15 qualify and 16+ do not), odd names.
BASE = APP_DDL + '''
CREATE EXTENSION hstore;
CREATE COLLATION billing.german (provider = icu, locale = 'de-DE');
ALTER TABLE customers ADD COLUMN tags hstore,
    ADD COLUMN name_upper text GENERATED ALWAYS AS (upper(name)) STORED;
ALTER TABLE orders ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(), ADD COLUMN during tstzmultirange;
CREATE INDEX ON orders (lower(note) COLLATE billing.german DESC NULLS LAST);
CREATE TABLE "Ödd ""T"" <b>" ("Cöl ""x""" int, "select" text);
CREATE MATERIALIZED VIEW daily_orders AS
    SELECT date_trunc('day', created_at) AS day, count(*) AS orders, sum(total) AS total
    FROM orders GROUP BY 1;
CREATE UNIQUE INDEX ON daily_orders (day);
CREATE VIEW recent AS
    SELECT id, total, EXTRACT(year FROM created_at) AS year FROM ONLY orders
    WHERE created_at > now() - interval '7 days'
      AND customer_id IN (SELECT c.id FROM customers c WHERE c.created_at < orders.created_at)
    ORDER BY created_at DESC LIMIT 10;
CREATE VIEW tree AS WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5)
    SEARCH DEPTH FIRST BY n SET ordercol SELECT n FROM t;
CREATE VIEW grouped AS
    SELECT status, customer_id, count(*) FROM orders
    GROUP BY DISTINCT ROLLUP (status, customer_id), ROLLUP (status);
CREATE VIEW odd AS
    SELECT "Cöl ""x""", "select" || '<i>é</i>' AS "wörd" FROM "Ödd ""T"" <b>" WHERE "Cöl ""x""" > 0;
CREATE VIEW numbers AS SELECT g.i, (g.i * 2) AS twice FROM generate_series(1, 3) g(i);
CREATE FUNCTION billing.net(amount numeric) RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN amount - billing.tax(amount);
CREATE FUNCTION order_count(c bigint) RETURNS bigint LANGUAGE sql STABLE
    BEGIN ATOMIC SELECT count(*) FROM orders o WHERE o.customer_id = c AND o.status <> 'shipped'; END;
CREATE PROCEDURE ship(o integer) LANGUAGE sql
    BEGIN ATOMIC UPDATE orders SET status = 'shipped' WHERE id = o; END;
INSERT INTO customers (email, name)
    SELECT 'c' || i || '@example.com', 'Name ' || i FROM generate_series(1, 50) i;
INSERT INTO orders (customer_id, total, note)
    SELECT 1 + i % 50, i * 1.5, 'note ' || i FROM generate_series(1, 200) i;
'''

#: What each major adds, valid from that major on.
FEATURES = {
    15: """
CREATE TABLE accounts (id int, email text, UNIQUE NULLS NOT DISTINCT (email));
CREATE UNIQUE INDEX accounts_id_key ON accounts (id) NULLS NOT DISTINCT;
CREATE VIEW secure_orders WITH (security_invoker = true) AS SELECT id, status FROM orders;
CREATE FUNCTION upsert_account(i int, e text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    MERGE INTO accounts a USING (SELECT i AS id, e AS email) s ON a.id = s.id
    WHEN MATCHED THEN UPDATE SET email = s.email WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.email);
END $$;
""",
    16: """
CREATE VIEW json_orders AS
    SELECT JSON_OBJECT('id': id, 'total': total) AS doc, note IS JSON OBJECT AS note_is_json
    FROM orders WHERE total < 1_000_000;
""",
    17: """
CREATE VIEW order_items AS
    SELECT o.id, j.sku FROM orders o,
        JSON_TABLE(o.note::jsonb, '$.items[*]' COLUMNS (sku text PATH '$.sku')) j;
CREATE TABLE billing.ledger (id int GENERATED ALWAYS AS IDENTITY, at date NOT NULL) PARTITION BY RANGE (at);
""",
    18: """
CREATE EXTENSION btree_gist;
CREATE TABLE bookings (
    room int NOT NULL,
    during tstzrange NOT NULL,
    price numeric CHECK (price > 0) NOT ENFORCED,
    price_with_tax numeric GENERATED ALWAYS AS (price * 1.2) VIRTUAL,
    id uuid DEFAULT uuidv7(),
    PRIMARY KEY (room, during WITHOUT OVERLAPS)
);
""",
}


def ddl(major: int) -> str:
    """The base schema and the features of every major up to `major`."""
    return BASE + "".join(text for since, text in sorted(FEATURES.items()) if since <= major)
