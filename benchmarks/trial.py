"""Virtual trials: a 10,000-man 26-week trial (issue 5 target: <= 10 s on 2 cores) and throughput with Dask."""

from __future__ import annotations

import math
import time
from typing import Any

from hpgtwin.trials import run_trial, validate_spec

SAME_NUMBERS_RTOL = 1e-9  # "same numbers": follow-up statistics equal up to float summation order
CHUNKS = 8  # chunks per trial, so that 2 workers have work to share (same chunking locally and on Dask)
TRIAL_TARGET_S = 10.0  # issue 5: a 10,000-man, 26-week trial in <= 10 s on this machine (2 cores)


def spec(n: int, weeks: float = 26.0):
    """The benchmark cohort: default population, anastrozole 1 mg daily, no baseline matching."""
    return validate_spec(
        {
            "name": f"benchmark {n} men {weeks:g} weeks",
            "source": "benchmark (no publication)",
            "n": n,
            "seed": 1,
            "regimen": "anastrozole 1 mg daily",
            "duration_weeks": weeks,
            "report_weeks": [weeks],
            "matching": {"method": "none"},
        },
        where="benchmark spec",
    )


def _timed_trial(n: int, weeks: float, **kwargs: Any) -> tuple[float, Any]:
    """Wall time of one run_trial call (includes Dask cluster start-up when workers are given)."""
    start = time.perf_counter()
    result = run_trial(spec(n, weeks), **kwargs)
    return time.perf_counter() - start, result


def _numbers(tree: Any, prefix: str = "") -> dict[str, float]:
    """Every number in a nested dict/list, keyed by its path."""
    out: dict[str, float] = {}
    if isinstance(tree, dict):
        for k, v in tree.items():
            out.update(_numbers(v, f"{prefix}/{k}"))
    elif isinstance(tree, list | tuple):
        for i, v in enumerate(tree):
            out.update(_numbers(v, f"{prefix}/{i}"))
    elif isinstance(tree, int | float) and not isinstance(tree, bool):
        out[prefix] = float(tree)
    return out


def max_relative_difference(a: Any, b: Any) -> float:
    """Largest relative difference between the follow-up statistics of two trial results (inf if they differ
    in shape; NaN equal to NaN)."""
    x, y = _numbers(a.to_dict().get("weeks")), _numbers(b.to_dict().get("weeks"))
    if x.keys() != y.keys():
        return math.inf
    worst = 0.0
    for key, u in x.items():
        v = y[key]
        if math.isnan(u) and math.isnan(v):
            continue
        worst = max(worst, abs(u - v) / max(abs(u), abs(v), 1e-300))
    return worst


def run(
    n: int = 10_000, weeks: float = 26.0, dask_n: int | None = None, workers: tuple[int, ...] = (1, 2)
) -> dict[str, Any]:
    """Time the local trial of n men, then the same spec (dask_n men) on LocalClusters of 1 and 2 workers."""
    chunk = max(1, n // CHUNKS)
    _timed_trial(20, 1.0)  # compile / warm up the local path
    t_local, local = _timed_trial(n, weeks, chunk_size=chunk)
    result: dict[str, Any] = {
        "n": n,
        "weeks": weeks,
        "chunk_size": chunk,
        "local_s": t_local,
        "local_patients_per_s": n / t_local,
        "target_s": TRIAL_TARGET_S,
        "within_target": t_local <= TRIAL_TARGET_S,
    }
    dask_n = dask_n or n
    _timed_trial(20, 1.0, workers=1)  # warm up: workers load (or build) the numba cache once
    for w in workers:
        t_w, res = _timed_trial(dask_n, weeks, workers=w, chunk_size=max(1, dask_n // CHUNKS))
        result[f"dask_{w}_workers_s"] = t_w
        result[f"dask_{w}_workers_patients_per_s"] = dask_n / t_w
        if dask_n == n:
            diff = max_relative_difference(local, res)
            result[f"dask_{w}_workers_max_rel_diff_vs_local"] = diff
            result[f"dask_{w}_workers_same_numbers"] = diff <= SAME_NUMBERS_RTOL
    if len(workers) >= 2:
        a, b = workers[0], workers[-1]
        result[f"dask_scaling_{b}_vs_{a}_workers"] = (
            result[f"dask_{a}_workers_s"] / result[f"dask_{b}_workers_s"]
        )
    return result
