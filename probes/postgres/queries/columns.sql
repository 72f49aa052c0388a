-- Columns of tables, in table order, with defaults, identity, generation, collation and origin.
-- A default cannot refer to a column, so it is deparsed without its table (relid 0), which
-- keeps the query from locking every table that has one.
SELECT a.attrelid AS table_oid, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, 0) END AS column_default,
       -- a stored generated column (12+) by its expression; a virtual one (18+) says so
       CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid)
                                           || CASE WHEN a.attgenerated = 'v' THEN ' VIRTUAL' ELSE '' END
       END AS generated,
       CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END AS identity,
       CASE WHEN a.attcollation <> t.typcollation
            THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END AS collation,
       -- a column a parent (or partitioned table) gives: inherited only, or also declared here (a
       -- partition's columns are its parent's, however it was made: CREATE ... PARTITION OF or ATTACH)
       CASE WHEN a.attinhcount > 0 THEN CASE WHEN a.attislocal AND NOT c.relispartition
                                             THEN 'local and inherited' ELSE 'inherited' END END AS origin,
       d.description AS comment
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_description d
       ON d.objoid = a.attrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
WHERE c.relkind IN ('r', 'p', 'f') AND n.nspname = ANY(%(schemas)s::text[])
  AND a.attnum > 0 AND NOT a.attisdropped AND NOT c.oid = ANY(%(skip)s::oid[])
ORDER BY a.attrelid, a.attnum
