"""Virtual cohorts and trials: cohort specs, virtual populations matched to published baselines, Dask scale-out.

``CohortSpec.from_yaml(path)`` reads a spec; ``run_trial(spec)`` returns a :class:`TrialResult` whose
``to_dict()`` is the JSON of ``hpgtwin trial``. Research and education use only; not a medical device.
"""

from __future__ import annotations

from hpgtwin.trials.population import VirtualPopulation
from hpgtwin.trials.result import TrialResult
from hpgtwin.trials.runner import run_trial
from hpgtwin.trials.spec import CohortSpec, validate_spec

__all__ = ["CohortSpec", "TrialResult", "VirtualPopulation", "run_trial", "validate_spec"]
