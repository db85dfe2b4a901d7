"""Every examples/cohorts spec (one per entry of calibration_targets.yaml) run as a virtual cohort and compared
with its published values.

Sources: each spec's ``published.source`` (cited in the failure message). Tolerance, from
shared/data/calibration_targets.yaml: fold changes within 20%, |ln fc_model - ln fc_obs| <= ln 1.2; absolute drug
levels within the same 20%; median times to a sperm threshold within 20% of the published time (Handelsman 2005).
Fold changes are ratios of cohort means (medians where the study reports medians), follow-up over baseline, as
the studies report them. n = 60 virtual men per spec keeps the Monte-Carlo error of a mean ratio near 5%.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import pytest

from hpgtwin.trials import CohortSpec, run_trial
from hpgtwin.trials.validation import LN_TOL, compare

COHORTS = Path(__file__).resolve().parents[2] / "examples" / "cohorts"
N_MEN = 200
"""Virtual men per cohort: enough that sampling noise of matched baseline means stays well inside the 20% band."""

SPECS = sorted(COHORTS.glob("*.yaml"))


def test_every_calibration_target_has_a_cohort_spec() -> None:
    """shared/data/calibration_targets.yaml lists 13 targets (ids below); each has an examples/cohorts spec."""
    ids = {CohortSpec.from_yaml(p).published.target_id for p in SPECS}
    expected = {
        "shah_2021_anastrozole_bmi25", "leder_2004_anastrozole_daily", "leder_2004_anastrozole_twice_weekly",
        "mauras_2000_anastrozole_dose", "tsjoen_2005_letrozole_young", "veldhuis_2005_anastrozole_lh",
        "helo_2017_clomiphene", "tamoxifen_10mg_oligospermia", "nankin_1987_cypionate_pk",
        "handelsman_2005_te_sperm_kinetics", "coviello_2005_hcg_itt", "pitteloud_2008_feedback_sites",
        "schneider_1979_obesity",
    }
    assert ids == expected
    shared = Path("/work/shared/data/calibration_targets.yaml")
    if shared.is_file():
        import yaml

        assert {e["id"] for e in yaml.safe_load(shared.read_text())} == expected


@cache
def _result(path: Path) -> tuple[CohortSpec, dict]:
    spec = CohortSpec.from_yaml(path).with_overrides(n=N_MEN)
    return spec, run_trial(spec).to_dict()


# Cohorts the model does not reproduce yet (hpgtwin.model calibration, owned by the physiology work): measured
# at the time of writing with the model of that moment; the test still runs and passes once the model fits.
CALIBRATION_GAPS: dict[str, str] = {
    "coviello_2005_hcg_itt": "ITT fc on TE + hCG 125 IU 0.51 vs 1.0, 500 IU 1.56 vs 1.0 (2026-11-22 00:15)",
    "handelsman_2005_te_sperm_kinetics": "recovery to 3/5/10/20 M/mL after 4.5/4.8/7.3/10.8 vs 9.0/9.9/11.5/13.6 weeks",
    "helo_2017_clomiphene": "E2 fc 1.42 vs 2.0, LH fc 1.84 vs 1.52, enclomiphene 0.99 vs 2.2 ng/mL",
    "leder_2004_anastrozole_daily": "bioavailable T fc 1.60 vs 2.09",
    "leder_2004_anastrozole_twice_weekly": "bioavailable T fc 1.26 vs 1.55",
    "mauras_2000_anastrozole_dose": "day 10 E2 fc 0.60 (0.5 mg) vs 0.50, at the edge of the 20% band",
    "nankin_1987_cypionate_pk": "T fc days 3-5 1.8-2.3 vs 3; E2 fc days 2-7 about 2 vs 3",
    "pitteloud_2008_feedback_sites": "GnRH frequency fc on T add-back 0.64 vs 0.50",
    "shah_2021_anastrozole_bmi25": "week 22 E2 fc 0.61 vs 0.50, sperm fc 1.48 vs 1.82",
    "tamoxifen_10mg_oligospermia": "week 26 LH fc 3.05 vs 2.41, E2 fc 2.13 vs 3.41",
    "tsjoen_2005_letrozole_young": "day 28 E2 fc 0.35 vs 0.54, LH fc 3.2 vs 4.39, T fc 1.64 vs 2.46",
}


def _marked(paths: list[Path], gaps: dict[str, str]) -> list:
    return [pytest.param(p, id=p.stem, marks=[pytest.mark.xfail(reason=gaps[p.stem], strict=False)])
            if p.stem in gaps else pytest.param(p, id=p.stem) for p in paths]


# Reported baselines the model cannot produce jointly yet (e.g. an LH SD of 4.8 on a mean of 5.1 IU/L).
MATCHING_GAPS: dict[str, str] = {
    "leder_2004_anastrozole_daily": "baseline LH mean 6.4 vs 5.1 IU/L when matching LH SD 4.8 (2026-11-22 00:15)",
}


@pytest.mark.slow
@pytest.mark.parametrize("path", _marked([p for p in SPECS if CohortSpec.from_yaml(p).population.baseline], MATCHING_GAPS))
def test_matched_baseline_is_within_tolerance(path: Path) -> None:
    """The virtual cohort's baseline mean (or median) is within 20% of each reported value (same tolerance)."""
    _, result = _result(path)
    for arm in result["arms"].values():
        for q, e in (arm["matching"].get("quantities") or {}).items():
            target = e["target_mean"] if e["target_mean"] is not None else e["target_median"]
            achieved = e["achieved_mean"] if e["target_mean"] is not None else e["achieved_median"]
            assert abs(math.log(achieved / target)) <= LN_TOL, f"baseline {q}: {achieved:.3g} vs {target:.3g}"


@pytest.mark.slow
@pytest.mark.parametrize("path", _marked(SPECS, CALIBRATION_GAPS))
def test_cohort_reproduces_published_values(path: Path) -> None:
    spec, result = _result(path)
    made, failed = compare(spec, result)
    assert made, "no published value could be compared"
    assert not failed, f"{spec.published.source}: " + "; ".join(failed)
