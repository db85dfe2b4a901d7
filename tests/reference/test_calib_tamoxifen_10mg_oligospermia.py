"""Calibration target `tamoxifen_10mg_oligospermia`: Clin Endocrinol, tamoxifen 10 mg/d x 6 mo in 9 oligospermic men (see research/models.md 3.3).

Population: {'n': 9, 'condition': 'oligospermic men'}. Regimen: tamoxifen 10 mg daily.
Virtual experiment(s) in tools/calib_experiments.py: tamoxifen.
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
    ("tamoxifen", "baseline_lh_iu_l", 1.7, "baseline"),
    ("tamoxifen", "baseline_estradiol_pg_ml", 50.394988, "baseline"),
    ("tamoxifen", "baseline_fsh_iu_l", 4.9, "abs"),
    ("tamoxifen", "fsh_fc_week17", 1.571429, "fc"),
    ("tamoxifen", "lh_fc_week26", 2.411765, "fc"),
    ("tamoxifen", "estradiol_fc_week26", 3.410811, "fc"),
    ("tamoxifen", "sperm_concentration_fc_week26", 1.0, "sperm unchanged"),
]
# Observations the calibrated model does not reproduce within 20% (model value; see docs/validation.md).
KNOWN_MISSES = {
    ("tamoxifen", "fsh_fc_week17"): "model 1.26 vs published 1.57",
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
