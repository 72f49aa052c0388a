"""A schema for every supported PostgreSQL major: what 14 accepts, plus what each later major adds.

`ddl(major)` is valid on `major` and on every later one, so that the same DDL can be loaded
into production on an older major and staging on a newer one.
"""

from __future__ import annotations

#: Valid on 14 and later: SQL-standard function bodies, multiranges, SEARCH, GROUP BY DISTINCT,
#: an ICU collation, single-relation views (whose columns 14 and 15 qualify and 16+ do not), odd names.
BASE = '''
CREATE SCHEMA billing;
CREATE EXTENSION pg_trgm;
CREATE EXTENSION hstore;
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped');
CREATE DOMAIN email AS text CHECK (VALUE ~ '@');
CREATE TYPE money_pair AS (amount numeric(12,2), currency char(3));
CREATE COLLATION billing.german (provider = icu, locale = 'de-DE');
CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email email NOT NULL UNIQUE,
    name text COLLATE "C",
    tags hstore,
    created_at timestamptz NOT NULL DEFAULT now(),
    name_upper text GENERATED ALWAYS AS (upper(name)) STORED
);
COMMENT ON TABLE customers IS 'people who buy <b>&amp;</b>';
CREATE TABLE orders (
    id serial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    status order_status NOT NULL DEFAULT 'new',
    total numeric(12,2) CHECK (total >= 0),
    note text,
    created_at timestamptz NOT NULL DEFAULT now(),
    during tstzmultirange
);
CREATE INDEX orders_open_idx ON orders (customer_id) WHERE status <> 'shipped';
CREATE INDEX ON orders USING gin (note gin_trgm_ops);
CREATE INDEX ON orders (lower(note) COLLATE billing.german DESC NULLS LAST);
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_orders ON orders FOR SELECT USING (customer_id > 0);
CREATE TABLE billing.invoices (id int, at date NOT NULL, amount money_pair) PARTITION BY RANGE (at);
CREATE TABLE billing.invoices_2024 PARTITION OF billing.invoices
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE SEQUENCE billing.invoice_numbers START 1000 INCREMENT 10;
CREATE TABLE "Ödd ""T"" <b>" ("Cöl ""x""" int, "select" text);
CREATE VIEW open_orders AS
    SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status <> 'shipped';
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
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.note := coalesce(NEW.note, '');  -- never null
    RETURN NEW;
END $$;
CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch();
CREATE FUNCTION billing.tax(amount numeric) RETURNS numeric LANGUAGE sql IMMUTABLE
    BEGIN ATOMIC SELECT amount * 0.2; END;
CREATE FUNCTION billing.net(amount numeric) RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN amount - billing.tax(amount);
CREATE FUNCTION order_count(c bigint) RETURNS bigint LANGUAGE sql STABLE
    BEGIN ATOMIC SELECT count(*) FROM orders o WHERE o.customer_id = c AND o.status <> 'shipped'; END;
CREATE PROCEDURE ship(o integer) LANGUAGE sql
    BEGIN ATOMIC UPDATE orders SET status = 'shipped' WHERE id = o; END;
CREATE TABLE django_migrations (id serial PRIMARY KEY, app varchar(255) NOT NULL,
                                name varchar(255) NOT NULL, applied timestamptz NOT NULL DEFAULT now());
INSERT INTO django_migrations (app, name) VALUES ('shop', '0001_initial'), ('shop', '0002_orders');
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
