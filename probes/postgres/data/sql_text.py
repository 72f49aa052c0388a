"""Names and constants written as SQL text, exactly as `psycopg.sql` writes them for a connection.

The data query is built as text (`query.build`, `json_paths.walk_sql`): composing it from
`psycopg.sql` objects took longer than some of the queries it builds. psycopg is imported only for
a number or an array, so that `json_paths` stays free of it until a query is built.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["ident", "literal"]


def ident(name: str) -> str:
    """`name` quoted as an SQL identifier, as `psycopg.sql.Identifier` quotes it."""
    return '"' + name.replace('"', '""') + '"'


@lru_cache(maxsize=256)
def literal(value: str | float | tuple[float, ...]) -> str:
    """A constant as an SQL literal, as `psycopg.sql.Literal` writes it for a connection (a tuple as an
    array). A string is written here: without a connection, psycopg escapes it by libpq's last-seen
    `standard_conforming_strings` of any connection in the process, which another thread's
    connection to another server may change at that moment."""
    if isinstance(value, str):
        quoted = value.replace("'", "''")
        return f" E'{quoted.replace(chr(92), chr(92) * 2)}'" if "\\" in value else f"'{quoted}'"
    from psycopg import sql  # a number's or an array's text does not depend on the connection

    return sql.Literal(list(value) if isinstance(value, tuple) else value).as_string(None)
