"""Data-shape fingerprints for the `mysql` probe: the sample design, the queries, the JSON walk, collecting.

Options, measures, decoding and judging are the SDK's (`fidelity.probe.shape`), shared with
the postgres probe; only how MySQL and MariaDB read a sample lives here.
"""
