"""The one Jinja environment that every HTML page (report and history index) is rendered with."""

from __future__ import annotations

import functools

import jinja2

from fidelity.report.common import visible


@functools.cache
def template(name: str) -> jinja2.Template:
    """A template from fidelity/report/templates, autoescaped, failing on undefined names."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("fidelity", "report/templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["visible"] = visible
    return env.get_template(name)
