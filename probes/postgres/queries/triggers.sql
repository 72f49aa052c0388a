-- User triggers of tables and views (INSTEAD OF); internal ones, such as those behind foreign keys,
-- are left out.
SELECT t.tgrelid AS table_oid, t.tgname AS name, quote_ident(t.tgname) AS quoted_name,
       pg_get_triggerdef(t.oid) AS definition, t.tgenabled::text AS enabled
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND c.relkind IN ('r', 'p', 'f', 'v')
  AND n.nspname = ANY(%(schemas)s::text[]) AND NOT c.oid = ANY(%(skip)s::oid[])
ORDER BY t.tgrelid, t.tgname
