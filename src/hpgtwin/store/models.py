"""SQLAlchemy 2 tables of the patient record: patients, labs, semen, regimens, assessments, plans, audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """The current time in UTC (timezone-aware), used for every created/changed stamp."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base shared by every table of the store."""


class PatientRow(Base):
    """One man: the covariates of the patient-file contract, keyed by the file's ``id``."""

    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128), unique=True, index=True)
    age_years: Mapped[float | None] = mapped_column(Float)
    bmi_kg_m2: Mapped[float | None] = mapped_column(Float)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    height_cm: Mapped[float | None] = mapped_column(Float)
    desires_fertility: Mapped[bool | None] = mapped_column(Boolean)
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    medications: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    labs: Mapped[list[LabResultRow]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", order_by="LabResultRow.id"
    )
    semen: Mapped[list[SemenAnalysisRow]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", order_by="SemenAnalysisRow.id"
    )
    regimens: Mapped[list[RegimenTakenRow]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", order_by="RegimenTakenRow.id"
    )
    assessments: Mapped[list[AssessmentRow]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", order_by="AssessmentRow.id"
    )
    plans: Mapped[list[PlanRow]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", order_by="PlanRow.id"
    )


class LabResultRow(Base):
    """One lab result: the value and unit exactly as entered, and the canonical value and unit."""

    __tablename__ = "lab_results"
    __table_args__ = (UniqueConstraint("patient_id", "analyte", "date", name="uq_lab_results_patient_analyte_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    analyte: Mapped[str] = mapped_column(String(64))
    loinc: Mapped[str | None] = mapped_column(String(32))
    original_value: Mapped[float] = mapped_column(Float)
    original_unit: Mapped[str] = mapped_column(String(32))
    canonical_value: Mapped[float | None] = mapped_column(Float)
    canonical_unit: Mapped[str | None] = mapped_column(String(32))
    date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    patient: Mapped[PatientRow] = relationship(back_populates="labs")


class SemenAnalysisRow(Base):
    """One semen analysis (WHO 2021 manual quantities)."""

    __tablename__ = "semen_analyses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    date: Mapped[date | None] = mapped_column(Date)
    volume_ml: Mapped[float | None] = mapped_column(Float)
    concentration_million_per_ml: Mapped[float | None] = mapped_column(Float)
    total_motility_pct: Mapped[float | None] = mapped_column(Float)
    progressive_motility_pct: Mapped[float | None] = mapped_column(Float)
    normal_forms_pct: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    patient: Mapped[PatientRow] = relationship(back_populates="semen")


class RegimenTakenRow(Base):
    """A regimen the man took (regimen text), from a start date to an end date (open when still taking it)."""

    __tablename__ = "regimens_taken"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    regimen: Mapped[str] = mapped_column(String(256))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    patient: Mapped[PatientRow] = relationship(back_populates="regimens")


class AssessmentRow(Base):
    """A saved assessment (``Assessment.to_dict()``) with the hpgtwin version and parameter-set hash."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    hpgtwin_version: Mapped[str] = mapped_column(String(32))
    parameter_set_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    patient: Mapped[PatientRow] = relationship(back_populates="assessments")


class PlanRow(Base):
    """A saved plan (candidate regimens, projections, dose finder) with version and parameter-set hash."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    hpgtwin_version: Mapped[str] = mapped_column(String(32))
    parameter_set_hash: Mapped[str] = mapped_column(String(64))
    candidates: Mapped[list[str]] = mapped_column(JSON, default=list)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    patient: Mapped[PatientRow] = relationship(back_populates="plans")


class AuditEntry(Base):
    """One change to the record: who, when, what kind, which row. Holds no lab values."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), default="local")
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    patient_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[str | None] = mapped_column(Text)
