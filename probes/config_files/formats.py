"""Parsers for the config file formats: text in, a JSON-native tree out.

Every parser raises `FormatError` with a one-line message naming the file and,
where the format tells, the line. Messages never quote file content, which may
hold secrets. Trees are bounded: at most `MAX_DEPTH` levels and, for YAML whose
aliases can expand exponentially, at most `MAX_NODES` values.

A key defined twice in one table keeps its last value (as every one of these
formats' own readers does) and is reported as a `Duplicate`, for the probe to turn
into a warning. TOML and INI refuse duplicates outright: there they are an error.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import io
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from fidelity.probe import looks_secret_name, one_line, toml

if TYPE_CHECKING:
    import yaml


FORMATS = ("env", "toml", "yaml", "json", "ini", "properties")
EXTENSIONS = {".env": "env", ".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json",
              ".ini": "ini", ".cfg": "ini", ".conf": "ini", ".properties": "properties"}
# Below the snapshot's own limit of 64 levels, which counts the probe and file levels too.
MAX_DEPTH = 60
MAX_NODES = 1_000_000
# Searched with the `re` module's own cache: compiled only by a run that reads such a file.
_SURROGATE_ESCAPE = r"\\u[dD][89abAB]"
_ANY_SURROGATE_ESCAPE = r"\\u[dD][89a-fA-F]"
_TOML_POSITION = r"\s*\(at (line \d+, column \d+|end of document)\)\Z"


class FormatError(ValueError):
    """A file's content does not parse; the message names the file and the line."""


@dataclass(frozen=True)
class Duplicate:
    """A key defined twice in one table; the later definition is the one kept."""

    key: str
    """The key as it ends up in the tree."""
    first: int
    """Line of the earlier definition."""
    second: int
    """Line of the later definition, whose value is kept."""


class _Keys:
    """Lines of the keys of one table seen so far; a key seen again is recorded as a Duplicate."""

    def __init__(self, found: list[Duplicate] | None) -> None:
        self.found = found
        self.lines: dict[str, int] = {}

    def see(self, key: str, line: int) -> None:
        earlier = self.lines.get(key)
        if earlier is not None and self.found is not None:
            self.found.append(Duplicate(key, earlier, line))
        self.lines[key] = line


def guess_format(file_name: str) -> str | None:
    """The format implied by a file name (`app.env`, `.env.production`, `settings.yaml`), if any."""
    name = PurePosixPath(file_name).name.lower()
    fmt = EXTENSIONS.get(PurePosixPath(name).suffix)
    if fmt is None and (name == ".env" or name.startswith(".env.")):
        return "env"
    return fmt


