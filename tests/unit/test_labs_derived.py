"""Derived metrics: each formula on hand-computed inputs, the default-albumin flag, missing inputs."""

from __future__ import annotations

import pytest

from hpgtwin.labs import derive, parse_patient_dict
from hpgtwin.labs.derived import derived_table

DERIVED_KEYS = (
    "t_e2_ratio", "t_lh_ratio", "free_testosterone_pg_ml", "bioavailable_testosterone_ng_dl",
    "free_androgen_index", "total_sperm_count_million", "total_motile_count_million", "bmi_kg_m2",
)


def _pf(**extra):
    base = {
        "patient": {"id": "d1", "weight_kg": 100, "height_cm": 200},
        "labs": [
            {"analyte": "testosterone_total", "value": 300, "unit": "ng/dL", "date": "2026-10-01"},
            {"analyte": "estradiol", "value": 30, "unit": "pg/mL", "date": "2026-10-01"},
            {"analyte": "lh", "value": 4, "unit": "IU/L", "date": "2026-10-01"},
            {"analyte": "shbg", "value": 30, "unit": "nmol/L", "date": "2026-10-01"},
        ],
        "semen": {"date": "2026-10-02", "volume_ml": 2, "concentration_million_per_ml": 10, "total_motility_pct": 50},
    }
    base.update(extra)
    return parse_patient_dict(base)


def test_every_metric_has_formula_and_source_in_data() -> None:
    table = derived_table()
    assert set(table["metrics"]) == set(DERIVED_KEYS)
    for spec in table["metrics"].values():
        assert spec["formula"] and spec["convention"] and spec["source"] in table["sources"]
    for const in table["constants"].values():
        assert const["source"] and const["unit"]


def test_hand_computed_values() -> None:
    d = derive(_pf())
    assert set(d) == set(DERIVED_KEYS)
    assert d["t_e2_ratio"].value == pytest.approx(10.0)  # 300 ng/dL / 30 pg/mL
    assert d["t_lh_ratio"].value == pytest.approx(75.0)  # 300 ng/dL / 4 IU/L
    assert d["free_androgen_index"].value == pytest.approx(100 * 300 / 28.842 / 30, rel=1e-12)
    assert d["total_sperm_count_million"].value == pytest.approx(20.0)  # 2 mL x 10 M/mL
    assert d["total_motile_count_million"].value == pytest.approx(10.0)  # x 50 %
    assert d["bmi_kg_m2"].value == pytest.approx(25.0)  # 100 kg / (2 m)^2


def test_default_albumin_is_said() -> None:
    d = derive(_pf())
    free_t = d["free_testosterone_pg_ml"]
    assert free_t.inputs["albumin"]["default"] is True
    assert any("default 4.3 g/dL" in n for n in free_t.notes)
    assert "Vermeulen" in free_t.source


def test_conventions_are_stated() -> None:
    d = derive(_pf())
    assert "ng/dL" in d["t_e2_ratio"].convention and "pg/mL" in d["t_e2_ratio"].convention
    assert d["t_e2_ratio"].to_dict()["formula"].startswith("testosterone_total (ng/dL)")


def test_missing_inputs_give_none_and_name_them() -> None:
    d = derive(parse_patient_dict({"patient": {"id": "x"}}))
    for key in DERIVED_KEYS:
        assert d[key].value is None and d[key].missing


def test_reported_bmi_and_total_count_win() -> None:
    pf = _pf(
        patient={"id": "d2", "bmi_kg_m2": 31, "weight_kg": 100, "height_cm": 200},
        semen={"volume_ml": 2, "concentration_million_per_ml": 10, "total_sperm_count_million": 25},
    )
    d = derive(pf)
    assert d["bmi_kg_m2"].value == 31 and d["total_sperm_count_million"].value == 25
