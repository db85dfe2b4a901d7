"""A chunk runs only where the model is the client's: the fingerprint of what a worker brings itself (generated
code, parameter, covariate and variability tables) is the same in every process and refuses a different model."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hpgtwin.trials.chunks import ChunkTask, WorkerMismatch, model_fingerprint, run_chunk
from hpgtwin.trials.spec import validate_spec


def test_fingerprint_is_the_same_in_another_process_with_another_hash_seed() -> None:
    code = "from hpgtwin.trials.chunks import model_fingerprint; print(model_fingerprint())"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == model_fingerprint()


def test_chunk_planned_with_another_model_is_refused() -> None:
    spec = validate_spec({"name": "x", "n": 2, "regimen": "none", "duration_weeks": 1})
    task = ChunkTask(spec, spec.population, ("none",), 0, 0, 2, 0, None, ("testosterone_ng_dl",), None,
                     "0123456789abcdef0123")
    with pytest.raises(WorkerMismatch, match="differs from the client's"):
        run_chunk(task)
