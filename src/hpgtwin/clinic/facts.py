"""The facts a rule condition can read: one man's latest labs, derived metrics and history, in canonical units.

Each fact is named after its unit (``estradiol_pg_ml``) so a condition reads like the guideline it encodes.
A fact that was not measured is ``None`` (unknown), never zero.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hpgtwin.errors import InputError
from hpgtwin.labs.catalogue import CATALOGUE
from hpgtwin.labs.intake import Intake
from hpgtwin.labs.plausibility import check_value
from hpgtwin.labs.records import LabResult, PatientFile

# Intake alerts that make a value unfit to draw conclusions from until the unit is confirmed.
SUSPECT_ALERTS = ("probable_unit_error", "implausible_value")


@dataclass(frozen=True)
class FactSpec:
    """One fact: its unit (or kind) and what it means."""

    unit: str
    description: str


# Latest value of a catalogue analyte -> fact name (canonical unit of the catalogue).
LAB_FACTS: dict[str, str] = {
    "testosterone_total": "testosterone_ng_dl",
    "estradiol": "estradiol_pg_ml",
    "lh": "lh_iu_l",
    "fsh": "fsh_iu_l",
    "shbg": "shbg_nmol_l",
    "prolactin": "prolactin_ng_ml",
    "tsh": "tsh_miu_l",
    "free_t4": "free_t4_ng_dl",
    "inhibin_b": "inhibin_b_pg_ml",
    "hematocrit": "hematocrit_pct",
    "psa": "psa_ng_ml",
}
# Derived metric of the intake -> fact name.
DERIVED_FACTS: dict[str, str] = {
    "t_e2_ratio": "t_e2_ratio",
    "t_lh_ratio": "t_lh_ratio",
    "bmi_kg_m2": "bmi_kg_m2",
    "total_motile_count_million": "total_motile_count_million",
    "total_sperm_count_million": "total_sperm_count_million",
}
# Which lab analytes each derived metric is computed from (a suspect input withholds the metric too).
DERIVED_INPUTS: dict[str, tuple[str, ...]] = {
    "t_e2_ratio": ("testosterone_total", "estradiol"),
    "t_lh_ratio": ("testosterone_total", "lh"),
    "free_testosterone_pg_ml": ("testosterone_total", "shbg", "albumin"),
}

FACTS: dict[str, FactSpec] = {
    "testosterone_ng_dl": FactSpec("ng/dL", "latest total testosterone"),
    "estradiol_pg_ml": FactSpec("pg/mL", "latest estradiol"),
    "lh_iu_l": FactSpec("IU/L", "latest LH"),
    "fsh_iu_l": FactSpec("IU/L", "latest FSH"),
    "shbg_nmol_l": FactSpec("nmol/L", "latest SHBG"),
    "prolactin_ng_ml": FactSpec("ng/mL", "latest prolactin"),
    "tsh_miu_l": FactSpec("mIU/L", "latest TSH"),
    "free_t4_ng_dl": FactSpec("ng/dL", "latest free T4"),
    "inhibin_b_pg_ml": FactSpec("pg/mL", "latest inhibin B"),
    "hematocrit_pct": FactSpec("%", "latest hematocrit"),
    "psa_ng_ml": FactSpec("ng/mL", "latest PSA"),
    "free_testosterone_pg_ml": FactSpec("pg/mL", "measured free T if present, else calculated (Vermeulen)"),
    "t_e2_ratio": FactSpec("ng/dL per pg/mL", "T (ng/dL) / E2 (pg/mL), from the intake"),
    "t_lh_ratio": FactSpec("ng/dL per IU/L", "T (ng/dL) / LH (IU/L), from the intake"),
    "bmi_kg_m2": FactSpec("kg/m2", "BMI as given or from weight and height"),
    "total_motile_count_million": FactSpec("10^6", "latest semen: volume x concentration x total motility"),
    "total_sperm_count_million": FactSpec("10^6", "latest semen: volume x concentration"),
    "sperm_concentration_million_ml": FactSpec("10^6/mL", "latest semen analysis: concentration"),
    "age_years": FactSpec("years", "age"),
    "testosterone_measurements": FactSpec("count", "number of total testosterone results on file"),
    "desires_fertility": FactSpec("bool", "wants children now or soon (None = not recorded)"),
    "has_semen": FactSpec("bool", "a semen analysis is on file"),
    "semen_abnormal": FactSpec("bool", "latest semen analysis has a WHO code other than normozoospermia (None = none)"),
    "semen_codes": FactSpec("set", "WHO codes of the latest semen analysis (intake classification)"),
    "conditions": FactSpec("set", "condition codes of the patient file"),
    "medications": FactSpec("text", "current medications as written (for evidence text)"),
    "drugs": FactSpec("set", "agents recognised in the current medications (rule table `agents`)"),
    "drug_classes": FactSpec("set", "classes of the recognised agents"),
    "on_other_androgen": FactSpec("bool", "an exogenous androgen other than testosterone (e.g. nandrolone) is taken"),
    "intake_alerts": FactSpec("set", "alert codes raised by the intake (e.g. probable_unit_error)"),
    "withheld_values": FactSpec("set", "names of analytes whose latest value looks like a unit error or is implausible (treated as unknown)"),
    "phenotypes": FactSpec("set", "phenotype codes concluded so far (available to therapy, monitoring, alert rules)"),
}


def fit_fact(agent: str) -> str:
    """Name of the fact that holds the therapy fit of one agent (``fit_anastrozole``)."""
    return f"fit_{agent}"


def _mentions(text: str, words: Iterable[str]) -> bool:
    return any(re.search(rf"(?<![a-z]){re.escape(w.lower())}(?![a-z])", text) for w in words)


def recognise_agents(medications: Iterable[str], agents: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Agent keys named in the medication texts (whole-word match on the agent's synonyms)."""
    found = set()
    for text in medications:
        lowered = text.lower()
        found |= {key for key, spec in agents.items() if _mentions(lowered, [key, *spec.get("synonyms", [])])}
    return found


