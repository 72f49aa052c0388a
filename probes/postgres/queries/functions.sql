-- Functions, procedures and aggregates; the sql_body placeholder is the SQL-standard body (PostgreSQL 14+).
SELECT p.oid, n.nspname AS schema, p.proname AS name, oidvectortypes(p.proargtypes) AS argtypes,
       p.prokind AS kind, pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS returns, l.lanname AS language, p.provolatile AS volatility,
       p.prosecdef AS security_definer, p.proisstrict AS strict, p.proparallel AS parallel,
       p.proconfig AS config, p.prosrc AS source, {sql_body} AS sql_body, r.rolname AS owner,
       coalesce(p.proacl, acldefault('f', p.proowner))::text[] AS acl, obj_description(p.oid, 'pg_proc') AS comment
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
LEFT JOIN pg_roles r ON r.oid = p.proowner
WHERE n.nspname = ANY(%(schemas)s::text[]) AND NOT p.oid = ANY(%(skip)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_depend e
                  WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
ORDER BY n.nspname, p.proname, 4
