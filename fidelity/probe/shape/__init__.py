"""Data shape shared by the probes that fingerprint data: scales now, measures and judging as they are shared.

A probe computes its fingerprint in its own store (SQL, Redis commands); what the fingerprint means,
how two are compared and how a difference is judged lives here once.
"""