def is_suspect(result: LabResult, *, treated: bool) -> bool:
    """True when intake's plausibility check flags this value (probable unit error or implausible)."""
    value = result.original_value if result.original_value is not None and result.original_unit else result.value
    unit = result.original_unit or result.unit
    try:
        alert = check_value(CATALOGUE[result.analyte], value, unit, treated=treated, when=result.date)
    except (InputError, KeyError):
        return False
    return alert is not None and alert.code in SUSPECT_ALERTS


def gather_facts(
    pf: PatientFile, taken: Intake, *, agents: Mapping[str, Mapping[str, Any]], other_androgens: Iterable[str]
) -> dict[str, Any]:
    """The base facts of one patient file (before any rule has run)."""
    facts: dict[str, Any] = {name: None for name in FACTS}
    patient = pf.patient
    treated = bool(patient.medications)
    withheld = {
        analyte
        for analyte in (*LAB_FACTS, "testosterone_free", "albumin")
        if (latest := pf.latest(analyte)) is not None and is_suspect(latest, treated=treated)
    }
    for analyte, name in LAB_FACTS.items():
        latest = pf.latest(analyte)
        facts[name] = None if latest is None or analyte in withheld else float(latest.value)
    for metric, name in DERIVED_FACTS.items():
        usable = metric in taken.derived and not withheld & set(DERIVED_INPUTS.get(metric, ()))
        facts[name] = taken.value(metric) if usable else None
    measured_free = pf.latest("testosterone_free")
    if measured_free is not None:
        facts["free_testosterone_pg_ml"] = None if "testosterone_free" in withheld else float(measured_free.value)
    elif not withheld & set(DERIVED_INPUTS["free_testosterone_pg_ml"]):
        facts["free_testosterone_pg_ml"] = taken.value("free_testosterone_pg_ml")
    facts["withheld_values"] = frozenset(CATALOGUE[a].name.lower() for a in withheld)
    facts["age_years"] = patient.age_years
    facts["desires_fertility"] = patient.desires_fertility
    facts["testosterone_measurements"] = len(pf.results("testosterone_total"))
    semen = pf.latest_semen()
    classification = taken.latest_semen_classification()
    codes = frozenset(classification.codes) if classification is not None else frozenset()
    facts["has_semen"] = semen is not None
    facts["sperm_concentration_million_ml"] = None if semen is None else semen.concentration_million_per_ml
    facts["semen_codes"] = codes
    facts["semen_abnormal"] = None if not codes else bool(codes - {"normozoospermia"})
    facts["conditions"] = frozenset(c.lower() for c in patient.conditions)
    facts["medications"] = ", ".join(patient.medications) if patient.medications else "none recorded"
    drugs = recognise_agents(patient.medications, agents)
    facts["drugs"] = frozenset(drugs)
    facts["drug_classes"] = frozenset(agents[d]["class"] for d in drugs)
    facts["on_other_androgen"] = any(_mentions(m.lower(), other_androgens) for m in patient.medications)
    facts["intake_alerts"] = frozenset(a.code for a in taken.alerts)
    facts["phenotypes"] = frozenset()
    for agent in agents:
        facts[fit_fact(agent)] = None
    return facts
