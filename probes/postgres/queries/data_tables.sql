-- Tables and materialized views to fingerprint (partitions are read through their parent),
-- with what sizes the sample: the planner's row estimate scaled to the current size, and
-- whether ANALYZE statistics are fresh. Only null_frac is taken from pg_stats: it holds no
-- value of the table (most_common_vals and histogram_bounds are never read).
WITH locked AS (  -- held by another session (a migration, VACUUM FULL): sizing would wait for it
    SELECT DISTINCT l.relation AS oid FROM pg_locks l
    WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock' AND l.granted
      AND l.pid <> pg_backend_pid()
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
), rel AS MATERIALIZED (  -- each relation's `leaves` is read six times below: planned once, not six
    SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, c.reltuples,
           -- one relation of the heap access method (not partitioned: any other table is read ONLY, and an
           -- inheritance parent's children are tables of their own; no other table access method, whose
           -- TIDs may not be fetched): see Sample.single
           c.relkind <> 'p' AND c.relam = (SELECT a.oid FROM pg_am a WHERE a.amname = 'heap') AS single,
           c.relrowsecurity AND (c.relforcerowsecurity OR NOT pg_has_role(c.relowner, 'USAGE'))
               AS row_security_applies,
           -- partitions through pg_inherits, which takes no lock (pg_partition_tree would); the
           -- children of classic inheritance are tables of their own (their parent is read ONLY)
           CASE WHEN c.relkind = 'p' THEN
               ARRAY(WITH RECURSIVE tree(oid) AS (
                         SELECT c.oid
                         UNION ALL
                         SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.oid)
                     SELECT t.oid FROM tree t JOIN pg_class k ON k.oid = t.oid WHERE k.relkind <> 'p')
           ELSE ARRAY[c.oid] END AS leaves
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition
      AND c.relispopulated  -- a materialized view created WITH NO DATA cannot be read
      AND n.nspname = ANY(%(schemas)s::text[]) AND c.oid <> ALL(%(skip)s::oid[])
      AND NOT EXISTS (SELECT 1 FROM pg_depend e
                      WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
), sized AS (
    SELECT rel.*, EXISTS (SELECT 1 FROM locked WHERE locked.oid = rel.oid OR locked.oid = ANY(rel.leaves))
                  AS locked
    FROM rel
)
SELECT rel.oid, rel.schema, rel.name, rel.kind, rel.locked, rel.single,
       -- examined rows picked by a hash of their TIDs (PostgreSQL 14 and later): see Sample.hashed
       -- (not through a foreign partition, whose rows may all carry one made-up TID)
       to_regprocedure('pg_catalog.hashtidextended(tid,bigint)') IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM pg_class f WHERE f.oid = ANY(rel.leaves) AND f.relkind = 'f')
           AS hashed,
       has_table_privilege(rel.oid, 'SELECT') AS readable,
       rel.row_security_applies
           AND NOT (SELECT r.rolsuper OR r.rolbypassrls FROM pg_roles r WHERE r.rolname = current_user)
           AS row_security,
       CASE WHEN NOT rel.locked THEN
           (SELECT coalesce(sum(pg_total_relation_size(l)), 0) FROM unnest(rel.leaves) l)::float8 END AS bytes,
       CASE WHEN NOT rel.locked THEN
           (SELECT coalesce(sum(pg_relation_size(l)), 0) FROM unnest(rel.leaves) l)::float8
           / current_setting('block_size')::float8 END AS pages,
       CASE WHEN NOT rel.locked THEN
       (SELECT CASE WHEN bool_and(p.relpages > 0 AND p.reltuples >= 0
                                  OR pg_relation_size(p.oid) = 0)
                    THEN sum(CASE WHEN p.relpages > 0
                                  THEN p.reltuples / p.relpages * pg_relation_size(p.oid)
                                       / current_setting('block_size')::float8
                                  ELSE 0 END) END
        FROM pg_class p WHERE p.oid = ANY(rel.leaves))::float8 END AS estimate,
       -- the functions behind pg_stat_all_tables, which is slow to plan
       (rel.kind <> 'p'
        AND coalesce(pg_stat_get_last_analyze_time(rel.oid), pg_stat_get_last_autoanalyze_time(rel.oid))
            IS NOT NULL
        AND pg_stat_get_mod_since_analyze(rel.oid) <= 50 + 0.1 * greatest(rel.reltuples, 0)) AS fresh,
       (SELECT json_agg(json_build_object(
                   'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                   'category', t.typcategory::text,
                   'base', bt.typname::text,
                   'readable', has_column_privilege(rel.oid, a.attnum, 'SELECT'),
                   'null_frac', st.null_frac)
               ORDER BY a.attnum)
        FROM pg_attribute a
        JOIN pg_type t ON t.oid = a.atttypid
        JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
        -- one join, not a subquery per column: a row per column at most (its own, not inherited, stats)
        LEFT JOIN pg_stats st ON st.schemaname = rel.schema AND st.tablename = rel.name
                             AND st.attname = a.attname AND NOT st.inherited
        WHERE a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
FROM sized rel
ORDER BY rel.schema, rel.name
