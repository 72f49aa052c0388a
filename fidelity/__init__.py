"""fidelity: audit how faithfully staging mirrors production."""

__version__ = "0.1.0"
