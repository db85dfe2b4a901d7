"""A personal plan: calibrate the twin to one man, project candidate regimens, and find the lowest safe dose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from hpgtwin import DISCLAIMER
from hpgtwin.errors import InputError
from hpgtwin.fit.calibrate import PersonalTwin, calibrate
from hpgtwin.fit.dose import DoseRecommendation, dose_search_table, find_lowest_dose
from hpgtwin.fit.history import plan_defaults
from hpgtwin.fit.project import STARTS, Projection, project
from hpgtwin.labs.medications import modelled_medications
from hpgtwin.labs.records import PatientFile
from hpgtwin.model import CLINICAL_OUTPUTS

SUMMARY_WEEKS = (4, 12, 26)
START_NOTES = {
    "baseline": "projections start from the untreated steady state (washout of any current drug assumed)",
    "current": "projections start from his modelled state on the day of his last lab, on his current regimen",
}


@dataclass(frozen=True)
class Plan:
    """Calibrated twin, one projection per candidate regimen, and the dose recommendation."""

    twin: PersonalTwin
    projections: tuple[Projection, ...]
    dose: DoseRecommendation | None
    days: int
    start: str = "baseline"

    def summary(self) -> list[dict[str, Any]]:
        """Per regimen and summary week: median and 80 % band of the main outputs."""
        rows = []
        for p in self.projections:
            for week in SUMMARY_WEEKS:
                if week * 7 > self.days:
                    continue
                row: dict[str, Any] = {"regimen": p.regimen, "week": week}
                for output in (
                    "testosterone_ng_dl",
                    "estradiol_pg_ml",
                    "lh_iu_l",
                    "sperm_concentration_million_ml",
                ):
                    if output in p.quantiles:
                        q = p.at_day(output, week * 7)
                        row[output] = {k: round(q[k], 3) for k in ("median", "p10", "p90")}
                rows.append(row)
        return rows

    def to_dict(self, every: int = 7) -> dict[str, Any]:
        """JSON-ready plan (projections sampled every ``every`` days)."""
        return {
            "patient_id": self.twin.patient_id,
            "calibration": self.twin.to_dict(),
            "summary": self.summary(),
            "projections": [p.to_dict(CLINICAL_OUTPUTS, every=every) for p in self.projections],
            "dose_recommendation": self.dose.to_dict() if self.dose else None,
            "unmodelled_medications": list(self.twin.history.unmodelled_medications),
            "conventions": [
                "bands are posterior (parameter) uncertainty: 80 % = p10-p90, 95 % = p2.5-p97.5",
                START_NOTES[self.start],
                *self.twin.history.conventions,
            ],
            "disclaimer": DISCLAIMER,
        }


def _candidates(pf: PatientFile, candidates: list[str] | None) -> list[str]:
    """The regimens to project: the given ones, else his current modelled ones plus the defaults (no duplicates)."""
    if candidates is not None:
        if not all(isinstance(c, str) and c.strip() for c in candidates):
            raise InputError("candidate regimens must be non-empty regimen texts")
        chosen = [c.strip() for c in candidates]
    else:
        current = " + ".join(modelled_medications(pf.patient.medications))
        chosen = ([current] if current else []) + list(plan_defaults()["candidates"]["values"])
    seen: set[str] = set()
    return [c for c in chosen if not (c in seen or seen.add(c))]


def plan(
    pf: PatientFile,
    candidates: list[str] | None = None,
    *,
    days: int = 180,
    n_samples: int = 200,
    seed: int = 0,
    regimen_start: date | None = None,
    find_dose: bool = True,
    goal: str | None = None,
    start: str = "baseline",
) -> Plan:
    """Calibrate to one man, project each candidate regimen with bands, and find the lowest dose of the default drug."""
    from hpgtwin.pk import parse_regimen

    finder = plan_defaults()["dose_finder"]
    goals = dose_search_table()["targets"]
    goal = finder["goal"] if goal is None else goal
    if goal not in goals:
        raise InputError(f"unknown dose goal {goal!r}; known: {', '.join(sorted(goals))}")
    if start not in STARTS:
        raise InputError(f"start must be one of {STARTS}, got {start!r}")
    regimens = [parse_regimen(c) for c in _candidates(pf, candidates)]
    twin = calibrate(pf, n_samples=n_samples, seed=seed, regimen_start=regimen_start)
    projections = tuple(project(twin, r, days=days, start=start) for r in regimens)
    dose = None
    if find_dose:
        target = {k: tuple(v) for k, v in goals[goal]["target"].items()}
        dose = find_lowest_dose(
            twin,
            finder["drug"],
            target=target,
            evaluation_week=goals[goal]["evaluation_week"],
            schedules=finder.get("schedules"),
            start=start,
        )
    return Plan(twin=twin, projections=projections, dose=dose, days=days, start=start)
