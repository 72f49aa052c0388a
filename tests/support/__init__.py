"""Test doubles shared by the tests and the benchmarks, such as a fake Kubernetes API server.

Imported as `tests.support` (the repository root on sys.path, as under `python -m pytest`
and in the benchmarks), never as a top-level `support`.
"""
