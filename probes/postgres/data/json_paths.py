"""JSON key paths of a json/jsonb column: the SQL that walks the documents (decoded by the SDK).

The walk runs in the server over at most JSON_DOCUMENTS documents of the shape sample, spread
evenly over it (the sample is in the table's physical order: its first documents would be the
oldest rows, and rows an UPDATE rewrote sit at the end).
Keys that look like values are folded into `<key>` as they are walked; keys found in
fewer than 1% of the documents (or in one) are folded into `<key>` under their parent
before the result is returned, and what lies below them is dropped. So no rare key
name, which may well be a value, leaves the server.
"""

from __future__ import annotations

from fidelity.probe.shape.keypaths import (
    FOLDED,
    JSON_ARRAY_ITEMS,
    JSON_DOCUMENTS,
    JSON_PATHS,
    JSON_TYPES,
    RARE_KEY,
    VALUE_LIKE_KEY,
)
from probes.postgres.data.sql_text import literal

#: True of every key VALUE_LIKE_KEY matches, and cheap: most keys (words) skip the regular expression.
VALUE_LIKE_GUARD = ("(e.key = '' OR ascii(e.key) BETWEEN 43 AND 57 OR strpos(e.key, '@') > 0 "
                    "OR length(e.key) > 40 OR ltrim(left(e.key, 8), '0123456789abcdefABCDEF') = '')")

def walk_sql(x: str, depth: int, fold_below: int | None = None) -> str:
    """A scalar subquery over the shape sample `t`:
    `{"documents": n, "paths": [[path, documents with it, counts per type]]}`.
    With `fold_below`, every object key deeper than that many levels is folded into `<key>`.

    Each step expands objects and arrays with set-returning functions in a select list (`jsonb_object_keys`,
    and `generate_series` over the first JSON_ARRAY_ITEMS positions), which return one row per call,
    rather than with a function scan per node (`jsonb_each`), which builds a tuplestore for each."""
    types = [f'"y{i}"' for i in range(len(JSON_TYPES))]
    counts = ", ".join(f"count(*) FILTER (WHERE y = {literal(t)}) AS {y}"
                       for t, y in zip(JSON_TYPES, types, strict=True))
    sums = ", ".join(f"sum({y})::int8 AS {y}" for y in types)
    return """(WITH RECURSIVE docs AS (
    SELECT r, v FROM (SELECT row_number() OVER () AS r, count(*) OVER () AS n, {x} AS v
                      FROM t WHERE {x} IS NOT NULL) d
    WHERE (r - 1) * {documents} / n <> r * {documents} / n),  -- spread over the sample, not its head
walk(r, p, parent, depth, v, y) AS (
    SELECT r, ''::text, NULL::text, 0, v, jsonb_typeof(v) FROM docs
    UNION ALL
    SELECT e.r, e.p || chr(31) || CASE
               WHEN e.key IS NULL THEN '[]'
               WHEN e.depth >= {fold_below} OR {guard} AND e.key ~ {fold} THEN {folded}
               ELSE replace(e.key, chr(31), '') END,
           e.p, e.depth + 1, e.v, jsonb_typeof(e.v)
    FROM (SELECT s.r, s.p, s.depth, s.key,
                 CASE WHEN s.key IS NOT NULL THEN s.v -> s.key ELSE s.v -> s.o END AS v
          FROM (SELECT w.r, w.p, w.depth, w.v,
                       jsonb_object_keys(CASE WHEN w.y = 'object' THEN w.v END) AS key,
                       generate_series(0, CASE WHEN w.y = 'array'
                                               THEN least(jsonb_array_length(w.v), {items}) - 1 END) AS o
                FROM walk w WHERE w.depth < {depth} AND w.y IN ('object', 'array')) s
          OFFSET 0) e),
stats AS (SELECT p, min(parent) AS parent, count(DISTINCT r) AS n, {counts} FROM walk GROUP BY p),
rare AS (SELECT greatest(2, {share} * count(*)) AS below FROM docs),
mapped AS (
    SELECT s.p AS src,
           CASE WHEN s.n >= rare.below OR (s.p LIKE '%' || chr(31) || '[]' AND ps.n >= rare.below) THEN s.p
                WHEN ps.n >= rare.below THEN s.parent || chr(31) || {folded} END AS p, s.n, {own}
    FROM stats s LEFT JOIN stats ps ON ps.p = s.parent, rare),
merged AS (
    SELECT p, count(*) AS sources, sum(n)::int8 AS n, {sums} FROM mapped WHERE p IS NOT NULL GROUP BY p),
shared AS (
    SELECT m.p, count(DISTINCT w.r) AS n FROM walk w JOIN mapped m ON m.src = w.p
    WHERE m.p IN (SELECT p FROM merged WHERE sources > 1) GROUP BY m.p)
SELECT jsonb_build_object('documents', (SELECT count(*) FROM docs),
                          'paths', coalesce(jsonb_agg(jsonb_build_array(p, n, t)), '[]'))
FROM (SELECT g.p, coalesce(s.n, g.n) AS n, ARRAY[{types}] AS t FROM merged g LEFT JOIN shared s USING (p)
      ORDER BY 2 DESC, 1 LIMIT {paths}) x)""".format(
        x=x, documents=literal(JSON_DOCUMENTS), fold=literal(VALUE_LIKE_KEY), guard=VALUE_LIKE_GUARD,
        fold_below=literal(depth + 1 if fold_below is None else fold_below),
        folded=literal(FOLDED), items=literal(JSON_ARRAY_ITEMS), depth=literal(depth),
        share=literal(RARE_KEY), counts=counts, sums=sums, paths=literal(JSON_PATHS),
        types=", ".join(f"g.{y}" for y in types), own=", ".join(f"s.{y}" for y in types))

