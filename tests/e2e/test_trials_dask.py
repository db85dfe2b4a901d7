"""Dask scale-out gives the same numbers as a local run, bit for bit: a LocalCluster with 2 workers, and an external
``dask scheduler`` + ``dask worker`` started here as subprocesses on 127.0.0.1 (issue 5, "Done when").

Exact equality is the contract: every chunk's random streams are keyed by the chunk, the numba kernels have no
cross-man reductions (so 1 or 2 threads give the same bits), and a worker whose model differs from the client's
(e.g. a source tree edited while the test ran) is refused by the chunk fingerprint rather than giving other
numbers (tests/unit/test_trials_chunks.py). The streamed per-patient Parquet files are byte-identical too."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hpgtwin.trials import run_trial, validate_spec

SPEC = {
    "name": "dask determinism cohort",
    "source": "e2e test (assumption)",
    "n": 30,
    "seed": 8,
    "chunk_size": 10,
    "population": {"age_years": {"mean": 45, "sd": 10, "min": 20, "max": 75}, "bmi_kg_m2": {"mean": 29, "sd": 4},
                   "baseline": {"testosterone_ng_dl": {"mean": 420, "sd": 120}}},
    "matching": {"pilot": 150},
    "arms": [{"name": "placebo", "regimen": "none"}, {"name": "anastrozole", "regimen": "anastrozole 1 mg daily"}],
    "duration_weeks": 2,
    "report_weeks": [1, 2],
    "responders": {"output": "testosterone_ng_dl", "threshold": 1.2, "predictors": ["t_lh_ratio"]},
    "compare": {"reference": "placebo", "output": "testosterone_ng_dl"},
}
SECTIONS = ("matching", "baseline", "weeks", "responders", "arms", "compare")


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, bytes]:
    """The local result and its streamed per-patient Parquet file."""
    path = tmp_path_factory.mktemp("local") / "men.parquet"
    return run_trial(validate_spec(SPEC), out=path).to_dict(), path.read_bytes()


@pytest.fixture(scope="module")
def local(local_run: tuple[dict, bytes]) -> dict:
    return local_run[0]


def _differences(a: object, b: object, path: str = "") -> list[str]:
    """Paths where two result trees differ (exactly), for a readable failure message."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a)} != {sorted(b)}"]
        return [d for k in a for d in _differences(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def _same(a: dict, b: dict) -> None:
    for key in SECTIONS:
        diffs = _differences(a[key], b[key], key)
        assert not diffs, "; ".join(diffs[:5])


def test_local_cluster_with_two_workers_matches_local(local_run: tuple[dict, bytes], tmp_path: Path) -> None:
    local, table = local_run
    distributed = run_trial(validate_spec(SPEC), workers=2, out=tmp_path / "men.parquet").to_dict()
    assert distributed["run"]["executor"] == "dask LocalCluster (2 workers)"
    _same(local, distributed)
    assert (tmp_path / "men.parquet").read_bytes() == table


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"dask scheduler did not open port {port}")


def test_external_scheduler_and_worker_match_local(local: dict, tmp_path: Path) -> None:
    dask_cli = Path(sys.executable).with_name("dask")
    port = _free_port()
    env = {**os.environ, "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    scheduler = subprocess.Popen(
        [str(dask_cli), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "scheduler.log").open("w"), env=env,
    )
    worker = None
    try:
        _wait_for_port(port, 60)
        address = f"tcp://127.0.0.1:{port}"
        worker = subprocess.Popen(
            [str(dask_cli), "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
             "--host", "127.0.0.1", "--local-directory", str(tmp_path)],
            stdout=subprocess.DEVNULL, stderr=(tmp_path / "worker.log").open("w"), env=env,
        )
        from dask.distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(1, timeout=120)
        distributed = run_trial(validate_spec(SPEC), scheduler=address).to_dict()
        assert distributed["run"]["executor"] == f"dask scheduler {address}"
        _same(local, distributed)
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()


def test_unreachable_scheduler_is_a_clean_error() -> None:
    port = _free_port()
    with pytest.raises(OSError):
        run_trial(validate_spec({**SPEC, "n": 4}), scheduler=f"tcp://127.0.0.1:{port}")
