"""WHO semen classification (6th edition 2021 lower reference limits; 5th edition 2010 as an option)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from hpgtwin.errors import InputError
from hpgtwin.labs.derived import total_sperm_count_million
from hpgtwin.labs.records import SemenAnalysis

SEMEN_CODES = (
    "normozoospermia",
    "oligozoospermia",
    "asthenozoospermia",
    "teratozoospermia",
    "azoospermia",
    "cryptozoospermia",
)


@cache
def semen_reference() -> dict[str, Any]:
    """The parsed ``semen_reference.yaml`` (limits per WHO edition, nomenclature, sources)."""
    text = resources.files("hpgtwin.labs").joinpath("data/semen_reference.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def who_limits(edition: int = 2021) -> dict[str, float]:
    """Lower reference limits of one WHO edition, keyed by SemenAnalysis field."""
    editions = semen_reference()["editions"]
    if edition not in editions:
        raise InputError(f"WHO edition must be one of {sorted(editions)}, got {edition!r}")
    return {k: float(v) for k, v in editions[edition]["limits"].items()}


@dataclass(frozen=True)
class SemenClassification:
    """The WHO codes that apply to one analysis and each parameter against its lower reference limit."""

    edition: int
    codes: tuple[str, ...]
    parameters: dict[str, dict[str, Any]]
    source: str
    date: str | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of this classification."""
        return {
            "date": self.date,
            "who_edition": self.edition,
            "codes": list(self.codes),
            "parameters": self.parameters,
            "source": self.source,
        }


def classify_semen(semen: SemenAnalysis, *, edition: int = 2021) -> SemenClassification:
    """Apply the WHO lower reference limits of ``edition`` to one semen analysis."""
    limits = who_limits(edition)
    reference = semen_reference()
    values = {
        "volume_ml": semen.volume_ml,
        "total_sperm_count_million": total_sperm_count_million(semen),
        "concentration_million_per_ml": semen.concentration_million_per_ml,
        "total_motility_pct": semen.total_motility_pct,
        "progressive_motility_pct": semen.progressive_motility_pct,
        "normal_forms_pct": semen.normal_forms_pct,
    }
    parameters = {
        name: {"value": value, "lower_limit": limits[name], "below": None if value is None else value < limits[name]}
        for name, value in values.items()
    }
    source = reference["editions"][edition]["source"]
    when = semen.date.isoformat() if semen.date else None
    concentration = semen.concentration_million_per_ml
    if concentration is not None and concentration == 0:
        return SemenClassification(edition, ("azoospermia",), parameters, source, when)
    crypto = float(reference["cryptozoospermia_below_million_per_ml"]["value"])
    if concentration is not None and concentration < crypto:
        return SemenClassification(edition, ("cryptozoospermia",), parameters, source, when)
    codes: list[str] = []
    count_key = "total_sperm_count_million" if values["total_sperm_count_million"] is not None else "concentration_million_per_ml"
    if parameters[count_key]["below"]:
        codes.append("oligozoospermia")
    if parameters["progressive_motility_pct"]["below"]:
        codes.append("asthenozoospermia")
    if parameters["normal_forms_pct"]["below"]:
        codes.append("teratozoospermia")
    evaluated = all(parameters[k]["below"] is not None for k in (count_key, "progressive_motility_pct", "normal_forms_pct"))
    if not codes and evaluated:
        codes.append("normozoospermia")
    return SemenClassification(edition, tuple(codes), parameters, source, when)
