"""Calibration target `helo_2017_clomiphene`: Helo S et al. BJU Int 2017;119:171-176 (medians, n = 15, >= 6 weeks on 25 mg/day).

Population: {'n': 15, 'condition': 'hypogonadal men'}. Regimen: clomiphene 25 mg daily.
Virtual experiment(s) in tools/calib_experiments.py: helo.
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
    ("helo", "baseline_testosterone_ng_dl", 205, "baseline"),
    ("helo", "baseline_estradiol_pg_ml", 17, "baseline"),
    ("helo", "baseline_lh_iu_l", 4.0, "baseline"),
    ("helo", "testosterone_fc_week26", 2.380488, "fc"),
    ("helo", "estradiol_fc_week26", 2.0, "fc"),
    ("helo", "lh_fc_week26", 1.525, "fc"),
    ("helo", "enclomiphene_ng_ml_week26", 2.2, "PK (drug library)"),
    ("helo", "zuclomiphene_ng_ml_week26", 44.0, "PK (drug library)"),
]
# Observations the calibrated model does not reproduce within 20% (model value; see docs/validation.md).
KNOWN_MISSES = {
    ("helo", "estradiol_fc_week26"): "model 1.43 vs published 2",
    ("helo", "enclomiphene_ng_ml_week26"): "model 0.993 vs published 2.2",
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
