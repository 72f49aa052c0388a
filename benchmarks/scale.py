"""The scale targets both data-shape benchmarks (postgres, mysql) hold, printed and judged alike."""

from __future__ import annotations

from typing import Any

#: At the largest size: at most 1/20 of an exact full scan, at most 1.5x the time of the smallest
#: size, null fractions within 0.01 of exact, JS distance of length histograms at most 0.05; and a
#: fingerprint process under 200 MB.
TARGET_RATIO, TARGET_GROWTH, TARGET_NULLS, TARGET_JS, TARGET_MB = 1 / 20, 1.5, 0.01, 0.05, 200


def judge_scale(small: dict[str, Any], large: dict[str, Any]) -> tuple[bool, bool]:
    """Print the ratio, growth and accuracy lines of the smallest and largest sizes' results; return
    (accurate, fast): the accuracy targets met, and the ratio and growth targets met."""
    ratio, growth = large["seconds"] / large["scan"], large["seconds"] / small["seconds"]
    print(f"fingerprint / exact full scan at {large['rows']:,} rows: {ratio:.3f}x (1/{1 / ratio:.0f}; "
          f"target <= 1/20)")
    print(f"time at {large['rows']:,} rows / time at {small['rows']:,}: {growth:.2f}x "
          f"(target <= {TARGET_GROWTH}x)")
    print(f"accuracy at {large['rows']:,} rows: null fractions within {large['null_error']:.4f} of exact "
          f"(target <= {TARGET_NULLS}), JS distance of length histograms {large['js']:.3f} "
          f"(target <= {TARGET_JS})")
    accurate = large["null_error"] <= TARGET_NULLS and large["js"] <= TARGET_JS
    return accurate, ratio <= TARGET_RATIO and growth <= TARGET_GROWTH
