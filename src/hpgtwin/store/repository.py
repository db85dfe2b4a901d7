"""The record's operations: patients, labs, semen, regimens, saved assessments and plans, each change audited."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from hpgtwin.errors import InputError, PatientFileError
from hpgtwin.labs.records import PatientFile
from hpgtwin.store.engine import make_engine, migrate
from hpgtwin.store.models import (
    AssessmentRow,
    AuditEntry,
    LabResultRow,
    PatientRow,
    PlanRow,
    RegimenTakenRow,
    SemenAnalysisRow,
)
from hpgtwin.store.provenance import hpgtwin_version, parameter_set_hash

PATIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
PATIENT_NUMBER_FIELDS = ("age_years", "bmi_kg_m2", "weight_kg", "height_cm")
SEMEN_FIELDS = (
    "volume_ml",
    "concentration_million_per_ml",
    "total_motility_pct",
    "progressive_motility_pct",
    "normal_forms_pct",
)


class PatientNotFound(InputError):
    """No patient with this id in the record."""


class RecordNotFound(InputError):
    """No lab, semen analysis or regimen with this id for this patient."""


class DuplicatePatient(PatientFileError):
    """A patient with this id is already in the record."""


def _parse_date(value: Any, what: str) -> date | None:
    """An ISO date (or None); a date in the future is bad input."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value))
        except ValueError as exc:
            raise PatientFileError(f"{what}: {value!r} is not an ISO date (YYYY-MM-DD)") from exc
    if parsed > date.today():
        raise PatientFileError(f"{what}: {parsed.isoformat()} is in the future")
    return parsed


def _number(value: Any, what: str) -> float | None:
    """A finite non-negative number (or None when blank)."""
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what}: {value!r} is not a number") from exc
    if number != number or number in (float("inf"), float("-inf")) or number < 0:
        raise InputError(f"{what}: {value!r} must be a finite, non-negative number")
    return number


def _text_list(value: Any, what: str) -> list[str]:
    """A list of non-empty strings from a list or a comma/newline separated string."""
    if value in (None, ""):
        return []
    items = re.split(r"[,\n]", value) if isinstance(value, str) else list(value)
    cleaned = [str(item).strip() for item in items if str(item).strip()]
    if any(len(item) > 256 for item in cleaned):
        raise InputError(f"{what}: an entry is longer than 256 characters")
    return cleaned


def canonical_lab(analyte: str, value: float, unit: str) -> tuple[str, str | None, float, str]:
    """Catalogue key, LOINC, canonical value and canonical unit of one entered result (raises InputError)."""
    from hpgtwin.labs.catalogue import lookup_analyte
    from hpgtwin.units import convert

    found = lookup_analyte(analyte)
    canonical = convert(value, unit, found.canonical_unit, molar_mass_g_mol=found.molar_mass_g_mol)
    return found.key, found.loinc, float(canonical), found.canonical_unit


def _check_body_measure(key: str, value: float, unit: str, canonical: float) -> None:
    """Weight, height and BMI entered as lab results get the intake's plausibility limits (else ImplausibleValue)."""
    from hpgtwin.labs.catalogue import CATALOGUE
    from hpgtwin.labs.covariates import check_body_measure

    if CATALOGUE[key].patient_field:
        check_body_measure(CATALOGUE[key], value, unit, canonical, key)


def patient_summary(row: PatientRow) -> dict[str, Any]:
    """The patient section of the patient-file contract, plus the record's own id and stamps."""
    return {
        "record_id": row.id,
        "id": row.external_id,
        "age_years": row.age_years,
        "bmi_kg_m2": row.bmi_kg_m2,
        "weight_kg": row.weight_kg,
        "height_cm": row.height_cm,
        "desires_fertility": row.desires_fertility,
        "conditions": list(row.conditions or []),
        "medications": list(row.medications or []),
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "updated_at": row.updated_at.isoformat() if row.updated_at else None,
    }


def lab_dict(row: LabResultRow) -> dict[str, Any]:
    """One stored lab result: as entered and canonical."""
    return {
        "id": row.id,
        "analyte": row.analyte,
        "loinc": row.loinc,
        "value": row.original_value,
        "unit": row.original_unit,
        "canonical_value": row.canonical_value,
        "canonical_unit": row.canonical_unit,
        "date": row.date.isoformat() if row.date else None,
    }


def semen_dict(row: SemenAnalysisRow) -> dict[str, Any]:
    """One stored semen analysis."""
    out: dict[str, Any] = {"id": row.id, "date": row.date.isoformat() if row.date else None}
    out.update({name: getattr(row, name) for name in SEMEN_FIELDS})
    return out


