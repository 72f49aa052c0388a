"""Human descriptions of the registered probe types, for `fidelity probes` and the docs."""

from __future__ import annotations

from tabulate import tabulate

from fidelity.probe import Probe, registry


def _default(value: object) -> str:
    if value is None or value == [] or value == {}:
        return ""
    return repr(value)


def describe_probe(name: str, cls: type[Probe]) -> str:
    """One probe type: description, options and default severities."""
    lines = [f"{name}  ({cls.category.value})", f"  {cls.description}", ""]
    rows = [(o.name, o.kind.value + (" (path)" if o.path else ""), _default(o.default),
             ("required; " if o.required else "") + o.doc
             + (f" [{' | '.join(o.choices)}]" if o.choices else "")
             + (f" [{o.range_text()}]" if o.range_text() else ""))
            for o in cls.option_schema]
    if rows:
        table = tabulate(rows, headers=("option", "type", "default", "meaning"), tablefmt="simple")
        lines += ["  " + line for line in table.splitlines()] + [""]
    severities = [(f"{change.value} (default)", sev.value) for change, sev in cls.severities.items()]
    severities += [(what, sev.value) for what, sev in cls.severity_notes]
    table = tabulate(severities, headers=("finding", "severity"), tablefmt="simple")
    lines += ["  " + line for line in table.splitlines()]
    return "\n".join(lines)


def describe_probe_types() -> str:
    """Every registered probe type, built-in and third-party alike."""
    types = registry.probe_types()
    if not types:
        return "no probe types are installed (entry-point group fidelity.probes)"
    return "\n\n".join(describe_probe(name, cls) for name, cls in types.items())
