"""Virtual cohorts and trials: cohort specs, virtual populations matched to published baselines, Dask scale-out.

``CohortSpec.from_yaml(path)`` reads a spec; ``run_trial(spec)`` returns a :class:`TrialResult` whose
``to_dict()`` is the JSON of ``hpgtwin trial``. Research and education use only; not a medical device.
Names are imported on first use, so reading a spec does not load the simulator, scipy or pyarrow.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hpgtwin.trials.population import VirtualPopulation
    from hpgtwin.trials.result import TrialResult
    from hpgtwin.trials.runner import run_trial
    from hpgtwin.trials.spec import CohortSpec, validate_spec

_HOME = {
    "CohortSpec": "hpgtwin.trials.spec",
    "validate_spec": "hpgtwin.trials.spec",
    "TrialResult": "hpgtwin.trials.result",
    "VirtualPopulation": "hpgtwin.trials.population",
    "run_trial": "hpgtwin.trials.runner",
}

__all__ = ["CohortSpec", "TrialResult", "VirtualPopulation", "run_trial", "validate_spec"]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first access (PEP 562)."""
    if name not in _HOME:
        raise AttributeError(f"module 'hpgtwin.trials' has no attribute {name!r}")
    value = getattr(import_module(_HOME[name]), name)
    globals()[name] = value
    return value
