"""Initial schema: patients, lab results, semen analyses, regimens taken, assessments, plans, audit log.

Revision ID: 0001_initial
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    """The created-at column every record table carries."""
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)]


def _patient_fk() -> sa.Column:
    """A cascade-deleting reference to the patient a row belongs to."""
    return sa.Column(
        "patient_id", sa.Integer, sa.ForeignKey("patients.id", ondelete="CASCADE"), nullable=False, index=True
    )


def upgrade() -> None:
    """Create every table of the first schema."""
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("external_id", sa.String(128), nullable=False, unique=True, index=True),
        sa.Column("age_years", sa.Float),
        sa.Column("bmi_kg_m2", sa.Float),
        sa.Column("weight_kg", sa.Float),
        sa.Column("height_cm", sa.Float),
        sa.Column("desires_fertility", sa.Boolean),
        sa.Column("conditions", sa.JSON, nullable=False),
        sa.Column("medications", sa.JSON, nullable=False),
        *_stamps(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "lab_results",
        sa.Column("id", sa.Integer, primary_key=True),
        _patient_fk(),
        sa.Column("analyte", sa.String(64), nullable=False),
        sa.Column("loinc", sa.String(32)),
        sa.Column("original_value", sa.Float, nullable=False),
        sa.Column("original_unit", sa.String(32), nullable=False),
        sa.Column("canonical_value", sa.Float),
        sa.Column("canonical_unit", sa.String(32)),
        sa.Column("date", sa.Date),
        *_stamps(),
    )
    op.create_table(
        "semen_analyses",
        sa.Column("id", sa.Integer, primary_key=True),
        _patient_fk(),
        sa.Column("date", sa.Date),
        sa.Column("volume_ml", sa.Float),
        sa.Column("concentration_million_per_ml", sa.Float),
        sa.Column("total_motility_pct", sa.Float),
        sa.Column("progressive_motility_pct", sa.Float),
        sa.Column("normal_forms_pct", sa.Float),
        *_stamps(),
    )
    op.create_table(
        "regimens_taken",
        sa.Column("id", sa.Integer, primary_key=True),
        _patient_fk(),
        sa.Column("regimen", sa.String(256), nullable=False),
        sa.Column("start_date", sa.Date),
        sa.Column("end_date", sa.Date),
        *_stamps(),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True),
        _patient_fk(),
        sa.Column("hpgtwin_version", sa.String(32), nullable=False),
        sa.Column("parameter_set_hash", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        *_stamps(),
    )
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer, primary_key=True),
        _patient_fk(),
        sa.Column("hpgtwin_version", sa.String(32), nullable=False),
        sa.Column("parameter_set_hash", sa.String(64), nullable=False),
        sa.Column("candidates", sa.JSON, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        *_stamps(),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.Integer),
        sa.Column("patient_id", sa.Integer, index=True),
        sa.Column("detail", sa.Text),
    )


def downgrade() -> None:
    """Drop every table of the first schema."""
    for table in ("audit_log", "plans", "assessments", "regimens_taken", "semen_analyses", "lab_results"):
        op.drop_table(table)
    op.drop_table("patients")
