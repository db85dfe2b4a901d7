"""The comparison behind docs/trials_validation.md, on hand-made results (no simulation): each published value
is compared once, a "peak days a-b" value with the peak in that window, and misses carry their spec's class."""

from __future__ import annotations

import math

from hpgtwin.trials.spec import validate_spec
from hpgtwin.trials.validation import LN_TOL, compare, markdown


def _point(**means: float) -> dict:
    return {k: {"mean": v, "median": v} for k, v in means.items()}


def test_arm_ratio_is_compared_once_not_once_per_arm() -> None:
    """Schneider 1979: obese / lean baseline ratios (published E2 2.0, T 0.67); two arms, three checks."""
    spec = validate_spec({
        "name": "obesity", "arms": [{"name": "lean", "regimen": "none"}, {"name": "obese", "regimen": "none"}],
        "duration_weeks": 1, "report_weeks": [1], "compare": {"reference": "lean", "output": "estradiol_pg_ml"},
        "published": {"target_id": "t", "source": "s", "values": [
            {"obese_over_lean": {"estradiol_pg_ml": 2.0, "testosterone_ng_dl": 0.67, "free_testosterone_pg_ml": 1.0}}]},
    })
    result = {"arms": {
        "lean": {"baseline": _point(estradiol_pg_ml=20, testosterone_ng_dl=500, free_testosterone_pg_ml=100)},
        "obese": {"baseline": _point(estradiol_pg_ml=42, testosterone_ng_dl=330, free_testosterone_pg_ml=70)},
    }}
    made, failed = compare(spec, result)
    assert len(made) == 3
    assert failed == ["obese / lean baseline free_testosterone_pg_ml: model 0.7 vs published 1"]


def test_peak_window_compares_the_highest_fold_change_in_the_window() -> None:
    """Nankin 1987: serum T about 3x, peak days 2-5 (the peak, not every day of the window, is about 3x)."""
    spec = validate_spec({
        "name": "pk", "regimen": "testosterone cypionate 200 mg once", "duration_weeks": 2,
        "report_days": [1, 2, 3, 4, 5, 6],
        "published": {"target_id": "t", "source": "s", "values": [{"days": [2, 5], "peak": True, "testosterone_fc": 3.0}],
                      "gaps": [{"match": "testosterone", "kind": "model", "reason": "depot"}]},
    })
    days = {str(d): _point(testosterone_ng_dl=v) for d, v in zip(range(1, 7), [200, 250, 290, 330, 260, 500], strict=True)}
    result = {"arms": {"testosterone cypionate 200 mg once": {"baseline": _point(testosterone_ng_dl=100),
                                                              "weeks": {}, "days": days}}}
    made, failed = compare(spec, result)
    assert made == ["testosterone cypionate 200 mg once peak days 2-5 testosterone_ng_dl fold change (at day 4): "
                    "model 3.3 vs published 3"]
    assert abs(math.log(3.3 / 3.0)) <= LN_TOL and not failed
    for day, t in {"2": 200, "3": 210, "4": 220, "5": 230}.items():  # peak 2.3x at day 5; day 6 (5x) is outside
        days[day] = _point(testosterone_ng_dl=t)
    made, failed = compare(spec, result)
    assert failed == made and "(at day 5): model 2.3 vs published 3" in made[0]
    page = markdown([("nankin", spec, made, failed, result)], 10)
    assert "| no | (a) model limitation | depot |" in page and "0 of 1 comparisons within 20%" in page
