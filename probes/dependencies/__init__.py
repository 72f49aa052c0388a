"""The `dependencies` probe: locked package versions, from Python and npm lockfiles."""

from probes.dependencies.probe import DependenciesProbe

__all__ = ["DependenciesProbe"]
