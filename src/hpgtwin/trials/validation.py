"""Compare a virtual cohort with the published values in its spec's ``published`` block (the validation table).

Tolerance, from shared/data/calibration_targets.yaml: fold changes within 20%, |ln fc_model - ln fc_obs| <= ln 1.2;
absolute drug levels within the same 20%; median times to a sperm threshold within 20% of the published time.
Fold changes are ratios of cohort means (medians where the study reports medians), follow-up over baseline.
``python -m hpgtwin.trials.validation [N]`` runs every examples/cohorts spec and prints a Markdown table
(for docs/validation.md).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

from hpgtwin.trials.spec import CohortSpec

LN_TOL = math.log(1.2)
"""calibration_targets.yaml: fold changes within 20%."""

FC_OUTPUT = {
    "estradiol_fc": "estradiol_pg_ml",
    "lh_fc": "lh_iu_l",
    "testosterone_fc": "testosterone_ng_dl",
    "intratesticular_t_fc": "intratesticular_t_nmol_l",
    "frequency_fc": "gnrh_pulses_per_day",
}
UNIT_FREE = {"estradiol_pmol_l": "estradiol_pg_ml"}  # fold changes do not depend on the unit
NOT_SIMULATED = {"gnrh_bolus_peak_lh_fc", "sperm", "note", "statistic", "arm", "week", "day", "days"}
ABSOLUTE = {"enclomiphene_ng_ml", "zuclomiphene_ng_ml"}


def _stat(point: dict, output: str, statistic: str) -> float:
    return float(point[output][statistic])


def _value(v: Any) -> float:
    return float(v["mean"]) if isinstance(v, dict) else float(v)


def _points(arm: dict, entry: dict) -> list[tuple[str, dict]]:
    if "week" in entry:
        return [(f"week {entry['week']:g}", arm["weeks"][f"{entry['week']:g}"])]
    if "day" in entry:
        key = f"{entry['day']:g}"
        return [(f"day {key}", arm["days"][key] if key in arm.get("days", {}) else arm["weeks"][f"{entry['day'] / 7:g}"])]
    if "days" in entry:
        lo, hi = entry["days"]
        return [(f"day {d}", p) for d, p in arm.get("days", {}).items() if lo <= float(d) <= hi]
    return []


def compare(spec: CohortSpec, result: dict) -> tuple[list[str], list[str]]:
    """(checks made, failures) for one cohort: each as 'what: model x vs published y'."""
    pub = spec.published
    if pub is None:
        return [], []
    made: list[str] = []
    failed: list[str] = []

    def check(label: str, model: float, observed: float, tol: float = LN_TOL) -> None:
        ok = model > 0 and abs(math.log(model / observed)) <= tol
        line = f"{label}: model {model:.3g} vs published {observed:.3g}"
        made.append(line)
        if not ok:
            failed.append(line)

    for entry in pub.values:
        statistic = "median" if entry.get("statistic") == "median" else "mean"
        arms = [entry["arm"]] if "arm" in entry else list(result["arms"])
        for arm_name in arms:
            arm = result["arms"][arm_name]
            for key, val in entry.items():
                if key in NOT_SIMULATED:
                    continue
                if key == "obese_over_lean":
                    for out, ratio in val.items():
                        check(f"obese/lean {out}",
                              _stat(result["arms"]["morbidly obese"]["baseline"], out, "mean")
                              / _stat(result["arms"]["lean"]["baseline"], out, "mean"), ratio)
                    continue
                if key in ("median_weeks_to_below", "median_weeks_after_stopping_to_above"):
                    _sperm_kinetics(key, val, entry.get("stopped_at_week", 0.0), arm, check)
                    continue
                if key == "frequency_fc":
                    ref = result["compare"]["reference"]
                    if arm_name == ref:
                        continue
                    week = next(iter(arm["weeks"]))
                    check(f"{arm_name} / {ref} GnRH frequency",
                          _stat(arm["weeks"][week], FC_OUTPUT[key], "mean")
                          / _stat(result["arms"][ref]["weeks"][week], FC_OUTPUT[key], "mean"), float(val))
                    continue
                for label, point in _points(arm, entry):
                    if key in FC_OUTPUT:
                        out = FC_OUTPUT[key]
                        check(f"{arm_name} {label} {out} fold change",
                              _stat(point, out, statistic) / _stat(arm["baseline"], out, statistic), float(val))
                    elif key in ABSOLUTE:
                        check(f"{arm_name} {label} {key}", _stat(point, key, statistic), _value(val))
                    else:
                        out = UNIT_FREE.get(key, key)
                        if key not in pub.baseline or out not in point:
                            continue
                        check(f"{arm_name} {label} {out} fold change",
                              _stat(point, out, statistic) / _stat(arm["baseline"], out, statistic),
                              _value(val) / _value(pub.baseline[key]))
    return made, failed


def _crossing(weeks: list[float], fractions: list[float], level: float = 0.5) -> float | None:
    for (w0, f0), (w1, f1) in zip(zip(weeks, fractions, strict=True), zip(weeks[1:], fractions[1:], strict=True),
                                  strict=False):
        if (f0 - level) * (f1 - level) <= 0 and f0 != f1:
            return w0 + (level - f0) * (w1 - w0) / (f1 - f0)
    return None


def _sperm_kinetics(key: str, table: dict, stopped: float, arm: dict, check) -> None:
    """Median time to a threshold = when half the men have crossed it (linear between report weeks)."""
    weeks = [0.0] + [float(w) for w in arm["weeks"]]
    for threshold, published_weeks in table.items():
        below = [arm["baseline"]["sperm_concentration_fraction_below"][threshold]]
        below += [p["sperm_concentration_fraction_below"][threshold] for p in arm["weeks"].values()]
        if key == "median_weeks_to_below":
            pairs = [(w, f) for w, f in zip(weeks, below, strict=True) if w <= stopped or stopped == 0]
            t = _crossing([w for w, _ in pairs], [f for _, f in pairs])
            label = f"median weeks to < {threshold} M/mL"
        else:
            pairs = [(w, f) for w, f in zip(weeks, below, strict=True) if w >= stopped]
            t = _crossing([w for w, _ in pairs], [f for _, f in pairs])
            t = None if t is None else t - stopped
            label = f"median weeks after stopping to >= {threshold} M/mL"
        check(label, t if t is not None else float("nan"), float(published_weeks))




def markdown(rows: list[tuple[str, str, list[str], list[str]]]) -> str:
    """A Markdown table: cohort, source, each comparison and whether it is within tolerance."""
    lines = ["| cohort | source | comparison | within 20% |", "|---|---|---|---|"]
    for name, source, made, failed in rows:
        for line in made:
            lines.append(f"| {name} | {source} | {line} | {'no' if line in failed else 'yes'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run every examples/cohorts spec (n men each) and print the comparison table."""
    from hpgtwin.trials.runner import run_trial

    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 200
    folder = Path(args[1]) if len(args) > 1 else Path("examples/cohorts")
    rows = []
    for path in sorted(folder.glob("*.yaml")):
        spec = CohortSpec.from_yaml(path).with_overrides(n=n)
        made, failed = compare(spec, run_trial(spec).to_dict())
        rows.append((path.stem, spec.published.source if spec.published else spec.source, made, failed))
    print(markdown(rows))


if __name__ == "__main__":
    main()
