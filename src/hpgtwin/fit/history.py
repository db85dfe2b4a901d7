"""One man's lab history on the twin's clock: which regimen he is on, since when, and each usable value.

Day 0 is the day the current regimen started; labs drawn on or before it are the untreated baseline, which the
twin takes to be its no-drug steady state. The conventions used to place undated or single-date labs are
returned with the history so every output can say how the labs were read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml

from hpgtwin.errors import PatientFileError
from hpgtwin.labs.medications import check_medication, medication_classes, modelled_medications
from hpgtwin.labs.records import PatientFile


@dataclass(frozen=True)
class ErrorModel:
    """Log-normal measurement error of one analyte: where it lands in the twin and how noisy it is."""

    analyte: str
    output: str
    cv_within_subject: float
    cv_analytical: float
    source: str

    @property
    def sigma_log(self) -> float:
        """Standard deviation of ln(value) for the total CV (biological and analytical combined)."""
        cv = math.hypot(self.cv_within_subject, self.cv_analytical)
        return math.sqrt(math.log1p(cv * cv))


@dataclass(frozen=True)
class Observation:
    """One lab value placed on the twin's clock (days since the current regimen started)."""

    day: float
    output: str
    value: float
    sigma_log: float
    analyte: str
    date: date | None


@dataclass(frozen=True)
class History:
    """The regimen a man is on, when it started, his usable observations (oldest first), and what the twin omits."""

    regimen: str | None
    start: date | None
    observations: tuple[Observation, ...]
    conventions: tuple[str, ...]
    unmodelled_medications: tuple[str, ...] = ()

    @property
    def days(self) -> int:
        """Number of days the twin must simulate to reach the last observation (at least 1)."""
        last = max((o.day for o in self.observations), default=0.0)
        return max(1, int(math.ceil(last)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view of the history."""
        return {
            "regimen": self.regimen,
            "regimen_start": self.start.isoformat() if self.start else None,
            "observations": [
                {
                    "date": o.date.isoformat() if o.date else None,
                    "day": o.day,
                    "analyte": o.analyte,
                    "output": o.output,
                    "value": o.value,
                    "sigma_log": round(o.sigma_log, 4),
                }
                for o in self.observations
            ],
            "conventions": list(self.conventions),
            "unmodelled_medications": list(self.unmodelled_medications),
        }


def _load(name: str) -> dict[str, Any]:
    """Read one YAML table shipped in hpgtwin/fit/data."""
    text = resources.files("hpgtwin.fit").joinpath("data", name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@cache
def error_models() -> dict[str, ErrorModel]:
    """The measurement-error table, keyed by lab analyte key or semen field name."""
    table = _load("measurement_error.yaml")
    out: dict[str, ErrorModel] = {}
    for section in ("analytes", "semen"):
        for key, row in table[section].items():
            out[key] = ErrorModel(
                analyte=key,
                output=row["output"],
                cv_within_subject=float(row["cv_within_subject"]),
                cv_analytical=float(row["cv_analytical"]),
                source=row["source"],
            )
    return out


@cache
def plan_defaults() -> dict[str, Any]:
    """Default candidates, dose-finder goal and history conventions (fit/data/plan_defaults.yaml)."""
    return _load("plan_defaults.yaml")


def _raw_points(pf: PatientFile) -> list[tuple[date | None, str, float]]:
    """Every (date, analyte, value) the error table knows, from labs and semen analyses."""
    models = error_models()
    points = [(r.date, r.analyte, float(r.value)) for r in pf.labs if r.analyte in models]
    for s in pf.semen:
        for field in ("concentration_million_per_ml",):
            value = getattr(s, field)
            if value is not None and field in models:
                points.append((s.date, field, float(value)))
    seen: set[tuple[date | None, str, float]] = set()
    unique = []
    for d, key, value in points:
        tag = (d, models[key].output, value)
        if tag not in seen:
            seen.add(tag)
            unique.append((d, key, value))
    return unique


def unmodelled_medications(texts: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Each current medication the twin cannot simulate, as 'text (class: effect)', so outputs can name it."""
    classes = medication_classes()
    out = []
    for text in texts:
        for course in check_medication(text):
            if not course.modelled and course.medication_class is not None:
                cls = classes[course.medication_class]
                out.append(f"{course.text} ({cls.key}: {cls.effect})")
    return tuple(out)


def lab_history(pf: PatientFile, *, regimen_start: date | None = None) -> History:
    """Place a man's labs on the twin's clock, given his current medications and (optionally) their start date."""
    models = error_models()
    regimen = " + ".join(modelled_medications(pf.patient.medications)) or None
    unmodelled = unmodelled_medications(pf.patient.medications)
    conventions: list[str] = []
    if unmodelled:
        conventions.append(
            "current medication(s) not in the model, simulated as absent (their effect on the labs is not "
            f"accounted for): {'; '.join(unmodelled)}"
        )
    points = _raw_points(pf)
    if not points:
        names = ", ".join(sorted(models))
        raise PatientFileError(
            f"patient {pf.patient.id!r} has no lab the twin can fit (needs one of: {names})"
        )
    usable = [p for p in points if p[2] > 0]
    if len(usable) < len(points):
        conventions.append(
            f"{len(points) - len(usable)} value(s) <= 0 (below detection) were left out of the fit"
        )
    if not usable:
        raise PatientFileError(f"patient {pf.patient.id!r} has no positive lab value the twin can fit")
    dated = [p for p in usable if p[0] is not None]
    if dated and len(dated) < len(usable):
        conventions.append(
            f"{len(usable) - len(dated)} undated value(s) were left out (other labs are dated)"
        )
        usable = dated
    dates = sorted({p[0] for p in usable if p[0] is not None})
    start: date | None = None
    single_on_treatment = False
    if regimen is None:
        conventions.append(
            f"no {'modelled ' if unmodelled else ''}current medication: every lab is read as the untreated "
            "steady state"
        )
    elif regimen_start is not None:
        start = regimen_start
        conventions.append(f"current regimen started on {start.isoformat()} (given); earlier labs = baseline")
        if dates and dates[-1] < start:
            raise PatientFileError(
                f"regimen start {start.isoformat()} is after every lab of patient {pf.patient.id!r}"
            )
    elif len(dates) >= 2:
        start = dates[0]
        conventions.append(
            f"current regimen assumed to start on the first lab date ({start.isoformat()}): those labs are the "
            "untreated baseline, later ones on treatment"
        )
    else:
        single_on_treatment = True
        assumed = float(plan_defaults()["history"]["assumed_days_on_treatment"])
        conventions.append(
            f"all labs share one date and modelled medications are listed: read as on treatment for {assumed:g} days "
            f"({plan_defaults()['history']['source']})"
        )
    observations = []
    for d, analyte, value in usable:
        em = models[analyte]
        if single_on_treatment:
            day = float(plan_defaults()["history"]["assumed_days_on_treatment"])
        elif d is None or start is None:
            day = 0.0
        else:
            day = float(max((d - start).days, 0))
        observations.append(Observation(day, em.output, value, em.sigma_log, analyte, d))
    observations.sort(key=lambda o: (o.day, o.output))
    return History(regimen, start, tuple(observations), tuple(conventions), unmodelled)
