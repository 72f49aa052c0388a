"""JSON key paths of a MySQL `JSON` (or MariaDB JSON_VALID-checked text) column, walked in the server.

The walk is the postgres probe's, in MySQL's JSON functions (MySQL 8.0, MariaDB 10.6+):
JSON_KEYS and JSON_TABLE list an object's keys and an array's first JSON_ARRAY_ITEMS elements,
to `json_depth` levels, over at most JSON_DOCUMENTS documents of the measured rows. Keys that
look like values are folded into `<key>` as they are walked, and keys in fewer than RARE_KEY of
the documents (or in one) are folded into `<key>` under their parent before the result leaves
the server, so no rare key name (which may be a value) leaves it.
"""

from __future__ import annotations

from fidelity.probe.shape.keypaths import (
    FOLDED,
    JSON_ARRAY_ITEMS,
    JSON_DOCUMENTS,
    JSON_PATHS,
    RARE_KEY,
    VALUE_LIKE_KEY,
)

#: JSON_TYPE names per type of the fingerprint (keypaths.JSON_TYPES, in order).
TYPE_NAMES = (("'OBJECT'",), ("'ARRAY'",), ("'STRING'",),
              ("'INTEGER'", "'UNSIGNED INTEGER'", "'DOUBLE'", "'DECIMAL'"), ("'BOOLEAN'",), ("'NULL'",))
TEXT = "CHAR(4000) CHARACTER SET utf8mb4"


def literal(text: str) -> str:
    """A constant of ours as a SQL string literal (never a value from the database)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def walk_sql(x: str, rows: str, depth: int, fold_below: int | None = None) -> str:
    """A scalar subquery over column `x` of the measured rows `rows` (a query: MariaDB's nested WITH
    cannot see the outer one's names):
    `{"documents": n, "paths": [[path, documents with it, counts per type]]}`."""
    below = depth + 1 if fold_below is None else fold_below
    counts = ", ".join(f"SUM(JSON_TYPE(v) IN ({', '.join(names)})) AS t{i}"
                       for i, names in enumerate(TYPE_NAMES))
    key = "CONVERT(k.k USING utf8mb4) COLLATE utf8mb4_bin"
    return f"""(WITH RECURSIVE docs AS (
    SELECT r, v FROM (
        SELECT ROW_NUMBER() OVER () AS r, COUNT(*) OVER () AS n, v FROM (
            SELECT {x} AS v FROM ({rows}) s WHERE {x} IS NOT NULL AND JSON_VALID({x})) a) d
    WHERE (r - 1) * {JSON_DOCUMENTS} DIV n <> r * {JSON_DOCUMENTS} DIV n),  -- spread, not the sample's head
walk (r, p, parent, depth, v) AS (
    SELECT r, CAST('' AS {TEXT}) COLLATE utf8mb4_bin, CAST(NULL AS {TEXT}) COLLATE utf8mb4_bin, 0, v FROM docs
    UNION ALL
    SELECT w.r, CONCAT(w.p, CHAR(31), CASE WHEN w.depth >= {below} OR {key} REGEXP {literal(VALUE_LIKE_KEY)}
                                           THEN {literal(FOLDED)} ELSE REPLACE({key}, CHAR(31), '') END),
           w.p, w.depth + 1, JSON_EXTRACT(w.v, CONCAT('$.', JSON_QUOTE(k.k)))
    FROM walk w, JSON_TABLE(JSON_KEYS(w.v), '$[*]' COLUMNS (k VARCHAR(4000) PATH '$')) k
    WHERE w.depth < {depth} AND JSON_TYPE(w.v) = 'OBJECT'
    UNION ALL
    SELECT w.r, CONCAT(w.p, CHAR(31), '[]'), w.p, w.depth + 1, JSON_EXTRACT(w.v, CONCAT('$[', a.o - 1, ']'))
    FROM walk w, JSON_TABLE(w.v, '$[*]' COLUMNS (o FOR ORDINALITY)) a
    WHERE w.depth < {depth} AND JSON_TYPE(w.v) = 'ARRAY' AND a.o <= {JSON_ARRAY_ITEMS}),
counted AS (SELECT p, COUNT(DISTINCT r) AS n FROM walk GROUP BY p),
rare AS (SELECT GREATEST(2, {RARE_KEY} * COUNT(*)) AS below FROM docs),
kept AS (
    SELECT CASE WHEN c.n >= rare.below OR (w.p LIKE CONCAT('%', CHAR(31), '[]') AND pc.n >= rare.below)
                THEN w.p
                WHEN pc.n >= rare.below THEN CONCAT(w.parent, CHAR(31), {literal(FOLDED)}) END AS p, w.r, w.v
    FROM walk w JOIN counted c ON c.p = w.p LEFT JOIN counted pc ON pc.p = w.parent JOIN rare)
SELECT JSON_OBJECT('documents', (SELECT COUNT(*) FROM docs),
                   'paths', COALESCE(JSON_ARRAYAGG(JSON_ARRAY(p, n, JSON_ARRAY(t0, t1, t2, t3, t4, t5))),
                                     JSON_ARRAY()))
FROM (SELECT p, COUNT(DISTINCT r) AS n, {counts}
      FROM kept WHERE p IS NOT NULL GROUP BY p ORDER BY 2 DESC, 1 LIMIT {JSON_PATHS}) x)"""
