"""The patient record: SQLAlchemy 2 on a SQLite file (WAL) by default or PostgreSQL by URL, migrated on open."""

from hpgtwin.store.engine import database_url, make_engine, migrate
from hpgtwin.store.provenance import hpgtwin_version, parameter_set_hash
from hpgtwin.store.repository import (
    DuplicatePatient,
    PatientNotFound,
    RecordNotFound,
    Store,
    patient_file_from_record,
)

__all__ = [
    "DuplicatePatient",
    "PatientNotFound",
    "RecordNotFound",
    "Store",
    "database_url",
    "hpgtwin_version",
    "make_engine",
    "migrate",
    "parameter_set_hash",
    "patient_file_from_record",
]
