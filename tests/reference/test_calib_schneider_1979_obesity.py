"""Calibration target `schneider_1979_obesity`: Schneider G et al. JCEM 1979;48:633-638.

Regimen: None.
Virtual experiment(s) in tools/calib_experiments.py: schneider.
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
    ("schneider", "estradiol_fc_obese_vs_lean", 2.0, "BMI 45 vs 23 (assumed BMIs)"),
    ("schneider", "testosterone_fc_obese_vs_lean", 0.67052, "fc"),
    ("schneider", "free_testosterone_fc_obese_vs_lean", 1.0, "free T normal"),
]
# Observations the calibrated model does not reproduce within 20% (model value; see docs/validation.md).
KNOWN_MISSES = {
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
