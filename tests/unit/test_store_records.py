"""The patient record on SQLite and PostgreSQL: schema, CRUD, units as entered and canonical, bad input, audit."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from hpgtwin import __version__
from hpgtwin.errors import InputError, PatientFileError, UnitError, UnknownAnalyte
from hpgtwin.labs import load_patient_file
from hpgtwin.store import DuplicatePatient, PatientNotFound, Store, parameter_set_hash
from hpgtwin.store.models import Base

# Molar mass of testosterone 288.42 g/mol (PubChem CID 6013): 9.5 nmol/L = 9.5 * 288.42 / 10 ng/dL.
TESTOSTERONE_G_MOL = 288.42
# Molar mass of estradiol 272.38 g/mol (PubChem CID 5757): 180 pmol/L = 180 * 272.38 / 1000 pg/mL.
ESTRADIOL_G_MOL = 272.38
REL_TOL = 1e-6  # exact arithmetic on the catalogue's molar masses; only float rounding is allowed


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path) -> Store:
    """A freshly migrated store on each engine."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'record.sqlite'}"
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    opened = Store.open(url)
    yield opened
    opened.close()


def _patient(store: Store, pid: str = "P-1") -> dict:
    return store.create_patient({"id": pid, "age_years": 34, "bmi_kg_m2": 31.5, "desires_fertility": True,
                                 "conditions": ["obesity"], "medications": []})


def test_migrations_match_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:
    s = Store.open(f"sqlite:///{tmp_path / 'wal.sqlite'}")
    with s.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    s.close()


def test_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path, monkeypatch) -> None:
    from hpgtwin.store import database_url

    monkeypatch.delenv("HPGTWIN_DATABASE_URL", raising=False)
    monkeypatch.setenv("HPGTWIN_DATA_DIR", str(tmp_path / "data"))
    assert database_url() == f"sqlite:///{tmp_path / 'data' / 'hpgtwin.sqlite'}"
    monkeypatch.setenv("HPGTWIN_DATABASE_URL", "postgresql+psycopg2://u@h/db")
    assert database_url() == "postgresql+psycopg2://u@h/db"


def test_patient_create_list_update_delete(store: Store) -> None:
    created = _patient(store)
    assert created["id"] == "P-1" and created["conditions"] == ["obesity"]
    with pytest.raises(DuplicatePatient):
        _patient(store)
    store.update_patient("P-1", {"age_years": 35})
    assert store.get_patient("P-1")["age_years"] == 35
    assert [p["id"] for p in store.list_patients()] == ["P-1"]
    store.delete_patient("P-1")
    with pytest.raises(PatientNotFound):
        store.get_patient("P-1")
    actions = [(e["action"], e["entity"]) for e in store.audit_log()]
    assert actions == [("delete", "patient"), ("update", "patient"), ("create", "patient")]


def test_labs_keep_the_value_as_entered_and_the_canonical_value(store: Store) -> None:
    _patient(store)
    rows = store.add_labs("P-1", [("testosterone_total", 9.5, "nmol/L"), ("Estradiol", 180, "pmol/L"),
                                  ("lh", 3.1, "mIU/mL")], "2026-09-01")
    by_key = {r["analyte"]: r for r in rows}
    t = by_key["testosterone_total"]
    assert (t["value"], t["unit"], t["canonical_unit"]) == (9.5, "nmol/L", "ng/dL")
    assert math.isclose(t["canonical_value"], 9.5 * TESTOSTERONE_G_MOL / 10, rel_tol=REL_TOL)
    e2 = by_key["estradiol"]
    assert math.isclose(e2["canonical_value"], 180 * ESTRADIOL_G_MOL / 1000, rel_tol=REL_TOL)
    assert by_key["lh"]["canonical_value"] == pytest.approx(3.1, rel=REL_TOL)  # 1 mIU/mL = 1 IU/L
    stored = store.get_patient("P-1")["labs"]
    assert {(r["analyte"], r["value"], r["unit"]) for r in stored} == {
        ("testosterone_total", 9.5, "nmol/L"), ("estradiol", 180.0, "pmol/L"), ("lh", 3.1, "mIU/mL")}


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (("testosteron_totl", 400, "ng/dL"), UnknownAnalyte),
        (("lh", 5, "ng/mL"), UnitError),
        (("testosterone_total", -4, "ng/dL"), InputError),
        (("testosterone_total", "abc", "ng/dL"), InputError),
        (("estradiol", 30, ""), InputError),
    ],
)
def test_bad_lab_input_writes_nothing(store: Store, row: tuple, error: type[Exception]) -> None:
    _patient(store)
    with pytest.raises(error):
        store.add_labs("P-1", [("testosterone_total", 400, "ng/dL"), row], "2026-09-01")
    assert store.get_patient("P-1")["labs"] == []


