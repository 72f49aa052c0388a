-- The server's version, and whether the probe role may read every setting.
SELECT current_setting('server_version_num')::integer AS version_num,
       pg_has_role(current_user, 'pg_read_all_settings', 'USAGE') AS reads_all_settings
