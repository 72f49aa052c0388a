-- Relations another session holds an ACCESS EXCLUSIVE lock on (a running migration, VACUUM
-- FULL, ...), and the views that read them: deparsing any of these waits for that lock.
WITH locked AS (
    SELECT l.relation AS oid
    FROM pg_locks l
    WHERE l.locktype = 'relation' AND l.granted AND l.mode = 'AccessExclusiveLock'
      AND l.pid <> pg_backend_pid()
      AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
), blocked AS (
    SELECT oid FROM locked
    UNION
    SELECT r.ev_class
    FROM pg_depend d
    JOIN pg_rewrite r ON r.oid = d.objid
    WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.refobjid IN (SELECT oid FROM locked)
)
SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind
FROM blocked b
JOIN pg_class c ON c.oid = b.oid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm')
ORDER BY 2, 3
