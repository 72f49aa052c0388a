-- Objects read in this snapshot that a concurrent transaction has dropped since:
-- the visibility functions look at the latest catalog and return NULL for a missing object.
SELECT o.oid FROM unnest(%(relations)s::oid[]) AS o(oid) WHERE pg_table_is_visible(o.oid) IS NULL
UNION ALL
SELECT o.oid FROM unnest(%(functions)s::oid[]) AS o(oid) WHERE pg_function_is_visible(o.oid) IS NULL
UNION ALL
SELECT o.oid FROM unnest(%(types)s::oid[]) AS o(oid) WHERE pg_type_is_visible(o.oid) IS NULL
