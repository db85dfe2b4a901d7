"""Property tests: JSON and FHIR round trips keep every lab (6 significant figures); Vermeulen free T is bounded."""

from __future__ import annotations

import math
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpgtwin.interop.fhir import bundle_to_patient_file, patient_file_to_bundle
from hpgtwin.labs import parse_patient_dict, patient_file_to_dict
from hpgtwin.labs.catalogue import CATALOGUE
from hpgtwin.labs.derived import vermeulen_free_testosterone
from hpgtwin.units import convertible

TODAY = date(2026, 11, 21)
SIX_SIG_FIGS = 5e-6  # issue 7
SERUM = sorted(k for k, a in CATALOGUE.items() if a.category in ("serum", "blood"))


@st.composite
def lab_entries(draw: st.DrawFn) -> list[dict]:
    keys = draw(st.lists(st.sampled_from(SERUM), min_size=1, max_size=6, unique=True))
    entries = []
    for key in keys:
        analyte = CATALOGUE[key]
        units = [analyte.canonical_unit] + [
            u for u in analyte.confusable_units
            if convertible(u, analyte.canonical_unit, molar_mass_g_mol=analyte.molar_mass_g_mol)
        ]
        day = TODAY - timedelta(days=draw(st.integers(min_value=0, max_value=3000)))
        entries.append({
            "analyte": draw(st.sampled_from([key, analyte.loinc, analyte.name])),
            "value": draw(st.floats(min_value=1e-3, max_value=1e5, allow_nan=False, allow_infinity=False)),
            "unit": draw(st.sampled_from(units)),
            "date": day.isoformat(),
        })
    return entries


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=SIX_SIG_FIGS)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(labs=lab_entries(), age=st.floats(min_value=18, max_value=90))
def test_fhir_round_trip_keeps_every_lab(labs: list[dict], age: float) -> None:
    pf = parse_patient_dict({"patient": {"id": "prop", "age_years": age}, "labs": labs}, today=TODAY)
    again, report = bundle_to_patient_file(patient_file_to_bundle(pf), today=TODAY)
    assert report.skipped == []
    assert [(r.analyte, r.unit, r.date) for r in again.labs] == [(r.analyte, r.unit, r.date) for r in pf.labs]
    assert all(_same(a.value, b.value) for a, b in zip(pf.labs, again.labs, strict=True))
    assert _same(again.patient.age_years, age)


@settings(max_examples=60, deadline=None)
@given(labs=lab_entries())
def test_json_round_trip_keeps_every_lab(labs: list[dict]) -> None:
    pf = parse_patient_dict({"patient": {"id": "prop"}, "labs": labs}, today=TODAY)
    again = parse_patient_dict(patient_file_to_dict(pf), today=TODAY)
    assert all(_same(a.value, b.value) and a.analyte == b.analyte for a, b in zip(pf.labs, again.labs, strict=True))


@settings(max_examples=300, deadline=None)
@given(
    tt=st.floats(min_value=0.01, max_value=200.0),
    shbg=st.floats(min_value=0.0, max_value=300.0),
    alb=st.floats(min_value=1.0, max_value=7.0),
)
def test_vermeulen_bounds_and_mass_balance(tt: float, shbg: float, alb: float) -> None:
    r = vermeulen_free_testosterone(tt, shbg, alb)
    assert 0 < r.free_mol_l <= r.bioavailable_mol_l <= r.total_mol_l * (1 + 1e-12)
    # the root satisfies TT = BioT + SHBG-bound, SHBG-bound = SHBG K FT / (1 + K FT) (Vermeulen 1999)
    k = 1e9
    bound = shbg * 1e-9 * k * r.free_mol_l / (1 + k * r.free_mol_l)
    assert math.isclose(r.bioavailable_mol_l + bound, tt * 1e-9, rel_tol=1e-9)


@settings(max_examples=100, deadline=None)
@given(tt=st.floats(min_value=1.0, max_value=60.0), shbg=st.floats(min_value=5.0, max_value=150.0))
def test_more_shbg_less_free_testosterone(tt: float, shbg: float) -> None:
    assert vermeulen_free_testosterone(tt, shbg * 1.1, 4.3).free_mol_l < vermeulen_free_testosterone(tt, shbg, 4.3).free_mol_l
