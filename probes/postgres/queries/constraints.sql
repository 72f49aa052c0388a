-- Table constraints (primary, foreign, unique, check, exclusion) by definition. NOT NULL constraints,
-- which PostgreSQL 18 records here too (contype 'n', one per column), are the columns' `nullable`.
SELECT k.conrelid AS table_oid, k.conname AS name, pg_get_constraintdef(k.oid) AS definition
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'f') AND k.contype <> 'n' AND n.nspname = ANY(%(schemas)s::text[]) AND NOT c.oid = ANY(%(skip)s::oid[])
ORDER BY k.conrelid, k.conname
