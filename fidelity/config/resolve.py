"""A probe's options for one environment, and the environments and probes a command selects."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from fidelity.config.model import Config, ConfigError, ProbeConfig
from fidelity.model import UsageError
from fidelity.probe import OptionError, registry

_VAR_RE = re.compile(r"\$\$|\$\{([^}]*)\}")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*\Z"  # compiled (the `re` module caches it) for a config that names one


def probe_options(config: Config, probe: ProbeConfig, environment: str) -> dict[str, Any]:
    """Options of `probe` for `environment`: merged, defaulted, interpolated, resolved."""
    cls = registry.get(probe.type)
    assert cls is not None, "validated at load time"
    override = probe.overrides.get(environment, {})
    merged: dict[str, Any] = {}
    for option in cls.option_schema:
        name = option.name
        table = f"probes.{probe.name}.{environment}" if name in override else f"probes.{probe.name}"
        if name in override:
            value = override[name]
        elif name in probe.options:
            value = probe.options[name]
        elif option.required:
            raise ConfigError(config.file, f"[probes.{probe.name}]", f"missing required key {name!r} "
                              f"for environment {environment!r} ({option.doc})")
        else:
            merged[name] = option.default
            continue
        key = f"[{table}] {name}"
        value = _interpolate(config, value, environment, key)
        if option.required and isinstance(value, str) and not value.strip():
            # an empty DSN or URL would reach the driver's defaults (a local server): never probe that
            raise ConfigError(config.file, key, f"is empty for environment {environment!r}; set it (a "
                              "variable that is set but empty, such as a missing CI secret, gives this too)")
        merged[name] = _resolve_paths(config.base_dir, value) if option.path else value
    try:
        cls.check_options(merged)
    except OptionError as exc:
        raise ConfigError(config.file, f"[probes.{probe.name}]",
                          f"{exc} (environment {environment!r})") from None
    return merged


def resolve_probes(config: Config, environment: str, only: Iterable[str] | None = None
                   ) -> list[tuple[ProbeConfig, dict[str, Any]]]:
    """Every selected probe with its options for `environment`; any config error comes before probing."""
    wanted = set(only) if only is not None else None
    return [(p, probe_options(config, p, environment)) for p in config.probes
            if wanted is None or p.name in wanted]


def select_candidates(config: Config, envs: Sequence[str]) -> list[str]:
    """The candidates named by `--env` (default: the config's), each checked against the config."""
    for env in envs:
        check_environment(config, env)
    assert config.reference is not None
    candidates = [e for e in envs if e != config.reference] if envs else list(config.candidates)
    if not candidates:
        raise UsageError("no candidate environment to compare with the reference")
    return candidates


def check_environment(config: Config, env: str) -> None:
    """Raise a usage error when `--env env` names an environment the config does not declare."""
    if env not in config.environments:
        raise UsageError(f"--env {env}: not declared in {config.file} "
                         f"(declared: {', '.join(config.environments)})")


def select_probes(config: Config, only: Sequence[str]) -> list[str] | None:
    """The probes named by `--only`, checked; None when every probe runs."""
    names = [p.name for p in config.probes]
    for name in only:
        if name not in names:
            raise UsageError(f"--only {name}: no such probe (configured: {', '.join(names)})")
    return list(only) or None


def interpolate(value: str, key: str, file: Path | None) -> str:
    """Replace `${NAME}` with the environment variable NAME and `$$` with `$`."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        if not re.match(_NAME, name):
            raise ConfigError(file, key, f"${{{name}}} is not a valid variable name")
        if name not in os.environ:
            raise ConfigError(file, key, f"environment variable {name} is not set; "
                              "export it, or remove the reference")
        return os.environ[name]

    return _VAR_RE.sub(replace, value)


def _interpolate(config: Config, value: Any, environment: str, key: str) -> Any:
    if isinstance(value, str):
        return interpolate(value.replace("{env}", environment), key, config.file)
    if isinstance(value, list):
        return [_interpolate(config, v, environment, key) for v in value]
    if isinstance(value, dict):
        return {k: _interpolate(config, v, environment, f"{key}.{k}") for k, v in value.items()}
    return value


def _resolve_paths(base_dir: Path, value: Any) -> Any:
    if isinstance(value, str):
        return str(base_dir / os.path.expanduser(value))
    if isinstance(value, list):
        return [_resolve_paths(base_dir, v) for v in value]
    if isinstance(value, dict) and "path" in value:
        return {**value, "path": _resolve_paths(base_dir, value["path"])}
    return value
