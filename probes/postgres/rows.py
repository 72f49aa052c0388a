"""The one row type the postgres probe passes around: a catalog or query row as a dict."""

from __future__ import annotations

from typing import Any

#: A row as psycopg's dict_row returns it: column name to value.
Row = dict[str, Any]
