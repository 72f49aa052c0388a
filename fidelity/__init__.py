"""fidelity: audit how faithfully staging mirrors production."""

__version__ = "0.2.0"
