"""The analyte catalogue (``labs/data/analytes.yaml``): names, synonyms, LOINC codes, canonical units, limits."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from hpgtwin.errors import UnknownAnalyte

_LOINC_PATTERN = re.compile(r"^\d{1,7}-\d$")


@dataclass(frozen=True)
class LoincCode:
    """One LOINC code mapped to an analyte, with whether its number and name were confirmed."""

    code: str
    long_name: str
    confirmed: bool
    source: str


@dataclass(frozen=True)
class Interval:
    """A range in the analyte's canonical unit (either end may be open), with its source key."""

    low: float | None
    high: float | None
    source: str

    def contains(self, value: float) -> bool:
        """True when ``value`` lies within the closed interval."""
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


@dataclass(frozen=True)
class Analyte:
    """One catalogue entry: what the analyte is called, how it is coded, its canonical unit and limits."""

    key: str
    name: str
    category: str
    synonyms: tuple[str, ...]
    canonical_unit: str
    loinc_codes: tuple[LoincCode, ...]
    molar_mass_g_mol: float | None
    molar_mass_source: str | None
    plausible: Interval
    expected_untreated: Interval
    reference_interval: Interval
    confusable_units: tuple[str, ...]
    treatment_sensitive: bool
    semen_field: str | None = None
    patient_field: str | None = None

    @property
    def loinc(self) -> str:
        """The LOINC code used on export (the first listed)."""
        return self.loinc_codes[0].code

    @property
    def loinc_confirmed(self) -> bool:
        """Whether the export LOINC code was confirmed against a LOINC table extract."""
        return self.loinc_codes[0].confirmed

    @property
    def sources(self) -> dict[str, str]:
        """The source keys behind each number of this entry."""
        found = {
            "loinc": self.loinc_codes[0].source,
            "plausible": self.plausible.source,
            "expected_untreated": self.expected_untreated.source,
            "reference_interval": self.reference_interval.source,
        }
        if self.molar_mass_source:
            found["molar_mass_g_mol"] = self.molar_mass_source
        return found


def loinc_check_digit(body: str) -> int:
    """The LOINC Mod-10 check digit of the digits before the hyphen (LOINC Users' Guide, appendix on check digits)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:
            doubled = 2 * digit
            total += doubled // 10 + doubled % 10
        else:
            total += digit
    return (10 - total % 10) % 10


def is_valid_loinc(code: str) -> bool:
    """True when ``code`` has LOINC's format (digits, hyphen, one check digit) and a correct check digit."""
    if not isinstance(code, str) or not _LOINC_PATTERN.match(code):
        return False
    body, check = code.split("-")
    return loinc_check_digit(body) == int(check)


def _interval(raw: dict[str, Any]) -> Interval:
    return Interval(raw.get("low"), raw.get("high"), str(raw["source"]))


def _analyte(raw: dict[str, Any]) -> Analyte:
    molar = raw.get("molar_mass_g_mol")
    return Analyte(
        key=raw["key"],
        name=raw["name"],
        category=raw["category"],
        synonyms=tuple(raw.get("synonyms", ())),
        canonical_unit=str(raw["canonical_unit"]),
        loinc_codes=tuple(
            LoincCode(str(c["code"]), c["long_name"], bool(c["confirmed"]), c["source"]) for c in raw["loinc_codes"]
        ),
        molar_mass_g_mol=float(molar["value"]) if molar else None,
        molar_mass_source=molar["source"] if molar else None,
        plausible=_interval(raw["plausible"]),
        expected_untreated=_interval(raw["expected_untreated"]),
        reference_interval=_interval(raw["reference_interval"]),
        confusable_units=tuple(str(u) for u in raw.get("confusable_units", ())),
        treatment_sensitive=bool(raw.get("treatment_sensitive", False)),
        semen_field=raw.get("semen_field"),
        patient_field=raw.get("patient_field"),
    )


@cache
def _load() -> tuple[dict[str, Analyte], dict[str, str]]:
    text = resources.files("hpgtwin.labs").joinpath("data/analytes.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    catalogue = {entry["key"]: _analyte(entry) for entry in raw["analytes"]}
    return catalogue, dict(raw["sources"])


CATALOGUE: dict[str, Analyte] = _load()[0]
SOURCES: dict[str, str] = _load()[1]


def _normal(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


@cache
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for analyte in CATALOGUE.values():
        for alias in (analyte.key, analyte.name, *analyte.synonyms):
            index[_normal(alias)] = analyte.key
        for code in analyte.loinc_codes:
            index[code.code] = analyte.key
    return index


def lookup_analyte(name_or_loinc: str) -> Analyte:
    """The catalogue entry for a key, name, synonym or LOINC code; raises UnknownAnalyte with a suggestion."""
    if not isinstance(name_or_loinc, str) or not name_or_loinc.strip():
        raise UnknownAnalyte("missing analyte name")
    text = name_or_loinc.strip()
    index = _index()
    key = index.get(text) or index.get(_normal(text))
    if key is not None:
        return CATALOGUE[key]
    if _LOINC_PATTERN.match(text):
        raise UnknownAnalyte(f"LOINC code {text!r} is not in the catalogue")
    names = [name for name in index if not _LOINC_PATTERN.match(name)]
    close = difflib.get_close_matches(_normal(text), names, n=1, cutoff=0.5)
    hint = f"; did you mean {CATALOGUE[index[close[0]]].key!r}?" if close else ""
    raise UnknownAnalyte(f"unknown analyte {text!r}{hint}")
