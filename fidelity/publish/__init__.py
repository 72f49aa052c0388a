"""Stage 6, publish: where a rendered report goes (files, stdout, history, GitHub, a webhook)."""

from fidelity.publish.errors import PublishError
from fidelity.publish.publishing import Publishing, prepare, publish
from fidelity.publish.targets import STDOUT, Target, emit, pair_targets

__all__ = ["STDOUT", "PublishError", "Publishing", "Target", "emit", "pair_targets", "prepare", "publish"]
