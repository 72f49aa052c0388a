-- Installed extensions, with the default version the server's packages offer.
SELECT e.extname AS name, e.extversion AS version, n.nspname AS schema, a.default_version
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
LEFT JOIN pg_available_extensions a ON a.name = e.extname
ORDER BY e.extname
