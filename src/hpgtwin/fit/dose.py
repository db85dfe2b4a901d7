"""Find the lowest dose of one drug that reaches a target in a calibrated twin without pushing E2 too low.

Every (dose, schedule) of the search grid (``fit/data/dose_search.yaml``) is projected over the twin's
posterior sample. A candidate passes when the projected median meets the target at the evaluation week and the
lower edge of the E2 band stays above the floor on every day up to it. The recommendation is the passing
candidate with the lowest weekly amount, so a stricter target can only keep or raise the dose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from hpgtwin.errors import InputError
from hpgtwin.fit.calibrate import PersonalTwin
from hpgtwin.fit.project import BANDS, Projection, project

E2_OUTPUT = "estradiol_pg_ml"
COMPARATORS = {">=": np.greater_equal, "<=": np.less_equal}


@cache
def dose_search_table() -> dict[str, Any]:
    """The dose grid, schedules, targets and E2 floor with their sources (fit/data/dose_search.yaml)."""
    text = resources.files("hpgtwin.fit").joinpath("data", "dose_search.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class Candidate:
    """One evaluated (dose, schedule): what the twin projects and whether it passes."""

    regimen: str
    weekly_amount: float
    dose: float
    target_median: dict[str, float]
    e2_lower_min_pg_ml: float
    meets_target: bool
    e2_above_floor: bool

    @property
    def passes(self) -> bool:
        """Meets the target and keeps E2 above the floor."""
        return self.meets_target and self.e2_above_floor


@dataclass(frozen=True)
class DoseRecommendation:
    """The lowest passing regimen (or None) and every candidate that was weighed."""

    drug: str
    unit: str
    target: dict[str, tuple[str, float]]
    evaluation_week: float
    e2_floor_pg_ml: float
    e2_floor_source: str
    band_level: float
    regimen: str | None
    weekly_amount: float | None
    candidates: tuple[Candidate, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "drug": self.drug,
            "unit": self.unit,
            "target": {k: [op, v] for k, (op, v) in self.target.items()},
            "evaluation_week": self.evaluation_week,
            "e2_floor_pg_ml": self.e2_floor_pg_ml,
            "e2_floor_source": self.e2_floor_source,
            "e2_band_level": self.band_level,
            "recommended_regimen": self.regimen,
            "weekly_amount": self.weekly_amount,
            "candidates": [
                {
                    "regimen": c.regimen,
                    "weekly_amount": c.weekly_amount,
                    "dose": c.dose,
                    "target_median": c.target_median,
                    "e2_lower_min_pg_ml": round(c.e2_lower_min_pg_ml, 3),
                    "meets_target": c.meets_target,
                    "e2_above_floor": c.e2_above_floor,
                }
                for c in self.candidates
            ],
            "notes": list(self.notes),
        }


def _normalise_target(target: Any) -> dict[str, tuple[str, float]]:
    """Check a target mapping {output: (">=" | "<=", value)}; raise InputError on anything else."""
    if not isinstance(target, dict) or not target:
        raise InputError("target must be a non-empty mapping like {'testosterone_ng_dl': ('>=', 400)}")
    out = {}
    for output, rule in target.items():
        if not isinstance(rule, (tuple, list)) or len(rule) != 2:
            raise InputError(f"target for {output!r} must be (comparator, value), got {rule!r}")
        op, value = rule
        if op not in COMPARATORS:
            raise InputError(f"target comparator for {output!r} must be '>=' or '<=', got {op!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InputError(f"target value for {output!r} must be a finite number, got {value!r}")
        out[str(output)] = (op, float(value))
    return out


def _drug_key_and_unit(drug: str) -> tuple[str, str, list[float], str]:
    """(drug key, dose unit, dose grid, grid source) for a drug name or alias."""
    from hpgtwin.pk.drugs import drug_names

    if not isinstance(drug, str) or not drug.strip():
        raise InputError("drug must be a drug name such as 'anastrozole'")
    table = dose_search_table()["drugs"]
    key = drug_names().get(drug.strip().lower(), drug.strip().lower())
    if key not in table:
        raise InputError(f"no dose grid for drug {drug!r}; searchable: {', '.join(sorted(table))}")
    row = table[key]
    return key, row["unit"], [float(d) for d in row["doses"]], row["source"]


def _weekly_amount(regimen: Any) -> float:
    """Mean amount per week of a regimen, from its dose events over four weeks."""
    events = regimen.dose_events(28.0)
    return float(np.sum(np.asarray(events.amount, dtype=float)) / 4.0)


def _evaluate(
    projection: Projection, target: dict[str, tuple[str, float]], eval_day: float, floor: float, band: float
) -> tuple[dict[str, float], float, bool, bool]:
    """(target medians at eval day, min lower E2 band up to eval day, meets target, E2 above floor)."""
    medians = {}
    meets = True
    for output, (op, value) in target.items():
        m = projection.at_day(output, eval_day)["median"]
        medians[output] = round(m, 4)
        meets = meets and bool(COMPARATORS[op](m, value))
    lo, _ = projection.band(E2_OUTPUT, band)
    upto = projection.days <= eval_day + 1e-9
    e2_min = float(np.min(lo[upto]))
    return medians, e2_min, meets, e2_min >= floor


def find_lowest_dose(
    twin: PersonalTwin,
    drug: str,
    *,
    target: dict[str, tuple[str, float]] | None = None,
    e2_floor_pg_ml: float | None = None,
    schedules: list[str] | None = None,
    doses: list[float] | None = None,
    evaluation_week: float | None = None,
    band_level: float | None = None,
    start: str = "baseline",
) -> DoseRecommendation:
    """Search doses x schedules of one drug for the lowest weekly amount that meets the target safely."""
    from hpgtwin.pk import parse_regimen

    if not isinstance(twin, PersonalTwin):
        raise InputError(f"find_lowest_dose needs a PersonalTwin from calibrate(), not {type(twin).__name__}")
    table = dose_search_table()
    key, unit, grid, grid_source = _drug_key_and_unit(drug)
    goal = table["targets"]["testosterone"]
    target_n = _normalise_target(target if target is not None else goal["target"])
    if evaluation_week is None:
        matching = [g for g in table["targets"].values() if set(g["target"]) == set(target_n)]
        evaluation_week = float((matching[0] if matching else goal)["evaluation_week"])
    if not isinstance(evaluation_week, (int, float)) or not 1 <= evaluation_week <= 104:
        raise InputError(f"evaluation_week must be between 1 and 104, got {evaluation_week!r}")
    floor_row = table["e2_floor"]
    if e2_floor_pg_ml is None:
        floor, floor_source = float(floor_row["value"]), floor_row["source"]
    else:
        if (
            isinstance(e2_floor_pg_ml, bool)
            or not isinstance(e2_floor_pg_ml, (int, float))
            or e2_floor_pg_ml < 0
        ):
            raise InputError(f"e2_floor_pg_ml must be a non-negative number, got {e2_floor_pg_ml!r}")
        floor, floor_source = float(e2_floor_pg_ml), "given by the caller"
    band = float(table["band_level"]["value"] if band_level is None else band_level)
    if band not in BANDS:
        raise InputError(f"band_level must be one of {sorted(BANDS)}, got {band_level!r}")
    dose_list = grid if doses is None else [float(d) for d in doses]
    if not dose_list or any(not (d > 0 and math.isfinite(d)) for d in dose_list):
        raise InputError(f"doses must be positive numbers, got {doses!r}")
    schedule_list = list(table["schedules"]["values"] if schedules is None else schedules)
    if not schedule_list:
        raise InputError("schedules must name at least one schedule, e.g. ['daily']")

    eval_day = float(evaluation_week) * 7.0
    days = int(math.ceil(eval_day))
    candidates = []
    for schedule in schedule_list:
        for dose in dose_list:
            regimen = parse_regimen(f"{key} {dose:g} {unit} {schedule}")
            projection = project(twin, regimen, days=days, start=start)
            for output in target_n:
                projection.quantiles_of(output)
            medians, e2_min, meets, e2_ok = _evaluate(projection, target_n, eval_day, floor, band)
            candidates.append(
                Candidate(regimen.text, _weekly_amount(regimen), dose, medians, e2_min, meets, e2_ok)
            )
    candidates.sort(key=lambda c: (round(c.weekly_amount, 9), c.dose, c.regimen))
    passing = [c for c in candidates if c.passes]
    best = passing[0] if passing else None
    notes = [f"dose grid: {grid_source}"]
    if best is None:
        if not any(c.meets_target for c in candidates):
            notes.append("no searched dose reaches the target in this twin")
        else:
            notes.append("every dose that reaches the target pushes the lower E2 band below the floor")
    return DoseRecommendation(
        drug=key,
        unit=unit,
        target=target_n,
        evaluation_week=float(evaluation_week),
        e2_floor_pg_ml=floor,
        e2_floor_source=floor_source,
        band_level=band,
        regimen=best.regimen if best else None,
        weekly_amount=best.weekly_amount if best else None,
        candidates=tuple(candidates),
        notes=tuple(notes),
    )
