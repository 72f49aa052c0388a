"""JSON key paths of a json/jsonb column: the SQL that walks the documents (decoded by the SDK).

The walk runs in the server over at most JSON_DOCUMENTS documents of the shape sample.
Keys that look like values are folded into `<key>` as they are walked; keys found in
fewer than 1% of the documents (or in one) are folded into `<key>` under their parent
before the result is returned, and what lies below them is dropped. So no rare key
name, which may well be a value, leaves the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fidelity.probe.shape.keypaths import (
    FOLDED,
    JSON_ARRAY_ITEMS,
    JSON_DOCUMENTS,
    JSON_PATHS,
    JSON_TYPES,
    RARE_KEY,
    VALUE_LIKE_KEY,
)

if TYPE_CHECKING:  # the walk's SQL is built only when a database is read: judging stays free of psycopg
    from psycopg import sql


def walk_sql(x: sql.Composable, depth: int, fold_below: int | None = None) -> sql.Composable:
    """A scalar subquery over the shape sample `t`:
    `{"documents": n, "paths": [[path, documents with it, counts per type]]}`.
    With `fold_below`, every object key deeper than that many levels is folded into `<key>`."""
    from psycopg import sql

    counts = sql.SQL(", ").join(sql.SQL("count(*) FILTER (WHERE jsonb_typeof(v) = {})").format(sql.Literal(t))
                                for t in JSON_TYPES)
    return sql.SQL("""(WITH RECURSIVE docs AS (
    SELECT row_number() OVER () AS r, {x} AS v FROM t WHERE {x} IS NOT NULL LIMIT {documents}),
walk(r, p, parent, depth, v) AS (
    SELECT r, ''::text, NULL::text, 0, v FROM docs
    UNION ALL
    SELECT w.r, w.p || k.seg, w.p, w.depth + 1, k.v
    FROM walk w, LATERAL (
        SELECT chr(31) || CASE WHEN w.depth >= {fold_below} OR e.key ~ {fold} THEN {folded}
                               ELSE replace(e.key, chr(31), '') END AS seg,
               e.value AS v
        FROM jsonb_each(CASE WHEN jsonb_typeof(w.v) = 'object' THEN w.v END) e
        UNION ALL
        SELECT chr(31) || '[]', a.value
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(w.v) = 'array' THEN w.v END)
             WITH ORDINALITY a(value, o)
        WHERE a.o <= {items}) k
    WHERE w.depth < {depth}),
counted AS (SELECT p, count(DISTINCT r) AS n FROM walk GROUP BY p),
rare AS (SELECT greatest(2, {share} * count(*)) AS below FROM docs),
kept AS (
    SELECT CASE WHEN c.n >= rare.below OR (w.p LIKE '%' || chr(31) || '[]' AND pc.n >= rare.below) THEN w.p
                WHEN pc.n >= rare.below THEN w.parent || chr(31) || {folded} END AS p, w.r, w.v
    FROM walk w JOIN counted c ON c.p = w.p LEFT JOIN counted pc ON pc.p = w.parent, rare)
SELECT jsonb_build_object('documents', (SELECT count(*) FROM docs),
                          'paths', coalesce(jsonb_agg(jsonb_build_array(p, n, t)), '[]'))
FROM (SELECT p, count(DISTINCT r) AS n, ARRAY[{counts}] AS t FROM kept WHERE p IS NOT NULL
      GROUP BY p ORDER BY 2 DESC, 1 LIMIT {paths}) x)""").format(
        x=x, documents=sql.Literal(JSON_DOCUMENTS), fold=sql.Literal(VALUE_LIKE_KEY),
        fold_below=sql.Literal(depth + 1 if fold_below is None else fold_below),
        folded=sql.Literal(FOLDED), items=sql.Literal(JSON_ARRAY_ITEMS), depth=sql.Literal(depth),
        share=sql.Literal(RARE_KEY), counts=counts, paths=sql.Literal(JSON_PATHS))

