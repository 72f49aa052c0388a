"""One spelling for what MySQL and MariaDB catalogs show differently, so that it is never drift.

- string default: MariaDB (10.2.7+) shows it quoted, `'a''b'`; MySQL bare, `a'b`.
  Recorded quoted: `'a''b'`.
- default NULL: MariaDB shows the text `NULL`, MySQL SQL NULL; no default at all is SQL NULL in
  both. Recorded as no `default` key.
- expression default: MariaDB `current_timestamp()`, MySQL `CURRENT_TIMESTAMP` with EXTRA
  `DEFAULT_GENERATED`; `now()`, `localtimestamp` and a precision likewise. Recorded
  `current_timestamp()` / `current_timestamp(3)`.
- ON UPDATE: EXTRA `on update current_timestamp()` (MariaDB) or `on update CURRENT_TIMESTAMP`
  (MySQL). Recorded `on_update: current_timestamp()`.
- integer display width: MariaDB `int(11)`, `bigint(20) unsigned`, `year(4)`; MySQL 8.0.19+
  `int`, `bigint unsigned`, `year`. Recorded without it (`tinyint(1)` and `zerofill` keep theirs).
- generated, check, default and partition expressions: MariaDB `` `a` + 1 ``, `ucase(x)`;
  MySQL ``(`a` + 1)``, `upper(x)`, `_utf8mb4'x'` introducers. Recorded `a + 1`, `upper(x)`, `'x'`:
  outer parentheses, introducers and backticks of plain names dropped, case folded outside quotes,
  MariaDB's function synonyms (`ucase`, `lcase`, ...) spelled as MySQL does.
- `utf8`: both servers now say `utf8mb3`, older ones `utf8`. Recorded `utf8mb3`, also in collations.
- JSON column: MariaDB `longtext` with a CHECK `json_valid(col)` named after the column; MySQL
  `json`. Recorded type `json`, without that check.
- view definition: both qualify names with the view's own database (`` `db`.`t`.`a` ``).
  Recorded without it (`` `t`.`a` ``), layout collapsed.
- routine, trigger and event bodies: comments and layout dropped, then a keyed hash.
"""

from __future__ import annotations

import re

_INTEGER_WIDTH = re.compile(r"^(tinyint|smallint|mediumint|int|integer|bigint|year)\(\d+\)(?!.*zerofill)")
_NOW = re.compile(r"\b(?:current_timestamp|now|localtimestamp|localtime)\b(?:\s*\((\d*)\))?", re.IGNORECASE)
_TOKENS = re.compile(r"'(?:[^'\\]|''|\\.)*'|\"(?:[^\"\\]|\"\"|\\.)*\"|`(?:[^`]|``)*`", re.DOTALL)
_INTRODUCER = re.compile(r"_(?:utf8mb4|utf8mb3|utf8|latin1|binary|ascii)\s*$", re.IGNORECASE)
_PLAIN_NAME = re.compile(r"`([A-Za-z_][A-Za-z0-9_$]*)`")
_SPACE = re.compile(r"\s+")
_COMMENTS = re.compile(_TOKENS.pattern + r"|(--[ \t][^\n]*|#[^\n]*|/\*.*?\*/)", re.DOTALL)
NUMERIC_TYPES = ("tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "numeric",
                 "float", "double", "real", "bit", "year")


def charset(name: str | None) -> str | None:
    """`utf8` is `utf8mb3` under its new name; so are its collations."""
    if name is None:
        return None
    if name == "utf8" or name.startswith("utf8_"):
        return "utf8mb3" + name[4:]
    return name


def column_type(text: str) -> str:
    """A column type without the integer display width MySQL 8.0.19+ no longer shows."""
    text = text.strip().lower()
    if text.startswith("tinyint(1)") or "zerofill" in text:
        return text
    return _INTEGER_WIDTH.sub(r"\1", text)


def _outside_quotes(text: str, change: object) -> str:
    """Apply `change` (a function of plain text) to the parts of `text` outside quotes."""
    out: list[str] = []
    position = 0
    for match in _TOKENS.finditer(text):
        out.append(change(text[position:match.start()]))  # type: ignore[operator]
        out.append(match[0])
        position = match.end()
    out.append(change(text[position:]))  # type: ignore[operator]
    return "".join(out)


def _strip_outer(text: str) -> str:
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for index, char in enumerate(_TOKENS.sub(lambda m: "x" * len(m[0]), text)):
            depth += char == "("
            depth -= char == ")"
            if depth == 0 and index < len(text) - 1:
                return text
        text = text[1:-1].strip()
    return text


#: Function names MariaDB rewrites to a synonym of its own.
SYNONYMS = {"ucase": "upper", "lcase": "lower", "substr": "substring", "character_length": "char_length"}
_SYNONYM = re.compile(r"\b(" + "|".join(SYNONYMS) + r")\(")


def _plain(text: str) -> str:
    text = _SPACE.sub(" ", text.lower())
    text = _SYNONYM.sub(lambda m: SYNONYMS[m[1]] + "(", text)
    text = _NOW.sub(lambda m: f"current_timestamp({m[1] or ''})", text)
    text = _INTRODUCER.sub("", text)
    return re.sub(r"\s*,\s*", ",", re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", text)))


def expression(text: str | None) -> str | None:
    """A generated column's, check's, default's or partition's expression in one spelling."""
    if text is None:
        return None
    text = _PLAIN_NAME.sub(r"\1", text.strip())
    text = _outside_quotes(text, _plain).strip()
    return _strip_outer(text)


def default(raw: str | None, extra: str, data_type: str, flavour: str) -> str | None:
    """A column default as a SQL literal or expression; None when the column has none (or NULL)."""
    if raw is None:
        return None
    if flavour == "mariadb":
        if raw == "NULL":
            return None
        if raw.startswith("'"):
            return raw
        return expression(raw)
    generated = "DEFAULT_GENERATED" in extra.upper() or _NOW.fullmatch(raw.strip()) is not None
    if generated:
        return expression(raw)
    if data_type.lower() in NUMERIC_TYPES or raw.startswith("b'"):
        return raw
    return "'" + raw.replace("\\", "\\\\").replace("'", "''") + "'"


def on_update(extra: str) -> str | None:
    """The ON UPDATE expression that EXTRA holds, if any."""
    match = re.search(r"on update (.+)$", extra, re.IGNORECASE)
    return expression(match[1]) if match else None


def view_definition(text: str, schema: str) -> str:
    """A view's SELECT without its own database's qualifier and layout."""
    qualifier = "`" + schema.replace("`", "``") + "`."
    return strip_sql(text.replace(qualifier, ""))


def strip_sql(text: str) -> str:
    """SQL text without comments and layout (quoted parts untouched), for comparing bodies."""
    def plain(match: re.Match[str]) -> str:
        return " " if match[1] else match[0]
    without = _COMMENTS.sub(plain, text)
    return _outside_quotes(without, lambda t: _SPACE.sub(" ", t)).strip().removesuffix(";").rstrip()


def sql_modes(value: str | None) -> list[str]:
    """`sql_mode` as a sorted list of modes (a set: order and case do not matter)."""
    return sorted({mode.strip().upper() for mode in (value or "").split(",") if mode.strip()})
