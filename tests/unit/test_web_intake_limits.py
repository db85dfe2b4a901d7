"""The intake limits reach the web app: an implausible BMI, an undocumented fertility answer or unknown medication
text is refused by the JSON API and the form with a one-line reason naming the field, nothing is stored, and the
refused values never reach the logs."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hpgtwin.store import Store
from hpgtwin.web.app import create_app


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    """The app on a fresh SQLite file (loopback: no token), with the form's CSRF token at hand."""
    store = Store.open(f"sqlite:///{tmp_path / 'limits.sqlite'}")
    with TestClient(create_app(store)) as test_client:
        test_client.csrf = re.search(r'name="csrf_token" value="([^"]+)"', test_client.get("/").text).group(1)
        yield test_client
    store.close()


@pytest.mark.parametrize("fields, error, says", [
    ({"bmi_kg_m2": 2}, "ImplausibleValue", "bmi_kg_m2"),
    ({"bmi_kg_m2": 1e308}, "ImplausibleValue", "bmi_kg_m2"),
    ({"height_cm": 70}, "ImplausibleValue", "height_cm"),
    ({"medications": ["xyzzy 5 parsecs"]}, "MedicationError", "'xyzzy'"),
    ({"medications": ["metformin 5 parsecs"]}, "MedicationError", "'parsecs'"),
])
def test_api_refuses_implausible_patients_and_stores_nothing(client: TestClient, fields: dict, error: str,
                                                            says: str) -> None:
    refused = client.post("/api/patients", json={"id": "L-1", "age_years": 40, **fields})
    assert refused.status_code == 400 and refused.json()["error"] == error
    assert says in refused.json()["detail"] and "\n" not in refused.json()["detail"]
    assert client.get("/api/patients/L-1").status_code == 404


def test_api_update_and_assess_use_the_same_limits(client: TestClient) -> None:
    assert client.post("/api/patients", json={"id": "L-2", "bmi_kg_m2": 31}).status_code == 201
    assert client.patch("/api/patients/L-2", json={"bmi_kg_m2": 1e308}).status_code == 400
    assert client.get("/api/patients/L-2").json()["bmi_kg_m2"] == 31
    assess = client.post("/api/assess", json={"patient": {"id": "L-3", "desires_fertility": "maybe"}, "labs": []})
    assert assess.status_code == 400 and assess.json()["error"] == "FertilityAnswerError"


def test_form_refuses_maybe_and_an_implausible_bmi(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for typed, says in (({"desires_fertility": "maybe"}, "desires_fertility: "), ({"bmi_kg_m2": "2"}, "bmi_kg_m2: "),
                        ({"medications": "xyzzy 5 parsecs"}, "medications[0]: unknown drug &#39;xyzzy&#39;")):
        page = client.post("/patients", data={"csrf_token": client.csrf, "patient_id": "F-1", **typed},
                           follow_redirects=False)
        assert page.status_code == 400, typed
        message = re.search(r'class="flash error[^"]*"[^>]*>(.*?)</p>', page.text, re.S).group(1)
        assert message.startswith(says), message
    assert client.get("/api/patients/F-1").status_code == 404
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    text = "\n".join(record.getMessage() for record in server_side)
    assert "maybe" not in text and "xyzzy" not in text and "F-1" not in text


def test_body_measures_entered_as_labs_get_the_same_limits(client: TestClient) -> None:
    assert client.post("/api/patients", json={"id": "L-4"}).status_code == 201
    refused = client.post("/api/patients/L-4/labs", json={"analyte": "height", "value": 70, "unit": "cm"})
    # 70 in x 2.54 cm/in = 177.8 cm (exact UCUM factor)
    assert refused.status_code == 400 and "it would be 177.8 cm" in refused.json()["detail"]
    assert client.post("/api/patients/L-4/labs", json={"analyte": "height", "value": 70, "unit": "[in_i]"}).status_code == 201
    assert client.get("/api/patients/L-4/assessment").status_code == 200
