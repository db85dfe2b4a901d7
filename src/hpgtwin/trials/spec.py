"""The cohort spec: the YAML contract of a virtual trial (population, arms, regimen, follow-up, analyses).

A spec names its population (covariates, conditions, and the reported baseline statistics the virtual cohort is
matched to), one regimen or several arms, the duration and report weeks, and optional analyses: responders,
predictors of response, a comparison between arms, and a power analysis by simulation.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hpgtwin.errors import CohortSpecError
from hpgtwin.trials.observables import MATCHABLE

NO_DRUG = ("none", "placebo", "no treatment", "")

AZOOSPERMIA_THRESHOLD_MILLION_ML = 0.1
"""Default threshold below which a virtual man counts as azoospermic (10^6/mL).

Source: "virtual azoospermia < 0.1 x 10^6/mL" (maleinfertilityguide.com, in research/clinical.md 3.3); a continuous
model never reaches zero sperm, so azoospermia is a threshold, stated in every result.
"""

SPERM_THRESHOLDS_MILLION_ML = (1.0, 3.0, 5.0, 10.0, 16.0, 20.0)
"""Concentration thresholds (10^6/mL) reported as fractions below: 1/3/5/10/20 are the Handelsman 2005 kinetic
thresholds (Hum Reprod 2005;20:1733), 16 is the WHO 2021 lower reference limit (16 x 10^6/mL)."""



def _matchable_only(value: dict[str, Any], problem: str, listing: str) -> dict[str, Any]:
    """``value`` if all its keys are matchable outputs, else a ValueError naming the others and the known ones."""
    unknown = sorted(set(value) - set(MATCHABLE))
    if unknown:
        raise ValueError(f"{problem} {unknown}; {listing}: {', '.join(MATCHABLE)}")
    return value

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Covariate(_Strict):
    """How one covariate (age in years, BMI in kg/m2) is distributed in the reported cohort."""

    mean: float | None = None
    sd: float | None = Field(default=None, ge=0)
    median: float | None = None
    iqr: tuple[float, float] | None = None
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Covariate:
        if self.mean is None and self.median is None and (self.min is None or self.max is None):
            raise ValueError("give mean (and sd), median (and iqr), or min and max")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError(f"min {self.min} must be below max {self.max}")
        if self.iqr is not None and not self.iqr[0] < self.iqr[1]:
            raise ValueError(f"iqr {list(self.iqr)} must be increasing")
        return self


class Statistic(_Strict):
    """A reported baseline statistic of one quantity: mean (and SD) or median (and IQR), in canonical units."""

    mean: float | None = Field(default=None, gt=0)
    sd: float | None = Field(default=None, gt=0)
    median: float | None = Field(default=None, gt=0)
    iqr: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _has_centre(self) -> Statistic:
        if self.mean is None and self.median is None:
            raise ValueError("a baseline statistic needs a mean or a median")
        return self


class Population(_Strict):
    """Who is in the cohort: covariate distributions, conditions, and reported baseline statistics to match."""

    age_years: Covariate = Covariate(mean=40.0, sd=8.0, min=18.0, max=80.0)
    bmi_kg_m2: Covariate = Covariate(mean=27.0, sd=4.0, min=17.0, max=60.0)
    conditions: tuple[str, ...] = ()
    baseline: dict[str, Statistic] = {}

    @field_validator("baseline", mode="before")
    @classmethod
    def _scalars_are_means(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ({"mean": v} if isinstance(v, int | float) else v) for k, v in value.items()}
        return value

    @field_validator("baseline")
    @classmethod
    def _known_quantities(cls, value: dict[str, Statistic]) -> dict[str, Statistic]:
        return _matchable_only(value, "cannot match baseline", "matchable")


class Arm(_Strict):
    """One arm of a trial: a name, a regimen (text, or none/placebo), optionally its own population."""

    name: str = Field(min_length=1)
    regimen: str
    population: Population | None = None

    @property
    def regimen_text(self) -> str | None:
        """The regimen text to simulate, or None for no drug (placebo)."""
        return None if self.regimen.strip().lower() in NO_DRUG else self.regimen


class Matching(_Strict):
    """How the virtual cohort is made to match the reported baseline (Allen et al. 2016, CPT:PSP 5:140)."""

    method: Literal["acceptance", "weighting", "none"] = "acceptance"
    pool_inflation: float = Field(default=1.3, ge=1.0, le=3.0)
    clip_quantile: float | None = Field(default=None, gt=0.5, le=1.0)
    tolerance: float = Field(default=0.05, gt=0, le=1.0)
    pilot: int = Field(default=2000, ge=100, le=200_000)
    max_candidates_per_man: int = Field(default=200, ge=2)


Rule = Literal["fold_change_at_least", "change_at_least", "value_at_least", "value_below"]


class Responders(_Strict):
    """A responder criterion: ``output`` at ``week`` compared with baseline by ``rule`` against ``threshold``."""

    output: str = "sperm_concentration_million_ml"
    week: float | None = None
    rule: Rule = "fold_change_at_least"
    threshold: float = 1.5
    predictors: tuple[str, ...] = ()


class Compare(_Strict):
    """Compare every arm with a reference arm on one output at one week (same virtual men in every arm)."""

    reference: str
    output: str = "sperm_concentration_million_ml"
    week: float | None = None
    scale: Literal["log", "linear"] = "log"


class Power(_Strict):
    """Power of a two-arm parallel RCT by simulation: men are drawn from the virtual trial's arms."""

    treatment: str
    control: str
    output: str = "sperm_concentration_million_ml"
    week: float | None = None
    endpoint: Literal["log_fold_change", "change", "followup"] = "log_fold_change"
    n_per_arm: tuple[int, ...] = (10, 20, 40, 80)
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    target_power: float = Field(default=0.8, gt=0, lt=1)
    replicates: int = Field(default=1000, ge=50, le=100_000)
    measurement_cv: float = Field(default=0.0, ge=0, le=3)
    test: Literal["welch_t", "mann_whitney"] = "welch_t"

    @field_validator("n_per_arm")
    @classmethod
    def _positive(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or min(value) < 3:
            raise ValueError("n_per_arm needs sizes of at least 3")
        return tuple(sorted(set(value)))


GapKind = Literal["model", "population", "comparison"]
"""Why a virtual cohort misses a published value: (a) ``model`` limitation, (b) ``population``, matching or spec
problem (covariates, baseline units, report week, sampling time), (c) ``comparison`` bug."""


class Gap(_Strict):
    """A known miss of a cohort: the comparisons whose label contains ``match``, its kind and the reason."""

    match: str = Field(min_length=1)
    kind: GapKind
    reason: str = Field(min_length=1)


class Assay(_Strict):
    """How the study measured one output: an immunoassay floor, read as sqrt(x^2 + floor^2) (same unit as x)."""

    floor: float = Field(gt=0)
    source: str = Field(min_length=1)

    def read(self, value: float) -> float:
        """What the assay reads for a true value: the floor when the value is far below it, the value far above."""
        return math.hypot(value, self.floor)


class Published(_Strict):
    """Published follow-up values a cohort spec reproduces (used by the reference tests and docs)."""

    target_id: str
    source: str
    tolerance: str = "fold changes within 20%: |ln fc_model - ln fc_obs| <= ln 1.2"
    baseline: dict[str, Any] = {}
    values: list[dict[str, Any]] = []
    assays: dict[str, Assay] = {}
    gaps: tuple[Gap, ...] = ()
    notes: str = ""

    @field_validator("assays")
    @classmethod
    def _known_outputs(cls, value: dict[str, Assay]) -> dict[str, Assay]:
        return _matchable_only(value, "no assay model for", "known outputs")

    def gap_of(self, label: str) -> Gap | None:
        """The first known gap whose ``match`` occurs in a comparison label (None if the miss is unexplained)."""
        return next((g for g in self.gaps if g.match in label), None)


class CohortSpec(_Strict):
    """A virtual cohort and trial, as read from YAML (see issue 5 and ARCHITECTURE.md, "Cohort spec")."""

    name: str = Field(min_length=1)
    source: str = ""
    n: int = Field(default=400, ge=2, le=10_000_000)
    seed: int = Field(default=1, ge=0)
    population: Population = Population()
    regimen: str | None = None
    arms: tuple[Arm, ...] = ()
    duration_weeks: float = Field(gt=0, le=520)
    report_weeks: tuple[float, ...] = ()
    report_days: tuple[float, ...] = ()
    outputs: tuple[str, ...] | None = None
    azoospermia_threshold_million_ml: float = Field(default=AZOOSPERMIA_THRESHOLD_MILLION_ML, gt=0)
    matching: Matching = Matching()
    responders: Responders | None = None
    compare: Compare | None = None
    power: Power | None = None
    chunk_size: int = Field(default=1000, ge=1, le=100_000)
    published: Published | None = None
    description: str = ""

    @model_validator(mode="after")
    def _check(self) -> CohortSpec:
        if (self.regimen is None) == (not self.arms):
            raise ValueError("give either `regimen` or `arms` (not both)")
        names = [a.name for a in self.all_arms]
        if len(set(names)) != len(names):
            raise ValueError(f"arm names must be unique, got {names}")
        days = self.duration_weeks * 7
        for w in self.report_weeks:
            if not 0 < w <= self.duration_weeks:
                raise ValueError(f"report week {w:g} is outside 0 < week <= duration_weeks ({self.duration_weeks:g})")
            if abs(w * 7 - round(w * 7)) > 1e-6:
                raise ValueError(f"report week {w:g} is not a whole number of days")
        for d in self.report_days:
            if not 0 < d <= days or d != int(d):
                raise ValueError(f"report day {d:g} must be a whole day within the trial (1..{days:g})")
        for section in (self.responders, self.compare, self.power):
            if section is not None and not self.report_weeks:
                raise ValueError(f"{type(section).__name__.lower()} reads a report week: give report_weeks")
            week = getattr(section, "week", None)
            if week is not None and week not in self.report_weeks:
                raise ValueError(f"week {week:g} of {type(section).__name__.lower()} is not in report_weeks")
        if self.compare is not None and self.compare.reference not in names:
            raise ValueError(f"compare.reference {self.compare.reference!r} is not an arm ({names})")
        if self.power is not None:
            for arm in (self.power.treatment, self.power.control):
                if arm not in names:
                    raise ValueError(f"power arm {arm!r} is not an arm ({names})")
        return self

    @property
    def all_arms(self) -> tuple[Arm, ...]:
        """The arms; a single-regimen spec is one arm named after its regimen."""
        if self.arms:
            return self.arms
        return (Arm(name=self.regimen or "none", regimen=self.regimen or "none"),)

    @property
    def duration_days(self) -> int:
        """Trial duration in whole days."""
        return int(math.ceil(self.duration_weeks * 7 - 1e-9))

    @property
    def final_week(self) -> float:
        """The last report week (or the duration), the default week of responders/compare/power."""
        return max(self.report_weeks) if self.report_weeks else self.duration_weeks

    def population_of(self, arm: Arm) -> Population:
        """The population an arm draws its men from."""
        return arm.population or self.population

    def with_overrides(self, *, n: int | None = None, seed: int | None = None) -> CohortSpec:
        """A copy with n and/or seed replaced (the CLI's --n and --seed)."""
        update = {k: v for k, v in {"n": n, "seed": seed}.items() if v is not None}
        return validate_spec({**self.model_dump(mode="python"), **update}) if update else self

    @classmethod
    def from_yaml(cls, source: str | Path) -> CohortSpec:
        """Read a spec from a YAML file path (or YAML text that is not a path)."""
        text, where = _read(source)
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise CohortSpecError(f"{where}: not valid YAML ({str(exc).splitlines()[0]})") from None
        return validate_spec(data, where=where)


def week_key(week: float) -> str:
    """The JSON key of a report week or day: "12", "0.5"."""
    return f"{week:g}"


def validate_spec(data: Any, *, where: str = "cohort spec") -> CohortSpec:
    """Validate a parsed mapping as a CohortSpec; errors become one-line CohortSpecError messages."""
    if not isinstance(data, dict):
        raise CohortSpecError(f"{where}: expected a mapping at the top level, got {type(data).__name__}")
    try:
        return CohortSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
        msg = first["msg"].removeprefix("Value error, ")
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise CohortSpecError(f"{where}: {loc}: {msg}{more}") from None


def _read(source: str | Path) -> tuple[str, str]:
    path = Path(source)
    try:
        is_file = path.is_file()
    except OSError:
        is_file = False
    if is_file:
        return path.read_text(encoding="utf-8"), str(path)
    if isinstance(source, Path) or ("\n" not in str(source) and str(source).endswith((".yaml", ".yml"))):
        raise CohortSpecError(f"cohort spec file not found: {source}")
    return str(source), "cohort spec"
