"""Shared helpers of the benchmarks: timing, error metrics, environment description."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from importlib import metadata
from typing import Any

import numpy as np

# Outputs compared for accuracy: the clinical read-outs of the twin (names per docs/design.md).
ACCURACY_OUTPUTS = (
    "testosterone_ng_dl",
    "free_testosterone_pg_ml",
    "estradiol_pg_ml",
    "lh_iu_l",
    "fsh_iu_l",
    "inhibin_b_pg_ml",
    "sperm_concentration_million_ml",
    "anastrozole_ng_ml",
)
# A sample counts relative to max(|reference|, FLOOR * max_t |reference|) of that man and output, so that
# values crossing zero (a drug before its first dose) do not make relative errors meaningless. Assumption.
RELATIVE_FLOOR = 1e-3


def timed(fn: Callable[[], Any], *, repeats: int = 3, warmup: int = 1) -> tuple[float, Any]:
    """Median wall time (s) of ``repeats`` calls after ``warmup`` calls, and the last result."""
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def relative_error(
    values: dict[str, np.ndarray],
    reference: dict[str, np.ndarray],
    outputs: tuple[str, ...] = ACCURACY_OUTPUTS,
) -> dict[str, float]:
    """Max relative error per output over men and daily samples (arrays shaped (n_men, n_days+1))."""
    errors: dict[str, float] = {}
    for name in outputs:
        if name not in values or name not in reference:
            continue
        a = np.asarray(values[name], dtype=float)
        b = np.asarray(reference[name], dtype=float)
        scale = np.maximum(np.abs(b), RELATIVE_FLOOR * np.max(np.abs(b), axis=-1, keepdims=True))
        scale = np.where(scale > 0, scale, 1.0)
        errors[name] = float(np.nanmax(np.abs(a - b) / scale))
    return errors


def environment() -> dict[str, Any]:
    """Machine and library versions, so results can be compared across runs."""
    versions = {}
    for package in ("numpy", "scipy", "numba", "libroadrunner", "python-libsbml", "dask", "distributed"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.uname().machine,
        "cpu_count": os.cpu_count(),
        "numba_threads": _numba_threads(),
        "versions": versions,
        "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def _numba_threads() -> int | None:
    """Threads numba's parallel loops use."""
    try:
        import numba

        return int(numba.get_num_threads())
    except Exception:  # noqa: BLE001 - informational only
        return None
