-- Views and materialized views, with their definitions.
SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind,
       pg_get_viewdef(c.oid) AS definition, r.rolname AS owner, c.reloptions AS options,
       coalesce(c.relacl, acldefault('r', c.relowner))::text[] AS acl, obj_description(c.oid, 'pg_class') AS comment
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_roles r ON r.oid = c.relowner
WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY(%(schemas)s::text[]) AND NOT c.oid = ANY(%(skip)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_depend e
                  WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY n.nspname, c.relname
