"""The `config_files` probe: .env, TOML, YAML, JSON, INI and .properties files, key by key."""

from probes.config_files.probe import ConfigFilesProbe

ConfigFilesProbe.__module__ = __name__  # its public home, as before the split
__all__ = ["ConfigFilesProbe"]
