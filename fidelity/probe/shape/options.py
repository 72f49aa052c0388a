"""The `data` option of the database probes: which tables get a data-shape fingerprint, and how.

`data = true` turns fingerprints on with the defaults; a sub-table `[probes.NAME.data]`
sets any of the keys of `DataOptions`. Values are checked here, so that a mistake is
reported as `data.<key>` before any database is touched.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fidelity.probe import OptionError

#: Rows read per table (what ANALYZE reads); larger tables are sampled.
DEFAULT_SAMPLE_ROWS = 30_000
#: Column modes: "shape" (privacy-safe aggregates only) or "quantiles" (also exact quantiles).
MODES = ("shape", "quantiles")
KEYS = ("tables", "exclude_tables", "sample_rows", "columns", "json_depth", "json_keys", "json_fold_depth",
        "seed")
#: JSON key names: "keep" (only value-like and rare keys are folded) or "fold" (every key below
#: `json_fold_depth` is folded, for documents whose keys are values: ids, dates, tenant names).
JSON_KEYS = ("keep", "fold")


@dataclass(frozen=True)
class DataOptions:
    """What to fingerprint and how much to read."""

    tables: tuple[str, ...] = ("*",)
    """Globs of `table` or `schema.table` names to fingerprint."""
    exclude_tables: tuple[str, ...] = ()
    """Globs of tables to leave out."""
    sample_rows: int = DEFAULT_SAMPLE_ROWS
    """Row budget per table; tables up to 1.2 times this are read whole (exact)."""
    columns: Mapping[str, str] = field(default_factory=dict)
    """Glob over `table.column` or `schema.table.column` -> mode ("shape" or "quantiles")."""
    json_depth: int = 4
    """Levels of JSON key paths below the document."""
    json_keys: str = "keep"
    """"fold": every object key deeper than `json_fold_depth` levels becomes `<key>`."""
    json_fold_depth: int = 1
    """With json_keys = "fold", levels of key names kept (0 folds every key)."""
    seed: int = 0
    """Seed of the sample: the same seed reads the same part of an unchanged table."""

    def includes(self, schema: str, table: str) -> bool:
        """True when `schema.table` is fingerprinted."""
        return (any(_matches(g, schema, table) for g in self.tables)
                and not any(_matches(g, schema, table) for g in self.exclude_tables))

    def mode(self, schema: str, table: str, column: str) -> str:
        """The mode of a column: the last matching `columns` entry wins; "shape" when none matches."""
        found = "shape"
        for glob, mode in self.columns.items():
            if _matches(glob, schema, table, column):
                found = mode
        return found


def _matches(glob: str, *names: str) -> bool:
    """Match a glob of dotted names segment by segment, so that `*` never spans a dot: "orders.*" is
    table orders' columns, never every table of a schema named orders. A glob with fewer segments
    than the name matches its last segments (`table.column` without the schema)."""
    parts = glob.split(".")
    if len(parts) > len(names):
        return False
    return all(fnmatch.fnmatchcase(name, part) for name, part in zip(names[-len(parts):], parts, strict=True))


def parse(value: Any) -> DataOptions | None:
    """The options a `data` value stands for; None when fingerprints are off."""
    value = switch_table(value, KEYS)
    if value is None:
        return None
    return DataOptions(
        tables=_globs(value, "tables", ["*"]),
        exclude_tables=_globs(value, "exclude_tables", []),
        sample_rows=whole_number(value, "sample_rows", DEFAULT_SAMPLE_ROWS, 100),
        columns=_columns(value.get("columns", {})),
        json_depth=whole_number(value, "json_depth", 4, 1, 16),
        json_keys=_choice(value, "json_keys", "keep", JSON_KEYS),
        json_fold_depth=whole_number(value, "json_fold_depth", 1, 0, 16),
        seed=whole_number(value, "seed", 0, 0, 2**31 - 1),
    )


def check(value: Any) -> None:
    """Option check: raise OptionError naming the bad key."""
    parse(value)


def switch_table(value: Any, keys: tuple[str, ...]) -> Mapping[str, Any] | None:
    """An option that is `true`, `false` or a table of `keys`: None when off, the table (empty for
    `true`, so every key takes its default) when on."""
    if value is None or value is False:
        return None
    if value is True:
        return {}
    if not isinstance(value, dict):
        raise OptionError(f"expected true, false or a table of {', '.join(keys)}, got {value!r}")
    unknown = sorted(set(value) - set(keys))
    if unknown:
        raise OptionError(f"unknown key {unknown[0]!r} (known: {', '.join(keys)})")
    return value


def _globs(table: Mapping[str, Any], key: str, default: list[str]) -> tuple[str, ...]:
    value = table.get(key, default)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OptionError(f"{key}: expected a list of globs, got {value!r}")
    return tuple(value)


def _choice(table: Mapping[str, Any], key: str, default: str, choices: tuple[str, ...]) -> str:
    value = table.get(key, default)
    if value not in choices:
        raise OptionError(f"{key}: expected one of {', '.join(map(repr, choices))}, got {value!r}")
    return str(value)


def whole_number(table: Mapping[str, Any], key: str, default: int, least: int, most: int | None = None
                 ) -> int:
    """`table[key]` (or `default`), a whole number from `least` (to `most`); else an OptionError."""
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < least \
            or (most is not None and value > most):
        bound = f"from {least} to {most}" if most is not None else f"of at least {least}"
        raise OptionError(f"{key}: expected a whole number {bound}, got {value!r}")
    return value


def _columns(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise OptionError(f"columns: expected a table keyed by \"table.column\", got {value!r}")
    modes: dict[str, str] = {}
    for glob, spec in value.items():
        if not isinstance(spec, dict) or set(spec) != {"values"} or spec["values"] not in MODES:
            raise OptionError(f'columns."{glob}": expected {{ values = "quantiles" }} or '
                              f'{{ values = "shape" }}, got {spec!r}')
        if "." not in glob:
            raise OptionError(f'columns."{glob}": expected "table.column" or "schema.table.column" '
                              '(globs allowed, e.g. "orders.*")')
        modes[glob] = spec["values"]
    return modes
