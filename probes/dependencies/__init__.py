"""The `dependencies` probe: locked package versions, from Python and npm lockfiles."""

from probes.dependencies.probe import DependenciesProbe

DependenciesProbe.__module__ = __name__  # its public home, as before the split
__all__ = ["DependenciesProbe"]
