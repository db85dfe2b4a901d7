"""Export a PatientFile as a FHIR R4 collection Bundle: Patient, Observations (LOINC + UCUM), derived metrics,
the assessment as a DiagnosticReport (conclusions coded and sourced) and a plan as a CarePlan.

The Bundle is validated with ``fhir.resources.R4B`` before it is returned. Resource ids are deterministic
(UUID v5 of the patient id and the resource identity), so exporting twice gives the same document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from hpgtwin import DISCLAIMER
from hpgtwin.errors import FhirError
from hpgtwin.interop.fhir_codes import (
    CONDITION,
    DERIVED_METRIC,
    DERIVED_TAG,
    EXT_AGE_YEARS,
    EXT_DESIRES_FERTILITY,
    EXT_SOURCE,
    FINDING,
    LOINC,
    OBSERVATION_CATEGORY,
    REPORT_CODE,
    UCUM,
    stable_urn,
    unit_fits_code,
)
from hpgtwin.labs.catalogue import CATALOGUE, SOURCES, Analyte, LoincCode
from hpgtwin.labs.derived import derive
from hpgtwin.labs.records import PatientFile
from hpgtwin.units import convert, to_ucum

# Derived metrics that have a LOINC analyte in the catalogue (coded with it besides hpgtwin's own code).
_DERIVED_LOINC = {
    "free_testosterone_pg_ml": "testosterone_free_calculated",
    "bioavailable_testosterone_ng_dl": "testosterone_bioavailable",
    "total_sperm_count_million": "total_sperm_count",
    "bmi_kg_m2": "bmi",
}
_UNIT_DISPLAY = {"1": "1", "10*6": "10*6", "%": "%"}


def _fhir_id(text: str) -> str:
    """A FHIR id ([A-Za-z0-9-.]{1,64}) from any patient id."""
    cleaned = re.sub(r"[^A-Za-z0-9\-.]", "-", text)[:64]
    return cleaned or "patient"


def _quantity(value: float, unit: str) -> dict[str, Any]:
    code = to_ucum(unit)
    return {"value": float(value), "unit": unit, "system": UCUM, "code": code}


def _category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": code}]}]


def _fits(code: LoincCode, unit: str) -> bool:
    return unit_fits_code(code.long_name, unit)


def export_code_and_unit(analyte: Analyte) -> tuple[LoincCode, str]:
    """The LOINC code to export an analyte with, and the unit that code calls for (no code/unit mismatch).

    The first code that fits the canonical unit wins; when none does (calculated free T has only a molar code),
    the value is sent in the first confusable unit that fits the first code.
    """
    for code in analyte.loinc_codes:
        if _fits(code, analyte.canonical_unit):
            return code, analyte.canonical_unit
    code = analyte.loinc_codes[0]
    for unit in analyte.confusable_units:
        if _fits(code, unit):
            return code, unit
    raise FhirError(f"no unit fits LOINC {code.code} of {analyte.key}")


def _loinc_concept(code: LoincCode, analyte: Analyte) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": code.code, "display": code.long_name}], "text": analyte.name}


def _reference_range(analyte: Analyte) -> list[dict[str, Any]]:
    ri = analyte.reference_interval
    if ri.low is None and ri.high is None:
        return []
    rng: dict[str, Any] = {"text": f"typical adult-male interval; source: {SOURCES[ri.source]}"}
    if ri.low is not None:
        rng["low"] = _quantity(ri.low, analyte.canonical_unit)
    if ri.high is not None:
        rng["high"] = _quantity(ri.high, analyte.canonical_unit)
    return [rng]


class _Builder:
    """Collects resources with stable fullUrls; every resource references the one Patient."""

    def __init__(self, pf: PatientFile) -> None:
        self.pf = pf
        self.patient_url = stable_urn(pf.patient.id, "Patient")
        self.entries: list[dict[str, Any]] = []
        self.observation_urls: list[str] = []

    def add(self, resource: dict[str, Any], *identity: object) -> str:
        url = stable_urn(self.pf.patient.id, resource["resourceType"], *identity)
        resource.setdefault("id", url.rsplit(":", 1)[-1])
        self.entries.append({"fullUrl": url, "resource": resource})
        return url

    def subject(self) -> dict[str, str]:
        return {"reference": self.patient_url}

    def observation(self, analyte: Analyte, value: float, when: str | None, category: str, *identity: object) -> None:
        code, unit = export_code_and_unit(analyte)
        if unit != analyte.canonical_unit:
            value = convert(value, analyte.canonical_unit, unit, molar_mass_g_mol=analyte.molar_mass_g_mol)
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "status": "final",
            "category": _category(category),
            "code": _loinc_concept(code, analyte),
            "subject": self.subject(),
            "valueQuantity": _quantity(value, unit),
        }
        if when:
            resource["effectiveDateTime"] = when
        ranges = _reference_range(analyte)
        if ranges:
            resource["referenceRange"] = ranges
        self.observation_urls.append(self.add(resource, analyte.key, when, *identity))


def _patient_resource(pf: PatientFile) -> dict[str, Any]:
    p = pf.patient
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": _fhir_id(p.id),
        "identifier": [{"system": "urn:hpgtwin:patient-id", "value": p.id}],
        "gender": "male",
    }
    extensions = []
    if p.age_years is not None:
        extensions.append({"url": EXT_AGE_YEARS, "valueDecimal": float(p.age_years)})
    if p.desires_fertility is not None:
        extensions.append({"url": EXT_DESIRES_FERTILITY, "valueBoolean": p.desires_fertility})
    if extensions:
        resource["extension"] = extensions
    return resource


def _add_labs(builder: _Builder, pf: PatientFile) -> None:
    for result in pf.labs:
        when = result.date.isoformat() if result.date else None
        builder.observation(CATALOGUE[result.analyte], result.value, when, "laboratory")
    for semen in pf.semen:
        when = semen.date.isoformat() if semen.date else None
        for analyte in CATALOGUE.values():
            value = getattr(semen, analyte.semen_field) if analyte.semen_field else None
            if value is not None:
                builder.observation(analyte, value, when, "laboratory")
    for analyte in CATALOGUE.values():
        value = getattr(pf.patient, analyte.patient_field) if analyte.patient_field else None
        if value is not None:
            builder.observation(analyte, value, None, "vital-signs")


def _add_derived(builder: _Builder, pf: PatientFile) -> None:
    for name, metric in derive(pf).items():
        if metric.value is None:
            continue
        if name == "bmi_kg_m2" and pf.patient.bmi_kg_m2 is not None:
            continue  # reported BMI is already exported as a vital sign
        coding = [{"system": DERIVED_METRIC, "code": name, "display": metric.convention}]
        unit = metric.unit
        if name in _DERIVED_LOINC:
            analyte = CATALOGUE[_DERIVED_LOINC[name]]
            fitting = [c for c in analyte.loinc_codes if _fits(c, unit)]
            if fitting:
                coding.append({"system": LOINC, "code": fitting[0].code, "display": fitting[0].long_name})
        quantity: dict[str, Any] = {"value": float(metric.value), "unit": _UNIT_DISPLAY.get(unit, unit), "system": UCUM}
        if unit not in ("ng/dL per IU/L",):
            quantity["code"] = to_ucum(unit)
        resource = {
            "resourceType": "Observation",
            "meta": {"tag": [{"system": DERIVED_TAG, "code": "derived", "display": "computed by hpgtwin"}]},
            "status": "final",
            "category": _category("laboratory"),
            "code": {"coding": coding, "text": name},
            "subject": builder.subject(),
            "valueQuantity": quantity,
            "method": {"text": metric.formula},
            "note": [{"text": f"{metric.convention}. Source: {metric.source}"}]
            + [{"text": n} for n in metric.notes],
        }
        builder.observation_urls.append(builder.add(resource, "derived", name))


def _add_conditions_and_medications(builder: _Builder, pf: PatientFile) -> None:
    for condition in pf.patient.conditions:
        builder.add(
            {
                "resourceType": "Condition",
                "code": {"coding": [{"system": CONDITION, "code": condition}], "text": condition.replace("_", " ")},
                "subject": builder.subject(),
            },
            "condition",
            condition,
        )
    for regimen in pf.patient.medications:
        builder.add(
            {
                "resourceType": "MedicationStatement",
                "status": "active",
                "medicationCodeableConcept": {"text": regimen.split()[0] if regimen.split() else regimen},
                "subject": builder.subject(),
                "dosage": [{"text": regimen}],
            },
            "medication",
            regimen,
        )


def _as_coded(item: Any, kind: str) -> dict[str, Any] | None:
    """An assessment entry as ``{code, message, source}``: findings carry ``code``, therapies ``agent``, tests ``test``."""
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("code"), str):
        return {**item, "_kind": kind}
    if isinstance(item.get("agent"), str):
        fit = item.get("fit")
        label = f"{item.get('name') or item['agent']}: {fit}" if fit else str(item.get("name") or item["agent"])
        return {"code": f"therapy-{item['agent']}", "message": label, "sources": item.get("sources"), "_kind": kind}
    if isinstance(item.get("test"), str):
        return {"code": f"monitor-{item['test']}", "message": item.get("why") or item["test"],
                "source": item.get("source"), "_kind": kind}
    return None


def _coded_items(value: Any, kind: str) -> Iterator[dict[str, Any]]:
    """Every coded entry of an assessment section (a dict of entries, a list of entries, or one entry)."""
    if isinstance(value, list):
        candidates = value
    elif isinstance(value, dict):
        candidates = [value] if _as_coded(value, kind) else list(value.values())
    else:
        candidates = []
    for item in candidates:
        coded = _as_coded(item, kind)
        if coded is not None:
            yield coded


def _source_text(item: dict[str, Any]) -> str:
    source = item.get("source") or item.get("sources") or item.get("citation")
    if isinstance(source, list):
        return "; ".join(str(s) for s in source)
    return str(source) if source else "hpgtwin rules (no source recorded)"


def _conclusions(assessment: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for section in ("phenotype", "therapies", "monitoring", "alerts"):
        items.extend(_coded_items(assessment.get(section), section))
    for semen in assessment.get("semen") or []:
        classification = semen.get("classification") if isinstance(semen, dict) else None
        if isinstance(classification, dict):
            for code in classification.get("codes", []):
                items.append({"code": code, "message": f"semen analysis {semen.get('date') or ''}: {code}".strip(),
                              "source": classification.get("source"), "_kind": "semen"})
    concepts = []
    seen: set[tuple[str, str]] = set()
    for item in items:
        key = ("finding", item["code"])
        if key in seen:
            continue
        seen.add(key)
        text = item.get("message") or item.get("explanation") or item.get("label") or item.get("title") or item.get("name") or item["code"]
        concepts.append(
            {
                "extension": [{"url": EXT_SOURCE, "valueString": _source_text(item)}],
                "coding": [{"system": FINDING, "code": item["code"], "display": f"{item['_kind']}: {item['code']}"}],
                "text": str(text),
            }
        )
    return concepts


def _conclusion_text(assessment: dict[str, Any], concepts: list[dict[str, Any]]) -> str:
    summary = assessment.get("summary")
    lines = [str(summary)] if isinstance(summary, str) else []
    lines += [c["text"] for c in concepts]
    lines.append(str(assessment.get("disclaimer") or DISCLAIMER))
    return "\n".join(lines)


def _add_report(builder: _Builder, assessment: dict[str, Any]) -> None:
    concepts = _conclusions(assessment)
    resource = {
        "resourceType": "DiagnosticReport",
        "status": "final",
        "code": {"coding": [{"system": REPORT_CODE, "code": "hpg-assessment"}], "text": "hpgtwin HPG-axis assessment"},
        "subject": builder.subject(),
        "result": [{"reference": url} for url in builder.observation_urls],
        "conclusion": _conclusion_text(assessment, concepts),
    }
    if concepts:
        resource["conclusionCode"] = concepts
    builder.add(resource, "report")


def _recommended(plan: dict[str, Any]) -> str | None:
    dose = plan.get("dose_recommendation")
    if isinstance(dose, dict) and isinstance(dose.get("recommended_regimen"), str):
        return dose["recommended_regimen"]
    value = plan.get("recommended") or plan.get("regimen")
    if isinstance(value, dict):
        value = value.get("regimen") or value.get("text")
    return value if isinstance(value, str) else None


def _projection_text(plan: dict[str, Any], regimen: str) -> str:
    """The last summary row of one regimen (``hpgtwin.fit.Plan.summary``) as one line, if there is one."""
    rows = [r for r in plan.get("summary") or [] if isinstance(r, dict) and r.get("regimen") == regimen]
    if not rows:
        return ""
    row = rows[-1]
    parts = []
    for output, value in row.items():
        if isinstance(value, dict) and {"median", "p10", "p90"} <= set(value):
            parts.append(f"{output} {value['median']:.4g} (80 % band {value['p10']:.4g}-{value['p90']:.4g})")
    return f"; projected at week {row.get('week')}: " + ", ".join(parts) if parts else ""


def _plan_regimens(plan: dict[str, Any]) -> list[str]:
    """Candidate regimens of a plan: projections of ``hpgtwin.fit.Plan``, or a list under a common key."""
    found: list[str] = []
    for key in ("projections", "candidates", "regimens", "activities", "recommendations"):
        for item in plan.get(key) or []:
            if isinstance(item, str):
                found.append(item)
            elif isinstance(item, dict):
                text = item.get("regimen") or item.get("text") or item.get("description") or item.get("name")
                if isinstance(text, str):
                    found.append(text)
    recommended = _recommended(plan)
    if recommended:
        found.insert(0, recommended)
    return list(dict.fromkeys(found))


def _plan_activities(plan: dict[str, Any]) -> list[dict[str, Any]]:
    recommended = _recommended(plan)
    activities = []
    for regimen in _plan_regimens(plan):
        label = "recommended: " if regimen == recommended else "candidate: "
        activities.append(
            {"detail": {"status": "not-started", "description": label + regimen + _projection_text(plan, regimen)}}
        )
    return activities


def _add_care_plan(builder: _Builder, plan: dict[str, Any]) -> None:
    recommended = _recommended(plan)
    description = plan.get("description") or plan.get("text")
    if not isinstance(description, str):
        description = (
            f"Lowest projected dose meeting the target: {recommended}" if recommended
            else "Candidate regimens projected by the hpgtwin digital twin"
        )
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "status": "draft",
        "intent": "proposal",
        "title": str(plan.get("title") or "hpgtwin therapy plan (for discussion with a clinician)"),
        "description": description,
        "subject": builder.subject(),
        "note": [{"text": str(plan.get("disclaimer") or DISCLAIMER)}]
        + [{"text": str(c)} for c in plan.get("conventions") or [] if isinstance(c, str)],
    }
    activities = _plan_activities(plan)
    if activities:
        resource["activity"] = activities
    builder.add(resource, "careplan")


def patient_file_to_bundle(
    pf: PatientFile, assessment: dict[str, Any] | None = None, plan: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A validated FHIR R4 collection Bundle (JSON dict) of a patient file, its assessment and a plan."""
    builder = _Builder(pf)
    builder.entries.append({"fullUrl": builder.patient_url, "resource": _patient_resource(pf)})
    _add_labs(builder, pf)
    _add_derived(builder, pf)
    _add_conditions_and_medications(builder, pf)
    if assessment is not None:
        _add_report(builder, assessment)
    if plan is not None:
        _add_care_plan(builder, plan)
    bundle = {
        "resourceType": "Bundle",
        "id": stable_urn(pf.patient.id, "Bundle").rsplit(":", 1)[-1],
        "type": "collection",
        "entry": builder.entries,
    }
    try:
        Bundle.model_validate(bundle)
    except Exception as exc:  # our own output must be valid FHIR; say where if it is not
        raise FhirError(f"exported Bundle failed FHIR R4 validation: {str(exc).splitlines()[0]}") from exc
    return bundle
