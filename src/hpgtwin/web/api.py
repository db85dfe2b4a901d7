"""JSON API (OpenAPI at /api/docs): the CLI's operations — assess, simulate, plan, trial — patients and labs CRUD,
FHIR import and export."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from hpgtwin.store import Store
from hpgtwin.web import services

router = APIRouter(prefix="/api")


def _store(request: Request) -> Store:
    """The app's store."""
    return request.app.state.store


class PatientIn(BaseModel):
    """The ``patient`` section of the patient-file contract."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=128)
    age_years: float | None = None
    bmi_kg_m2: float | None = None
    weight_kg: float | None = None
    height_cm: float | None = None
    desires_fertility: bool | None = None
    conditions: list[str] = []
    medications: list[str] = []


class PatientUpdate(BaseModel):
    """Covariates to change (only the fields sent are changed)."""

    model_config = ConfigDict(extra="forbid")
    age_years: float | None = None
    bmi_kg_m2: float | None = None
    weight_kg: float | None = None
    height_cm: float | None = None
    desires_fertility: bool | None = None
    conditions: list[str] | None = None
    medications: list[str] | None = None


class LabIn(BaseModel):
    """One lab result as reported: analyte name or LOINC, value, unit (UCUM or lab spelling), draw date."""

    model_config = ConfigDict(extra="forbid")
    analyte: str = Field(max_length=64)
    value: float
    unit: str = Field(max_length=32)
    date: str | None = None


class SemenIn(BaseModel):
    """One semen analysis (WHO 2021 manual quantities)."""

    model_config = ConfigDict(extra="forbid")
    date: str | None = None
    volume_ml: float | None = None
    concentration_million_per_ml: float | None = None
    total_motility_pct: float | None = None
    progressive_motility_pct: float | None = None
    normal_forms_pct: float | None = None


class RegimenIn(BaseModel):
    """A regimen taken: regimen text and dates."""

    model_config = ConfigDict(extra="forbid")
    regimen: str = Field(max_length=256)
    start_date: str | None = None
    end_date: str | None = None


class SimulateIn(BaseModel):
    """What ``hpgtwin simulate`` takes: a regimen, a duration, optionally a patient file for covariates."""

    model_config = ConfigDict(extra="forbid")
    regimen: str | None = None
    days: float = 180
    patient_file: dict[str, Any] | None = None
    pulsatile_day: int | None = Field(default=None, ge=0, description="add this day's 24 h LH pulse profile")
    pulsatile_seed: int | None = Field(default=None, ge=0, description="seed of the pulse timing (default fixed)")


class PlanIn(BaseModel):
    """What ``hpgtwin plan`` takes: a patient file (or a stored patient id) and candidate regimens."""

    model_config = ConfigDict(extra="forbid")
    patient_file: dict[str, Any] | None = None
    patient_id: str | None = None
    candidates: list[str] | None = None
    days: int = Field(default=services.PLAN_DAYS, ge=7, le=services.MAX_SIMULATION_DAYS)
    save: bool = False


# the CLI's operations -------------------------------------------------------------------------------------------


@router.post("/assess", tags=["operations"])
def assess(patient_file: dict[str, Any], audience: str = "clinician") -> dict[str, Any]:
    """Assess a patient file (JSON contract or FHIR Bundle), like ``hpgtwin assess --format json``."""
    return services.assess(services.load_patient_file(patient_file), audience=audience)


@router.post("/simulate", tags=["operations"])
def simulate(body: SimulateIn) -> dict[str, Any]:
    """Simulate a regimen in a typical man (or with this patient file's covariates), like ``hpgtwin simulate``."""
    pf = services.load_patient_file(body.patient_file) if body.patient_file else None
    return services.simulate(body.regimen, body.days, pf, pulsatile_day=body.pulsatile_day,
                             pulsatile_seed=body.pulsatile_seed)


@router.post("/plan", tags=["operations"])
def plan(request: Request, body: PlanIn) -> dict[str, Any]:
    """Personal projections and dose finder, like ``hpgtwin plan``; ``save`` keeps it with a stored patient."""
    from hpgtwin.errors import InputError

    if (body.patient_file is None) == (body.patient_id is None):
        raise InputError("send exactly one of patient_file or patient_id")
    store = _store(request)
    pf = (services.load_patient_file(body.patient_file) if body.patient_file is not None
          else store.patient_file(body.patient_id or ""))
    result = services.plan(pf, body.candidates, days=body.days)
    if body.save and body.patient_id:
        result["saved_plan_id"] = store.save_plan(body.patient_id, [p["regimen"] for p in result["projections"]],
                                                  result)
    return result


@router.post("/trial", tags=["operations"])
def trial(request: Request, spec: dict[str, Any]) -> dict[str, Any]:
    """Run a virtual trial from a cohort spec (JSON form of the YAML), like ``hpgtwin trial``, within the size limit."""
    return services.trial(spec, max_patients=request.app.state.max_trial_patients)


# patients and labs ----------------------------------------------------------------------------------------------


@router.get("/patients", tags=["patients"])
def list_patients(request: Request) -> list[dict[str, Any]]:
    """Every stored patient."""
    return _store(request).list_patients()


@router.post("/patients", tags=["patients"], status_code=201)
def create_patient(request: Request, body: PatientIn) -> dict[str, Any]:
    """Add a patient."""
    return _store(request).create_patient(body.model_dump())


@router.get("/patients/{patient_id}", tags=["patients"])
def get_patient(request: Request, patient_id: str) -> dict[str, Any]:
    """One patient with labs, semen analyses and regimens."""
    return _store(request).get_patient(patient_id)


@router.patch("/patients/{patient_id}", tags=["patients"])
def update_patient(request: Request, patient_id: str, body: PatientUpdate) -> dict[str, Any]:
    """Change covariates of a patient."""
    return _store(request).update_patient(patient_id, body.model_dump(exclude_unset=True))


@router.delete("/patients/{patient_id}", tags=["patients"], status_code=204)
def delete_patient(request: Request, patient_id: str) -> None:
    """Remove a patient and his record."""
    _store(request).delete_patient(patient_id)


@router.get("/patients/{patient_id}/labs", tags=["labs"])
def list_labs(request: Request, patient_id: str) -> list[dict[str, Any]]:
    """A patient's lab results: as entered and canonical, oldest first."""
    return _store(request).get_patient(patient_id)["labs"]


@router.post("/patients/{patient_id}/labs", tags=["labs"], status_code=201)
def add_lab(request: Request, patient_id: str, body: LabIn) -> dict[str, Any]:
    """Add one lab result."""
    return _store(request).add_lab(patient_id, body.analyte, body.value, body.unit, body.date)


@router.delete("/patients/{patient_id}/labs/{lab_id}", tags=["labs"], status_code=204)
def delete_lab(request: Request, patient_id: str, lab_id: int) -> None:
    """Remove one lab result."""
    _store(request).delete_lab(patient_id, lab_id)


@router.post("/patients/{patient_id}/semen", tags=["labs"], status_code=201)
def add_semen(request: Request, patient_id: str, body: SemenIn) -> dict[str, Any]:
    """Add one semen analysis."""
    return _store(request).add_semen(patient_id, body.model_dump())


@router.post("/patients/{patient_id}/regimens", tags=["labs"], status_code=201)
def add_regimen(request: Request, patient_id: str, body: RegimenIn) -> dict[str, Any]:
    """Record a regimen taken."""
    return _store(request).add_regimen(patient_id, body.regimen, body.start_date, body.end_date)


@router.get("/patients/{patient_id}/patient-file", tags=["patients"])
def patient_file(request: Request, patient_id: str) -> dict[str, Any]:
    """The stored patient as a JSON patient file (values and units as entered)."""
    return _store(request).patient_file_dict(patient_id)


@router.get("/patients/{patient_id}/assessment", tags=["operations"])
def patient_assessment(request: Request, patient_id: str, audience: str = "clinician") -> dict[str, Any]:
    """The assessment of a stored patient."""
    return services.assess(_store(request).patient_file(patient_id), audience=audience)


@router.post("/patients/{patient_id}/assessments", tags=["operations"], status_code=201)
def save_assessment(request: Request, patient_id: str) -> dict[str, Any]:
    """Assess a stored patient and keep the result (with hpgtwin version and parameter-set hash)."""
    store = _store(request)
    payload = services.assess(store.patient_file(patient_id))
    return {"id": store.save_assessment(patient_id, payload), "assessment": payload}


@router.get("/patients/{patient_id}/saved/{kind}", tags=["operations"])
def saved(request: Request, patient_id: str, kind: str) -> list[dict[str, Any]]:
    """Saved assessments or plans of a patient (kind: assessment | plan), newest first."""
    from hpgtwin.errors import InputError

    if kind not in ("assessment", "plan"):
        raise InputError("kind must be 'assessment' or 'plan'")
    return _store(request).saved_results(patient_id, kind)


# FHIR -----------------------------------------------------------------------------------------------------------


@router.post("/fhir/import", tags=["fhir"], status_code=201)
def fhir_import(request: Request, bundle: dict[str, Any]) -> dict[str, Any]:
    """Import a FHIR R4 Bundle as a new patient; nothing is written unless the whole Bundle validates."""
    pf = services.fhir_to_patient_file(bundle)
    summary = _store(request).import_patient_file(pf, actor="fhir-import")
    summary["import_notes"] = list(getattr(pf, "import_notes", ()))
    return summary


@router.get("/patients/{patient_id}/fhir", tags=["fhir"])
def fhir_export(request: Request, patient_id: str) -> dict[str, Any]:
    """The stored patient and his assessment as a FHIR R4 Bundle."""
    pf = _store(request).patient_file(patient_id)
    return services.patient_file_to_fhir(pf, services.assess(pf))
