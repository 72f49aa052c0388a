"""Data-shape fingerprints for the `postgres` probe: options, the sampling query, decoding, severities.

What is not PostgreSQL's own (options, measures, decoding, judging) is the SDK's, in
`fidelity.probe.shape`; `options` and `severity` here re-export it. `json_paths` stays free of
psycopg; `collect` and `query` use it and load only when a probe runs.
"""
