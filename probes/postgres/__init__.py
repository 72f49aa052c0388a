"""The `postgres` probe: server version, settings, extensions, schema, migration history and data shape.

This module only re-exports the probe class. The catalog reading (`collect`, `session`,
`prefetch`, `data.collect`, ...) imports psycopg and is imported only inside
`PostgresProbe.collect`, so that loading the probe registry never loads psycopg.
"""

from probes.postgres.probe import PostgresProbe

__all__ = ["PostgresProbe"]
