-- The candidate database, drifted from production.sql: one migration behind (user_version 6),
-- orders.total is REAL instead of NUMERIC, users.name and the users_created index are gone,
-- audit_log was never created, and a scratch table exists only here.
PRAGMA user_version = 6;

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE orders (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    total   REAL NOT NULL DEFAULT 0
);

CREATE TABLE scratch (k TEXT, v TEXT);
