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

from hpgtwin.errors import CohortSpecError
from hpgtwin.trials import CohortSpec, run_trial
from hpgtwin.trials.spec import validate_spec
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


def test_assay_floor_and_week_mean_are_compared_as_the_calibration_observes_leder() -> None:
    """Leder 2004 (JCEM 89:1174): E2 17 of 26 pg/mL measured by an immunoassay with a floor of 15 pg/mL
    (research/models.md 3.1), read as sqrt(E2^2 + 15^2) and averaged over days 78-84 (tools/calib_experiments.py);
    hand-made true E2 (no simulation): baseline 21.2, then 10 and 12 pg/mL. Exact arithmetic, tolerance 1e-3."""
    spec = validate_spec({
        "name": "leder", "regimen": "anastrozole 1 mg daily", "duration_weeks": 12, "report_days": [78, 84],
        "published": {"target_id": "t", "source": "s", "baseline": {"estradiol_pg_ml": 26},
                      "assays": {"estradiol_pg_ml": {"floor": 15, "source": "research/models.md 3.1"}},
                      "values": [{"days": [78, 84], "mean": True, "estradiol_pg_ml": 17}]},
    })
    point = {e: {"estradiol_pg_ml": {"mean": e, "median": e}} for e in (21.2, 10.0, 12.0)}
    result = {"arms": {"anastrozole 1 mg daily": {"baseline": point[21.2], "weeks": {},
                                                  "days": {"78": point[10.0], "84": point[12.0]}}}}
    made, failed = compare(spec, result)
    expected = (math.hypot(10, 15) + math.hypot(12, 15)) / 2 / math.hypot(21.2, 15)
    assert made == [f"anastrozole 1 mg daily mean of days 78-84 estradiol_pg_ml fold change (assay floor 15): "
                    f"model {expected:.3g} vs published {17 / 26:.3g}"]
    assert abs(expected - 0.7169) < 1e-3 and not failed  # (18.03 + 19.21) / 2 / 25.97
    with pytest.raises(CohortSpecError, match="no assay model"):
        validate_spec({"name": "x", "regimen": "none", "duration_weeks": 1,
                       "published": {"target_id": "t", "source": "s", "assays": {"e2": {"floor": 15, "source": "s"}}}})


@cache
def _result(path: Path) -> tuple[CohortSpec, dict]:
    spec = CohortSpec.from_yaml(path).with_overrides(n=N_MEN)
    return spec, run_trial(spec).to_dict()


# Cohorts with a published value the virtual cohort misses, measured with the model whose early germ cells take
# additive FSH + ITT support, whose age effects are hypothalamic + Leydig, whose tamoxifen is an ER antagonist, whose
# 16-stage germ chain is fed by a slowly depleted and regrown spermatogonial reserve and whose hepatic SHBG production
# adapts to E2 over weeks (calibration 81/81 observations within 20%; python -m hpgtwin.trials.validation 200 at
# 2026-12-06: 46 of 52; n = 200, seed 1): the class of the miss, then model vs published.
# strict: far outside the 20% band (|ln ratio| > 0.25); non-strict: near the band's edge (ln 1.2 = 0.18), so it may
# pass with the next calibration.
CALIBRATION_GAPS: dict[str, tuple[str, bool]] = {
    "coviello_2005_hcg_itt": ("(a) model: ITT fc on TE alone 0.105 vs 0.06 (|ln| 0.56; the cohort median falls to "
                              "0.060, the mean is raised by weakly suppressed men)", True),
    "helo_2017_clomiphene": (
        "(b) sampling time: enclomiphene trough 0.99 vs 2.2 ng/mL (time of draw not reported); "
        "(a) model: E2 fc 1.46 vs 2.0", True),
    "mauras_2000_anastrozole_dose": (
        "(a) model: anastrozole 0.5 mg day-10 E2 fc 0.60 vs 0.5 (|ln| 0.19, at the edge; the 1 mg arm is within)", False),
    "schneider_1979_obesity": ("(a) model: obese / lean free T 0.83 vs 1.0 (|ln| 0.19)", True),
    "shah_2021_anastrozole_bmi25": (
        "(a) model: week-22 total motile count fc 1.84 vs 1.4 (|ln| 0.27); the model's motile count moves with "
        "concentration (within), semen volume and motility being fixed", True),
}


def _marked(paths: list[Path], gaps: dict[str, tuple[str, bool]]) -> list:
    return [pytest.param(p, id=p.stem, marks=[pytest.mark.xfail(reason=gaps[p.stem][0], strict=gaps[p.stem][1])])
            if p.stem in gaps else pytest.param(p, id=p.stem) for p in paths]


# Reported baselines the virtual cohort does not reach within 20% (model of commit 02109ab, 2026-11-22 03:33 UTC):
# none since Shah 2021, Helo 2017 and the tamoxifen cohort match on an 8000-man pilot (their specs say why).
MATCHING_GAPS: dict[str, tuple[str, bool]] = {}


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
