"""Calibration target `tsjoen_2005_letrozole_young`: T'Sjoen GG et al. JCEM 2005;90:5717-5722.

Population: {'n': 10, 'condition': 'healthy young men'}. Regimen: letrozole 2.5 mg daily.
Virtual experiment(s) in tools/calib_experiments.py: tsjoen.
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
    ("tsjoen", "estradiol_fc_day28", 0.54, "fc"),
    ("tsjoen", "lh_fc_day28", 4.39, "fc"),
    ("tsjoen", "testosterone_fc_day28", 2.46, "fc"),
    ("tsjoen", "gnrh_bolus_peak_lh_fc_day28", 2.52, "fc"),
]
# Observations the calibrated model does not reproduce within 20% (model value; see docs/validation.md).
KNOWN_MISSES = {
    ("tsjoen", "estradiol_fc_day28"): "model 0.4 vs published 0.54",
    ("tsjoen", "lh_fc_day28"): "model 3.4 vs published 4.39",
    ("tsjoen", "testosterone_fc_day28"): "model 1.63 vs published 2.46",
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
