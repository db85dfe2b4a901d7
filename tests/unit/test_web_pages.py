"""The web pages through the real app (Starlette TestClient): forms with CSRF, mixed-unit lab entry, escaping,
the assessment with sources, the HPG diagram, plain-language view, report, FHIR upload, plotly.js served locally."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hpgtwin import DISCLAIMER
from hpgtwin.store import Store
from hpgtwin.web.app import create_app, plotly_js_path

# Molar mass of testosterone 288.42 g/mol (PubChem CID 6013): 9.5 nmol/L -> 274.0 ng/dL.
T_NG_DL_FROM_9_5_NMOL = 9.5 * 288.42 / 10


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    """The app on a fresh SQLite file."""
    store = Store.open(f"sqlite:///{tmp_path / 'web.sqlite'}")
    with TestClient(create_app(store)) as test_client:
        test_client.store = store
        yield test_client
    store.close()


def _csrf(client: TestClient) -> str:
    page = client.get("/")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _create(client: TestClient, pid: str = "W-1", **extra: str) -> None:
    data = {"csrf_token": _csrf(client), "patient_id": pid, "age_years": "35", "bmi_kg_m2": "31",
            "desires_fertility": "yes", "conditions": "obesity", **extra}
    response = client.post("/patients", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text


def _enter_labs(client: TestClient, pid: str, when: str, rows: list[tuple[str, str, str]]) -> object:
    data = {"csrf_token": _csrf(client), "date": when, "rows": str(len(rows))}
    for i, (analyte, value, unit) in enumerate(rows):
        data.update({f"analyte_{i}": analyte, f"value_{i}": value, f"unit_{i}": unit})
    return client.post(f"/patients/{pid}/labs", data=data, follow_redirects=False)


def test_every_page_carries_the_disclaimer_and_the_csrf_cookie(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert DISCLAIMER in page.text
    assert "hpgtwin_csrf" in page.cookies
    assert DISCLAIMER in client.get("/trial").text


def test_forms_without_the_csrf_token_are_refused(client: TestClient) -> None:
    client.get("/")
    response = client.post("/patients", data={"patient_id": "X-1"}, follow_redirects=False)
    assert response.status_code == 403
    response = client.post("/patients", data={"patient_id": "X-1", "csrf_token": "forged" * 8},
                           follow_redirects=False)
    assert response.status_code == 403
    assert client.store.list_patients() == []


def test_mixed_unit_lab_entry_shows_assessment_timeline_and_diagram(client: TestClient) -> None:
    _create(client, medications="anastrozole 1 mg twice weekly")
    response = _enter_labs(client, "W-1", "2026-09-01", [("testosterone_total", "9.5", "nmol/L"),
                                                         ("estradiol", "180", "pmol/L"),
                                                         ("lh", "3.1", "mIU/mL"), ("fsh", "4", "IU/L")])
    assert response.status_code == 303
    labs = {lab["analyte"]: lab for lab in client.store.get_patient("W-1")["labs"]}
    assert labs["testosterone_total"]["canonical_value"] == pytest.approx(T_NG_DL_FROM_9_5_NMOL, rel=1e-6)
    page = client.get("/patients/W-1")
    assert page.status_code == 200
    assert 'id="phenotype"' in page.text and 'id="therapies"' in page.text and "Source:" in page.text
    assert 'id="timeline"' in page.text  # the Plotly div of the lab timeline
    assert 'id="node-aromatase"' in page.text and "Anastrozole" in page.text  # where his drug acts
    assert "9.5 nmol/L" in page.text and "274 ng/dL" in page.text
    assert DISCLAIMER in page.text


def test_a_bad_row_rejects_the_whole_panel(client: TestClient) -> None:
    _create(client)
    response = _enter_labs(client, "W-1", "2026-09-01", [("testosterone_total", "400", "ng/dL"),
                                                         ("lh", "5", "ng/mL")])
    assert response.status_code == 400
    assert "lh" in response.text.lower()
    assert client.store.get_patient("W-1")["labs"] == []


def test_user_text_is_escaped(client: TestClient) -> None:
    _create(client, conditions="<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in client.get("/").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/").text


def test_plotly_js_is_served_from_the_installed_package(client: TestClient) -> None:
    _create(client)
    response = client.get("/static-vendor/plotly.min.js")
    assert response.status_code == 200
    assert response.content == plotly_js_path().read_bytes()
    page = client.get("/patients/W-1").text
    assert "/static-vendor/plotly.min.js" in page
    assert "cdn.plot.ly" not in page and "https://" not in re.sub(r'href="https://[^"]*"', "", page).split("<body")[0]


def test_plain_language_view_and_report(client: TestClient) -> None:
    _create(client)
    _enter_labs(client, "W-1", "2026-09-01", [("testosterone_total", "250", "ng/dL"), ("estradiol", "48", "pg/mL"),
                                              ("lh", "3", "IU/L")])
    view = client.get("/patients/W-1/patient-view")
    assert view.status_code == 200 and "not a diagnosis" in view.text
    report = client.get("/patients/W-1/report")
    assert report.status_code == 200
    assert "Monitoring calendar" in report.text and "Sources" in report.text and DISCLAIMER in report.text
    token = _csrf(client)
    assert client.post("/patients/W-1/assessments", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    saved = client.get("/patients/W-1").text
    assert 'id="saved"' in saved and client.store.saved_results("W-1")[0]["parameter_set_hash"][:12] in saved
    pdf = client.get("/patients/W-1/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"


def test_fhir_upload_imports_or_writes_nothing(client: TestClient) -> None:
    from hpgtwin.interop.fhir import patient_file_to_bundle
    from hpgtwin.labs import load_patient_file

    pf = load_patient_file({"patient": {"id": "F-1", "age_years": 38},
                            "labs": [{"analyte": "testosterone_total", "value": 11.2, "unit": "nmol/L",
                                      "date": "2026-06-01"}]})
    bundle = patient_file_to_bundle(pf)
    token = _csrf(client)
    files = {"file": ("bundle.json", json.dumps(bundle), "application/fhir+json")}
    response = client.post("/import", data={"csrf_token": token}, files=files, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert client.store.get_patient("F-1")["labs"][0]["canonical_unit"] == "ng/dL"

    broken = json.loads(json.dumps(bundle).replace("F-1", "F-2"))
    observation = next(e["resource"] for e in broken["entry"] if e["resource"]["resourceType"] == "Observation")
    observation["valueQuantity"]["value"] = "abc"  # not an R4 decimal: the whole Bundle must be refused
    files = {"file": ("bundle.json", json.dumps(broken), "application/fhir+json")}
    response = client.post("/import", data={"csrf_token": token}, files=files, follow_redirects=False)
    assert response.status_code == 400 and "nothing was saved" in response.text
    assert [p["id"] for p in client.store.list_patients()] == ["F-1"]


def test_trial_page_refuses_cohorts_above_the_limit(client: TestClient) -> None:
    token = _csrf(client)
    spec = "name: big\nsource: test\nn: 100000\nregimen: anastrozole 1 mg daily\nduration_weeks: 12\n"
    response = client.post("/trial", data={"csrf_token": token, "spec": spec})
    assert response.status_code == 400
    assert "limit" in response.text


def test_every_example_patient_page_renders(client: TestClient) -> None:
    from hpgtwin.store.seed import seed_examples
    from hpgtwin.web.examples import examples_dir

    folder = examples_dir("patients")
    if folder is None or not list(folder.glob("*.json")):
        pytest.skip("no example patients yet")
    added = seed_examples(client.store, folder)
    assert added and seed_examples(client.store, folder) == []  # seeding twice adds nothing
    for pid in added:
        page = client.get(f"/patients/{pid}")
        assert page.status_code == 200, pid
        assert 'id="assessment-error"' not in page.text, pid
        assert client.get(f"/patients/{pid}/patient-view").status_code == 200, pid


def test_projection_page_degrades_with_a_clear_message(client: TestClient) -> None:
    import time

    _create(client, "NOLABS-1")
    deadline = time.monotonic() + 120  # assumption: the failing calibration returns within seconds
    page = client.get("/patients/NOLABS-1/projection?candidates=anastrozole+1+mg+daily")
    while 'id="projection-running"' in page.text and time.monotonic() < deadline:
        time.sleep(0.5)
        page = client.get("/patients/NOLABS-1/projection?candidates=anastrozole+1+mg+daily")
    assert page.status_code == 200
    assert 'id="projection-error"' in page.text and "could not be made" in page.text
    assert DISCLAIMER in page.text
