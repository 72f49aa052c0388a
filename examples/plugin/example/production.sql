-- The reference database. Build it with:  python make_databases.py   (or: sqlite3 production.db < production.sql)
PRAGMA user_version = 7;

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL UNIQUE,
    name       TEXT,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX users_created ON users (created_at);

CREATE TABLE orders (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    total   NUMERIC NOT NULL DEFAULT 0
);

CREATE TABLE audit_log (id INTEGER PRIMARY KEY, message TEXT);
