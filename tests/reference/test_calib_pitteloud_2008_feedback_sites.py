"""Calibration target `pitteloud_2008_feedback_sites`: Pitteloud N et al. JCEM 2008;93:784-791 (PMC2266963).

Regimen: None.
Virtual experiment(s) in tools/calib_experiments.py: pitteloud.
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
    ("pitteloud", "frequency_fc_t_addback", 0.503759, "fc"),
    ("pitteloud", "amplitude_fc_t_addback", 1.753623, "fc"),
    ("pitteloud", "frequency_fc_e2_addback", 0.754386, "fc"),
    ("pitteloud", "amplitude_fc_e2_addback", 1.0, "no amplitude change"),
    ("pitteloud", "lh_fc_e2_fixed_gnrh", 0.816327, "IHH on fixed GnRH"),
]
# Observations the calibrated model does not reproduce within 20% (model value; see docs/validation.md).
KNOWN_MISSES = {
    ("pitteloud", "lh_fc_e2_fixed_gnrh"): "model 1 vs published 0.816",
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



def test_shape_t_raises_amplitude_e2_does_not(observed):
    """Pitteloud 2008: T add-back slows frequency and raises LH amplitude; E2 add-back changes amplitude less."""
    o = observed["pitteloud"]
    assert o["frequency_fc_t_addback"] < 1 and o["frequency_fc_e2_addback"] < 1
    assert o["amplitude_fc_t_addback"] > 1
    assert o["amplitude_fc_e2_addback"] < o["amplitude_fc_t_addback"]
