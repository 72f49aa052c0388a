"""The `config_files` probe: .env, TOML, YAML, JSON, INI and .properties files, key by key."""

from probes.config_files.probe import ConfigFilesProbe

__all__ = ["ConfigFilesProbe"]
