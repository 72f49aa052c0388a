-- Indexes of tables and materialized views, except those that back a constraint: one row per
-- indexed column. The definition is assembled from the catalog (probes/postgres/schema.py) rather than
-- by pg_get_indexdef, which looks up the default operator class of every key column and takes
-- most of a large snapshot's time; the two spell a definition the same way (a test checks it).
SELECT i.indrelid AS table_oid, ic.relname AS name, am.amname AS method, i.indisunique AS is_unique,
       {nulls_not_distinct} AS nulls_not_distinct, i.indnkeyatts AS key_count, ic.reloptions AS options,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS quoted_table, k.position, k.sort_option,
       CASE WHEN k.attnum <> 0 THEN quote_ident(a.attname)
            ELSE pg_get_indexdef(i.indexrelid, k.position::integer, false) END AS key,
       CASE WHEN NOT opc.opcdefault
            THEN CASE WHEN opc.opcnamespace = 'pg_catalog'::regnamespace THEN ''
                      ELSE quote_ident(opn.nspname) || '.' END || quote_ident(opc.opcname) END AS opclass,
       ia.attoptions AS opclass_options,
       -- A collation other than the column's (or, for an expression, than the default, oid 100).
       CASE WHEN k.collation_oid NOT IN (0, coalesce(a.attcollation, 100))
            THEN CASE WHEN co.collnamespace = 'pg_catalog'::regnamespace THEN ''
                      ELSE quote_ident(cn.nspname) || '.' END || quote_ident(co.collname) END AS collation,
       CASE WHEN k.position = 1 THEN pg_get_expr(i.indpred, i.indrelid) END AS predicate
-- Indexes that back a constraint are left out first, in one anti-join over pg_index (OFFSET 0 keeps
-- it there): the planner would otherwise test each key of every index, after the per-key look-ups.
FROM (SELECT * FROM pg_index i
      WHERE NOT EXISTS (SELECT 1 FROM pg_constraint x
                        WHERE x.conindid = i.indexrelid AND x.conrelid = i.indrelid
                          AND x.contype IN ('p', 'u', 'x'))
      OFFSET 0) i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL unnest(i.indkey::int2[], i.indclass::oid[], i.indcollation::oid[], i.indoption::int2[])
    WITH ORDINALITY AS k(attnum, opclass, collation_oid, sort_option, position)
-- OFFSET 0 keeps these lookups per row (by index): the planner, which underestimates the
-- number of indexes, would otherwise hash the whole of pg_attribute twice.
LEFT JOIN LATERAL (SELECT t.attname, t.attcollation FROM pg_attribute t
                   WHERE t.attrelid = i.indrelid AND t.attnum = k.attnum AND k.attnum <> 0 OFFSET 0) a ON true
LEFT JOIN LATERAL (SELECT x.attoptions FROM pg_attribute x
                   WHERE x.attrelid = i.indexrelid AND x.attnum = k.position OFFSET 0) ia ON true
LEFT JOIN pg_opclass opc ON opc.oid = k.opclass
LEFT JOIN pg_namespace opn ON opn.oid = opc.opcnamespace
LEFT JOIN pg_collation co ON co.oid = k.collation_oid
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
WHERE c.relkind IN ('r', 'p', 'f', 'm') AND n.nspname = ANY(%(schemas)s::text[])
  AND NOT c.oid = ANY(%(skip)s::oid[])
