"""Index definitions assembled from the rows of indexes.sql, spelled as pg_get_indexdef spells them.

The index's own name is left out, so that a rename alone leaves the definition equal:
``CREATE UNIQUE INDEX ON public.t USING btree (email text_pattern_ops DESC) WHERE (active)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from probes.postgres.rows import Row

INDOPTION_DESC = 1
INDOPTION_NULLS_FIRST = 2


def grouped(rows: Iterable[Row]) -> Iterator[Row]:
    """One row per index: its first column's, with all its columns in order under `keys`."""
    indexes: dict[tuple[int, str], list[Row]] = {}
    for row in rows:
        indexes.setdefault((row["table_oid"], row["name"]), []).append(row)
    for keys in indexes.values():
        keys.sort(key=lambda key: key["position"])
        yield dict(keys[0], keys=keys)


def definition(keys: list[Row]) -> str | None:
    """The index's definition, or None when part of it could not be read."""
    if any(key["key"] is None for key in keys):
        return None
    first, count = keys[0], keys[0]["key_count"]
    text = (f"CREATE {'UNIQUE ' if first['is_unique'] else ''}INDEX ON {first['quoted_table']} "
            f"USING {first['method']} ({', '.join(_key(key) for key in keys[:count])})")
    if keys[count:]:
        text += f" INCLUDE ({', '.join(key['key'] for key in keys[count:])})"
    if first["nulls_not_distinct"]:
        text += " NULLS NOT DISTINCT"
    if first["options"]:
        text += f" WITH ({_options(first['options'])})"
    if first["predicate"] is not None:
        text += f" WHERE {first['predicate']}"
    return text


def _key(key: Row) -> str:
    text: str = key["key"]
    if key["collation"] is not None:
        text += f" COLLATE {key['collation']}"
    if key["opclass"] is not None:
        text += f" {key['opclass']}"
        if key["opclass_options"]:
            text += f" ({_options(key['opclass_options'])})"
    option = key["sort_option"] or 0
    if option & INDOPTION_DESC:
        text += " DESC" if option & INDOPTION_NULLS_FIRST else " DESC NULLS LAST"
    elif option & INDOPTION_NULLS_FIRST:
        text += " NULLS FIRST"
    return text


def _options(items: Iterable[str]) -> str:
    """Storage options as PostgreSQL prints them: name='value'."""
    quoted = []
    for item in items:
        name, _, value = item.partition("=")
        quoted.append(f"{name}='{value.replace(chr(39), chr(39) * 2)}'")
    return ", ".join(quoted)
