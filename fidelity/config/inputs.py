"""The files a run reads, which no output of the run may replace: the config, the baseline, and every
file a probe reads (its path options: config files, lock files, manifests, CA bundles)."""

from __future__ import annotations

import glob
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fidelity.config.model import Config, ConfigError
from fidelity.config.resolve import resolve_probes
from fidelity.model import UsageError
from fidelity.probe import registry


def check_outputs(outputs: Iterable[Path], inputs: Iterable[Path]) -> None:
    """Raise UsageError for an output path given twice, one that is an input of the run (or a file in
    an input folder: manifests), or a directory."""
    seen: set[Path] = set()
    protected = {_resolved(p) for p in inputs}
    folders = [p for p in protected if p.is_dir()]  # a manifests folder: every file in it is an input
    for path in outputs:
        resolved = _resolved(path)
        if resolved in seen:
            raise UsageError(f"-o {path} is given twice")
        if resolved in protected or (folders and resolved.is_file()
                                     and any(resolved.is_relative_to(folder) for folder in folders)):
            raise UsageError(f"-o {path} would overwrite an input file; choose another path")
        if path.is_dir():
            raise UsageError(f"-o {path} is a directory; give a file name")
        seen.add(resolved)


def _resolved(path: Path) -> Path:
    """`path.resolve()`, a link loop a usage error naming it."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        raise UsageError(f"{path}: a symbolic link loop (or a path that cannot be resolved)") from None


def read_by_run(config: Config, environments: Iterable[str], baseline: Path | None = None) -> list[Path]:
    """The files (and folders: manifests) that a run over `environments` reads. An environment whose
    probe options do not resolve adds nothing here: the run reports that error itself."""
    found = [path for path in (config.file, baseline or config.baseline) if path is not None]
    for environment in environments:
        try:
            resolved = resolve_probes(config, environment)
        except ConfigError:
            continue
        for probe_config, options in resolved:
            cls = registry.get(probe_config.type)
            for option in getattr(cls, "option_schema", ()):
                if option.path:
                    found += _paths(options.get(option.name))
    return found


def _paths(value: Any) -> list[Path]:
    """The paths a path option names: a string, a list of strings or of `{path, ...}` tables; globs
    expanded to what they match now."""
    if isinstance(value, (str, dict)):
        value = [value]
    if not isinstance(value, list):
        return []
    texts = [item.get("path") if isinstance(item, dict) else item for item in value]
    found: list[Path] = []
    for text in texts:
        if isinstance(text, str) and text:
            matched = glob.glob(text, recursive=True) if glob.has_magic(text) else [text]
            found += [Path(p) for p in matched]
    return found
