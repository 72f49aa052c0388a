-- Collations created in user schemas (CREATE COLLATION): provider, locales and determinism.
-- The icu_locale placeholder is pg_collation.colliculocale from PostgreSQL 15 (colllocale from 17);
-- PostgreSQL 14 keeps an ICU collation's locale in collcollate and collctype, so lc_collate and
-- lc_ctype are those of libc collations only, on every major.
SELECT co.oid, n.nspname AS schema, co.collname AS name, co.collprovider AS provider,
       co.collisdeterministic AS deterministic, CASE WHEN co.collprovider <> 'i' THEN co.collcollate END AS lc_collate,
       CASE WHEN co.collprovider <> 'i' THEN co.collctype END AS lc_ctype,
       {icu_locale} AS icu_locale, obj_description(co.oid, 'pg_collation') AS comment
FROM pg_collation co
JOIN pg_namespace n ON n.oid = co.collnamespace
WHERE n.nspname = ANY(%(schemas)s::text[]) AND NOT co.oid = ANY(%(skip)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_depend e
                  WHERE e.classid = 'pg_collation'::regclass AND e.objid = co.oid AND e.deptype = 'e')
ORDER BY n.nspname, co.collname
