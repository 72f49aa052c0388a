"""Stage 1, configuration: fidelity.toml read, validated and resolved per environment."""

from fidelity.config.load import default_config, find_config, load, parse
from fidelity.config.model import (
    Config,
    ConfigError,
    History,
    Notify,
    ProbeConfig,
    Rewrite,
    Rule,
    RuleAction,
)
from fidelity.config.resolve import (
    check_environment,
    interpolate,
    probe_options,
    resolve_probes,
    select_candidates,
    select_probes,
)

__all__ = [
    "Config",
    "ConfigError",
    "History",
    "Notify",
    "ProbeConfig",
    "Rewrite",
    "Rule",
    "RuleAction",
    "check_environment",
    "default_config",
    "find_config",
    "interpolate",
    "load",
    "parse",
    "probe_options",
    "resolve_probes",
    "select_candidates",
    "select_probes",
]