def test_future_dates_and_duplicates_are_refused(store: Store) -> None:
    _patient(store)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    with pytest.raises(PatientFileError, match="future"):
        store.add_lab("P-1", "estradiol", 30, "pg/mL", tomorrow)
    store.add_lab("P-1", "estradiol", 30, "pg/mL", "2026-09-01")
    with pytest.raises(PatientFileError, match="already recorded"):
        store.add_lab("P-1", "estradiol", 31, "pg/mL", "2026-09-01")
    assert len(store.get_patient("P-1")["labs"]) == 1


def test_semen_and_regimens_are_checked(store: Store) -> None:
    _patient(store)
    store.add_semen("P-1", {"date": "2026-08-01", "volume_ml": 2.5, "concentration_million_per_ml": 8,
                            "total_motility_pct": 35})
    with pytest.raises(InputError, match="above 100"):
        store.add_semen("P-1", {"total_motility_pct": 140})
    store.add_regimen("P-1", "anastrozole 1 mg twice weekly", "2026-09-05")
    with pytest.raises(InputError):
        store.add_regimen("P-1", "anastrozole 1 mg sometimes", "2026-09-05")
    with pytest.raises(InputError, match="before the start"):
        store.add_regimen("P-1", "clomiphene 25 mg daily", "2026-09-05", "2026-09-01")
    record = store.get_patient("P-1")
    assert record["semen"][0]["concentration_million_per_ml"] == 8
    assert [r["regimen"] for r in record["regimens"]] == ["anastrozole 1 mg twice weekly"]
    assert store.patient_file_dict("P-1")["patient"]["medications"] == ["anastrozole 1 mg twice weekly"]


def test_patient_file_round_trip(store: Store) -> None:
    document = {
        "patient": {"id": "RT-1", "age_years": 40, "bmi_kg_m2": 29, "desires_fertility": True,
                    "conditions": ["obesity"], "medications": []},
        "labs": [{"analyte": "testosterone_total", "value": 8.1, "unit": "nmol/L", "date": "2026-05-02"},
                 {"analyte": "estradiol", "value": 41, "unit": "pg/mL", "date": "2026-05-02"},
                 {"analyte": "fsh", "value": 6.2, "unit": "IU/L", "date": "2026-05-02"}],
        "semen": [{"date": "2026-05-10", "volume_ml": 3.0, "concentration_million_per_ml": 9.0}],
    }
    pf = load_patient_file(document)
    assert store.import_patient_file(pf)["id"] == "RT-1"
    assert store.import_patient_file(pf, skip_existing=True) is None
    again = load_patient_file(store.patient_file_dict("RT-1"))
    assert again.patient == pf.patient
    assert [(r.analyte, r.value, r.unit, r.date) for r in again.labs] == [
        (r.analyte, r.value, r.unit, r.date) for r in pf.labs]
    assert again.semen == pf.semen


def test_saved_assessment_names_version_and_parameter_set(store: Store) -> None:
    _patient(store)
    saved_id = store.save_assessment("P-1", {"phenotype": [], "when": date(2026, 9, 1)})
    saved = store.saved_results("P-1", "assessment")
    assert saved[0]["id"] == saved_id
    assert saved[0]["hpgtwin_version"] == __version__
    assert saved[0]["parameter_set_hash"] == parameter_set_hash() and len(parameter_set_hash()) == 64
    assert saved[0]["payload"]["when"] == "2026-09-01"


def test_deleting_a_patient_removes_his_rows(store: Store) -> None:
    _patient(store)
    store.add_lab("P-1", "estradiol", 30, "pg/mL", "2026-09-01")
    store.save_plan("P-1", ["anastrozole 1 mg daily"], {"projections": []})
    store.delete_patient("P-1")
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM lab_results")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM plans")).scalar() == 0


def test_upgrading_an_older_schema_keeps_the_records(tmp_path) -> None:
    from alembic import command
    from alembic.config import Config

    from hpgtwin.store.engine import MIGRATIONS_DIR, make_engine

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001_initial")
        conn.execute(text("INSERT INTO patients (external_id, conditions, medications, created_at, updated_at) "
                          "VALUES ('OLD-1', '[]', '[]', '2026-01-01', '2026-01-01')"))
    engine.dispose()
    upgraded = Store.open(url)
    assert [p["id"] for p in upgraded.list_patients()] == ["OLD-1"]
    with upgraded.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002_unique_lab_per_day"
    upgraded.close()