def regimen_dict(row: RegimenTakenRow) -> dict[str, Any]:
    """One regimen taken, with its dates."""
    return {
        "id": row.id,
        "regimen": row.regimen,
        "start_date": row.start_date.isoformat() if row.start_date else None,
        "end_date": row.end_date.isoformat() if row.end_date else None,
    }


class Store:
    """The patient record on one database; every public method is one transaction."""

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine whose schema is already migrated (use :meth:`open`)."""
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """Open (and migrate) the store at ``url`` or the configured default."""
        engine = make_engine(url)
        migrate(engine)
        return cls(engine)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits at the end of the block, or rolls back on error."""
        with self._sessions() as session, session.begin():
            yield session

    @staticmethod
    def _audit(session: Session, action: str, entity: str, entity_id: int | None, patient_id: int | None,
               actor: str, detail: str | None = None) -> None:
        """Add one audit entry (no lab values, only what changed and where)."""
        session.add(AuditEntry(action=action, entity=entity, entity_id=entity_id, patient_id=patient_id,
                               actor=actor, detail=detail))

    @staticmethod
    def _patient(session: Session, patient_id: str) -> PatientRow:
        """The patient row with this external id, or PatientNotFound."""
        row = session.scalar(select(PatientRow).where(PatientRow.external_id == patient_id))
        if row is None:
            raise PatientNotFound(f"no patient with id {patient_id!r}")
        return row

    # patients -------------------------------------------------------------------------------------------------

    def create_patient(self, data: dict[str, Any], *, actor: str = "local") -> dict[str, Any]:
        """Add a patient from the patient-file ``patient`` section; the id must be new."""
        patient_id = str(data.get("id") or "").strip()
        if not PATIENT_ID_PATTERN.match(patient_id):
            raise PatientFileError(
                "patient id must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit"
            )
        row = PatientRow(external_id=patient_id)
        self._apply_patient_fields(row, data)
        try:
            with self.transaction() as session:
                if session.scalar(select(PatientRow.id).where(PatientRow.external_id == patient_id)) is not None:
                    raise DuplicatePatient(f"a patient with id {patient_id!r} already exists")
                session.add(row)
                session.flush()
                self._audit(session, "create", "patient", row.id, row.id, actor)
        except IntegrityError as exc:
            raise DuplicatePatient(f"a patient with id {patient_id!r} already exists") from exc
        return patient_summary(row)

    @staticmethod
    def _apply_patient_fields(row: PatientRow, data: dict[str, Any]) -> None:
        """Copy the covariates of the patient section onto a row, checked by the intake layer (labs.covariates)."""
        from hpgtwin.labs.covariates import check_body_measures, check_covariate, parse_desires_fertility
        from hpgtwin.labs.medications import check_medications

        for name in PATIENT_NUMBER_FIELDS:
            if name in data:
                value = data[name]
                blank = value is None or (isinstance(value, str) and not value.strip())
                setattr(row, name, None if blank else check_covariate(name, value, name))
        check_body_measures(row.bmi_kg_m2, row.weight_kg, row.height_cm, "patient")
        if "desires_fertility" in data:
            row.desires_fertility = parse_desires_fertility(data["desires_fertility"], "desires_fertility")
        if "conditions" in data or row.conditions is None:
            row.conditions = _text_list(data.get("conditions"), "conditions")
        if "medications" in data or row.medications is None:
            medications = _text_list(data.get("medications"), "medications")
            row.medications = list(check_medications(medications, "medications"))

    def update_patient(self, patient_id: str, data: dict[str, Any], *, actor: str = "local") -> dict[str, Any]:
        """Change covariates of an existing patient."""
        with self.transaction() as session:
            row = self._patient(session, patient_id)
            self._apply_patient_fields(row, data)
            self._audit(session, "update", "patient", row.id, row.id, actor, ",".join(sorted(data)))
        return patient_summary(row)

    def delete_patient(self, patient_id: str, *, actor: str = "local") -> None:
        """Remove a patient and everything recorded for him."""
        with self.transaction() as session:
            row = self._patient(session, patient_id)
            self._audit(session, "delete", "patient", row.id, row.id, actor)
            session.delete(row)

    def list_patients(self) -> list[dict[str, Any]]:
        """Every patient with the number of lab results and the date of the latest one."""
        with self.transaction() as session:
            counts = dict(
                session.execute(select(LabResultRow.patient_id, func.count()).group_by(LabResultRow.patient_id)).all()
            )
            latest = dict(
                session.execute(
                    select(LabResultRow.patient_id, func.max(LabResultRow.date)).group_by(LabResultRow.patient_id)
                ).all()
            )
            rows = session.scalars(select(PatientRow).order_by(PatientRow.external_id)).all()
            out = []
            for row in rows:
                summary = patient_summary(row)
                summary["lab_count"] = counts.get(row.id, 0)
                last = latest.get(row.id)
                summary["latest_lab_date"] = last.isoformat() if last else None
                out.append(summary)
            return out

    def get_patient(self, patient_id: str) -> dict[str, Any]:
        """One patient with labs, semen analyses and regimens taken (oldest first)."""
        with self.transaction() as session:
            row = session.scalar(
                select(PatientRow)
                .where(PatientRow.external_id == patient_id)
                .options(selectinload(PatientRow.labs), selectinload(PatientRow.semen),
                         selectinload(PatientRow.regimens))
            )
            if row is None:
                raise PatientNotFound(f"no patient with id {patient_id!r}")
            out = patient_summary(row)
            out["labs"] = sorted((lab_dict(r) for r in row.labs), key=_date_key)
            out["semen"] = sorted((semen_dict(r) for r in row.semen), key=_date_key)
            out["regimens"] = sorted((regimen_dict(r) for r in row.regimens),
                                     key=lambda r: (r["start_date"] is None, r["start_date"] or "", r["id"]))
            return out

    def patient_exists(self, patient_id: str) -> bool:
        """Whether a patient with this id is in the record."""
        with self.transaction() as session:
            return session.scalar(select(PatientRow.id).where(PatientRow.external_id == patient_id)) is not None

    # labs, semen, regimens --------------------------------------------------------------------------------------

    def add_lab(self, patient_id: str, analyte: str, value: Any, unit: str, when: Any = None, *,
                actor: str = "local") -> dict[str, Any]:
        """Record one result as entered, with its canonical value (bad analyte, unit or value raises)."""
        return self.add_labs(patient_id, [(analyte, value, unit)], when, actor=actor)[0]

    def add_labs(self, patient_id: str, rows: list[tuple[str, Any, str]], when: Any = None, *,
                 actor: str = "local") -> list[dict[str, Any]]:
        """Record several results drawn on one date, all or nothing: (analyte, value, unit) as entered."""
        draw_date = _parse_date(when, "lab date")
        prepared: list[LabResultRow] = []
        for analyte, value, unit in rows:
            number = _number(value, f"{analyte} value")
            if number is None:
                raise InputError(f"{analyte}: a value is required")
            if not unit or not str(unit).strip():
                raise InputError(f"{analyte}: a unit is required")
            key, loinc, canonical_value, canonical_unit = canonical_lab(str(analyte), number, str(unit).strip())
            _check_body_measure(key, number, str(unit).strip(), canonical_value)
            if any(r.analyte == key for r in prepared):
                raise PatientFileError(f"{key} is entered twice for the same date")
            prepared.append(LabResultRow(analyte=key, loinc=loinc, original_value=number,
                                         original_unit=str(unit).strip(), canonical_value=canonical_value,
                                         canonical_unit=canonical_unit, date=draw_date))
        if not prepared:
            raise InputError("enter at least one lab value")
        try:
            self._insert_labs(patient_id, prepared, draw_date, actor)
        except IntegrityError as exc:  # a concurrent writer stored the same analyte and date first
            raise PatientFileError("one of these results is already recorded for this date") from exc
        return [lab_dict(r) for r in prepared]

    def _insert_labs(self, patient_id: str, prepared: list[LabResultRow], draw_date: date | None,
                     actor: str) -> None:
        """Insert prepared lab rows after checking for results already stored on the same date."""
        with self.transaction() as session:
            patient = self._patient(session, patient_id)
            if draw_date is not None:
                existing = set(session.scalars(select(LabResultRow.analyte).where(
                    LabResultRow.patient_id == patient.id, LabResultRow.date == draw_date)).all())
                clash = sorted(existing & {r.analyte for r in prepared})
                if clash:
                    raise PatientFileError(f"{clash[0]} on {draw_date.isoformat()} is already recorded for this patient")
            for row in prepared:
                row.patient_id = patient.id
                session.add(row)
            session.flush()
            for row in prepared:
                self._audit(session, "create", "lab_result", row.id, patient.id, actor, row.analyte)

    def delete_lab(self, patient_id: str, lab_id: int, *, actor: str = "local") -> None:
        """Remove one lab result of this patient."""
        with self.transaction() as session:
            patient = self._patient(session, patient_id)
            row = session.get(LabResultRow, lab_id)
            if row is None or row.patient_id != patient.id:
                raise RecordNotFound(f"no lab result {lab_id} for patient {patient_id!r}")
            self._audit(session, "delete", "lab_result", row.id, patient.id, actor, row.analyte)
            session.delete(row)

    def add_semen(self, patient_id: str, data: dict[str, Any], *, actor: str = "local") -> dict[str, Any]:
        """Record one semen analysis (percentages must lie in 0-100)."""
        row = SemenAnalysisRow(date=_parse_date(data.get("date"), "semen date"))
        for name in SEMEN_FIELDS:
            setattr(row, name, _number(data.get(name), name))
            if name.endswith("_pct") and getattr(row, name) is not None and getattr(row, name) > 100:
                raise InputError(f"{name}: {getattr(row, name):g} is above 100 %")
        if all(getattr(row, name) is None for name in SEMEN_FIELDS):
            raise InputError("semen analysis: enter at least one value")
        with self.transaction() as session:
            patient = self._patient(session, patient_id)
            row.patient_id = patient.id
            session.add(row)
            session.flush()
            self._audit(session, "create", "semen_analysis", row.id, patient.id, actor)
        return semen_dict(row)

    def add_regimen(self, patient_id: str, regimen: str, start: Any = None, end: Any = None, *,
                    actor: str = "local") -> dict[str, Any]:
        """Record a regimen taken (regimen text checked by ``hpgtwin.pk.parse_regimen``) with its dates."""
        text = str(regimen or "").strip()
        if not text:
            raise InputError("regimen: enter the regimen text, e.g. 'anastrozole 1 mg daily'")
        from hpgtwin.pk import parse_regimen

        parse_regimen(text)
        row = RegimenTakenRow(regimen=text[:256], start_date=_parse_date(start, "regimen start"),
                              end_date=_parse_date(end, "regimen end"))
        if row.start_date and row.end_date and row.end_date < row.start_date:
            raise InputError("regimen: the end date is before the start date")
        with self.transaction() as session:
            patient = self._patient(session, patient_id)
            row.patient_id = patient.id
            session.add(row)
            session.flush()
            self._audit(session, "create", "regimen_taken", row.id, patient.id, actor)
        return regimen_dict(row)

    def delete_regimen(self, patient_id: str, regimen_id: int, *, actor: str = "local") -> None:
        """Remove one regimen taken."""
        with self.transaction() as session:
            patient = self._patient(session, patient_id)
            row = session.get(RegimenTakenRow, regimen_id)
            if row is None or row.patient_id != patient.id:
                raise RecordNotFound(f"no regimen {regimen_id} for patient {patient_id!r}")
            self._audit(session, "delete", "regimen_taken", row.id, patient.id, actor)
            session.delete(row)

    # the patient file -------------------------------------------------------------------------------------------

    def patient_file_dict(self, patient_id: str) -> dict[str, Any]:
        """The patient as a JSON patient file (values and units as entered), ready for ``load_patient_file``."""
        record = self.get_patient(patient_id)
        return patient_file_from_record(record)

    def patient_file(self, patient_id: str) -> PatientFile:
        """The patient parsed into a :class:`PatientFile` by the intake layer."""
        from hpgtwin.labs import load_patient_file

        return load_patient_file(self.patient_file_dict(patient_id))

    def import_patient_file(self, pf: PatientFile, *, actor: str = "local", skip_existing: bool = False
                            ) -> dict[str, Any] | None:
        """Store a parsed patient file (JSON or FHIR) as a new patient in one transaction.

        With ``skip_existing`` an id that is already present is left alone and None is returned (idempotent
        seeding); otherwise it raises :class:`DuplicatePatient`.
        """
        p = pf.patient
        if not PATIENT_ID_PATTERN.match(p.id or ""):
            raise PatientFileError(f"patient id {p.id!r} is not usable as a record id")
        row = PatientRow(external_id=p.id, age_years=p.age_years, bmi_kg_m2=p.bmi_kg_m2, weight_kg=p.weight_kg,
                         height_cm=p.height_cm, desires_fertility=p.desires_fertility,
                         conditions=list(p.conditions), medications=list(p.medications))
        for lab in pf.labs:
            row.labs.append(LabResultRow(
                analyte=lab.analyte, loinc=lab.loinc,
                original_value=lab.original_value if lab.original_value is not None else lab.value,
                original_unit=lab.original_unit or lab.unit,
                canonical_value=lab.value, canonical_unit=lab.unit, date=lab.date))
        for semen in pf.semen:
            row.semen.append(SemenAnalysisRow(date=semen.date, **{n: getattr(semen, n) for n in SEMEN_FIELDS}))
        try:
            with self.transaction() as session:
                if session.scalar(select(PatientRow.id).where(PatientRow.external_id == p.id)) is not None:
                    if skip_existing:
                        return None
                    raise DuplicatePatient(f"a patient with id {p.id!r} already exists")
                session.add(row)
                session.flush()
                self._audit(session, "import", "patient", row.id, row.id, actor, pf.source and "file")
        except IntegrityError as exc:
            if skip_existing:
                return None
            raise DuplicatePatient(f"a patient with id {p.id!r} already exists") from exc
        return patient_summary(row)

    # saved results ----------------------------------------------------------------------------------------------

    def save_assessment(self, patient_id: str, payload: dict[str, Any], *, actor: str = "local") -> int:
        """Keep one assessment (``Assessment.to_dict()``) with the version and parameter-set hash."""
        clean = json.loads(json.dumps(payload, default=str))
        with self.transaction() as session:
            patient = self._patient(session, patient_id)
            row = AssessmentRow(patient_id=patient.id, payload=clean, hpgtwin_version=hpgtwin_version(),
                                parameter_set_hash=parameter_set_hash())
            session.add(row)
            session.flush()
            self._audit(session, "create", "assessment", row.id, patient.id, actor)
            return row.id

    def save_plan(self, patient_id: str, candidates: list[str], payload: dict[str, Any], *,
                  actor: str = "local") -> int:
        """Keep one plan with its candidate regimens, the version and parameter-set hash."""
        clean = json.loads(json.dumps(payload, default=str))
        with self.transaction() as session:
            patient = self._patient(session, patient_id)
            row = PlanRow(patient_id=patient.id, candidates=list(candidates), payload=clean,
                          hpgtwin_version=hpgtwin_version(), parameter_set_hash=parameter_set_hash())
            session.add(row)
            session.flush()
            self._audit(session, "create", "plan", row.id, patient.id, actor)
            return row.id

    def saved_results(self, patient_id: str, kind: str = "assessment") -> list[dict[str, Any]]:
        """Saved assessments or plans of a patient, newest first, with provenance."""
        table = {"assessment": AssessmentRow, "plan": PlanRow}[kind]
        with self.transaction() as session:
            patient = self._patient(session, patient_id)
            rows = session.scalars(
                select(table).where(table.patient_id == patient.id).order_by(table.id.desc())
            ).all()
            return [{"id": r.id, "created_at": r.created_at.isoformat(), "hpgtwin_version": r.hpgtwin_version,
                     "parameter_set_hash": r.parameter_set_hash, "payload": r.payload} for r in rows]

    def audit_log(self, patient_id: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """The newest audit entries (optionally of one patient)."""
        with self.transaction() as session:
            query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
            if patient_id is not None:
                query = query.where(AuditEntry.patient_id == self._patient(session, patient_id).id)
            return [{"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action, "entity": e.entity,
                     "entity_id": e.entity_id, "patient_id": e.patient_id, "detail": e.detail}
                    for e in session.scalars(query).all()]


def _date_key(item: dict[str, Any]) -> tuple[bool, str, int]:
    """Sort key: dated items oldest first, undated last, then by id."""
    return (item["date"] is None, item["date"] or "", item["id"])


def patient_file_from_record(record: dict[str, Any]) -> dict[str, Any]:
    """Turn a stored patient (``Store.get_patient``) into the JSON patient-file contract."""
    patient = {"id": record["id"]}
    for name in ("age_years", "bmi_kg_m2", "desires_fertility"):
        if record.get(name) is not None:
            patient[name] = record[name]
    patient["conditions"] = list(record.get("conditions") or [])
    current = [r["regimen"] for r in record.get("regimens", []) if r["end_date"] is None]
    patient["medications"] = list(dict.fromkeys(list(record.get("medications") or []) + current))
    labs = [{"analyte": lab["analyte"], "value": lab["value"], "unit": lab["unit"], "date": lab["date"]}
            for lab in record.get("labs", [])]
    for name in ("weight_kg", "height_cm"):
        if record.get(name) is not None:
            labs.append({"analyte": name.split("_")[0], "value": record[name], "unit": name.split("_")[1]})
    out: dict[str, Any] = {"patient": patient, "labs": [{k: v for k, v in lab.items() if v is not None}
                                                        for lab in labs]}
    semen = [{k: v for k, v in s.items() if k != "id" and v is not None} for s in record.get("semen", [])]
    if semen:
        out["semen"] = semen
    return out
