-- Domains: base type, nullability, default, collation and check constraints.
SELECT t.oid, n.nspname AS schema, t.typname AS name,
       format_type(t.typbasetype, t.typtypmod) AS type, NOT t.typnotnull AS nullable,
       pg_get_expr(t.typdefaultbin, 0) AS domain_default,
       CASE WHEN t.typcollation <> b.typcollation
            THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END AS collation,
       (SELECT json_object_agg(k.conname, pg_get_constraintdef(k.oid) ORDER BY k.conname)
        FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c') AS checks,
       obj_description(t.oid, 'pg_type') AS comment
FROM pg_type t
JOIN pg_type b ON b.oid = t.typbasetype
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_collation co ON co.oid = t.typcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
WHERE t.typtype = 'd' AND n.nspname = ANY(%(schemas)s::text[]) AND NOT t.oid = ANY(%(skip)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_depend e
                  WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e')
ORDER BY n.nspname, t.typname
