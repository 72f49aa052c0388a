"""PostgreSQL catalog reading for the `postgres` probe: session, queries, tree building, severities.

Only `probes.postgres` imports this package, and only inside `collect`, so that psycopg is
loaded when a PostgreSQL probe actually runs.
"""
