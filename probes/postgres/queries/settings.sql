-- Settings as a fresh session of the probe's role gets them: reset_val includes
-- per-database and per-role values, and none of the values the probe sets for itself.
-- Custom settings (`ALTER DATABASE ... SET app.tenant = ...`) are not in pg_settings:
-- they come from pg_db_role_setting, valued as this session sees them, of no known type.
SELECT s.name, s.reset_val, s.unit, s.vartype
FROM pg_settings s
UNION ALL
SELECT c.name, current_setting(c.name, true), NULL, NULL
FROM (SELECT DISTINCT split_part(item, '=', 1) AS name
      FROM pg_db_role_setting r, unnest(r.setconfig) AS item
      WHERE r.setdatabase IN (0, (SELECT d.oid FROM pg_database d WHERE d.datname = current_database()))
        AND r.setrole IN (0, (SELECT g.oid FROM pg_roles g WHERE g.rolname = current_user))) c
WHERE NOT EXISTS (SELECT 1 FROM pg_settings s WHERE lower(s.name) = lower(c.name))
ORDER BY 1
