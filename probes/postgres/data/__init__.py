"""Data-shape fingerprints for the `postgres` probe: options, the sampling query, decoding, severities.

`options`, `scale`, `json_paths` and `severity` stay free of psycopg (the probe class and
judging need them); `collect` and `query` use it and load only when a probe runs.
"""
