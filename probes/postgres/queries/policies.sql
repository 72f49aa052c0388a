-- Row-level security policies.
SELECT p.polrelid AS table_oid, p.polname AS name, p.polcmd AS command, p.polpermissive AS permissive,
       array(SELECT CASE WHEN r.oid = 0 THEN 'public' ELSE (SELECT g.rolname FROM pg_roles g
                                                            WHERE g.oid = r.oid) END
             FROM unnest(p.polroles) AS r(oid) ORDER BY 1) AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s::text[]) AND NOT c.oid = ANY(%(skip)s::oid[])
ORDER BY p.polrelid, p.polname
