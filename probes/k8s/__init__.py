"""The parts of the `kubernetes` probe: reading (live or manifests), normalising and judging."""
