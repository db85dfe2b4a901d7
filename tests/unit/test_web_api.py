"""JSON API and security: OpenAPI mirrors the CLI, patients/labs CRUD, JSON-only writes, size limits, the token
gate off loopback, and no patient data in the logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hpgtwin import DISCLAIMER
from hpgtwin.store import Store
from hpgtwin.web.app import create_app
from hpgtwin.web.security import needs_token

TOKEN = "test-token-0123456789abcdef"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store.open(f"sqlite:///{tmp_path / 'api.sqlite'}")
    yield opened
    opened.close()


@pytest.fixture
def client(store: Store) -> TestClient:
    with TestClient(create_app(store, max_request_bytes=64 * 1024)) as test_client:
        yield test_client


def test_openapi_lists_the_cli_operations_and_crud(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/assess", "/api/simulate", "/api/plan", "/api/trial", "/api/patients",
                 "/api/patients/{patient_id}", "/api/patients/{patient_id}/labs",
                 "/api/patients/{patient_id}/labs/{lab_id}", "/api/fhir/import", "/api/patients/{patient_id}/fhir"):
        assert path in paths, path


def test_patient_and_lab_crud(client: TestClient) -> None:
    created = client.post("/api/patients", json={"id": "A-1", "age_years": 33, "desires_fertility": True})
    assert created.status_code == 201
    assert client.post("/api/patients", json={"id": "A-1"}).status_code == 400
    lab = client.post("/api/patients/A-1/labs",
                      json={"analyte": "testosterone_total", "value": 12, "unit": "nmol/L", "date": "2026-10-01"})
    assert lab.status_code == 201
    # 12 nmol/L x 288.42 g/mol (testosterone, PubChem CID 6013) = 346.1 ng/dL
    assert lab.json()["canonical_value"] == pytest.approx(12 * 288.42 / 10, rel=1e-6)
    assert client.get("/api/patients/A-1/labs").json()[0]["unit"] == "nmol/L"
    bad = client.post("/api/patients/A-1/labs", json={"analyte": "lh", "value": 5, "unit": "ng/mL"})
    assert bad.status_code == 400 and bad.json()["error"] == "UnitError"
    assert client.patch("/api/patients/A-1", json={"bmi_kg_m2": 27.5}).json()["bmi_kg_m2"] == 27.5
    assert client.delete(f"/api/patients/A-1/labs/{lab.json()['id']}").status_code == 204
    assert client.get("/api/patients/A-1/labs").json() == []
    assert client.get("/api/patients/nobody").status_code == 404
    assert client.delete("/api/patients/A-1").status_code == 204
    assert client.get("/api/patients").json() == []


def test_assess_returns_the_assessment_with_the_disclaimer(client: TestClient) -> None:
    document = {"patient": {"id": "A-2", "age_years": 36, "bmi_kg_m2": 32, "desires_fertility": True},
                "labs": [{"analyte": "testosterone_total", "value": 240, "unit": "ng/dL", "date": "2026-10-01"},
                         {"analyte": "estradiol", "value": 52, "unit": "pg/mL", "date": "2026-10-01"}]}
    result = client.post("/api/assess", json=document)
    assert result.status_code == 200
    body = result.json()
    assert body["disclaimer"] == DISCLAIMER
    assert {"phenotype", "therapies", "monitoring", "alerts", "derived"} <= set(body)
    assert client.post("/api/assess", json={"patient": {}}).status_code == 400


def test_api_writes_must_be_json(client: TestClient) -> None:
    response = client.post("/api/patients", content=b'{"id": "A-3"}', headers={"content-type": "text/plain"})
    assert response.status_code == 415


def test_request_size_limit(client: TestClient) -> None:
    response = client.post("/api/assess", content=b"{" + b" " * (70 * 1024) + b"}",
                           headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_trial_size_limit(client: TestClient) -> None:
    spec = {"name": "big", "source": "test", "n": 10**6, "regimen": "anastrozole 1 mg daily", "duration_weeks": 12}
    response = client.post("/api/trial", json=spec)
    assert response.status_code == 400 and "limit" in response.json()["detail"]


def test_only_the_default_local_addresses_go_without_a_token() -> None:
    assert not needs_token("127.0.0.1") and not needs_token("::1") and not needs_token("localhost")
    assert needs_token("0.0.0.0") and needs_token("192.168.1.10") and needs_token("127.0.0.2")


def test_token_gate_requires_bearer_or_login_cookie(store: Store) -> None:
    with TestClient(create_app(store, token=TOKEN)) as gated:
        assert gated.get("/api/patients").status_code == 401
        assert gated.get("/").status_code == 401
        assert gated.get("/static-vendor/plotly.min.js").status_code == 401
        assert gated.get("/api/patients", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert gated.get("/api/patients", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert gated.post("/login", data={"token": "wrong"}).status_code == 401
        login = gated.post("/login", data={"token": TOKEN}, follow_redirects=False)
        assert login.status_code == 303
        assert TOKEN not in login.headers["set-cookie"]
        assert gated.get("/").status_code == 200  # the login cookie now rides along


def test_logs_hold_no_patient_data(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client.post("/api/patients", json={"id": "SECRET-ID-77", "age_years": 41})
    client.post("/api/patients/SECRET-ID-77/labs", json={"analyte": "estradiol", "value": 987.6, "unit": "pg/mL"})
    client.get("/api/patients/SECRET-ID-77")
    client.get("/patients/SECRET-ID-77")
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]  # not the test client
    text = "\n".join(record.getMessage() for record in server_side)
    assert "/patients/{patient_id}" in text  # requests are logged, by route template
    assert "SECRET-ID-77" not in text and "987.6" not in text


def test_fhir_export_then_import_round_trip(client: TestClient) -> None:
    client.post("/api/patients", json={"id": "FX-1", "age_years": 39, "desires_fertility": True})
    client.post("/api/patients/FX-1/labs",
                json={"analyte": "estradiol", "value": 150, "unit": "pmol/L", "date": "2026-07-01"})
    bundle = client.get("/api/patients/FX-1/fhir")
    assert bundle.status_code == 200 and bundle.json()["resourceType"] == "Bundle"
    client.delete("/api/patients/FX-1")
    imported = client.post("/api/fhir/import", json=bundle.json())
    assert imported.status_code == 201, imported.text
    labs = client.get("/api/patients/FX-1/labs").json()
    # 150 pmol/L x 272.38 g/mol (estradiol, PubChem CID 5757) = 40.86 pg/mL
    assert labs[0]["canonical_value"] == pytest.approx(150 * 272.38 / 1000, rel=1e-3)  # export may round
