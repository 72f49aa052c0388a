-- Stand-alone composite types (CREATE TYPE ... AS), with their attributes in order.
SELECT t.oid, n.nspname AS schema, t.typname AS name,
       (SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod))
                        ORDER BY a.attnum)
        FROM pg_attribute a
        WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) AS attributes,
       obj_description(t.oid, 'pg_type') AS comment
FROM pg_type t
JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'c' AND n.nspname = ANY(%(schemas)s::text[]) AND NOT t.oid = ANY(%(skip)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_depend e
                  WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e')
ORDER BY n.nspname, t.typname
