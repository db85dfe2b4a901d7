"""One result per analyte per draw date and patient, enforced by the database (concurrent writers).

Revision ID: 0002_unique_lab_per_day
Revises: 0001_initial
"""

from __future__ import annotations

from alembic import op

revision = "0002_unique_lab_per_day"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the unique constraint (batch mode rebuilds the table on SQLite)."""
    with op.batch_alter_table("lab_results") as batch:
        batch.create_unique_constraint("uq_lab_results_patient_analyte_date", ["patient_id", "analyte", "date"])


def downgrade() -> None:
    """Drop the unique constraint."""
    with op.batch_alter_table("lab_results") as batch:
        batch.drop_constraint("uq_lab_results_patient_analyte_date", type_="unique")