def parse(fmt: str, text: str, label: str, duplicates: list[Duplicate] | None = None,
          walked_by_caller: bool = False) -> Any:
    """Parse `text` as `fmt`; `label` names the file in messages; keys defined twice go to `duplicates`.

    With `walked_by_caller`, a JSON document that holds no surrogate escape is returned as the JSON
    parser made it (already native but for NaN and Infinity, and of unchecked depth), for a caller
    whose own walk over every value makes it JSON-native and checks `MAX_DEPTH`: one walk, not two.
    """
    parser = PARSERS.get(fmt)
    if parser is None:
        raise FormatError(f"{label}: unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    try:
        tree = parser(text, label, duplicates)
        if walked_by_caller and fmt == "json" and not re.search(_ANY_SURROGATE_ESCAPE, text):
            return tree
        return _native(tree, label, 0)
    except RecursionError:
        raise FormatError(f"{label}: nested more than {MAX_DEPTH} levels deep") from None
    except FormatError:
        raise
    except ValueError as exc:  # e.g. an integer over Python's digit limit
        raise FormatError(f"{label}: cannot read as {fmt}: {one_line(str(exc))}") from None


def parse_env(text: str, label: str, duplicates: list[Duplicate] | None = None) -> dict[str, str]:
    """A dotenv file: flat KEY=value pairs, values kept as strings, no variable expansion.

    Each line is `KEY=value` (optionally `export KEY=value`), a comment or blank; a quoted
    value may span lines. Anything else, a bare `KEY` without `=` included, is an error:
    it could be the continuation of a value, so its text must never become a key.
    """
    from dotenv.parser import parse_stream

    values: dict[str, str] = {}
    keys = _Keys(duplicates)
    bad: list[int] = []
    for binding in parse_stream(io.StringIO(text)):
        if binding.error or (binding.key is not None and binding.value is None):
            bad.append(binding.original.line)
        elif binding.key is not None and binding.value is not None:
            keys.see(binding.key, binding.original.line)
            values[binding.key] = binding.value
    if bad:
        lines = ", ".join(map(str, bad[:10])) + (", ..." if len(bad) > 10 else "")
        raise FormatError(f"{label}: invalid .env syntax at line{'s' if len(bad) > 1 else ''} {lines} "
                          "(expected KEY=value)")
    return values


def parse_toml(text: str, label: str, duplicates: list[Duplicate] | None = None) -> dict[str, Any]:
    """A TOML document; dates and times become ISO strings; a key defined twice is an error."""
    try:
        tree: dict[str, Any] = toml.loads(text)
    except toml.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(_TOML_POSITION, message)
        if where is None:
            raise FormatError(f"{label}: invalid TOML: {one_line(message)}") from None
        problem = message[: where.start()]
        raise FormatError(f"{label}: invalid TOML at {where[1]}: {one_line(problem)}") from None
    return tree


@functools.cache
def _yaml_loaders() -> tuple[type[yaml.CSafeLoader], type[yaml.SafeLoader]]:
    """Safe YAML loaders (libyaml, pure Python) reading unknown local tags (`!Ref`) as plain values.

    Built on first use: importing yaml at module level would slow down every CLI start.
    """
    from yaml import SafeLoader

    try:
        from yaml import CSafeLoader  # libyaml also caps nesting at 1000 levels
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        from yaml import SafeLoader as CSafeLoader  # type: ignore[assignment]

    class Fast(CSafeLoader):
        pass

    class Pure(SafeLoader):
        pass

    def untagged(loader: Fast | Pure, suffix: str, node: Any) -> Any:
        if node.id == "mapping":
            return loader.construct_mapping(node, deep=True)
        if node.id == "sequence":
            return loader.construct_sequence(node, deep=True)
        return loader.construct_scalar(node)

    Fast.add_multi_constructor("!", untagged)
    Pure.add_multi_constructor("!", untagged)
    return Fast, Pure


def parse_yaml(text: str, label: str, duplicates: list[Duplicate] | None = None) -> Any:
    """A YAML stream: one document as is, several as a list, none as an empty table."""
    import yaml

    fast, pure = _yaml_loaders()
    # libyaml refuses JSON-style surrogate-pair escapes ("\\ud83d\\ude80"); PyYAML's own scanner reads them.
    loader = (pure if re.search(_SURROGATE_ESCAPE, text) else fast)(text)
    documents: list[Any] = []
    budget = _Budget(label)
    try:
        while loader.check_node():  # libyaml's get_node needs check_node first
            node = loader.get_node()
            assert node is not None
            budget.check(node)
            if duplicates is not None:
                _yaml_duplicates(loader, node, duplicates)
            documents.append(loader.construct_document(node))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "syntax error"
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FormatError(f"{label}: invalid YAML{where}: {one_line(problem)}") from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise FormatError(f"{label}: invalid YAML at line {line}: character #x{exc.character:04x} "
                          "is not allowed") from None
    except yaml.YAMLError as exc:
        raise FormatError(f"{label}: invalid YAML: {one_line(str(exc))}") from None
    finally:
        loader.dispose()
    if not documents:
        return {}
    return documents[0] if len(documents) == 1 else documents


def _yaml_duplicates(loader: Any, root: yaml.Node, found: list[Duplicate]) -> None:
    """Record the keys written twice in one mapping (merged `<<` keys may be overridden: not recorded)."""
    import yaml

    visited: set[int] = set()
    pending = [root]
    mine: list[Duplicate] = []
    while pending:
        node = pending.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            keys = _Keys(mine)
            for key_node, value_node in node.value:
                pending += [key_node, value_node]
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                    keys.see(_text(str(loader.construct_object(key_node))), key_node.start_mark.line + 1)
    found.extend(sorted(mine, key=lambda d: (d.second, d.first)))


class _Budget:
    """Counts the values a YAML node graph expands to, following aliases, before construction."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.total = 0
        self.sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded values, height)
        self.active: set[int] = set()

    def check(self, node: yaml.Node) -> None:
        self.total += self.measure(node, 1)[0]
        if self.total > MAX_NODES:
            self.too_many()

    def too_many(self) -> None:
        raise FormatError(f"{self.label}: YAML expands to more than {MAX_NODES:,} values "
                          "(alias bomb?)")

    def measure(self, node: yaml.Node, depth: int) -> tuple[int, int]:
        if depth > MAX_DEPTH + 1:
            self.too_deep(node)
        key = id(node)
        known = self.sizes.get(key)
        if known is None:
            if key in self.active:
                raise FormatError(f"{self.label}: recursive YAML alias at line {node.start_mark.line + 1}")
            self.active.add(key)
            known = self.measure_children(node, depth)
            self.active.discard(key)
            self.sizes[key] = known
        if known[0] > MAX_NODES:
            self.too_many()
        if depth + known[1] > MAX_DEPTH + 1:
            self.too_deep(node)
        return known

    def too_deep(self, node: yaml.Node) -> None:
        raise FormatError(f"{self.label}: nested more than {MAX_DEPTH} levels deep at line "
                          f"{node.start_mark.line + 1}")

    def measure_children(self, node: yaml.Node, depth: int) -> tuple[int, int]:
        if isinstance(node.value, str):  # a scalar
            return 1, 0
        # A sequence holds nodes; a mapping holds (key, value) node pairs.
        children = [child for item in node.value
                    for child in (item if isinstance(item, tuple) else (item,))]
        size, height = 1, 0
        for child in children:
            child_size, child_height = self.measure(child, depth + 1)
            size, height = size + child_size, max(height, child_height + 1)
        return size, height


def parse_json(text: str, label: str, duplicates: list[Duplicate] | None = None) -> Any:
    """A JSON document."""
    repeated = False

    def table(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        result = dict(pairs)
        repeated = repeated or len(result) < len(pairs)
        return result

    try:
        tree = json.loads(text, object_pairs_hook=table)
        if repeated and duplicates is not None:  # read again, slower, to tell the lines
            tree = _json_with_lines(text, duplicates)
    except json.JSONDecodeError as exc:
        raise FormatError(f"{label}: invalid JSON at line {exc.lineno}, column {exc.colno}: "
                          f"{exc.msg}") from None
    return tree


def _json_with_lines(text: str, found: list[Duplicate]) -> Any:
    """Decode with the pure-Python scanner, recording the line of every key of every object."""
    import json.decoder
    import json.scanner

    breaks = [m.start() for m in re.finditer("\n", text)]

    def line_of(position: int) -> int:
        return bisect.bisect_right(breaks, text.rfind(":", 0, position)) + 1

    def parse_object(s_and_end: tuple[str, int], strict: bool, scan_once: Callable[[str, int], Any],
                     object_hook: Any, object_pairs_hook: Any, memo: Any = None) -> tuple[Any, int]:
        starts: list[int] = []

        def scan(string: str, index: int) -> Any:
            starts.append(index)  # JSONObject scans each value right after its key and colon
            return scan_once(string, index)

        pairs, end = json.decoder.JSONObject(  # type: ignore[attr-defined]
            s_and_end, strict, scan, None, list, memo)
        keys = _Keys(found)
        for (key, _), start in zip(pairs, starts, strict=True):
            keys.see(key, line_of(start))
        return dict(pairs), end

    decoder = json.JSONDecoder()
    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    return decoder.decode(text)


def parse_ini(text: str, label: str, duplicates: list[Duplicate] | None = None) -> dict[str, Any]:
    """An INI file: a table per section, DEFAULT keys folded in (as configparser reads it), plus DEFAULT.

    A section or a key within a section defined twice is an error.
    """
    import configparser  # here: most runs read no INI file

    parser = configparser.ConfigParser(interpolation=None, strict=True, allow_no_value=True)
    parser.optionxform = str  # type: ignore[method-assign, assignment]  # keep key case: compared as written
    try:
        parser.read_string(text, source=label)
    except configparser.MissingSectionHeaderError as exc:
        raise FormatError(f"{label}: invalid INI at line {exc.lineno}: a key before any "
                          "[section] header") from None
    except configparser.ParsingError as exc:
        lines = ", ".join(str(lineno) for lineno, _ in exc.errors)
        raise FormatError(f"{label}: invalid INI at line {lines}: expected key = value") from None
    except (configparser.DuplicateSectionError, configparser.DuplicateOptionError) as exc:
        what = (f"section [{exc.section}]" if isinstance(exc, configparser.DuplicateSectionError)
                else f"key {exc.option!r} in section [{exc.section}]")
        raise FormatError(f"{label}: invalid INI at line {exc.lineno}: {what} appears twice") from None
    except configparser.Error as exc:
        raise FormatError(f"{label}: invalid INI: {one_line(exc.message)}") from None
    tree = {section: dict(parser.items(section, raw=True)) for section in parser.sections()}
    if parser.defaults():
        tree[parser.default_section] = dict(parser.defaults())
    for section, keys in tree.items():
        for key, value in keys.items():
            if value is None and any(blank in key for blank in " \t") and looks_secret_name(key):
                line = _line_of(text, key)
                raise FormatError(f"{label}: invalid INI at line {line} in section [{section}]: "
                                  "a secret-looking name with a blank and no `=` (its value would be shown "
                                  "as part of the key); write `name = value`")
    return tree


def _line_of(text: str, key: str) -> int:
    """The line of an INI key written without a value (its first appearance)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() == key.strip():
            return number
    return 0


def parse_properties(text: str, label: str, duplicates: list[Duplicate] | None = None) -> dict[str, str]:
    """A Java .properties file: flat keys (dots are not split into tables)."""
    import javaproperties

    values: dict[str, str] = {}
    keys = _Keys(duplicates)
    line = 1
    try:
        for element in javaproperties.parse(text):
            if isinstance(element, javaproperties.KeyValue):
                keys.see(element.key, line)
                values[element.key] = element.value
            line += len(re.findall(r"\r\n|\r|\n", element.source))
    except javaproperties.InvalidUEscapeError as exc:
        raise FormatError(f"{label}: invalid .properties escape {exc.escape!r} at line {line}") from None
    return values


def _native(value: Any, label: str, depth: int) -> Any:
    """A JSON-native copy: str keys, ISO dates, non-finite floats as strings, bounded depth."""
    if depth > MAX_DEPTH:
        raise FormatError(f"{label}: nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        return {_text(str(k)): _native(v, label, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_native(v, label, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):  # YAML !!set
        return sorted((_native(v, label, depth + 1) for v in value), key=str)
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, bytes):  # YAML's !!binary
        import base64  # here: most files hold no binary value

        return base64.b64encode(value).decode("ascii")
    return value


def _text(value: str) -> str:
    """`value` with escaped surrogate pairs joined, and lone surrogates spelled out so it encodes."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value



PARSERS: dict[str, Callable[[str, str, list[Duplicate] | None], Any]] = {
    "env": parse_env, "toml": parse_toml, "yaml": parse_yaml, "json": parse_json,
    "ini": parse_ini, "properties": parse_properties,
}
