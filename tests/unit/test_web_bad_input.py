"""Bad input on the HTML pages: a one-line message on a page (never a traceback or raw JSON), the right status, and
the user's input back in the form."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hpgtwin import DISCLAIMER
from hpgtwin.store import Store
from hpgtwin.web.app import create_app
from hpgtwin.web.trial_table import trial_rows


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    """The app on a fresh SQLite file, with one patient W-1; server errors come back as 500 pages."""
    store = Store.open(f"sqlite:///{tmp_path / 'bad.sqlite'}")
    with TestClient(create_app(store), raise_server_exceptions=False) as test_client:
        test_client.store = store
        test_client.token = re.search(r'name="csrf_token" value="([^"]+)"', test_client.get("/").text).group(1)
        test_client.post("/patients", data={"csrf_token": test_client.token, "patient_id": "W-1", "age_years": "40"})
        yield test_client
    store.close()


def _post(client: TestClient, path: str, **data: str):
    return client.post(path, data={"csrf_token": client.token, **data}, follow_redirects=False)


def _message(page) -> str:
    """The error text the page shows."""
    found = re.search(r'class="flash error[^"]*"[^>]*>(.*?)</p>|class="flash error"[^>]*>(.*?)</div>', page.text, re.S)
    assert found, page.text[:300]
    return next(group for group in found.groups() if group)


def _assert_readable(page, status: int) -> None:
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert "Traceback" not in page.text and DISCLAIMER in page.text
    assert _message(page).strip()


@pytest.mark.parametrize("path, data, status, says", [
    ("/patients", {}, 400, "patient id"),
    ("/patients", {"patient_id": "S-2", "age_years": "forty"}, 400, "not a number"),
    ("/patients/W-1/regimens", {}, 400, "enter the regimen"),
    ("/patients/W-1/regimens", {"regimen": "magic beans 5 mg"}, 400, "unknown drug"),
    ("/patients/W-1/labs/abc/delete", {}, 400, "lab_id"),
    ("/patients/W-1/labs", {"date": "2026-13-45", "rows": "1", "analyte_0": "lh", "value_0": "5", "unit_0": "IU/L"},
     400, "not an ISO date"),
    ("/patients/W-1/semen", {"date": "2026-01-01", "total_motility_pct": "150"}, 400, "above 100"),
    ("/import", {}, 400, "choose a JSON"),
    ("/trial", {"spec": "name: x\nsource: y\nn: 5\nregimen: magic beans\nduration_weeks: 2\n"}, 400, "unknown drug"),
])
def test_malformed_forms_give_a_readable_page(client: TestClient, path: str, data: dict[str, str], status: int,
                                              says: str) -> None:
    page = _post(client, path, **data)
    _assert_readable(page, status)
    assert says in _message(page)


@pytest.mark.parametrize("path, status", [
    ("/patients/W-1/projection?dose=maybe", 400),
    ("/patients/W-1/report?projections=maybe", 400),
    ("/no-such-page", 404),
    ("/patients/W-1/labs", 405),
])
def test_malformed_addresses_give_a_readable_page(client: TestClient, path: str, status: int) -> None:
    _assert_readable(client.get(path), status)


@pytest.mark.parametrize("content", [b"", b"hello", b"\xff\xfe\x00", b"[1, 2]", b"[" * 100_000 + b"]" * 100_000])
def test_malformed_uploads_are_refused_with_nothing_saved(client: TestClient, content: bytes) -> None:
    page = client.post("/import", data={"csrf_token": client.token},
                       files={"file": ("upload.json", content, "application/json")}, follow_redirects=False)
    _assert_readable(page, 400)
    assert "nothing was saved" in _message(page)
    assert [p["id"] for p in client.store.list_patients()] == ["W-1"]


def test_refused_lab_panel_keeps_what_was_typed(client: TestClient) -> None:
    page = _post(client, "/patients/W-1/labs", date="2026-09-01", rows="2",
                 analyte_0="testosterone_total", value_0="412", unit_0="nmol/L",
                 analyte_1="lh", value_1="5", unit_1="ng/mL")  # LH in a mass unit: refused (IU measure activity)
    _assert_readable(page, 400)
    assert 'id="lab-error"' in page.text
    assert 'value="412"' in page.text and 'value="2026-09-01"' in page.text
    assert re.search(r'<option selected>nmol/L</option>', page.text)


def test_refused_new_patient_keeps_what_was_typed(client: TestClient) -> None:
    page = _post(client, "/patients", patient_id="S-7", age_years="abc", bmi_kg_m2="31", desires_fertility="yes",
                 conditions="obesity", medications="anastrozole 1 mg daily")
    _assert_readable(page, 400)
    for typed in ('value="S-7"', 'value="abc"', 'value="31"', 'value="obesity"', 'value="anastrozole 1 mg daily"',
                  '<option value="yes" selected>'):
        assert typed in page.text, typed


def test_refused_semen_and_regimen_keep_what_was_typed(client: TestClient) -> None:
    semen = _post(client, "/patients/W-1/semen", date="2026-09-01", volume_ml="3.1", total_motility_pct="150")
    _assert_readable(semen, 400)
    assert 'id="semen-error"' in semen.text and 'value="3.1"' in semen.text and 'value="150"' in semen.text
    regimen = _post(client, "/patients/W-1/regimens", regimen="anastrozole 1 mg daily", start_date="2026-05-01",
                    end_date="2026-01-01")
    _assert_readable(regimen, 400)
    assert 'id="regimen-error"' in regimen.text and 'value="anastrozole 1 mg daily"' in regimen.text


def test_refused_trial_spec_stays_on_the_page(client: TestClient) -> None:
    spec = "name: kept\nsource: y\nn: 5\nregimen: magic beans\nduration_weeks: 2\n"
    page = _post(client, "/trial", spec=spec)
    _assert_readable(page, 400)
    assert "name: kept" in page.text


def test_trial_rows_pair_each_week_with_the_published_mean() -> None:
    stats = {"mean": 500.0, "ci95": [450.0, 550.0]}
    result = {"n": 20, "report_weeks": ["12"], "arms": {
        "A": {"regimen": "anastrozole 1 mg daily", "n": 10, "baseline": {"testosterone_ng_dl": stats},
              "weeks": {"12": {"testosterone_ng_dl": stats}}},
        "B": {"regimen": "none", "n": 10, "baseline": {"testosterone_ng_dl": stats},
              "weeks": {"12": {"testosterone_ng_dl": stats}}}}}
    published = [{"week": 12, "arm": "A", "testosterone_ng_dl": {"mean": 572}}]
    weeks, rows = trial_rows(result, published)
    assert weeks == ["12"]
    by_arm = {row["arm"].split(":")[0]: row for row in rows}
    assert by_arm["A"]["published"] == {"12": 572.0} and by_arm["B"]["published"] == {"12": None}
    assert by_arm["A"]["weeks"]["12"] == {"mean": 500.0, "low": 450.0, "high": 550.0}
    assert json.dumps(rows)  # plain data for the template
