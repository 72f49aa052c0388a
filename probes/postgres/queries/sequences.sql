-- Sequences (never their current value), except identity sequences; owned_by names a serial column.
SELECT c.oid, n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS type,
       s.seqstart AS start, s.seqincrement AS increment, s.seqmin AS minimum, s.seqmax AS maximum,
       s.seqcycle AS cycle, o.table_oid, o.owned_by, r.rolname AS owner,
       coalesce(c.relacl, acldefault('s', c.relowner))::text[] AS acl, obj_description(c.oid, 'pg_class') AS comment
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_roles r ON r.oid = c.relowner
LEFT JOIN LATERAL (
    SELECT tc.oid AS table_oid, tn.nspname || '.' || tc.relname || '.' || a.attname AS owned_by
    FROM pg_depend dp
    JOIN pg_class tc ON tc.oid = dp.refobjid
    JOIN pg_namespace tn ON tn.oid = tc.relnamespace
    JOIN pg_attribute a ON a.attrelid = tc.oid AND a.attnum = dp.refobjsubid
    WHERE dp.classid = 'pg_class'::regclass AND dp.objid = c.oid
      AND dp.refclassid = 'pg_class'::regclass AND dp.deptype = 'a'
    LIMIT 1) o ON true
WHERE n.nspname = ANY(%(schemas)s::text[]) AND NOT c.oid = ANY(%(skip)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_depend e
                  WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype IN ('e', 'i'))
ORDER BY n.nspname, c.relname
