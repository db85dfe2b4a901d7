"""Calibration target `coviello_2005_hcg_itt`: Coviello AD et al. JCEM 2005;90:2595-2602.

Regimen: testosterone enanthate 200 mg weekly + hcg 125-500 IU every other day.
Virtual experiment(s) in tools/calib_experiments.py: coviello_hcg125, coviello_hcg500, coviello_te.
Tolerance (calibration brief, calibration_targets.yaml header): |ln(model/published)| <= ln 1.2, i.e.
fold changes (and times, cohort baselines) within 20%. Known misses are strict xfails with the model value;
docs/validation.md has the full table.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

import calib_experiments as ce  # noqa: E402

TOL = math.log(1.2)  # fold changes within 20% (calibration brief)

# (experiment, observable, published value, where the number comes from)
PUBLISHED = [
    ("coviello_te", "intratesticular_t_fc_week3", 0.06, "TE 200 mg/wk alone"),
    ("coviello_hcg125", "intratesticular_t_fc_week3", 1.0, "+ hCG 125 IU eod"),
    ("coviello_hcg500", "intratesticular_t_fc_week3", 1.0, "+ hCG 500 IU eod"),
]
# Observations the calibrated model does not reproduce within 20% (model value; see docs/validation.md).
KNOWN_MISSES = {
    ("coviello_hcg500", "intratesticular_t_fc_week3"): "model 1.94 vs published 1",
}


def _cases():
    """Parametrised cases, known misses marked as strict xfails."""
    for key, name, published, where in PUBLISHED:
        marks = ()
        if (key, name) in KNOWN_MISSES:
            marks = pytest.mark.xfail(strict=True, reason=f"known miss: {KNOWN_MISSES[(key, name)]}")
        yield pytest.param(key, name, published, where, marks=marks, id=f"{key}-{name}")


@pytest.fixture(scope="module")
def observed():
    """Model observables of every experiment of this target (shipped parameters, adaptive solver)."""
    return {key: ce.observe(key) for key in sorted({p[0] for p in PUBLISHED})}


@pytest.mark.parametrize(("key", "name", "published", "where"), list(_cases()))
def test_within_20_percent(observed, key, name, published, where):
    """The model reproduces the published number within 20% (ln 1.2)."""
    model = observed[key][name]
    assert abs(math.log(model / published)) <= TOL, f"{name}: model {model:.4g} vs published {published:.4g} ({where})"
