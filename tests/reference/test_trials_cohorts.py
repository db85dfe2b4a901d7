"""Every examples/cohorts spec (one per entry of calibration_targets.yaml) run as a virtual cohort and compared
with its published values.

Sources: each spec's ``published.source`` (cited in the failure message). Tolerance, from
shared/data/calibration_targets.yaml: fold changes within 20%, |ln fc_model - ln fc_obs| <= ln 1.2; absolute drug
levels within the same 20%; median times to a sperm threshold within 20% of the published time (Handelsman 2005).
Fold changes are ratios of cohort means (medians where the study reports medians), follow-up over baseline, as
the studies report them. Each miss is classified in its spec's ``published.gaps`` and in docs/trials_validation.md:
(a) model limitation, (b) population / matching / spec problem, (c) comparison bug.
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


# Cohorts with a published value the virtual cohort misses, measured with the model of 2026-11-22 02:20 UTC
# (python -m hpgtwin.trials.validation 200; n = 200, seed 1; the calibration was being refitted that hour, so the
# runs of 02:05-02:20 are compared): the class of the miss, then model vs published.
# strict: missed in every run and far outside the 20% band (|ln ratio| > 0.25); non-strict: near the band's edge
# (ln 1.2 = 0.18) or passed in one of the runs, so it may pass with the next calibration.
CALIBRATION_GAPS: dict[str, tuple[str, bool]] = {
    "coviello_2005_hcg_itt": ("(a) model: ITT fc on TE alone 0.077 vs 0.06 (|ln| 0.25; 0.064 at 01:50)", False),
    "handelsman_2005_te_sperm_kinetics": (
        "(a) model: median weeks after stopping to >= 3/5/10/20 M/mL 6.7/7.4/8.6/10.4 vs 9.0/9.9/11.5/13.6; "
        "to < 10 M/mL 8.3 vs 6.8 weeks", True),
    "helo_2017_clomiphene": (
        "(b) sampling time: enclomiphene trough 0.99 vs 2.2 ng/mL (time of draw not reported); "
        "(a) model: E2 fc 1.47 vs 2.0", True),
    "mauras_2000_anastrozole_dose": ("(a) model: day-10 E2 fc on 0.5 mg 0.64 vs 0.50 (|ln| 0.24)", False),
    "nankin_1987_cypionate_pk": ("(a) model: T fc on day 14 1.37 vs 1.0 (ester depot tail; |ln| 0.31)", True),
    "pitteloud_2008_feedback_sites": (
        "(b) population: intact men, not ketoconazole-castrated; GnRH frequency fc 0.41 vs 0.50 (0.43 at 02:10)", False),
    "schneider_1979_obesity": ("(a) model: obese / lean free T 0.73 vs 1.0 (|ln| 0.31)", True),
    "shah_2021_anastrozole_bmi25": ("(a) model: week-22 sperm concentration fc 1.47 vs 1.82 (|ln| 0.21)", False),
    "tamoxifen_10mg_oligospermia": ("(a) model: week-26 LH fc 1.78 vs 2.41 (|ln| 0.30; 2.08 at 01:50)", False),
    "veldhuis_2005_anastrozole_lh": ("(a) model: older men's day-10 LH fc 1.67 vs 2.1 (|ln| 0.23; within at 02:15)",
                                     False),
}


def _marked(paths: list[Path], gaps: dict[str, tuple[str, bool]]) -> list:
    return [pytest.param(p, id=p.stem, marks=[pytest.mark.xfail(reason=gaps[p.stem][0], strict=gaps[p.stem][1])])
            if p.stem in gaps else pytest.param(p, id=p.stem) for p in paths]


# Reported baselines the virtual cohort does not reach within 20% (model of 2026-11-22 02:20 UTC).
MATCHING_GAPS: dict[str, tuple[str, bool]] = {
    "helo_2017_clomiphene": (
        "(b) matching: LH median 4.9 vs 4.0 IU/L (+22%; -19% at 01:55): medians are matched through the log-mean "
        "(geometric mean), and men with T 205 ng/dL, E2 17 pg/mL and LH 4 IU/L together are few in the prior", False),
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


@pytest.mark.slow
@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_every_miss_is_classified(path: Path) -> None:
    """Every miss says why (docs/trials_validation.md): it matches one of its spec's ``published.gaps``."""
    spec, result = _result(path)
    _, failed = compare(spec, result)
    assert not [f for f in failed if spec.published.gap_of(f) is None]
