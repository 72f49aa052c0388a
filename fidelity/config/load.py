"""Finding, reading and validating fidelity.toml."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fidelity import toml
from fidelity.config.model import Config, ConfigError, History, Notify, ProbeConfig, Rewrite, Rule, RuleAction
from fidelity.config.schema import (
    AUDIT_SCHEMA,
    HISTORY_SCHEMA,
    NOTIFY_SCHEMA,
    REWRITE_SCHEMA,
    RULE_SCHEMA,
    TOP_LEVEL,
)
from fidelity.model import Severity, Tolerance
from fidelity.probe import registry
from fidelity.probe.options import Option, OptionError, check_table, describe
from fidelity.probe.sources import file_kind

CONFIG_ENV_VAR = "FIDELITY_CONFIG"
DEFAULT_CONFIG = "fidelity.toml"


def find_config(explicit: str | None) -> Path | None:
    """The config file to use: -c, then $FIDELITY_CONFIG, then ./fidelity.toml if it exists."""
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV_VAR):
        return Path(os.environ[CONFIG_ENV_VAR])
    default = Path(DEFAULT_CONFIG)
    # Not only regular files: a FIFO or device named fidelity.toml is refused by `load`, not skipped.
    return default if default.exists() and not default.is_dir() else None


def load(path: Path) -> Config:
    """Read and validate a config file."""
    try:
        raw = _read_regular(path)
    except FileNotFoundError:
        raise ConfigError(path, None, "config file not found; pass -c PATH or create fidelity.toml "
                          "(see config.example.toml)") from None
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read config file: {exc.strerror}") from None
    if raw.startswith(b"\xef\xbb\xbf"):  # a byte order mark, as some Windows editors write: not TOML
        raw = raw[3:]
    try:
        data = toml.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(path, None, f"not valid UTF-8 at line {line}; save the file as UTF-8") from None
    except toml.TOMLDecodeError as exc:
        raise ConfigError(path, None, f"invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(path, None, "invalid TOML: arrays or tables nested too deeply") from None
    return parse(data, path)


def _read_regular(path: Path) -> bytes:
    """The bytes of a regular file; a FIFO, device or socket is refused at once, never read."""
    _check_regular(os.stat(path).st_mode, path)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb") as handle:  # fstat the opened file: it may have been swapped since the stat
        _check_regular(os.fstat(handle.fileno()).st_mode, path)
        return handle.read()


def _check_regular(mode: int, path: Path) -> None:
    if not stat.S_ISREG(mode):
        raise ConfigError(path, None, f"is {file_kind(mode)}, not a regular file; pass a config file")


def parse(data: Mapping[str, Any], path: Path | None) -> Config:
    """Validate already-parsed TOML data."""
    for key in data:
        if key not in TOP_LEVEL:
            raise ConfigError(path, key, f"unknown top-level key (known: {', '.join(TOP_LEVEL)})")
    audit = _table(data, "audit", path)
    _check(audit, AUDIT_SCHEMA, "[audit]", path)
    environments = _table(data, "environments", path)
    for env, meta in environments.items():
        if not isinstance(meta, dict):
            raise ConfigError(path, f"environments.{env}", f"expected a table, got {describe(meta)}")
    reference = audit["reference"]
    declared = ", ".join(environments) or "none"
    if reference not in environments:
        raise ConfigError(path, "[audit] reference", f"environment {reference!r} is not declared "
                          f"(declared: {declared}); add [environments.{reference}]")
    candidates = tuple(audit.get("candidates", [e for e in environments if e != reference]))
    for name in candidates:
        if name not in environments:
            raise ConfigError(path, "[audit] candidates", f"environment {name!r} is not declared "
                              f"(declared: {declared}); add [environments.{name}]")
        if name == reference:
            raise ConfigError(path, "[audit] candidates", f"{name!r} is the reference; remove it")
    max_score = audit.get("max_score")
    if max_score is not None and max_score < 0:
        raise ConfigError(path, "[audit] max_score", f"expected an integer >= 0, got {max_score}")
    fail_on = audit.get("fail_on", "high")
    base_dir = path.resolve().parent if path else Path.cwd()
    history = _table(data, "history", path)
    if history:
        _check(history, HISTORY_SCHEMA, "[history]", path)
    if history.get("keep") is not None and history["keep"] < 1:
        raise ConfigError(path, "[history] keep", f"expected an integer >= 1, got {history['keep']}")
    notify = _table(data, "notify", path)
    if notify:
        _check(notify, NOTIFY_SCHEMA, "[notify]", path)
    return Config(
        file=path,
        base_dir=base_dir,
        reference=reference,
        candidates=candidates,
        environments=environments,
        fail_on=None if fail_on == "never" else Severity(fail_on),
        max_score=max_score,
        probes=tuple(_probe(name, table, environments, path)
                     for name, table in _table(data, "probes", path).items()),
        rules=tuple(_rule(i, r, environments, path) for i, r in enumerate(_array(data, "rules", path))),
        rewrites=tuple(_rewrite(i, r, environments, path)
                       for i, r in enumerate(_array(data, "rewrites", path))),
        baseline=base_dir / audit["baseline"] if "baseline" in audit else None,
        history=History(base_dir / history["dir"], history.get("keep")) if history else None,
        notify=Notify(notify["webhook"], notify.get("when", "on_fail"), notify.get("report_url"),
                      float(notify.get("timeout", 10.0))) if notify else None,
    )


def _table(data: Mapping[str, Any], key: str, path: Path | None) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(path, key, f"expected a table ([{key}]), got {describe(value)}")
    return value


def _array(data: Mapping[str, Any], key: str, path: Path | None) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(path, key, f"expected an array of tables ([[{key}]]), got {describe(value)}")
    return value


def _check(table: Mapping[str, Any], schema: Mapping[str, Option], where: str, path: Path | None) -> None:
    for key, problem in check_table(table, schema, where):
        raise ConfigError(path, f"{where} {key}", problem)
    for option in schema.values():
        if option.required and option.name not in table:
            raise ConfigError(path, where, f"missing required key {option.name!r} ({option.doc})")


def _probe(name: str, table: Any, environments: Mapping[str, Any], path: Path | None) -> ProbeConfig:
    where = f"[probes.{name}]"
    if not isinstance(table, dict):
        raise ConfigError(path, f"probes.{name}", f"expected a table, got {describe(table)}")
    if "/" in name or not name:
        raise ConfigError(path, f"probes.{name}", "a probe name must be non-empty and contain no '/'")
    type_name = table.get("type")
    if type_name is None:
        raise ConfigError(path, f"{where} type", f"missing required key (one of: {registry.known_names()})")
    if not isinstance(type_name, str) or registry.get(type_name) is None:
        raise ConfigError(path, f"{where} type", f"unknown probe type {describe(type_name)} "
                          f"(available: {registry.known_names()}; run `fidelity probes`)")
    cls = registry.get(type_name)
    assert cls is not None
    schema = {o.name: o for o in cls.option_schema}
    options: dict[str, Any] = {}
    overrides: dict[str, dict[str, Any]] = {}
    for key, value in table.items():
        if key == "type":
            continue
        if key in environments and isinstance(value, dict) and key not in schema:
            _check_options(value, schema, f"[probes.{name}.{key}]", path, type_name)
            overrides[key] = value
        else:
            _check_options({key: value}, schema, where, path, type_name)
            options[key] = value
    return ProbeConfig(name=name, type=type_name, options=options, overrides=overrides)


def _check_options(table: Mapping[str, Any], schema: Mapping[str, Option], where: str,
                   path: Path | None, type_name: str) -> None:
    for key, value in table.items():
        option = schema.get(key)
        if option is None:
            raise ConfigError(path, f"{where} {key}", f"unknown key for probe type {type_name!r} "
                              f"(known: {', '.join(sorted(schema)) or 'none'}; or an environment "
                              "sub-table named after a declared environment)")
        try:
            option.validate(value)
        except OptionError as exc:
            raise ConfigError(path, f"{where} {key}", str(exc)) from None


def _rule(index: int, table: dict[str, Any], environments: Mapping[str, Any], path: Path | None) -> Rule:
    where = f"[[rules]] #{index + 1}"
    _check(table, RULE_SCHEMA, where, path)
    action = RuleAction(table["action"])
    if action is RuleAction.SEVERITY and "severity" not in table:
        raise ConfigError(path, f"{where} severity", "required with action = \"severity\"")
    if action is not RuleAction.SEVERITY and "severity" in table:
        raise ConfigError(path, f"{where} severity", f"only allowed with action = \"severity\", "
                          f"not {action.value!r}")
    thresholds = [table.get(level) for level in ("low", "medium", "high")]
    if action is RuleAction.TOLERANCE and all(t is None for t in thresholds):
        raise ConfigError(path, where, "action = \"tolerance\" needs at least one of low, medium, high")
    if action is not RuleAction.TOLERANCE and any(t is not None for t in thresholds):
        raise ConfigError(path, where, "low, medium and high are only allowed with action = \"tolerance\"")
    set_values = [t for t in thresholds if t is not None]
    if set_values != sorted(set_values):
        raise ConfigError(path, where, "thresholds must grow from low to medium to high")
    _check_environment(table, environments, where, path)
    expires = table.get("expires")
    return Rule(
        path=table["path"], action=action, reason=table.get("reason"),
        expires=expires, severity=Severity(table["severity"]) if "severity" in table else None,
        environment=table.get("environment"), change=table.get("change"),
        tolerance=Tolerance(*thresholds) if action is RuleAction.TOLERANCE else None,
    )


def _rewrite(index: int, table: dict[str, Any], environments: Mapping[str, Any],
             path: Path | None) -> Rewrite:
    where = f"[[rewrites]] #{index + 1}"
    _check(table, REWRITE_SCHEMA, where, path)
    if not table["candidate"]:
        raise ConfigError(path, f"{where} candidate", "must not be empty")
    _check_environment(table, environments, where, path)
    return Rewrite(reference=table["reference"], candidate=table["candidate"],
                   path=table.get("path"), environment=table.get("environment"))


def _check_environment(table: Mapping[str, Any], environments: Mapping[str, Any], where: str,
                       path: Path | None) -> None:
    env = table.get("environment")
    if env is not None and env not in environments:
        raise ConfigError(path, f"{where} environment", f"environment {env!r} is not declared "
                          f"(declared: {', '.join(environments) or 'none'})")


def default_config() -> Config:
    """The configuration `fidelity diff` uses without any config file."""
    return Config(file=None, base_dir=Path.cwd(), reference=None, candidates=())
