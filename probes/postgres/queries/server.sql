-- The server's version, whether the probe role may read every setting, and the database's row of
-- pg_database as JSON: its locale columns differ by major (datlocprovider from 15, daticulocale in
-- 15 and 16, datlocale from 17), and this query runs before the version is known.
SELECT current_setting('server_version_num')::integer AS version_num,
       pg_has_role(current_user, 'pg_read_all_settings', 'USAGE') AS reads_all_settings,
       (SELECT to_jsonb(d) - 'datacl' FROM pg_database d WHERE d.datname = current_database()) AS database
