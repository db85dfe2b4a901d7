"""Web: the simulate page and ``POST /api/simulate`` with the optional 24 h LH pulse profile (real app, TestClient)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from hpgtwin import DISCLAIMER
from hpgtwin.store import Store
from hpgtwin.web.app import create_app

REGIMEN = "anastrozole 1 mg daily"
MEAN_RTOL = 1e-6  # contract of hpgtwin.simulate.pulsatile: 24 h mean of the profile = the model's mean LH


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    """The app on a fresh SQLite file."""
    store = Store.open(f"sqlite:///{tmp_path / 'web.sqlite'}")
    with TestClient(create_app(store)) as test_client:
        yield test_client
    store.close()


def _figure(page: str, div_id: str) -> dict:
    """The Plotly figure JSON embedded in the ``data-figure`` attribute of one div."""
    match = re.search(rf'<div id="{div_id}" class="plotly-figure" data-figure="([^"]*)"', page)
    assert match, f"no figure {div_id}"
    return json.loads(html.unescape(match.group(1)))


def test_the_form_alone_runs_nothing(client: TestClient) -> None:
    page = client.get("/simulate")
    assert page.status_code == 200
    assert 'id="simulate-form"' in page.text and 'name="pulsatile_day"' in page.text
    assert "plotly-figure" not in page.text and DISCLAIMER in page.text
    assert 'href="/simulate"' in client.get("/").text  # reachable from the navigation


def test_the_page_draws_the_trajectory_and_the_pulse_profile(client: TestClient) -> None:
    page = client.get("/simulate", params={"regimen": REGIMEN, "days": "14", "pulsatile_day": "14"})
    assert page.status_code == 200, page.text
    assert _figure(page.text, "simulation")["data"]
    figure = _figure(page.text, "pulse-profile")
    lh = next(trace for trace in figure["data"] if trace["name"] == "LH (IU/L)")
    hours, values = np.asarray(lh["x"], dtype=float), np.asarray(lh["y"], dtype=float)
    assert hours[0] == 0.0 and hours[-1] == 24.0
    mean = figure["layout"]["shapes"][0]["y0"]  # the dashed 24 h mean line
    assert np.trapezoid(values, hours) / 24.0 == pytest.approx(mean, rel=MEAN_RTOL)
    assert 'id="pulse-summary"' in page.text and "seed 20261122" in page.text
    per_day = figure["layout"]["title"]["text"].split(": ")[1].split(" pulses/day")[0]
    outside = not 8 <= float(per_day) <= 20  # eugonadal range, params/pulsatility.yaml (Veldhuis 1986, 1987)
    assert ('id="pulse-caveat"' in page.text) == outside
    assert "<script>" not in page.text  # CSP: the figure is data, drawn by /static/plots.js


def test_without_a_day_there_is_no_pulse_profile(client: TestClient) -> None:
    page = client.get("/simulate", params={"regimen": "", "days": "7", "pulsatile_day": ""})
    assert page.status_code == 200
    assert 'id="simulation"' in page.text and 'id="pulse-profile"' not in page.text


@pytest.mark.parametrize("day, message", [("15", "not a simulated day"), ("two", "whole number")])
def test_a_bad_day_comes_back_in_the_form(client: TestClient, day: str, message: str) -> None:
    page = client.get("/simulate", params={"regimen": REGIMEN, "days": "14", "pulsatile_day": day})
    assert page.status_code == 400
    assert message in page.text and 'class="flash error"' in page.text
    assert f'value="{day}"' in page.text  # what he typed stays in the form


def test_api_simulate_returns_the_profile(client: TestClient) -> None:
    body = client.post("/api/simulate", json={"regimen": REGIMEN, "days": 3, "pulsatile_day": 3,
                                               "pulsatile_seed": 4}).json()
    profile = body["pulsatile"]
    assert profile["seed"] == 4 and profile["mean_iu_l"] == pytest.approx(body["lh_iu_l"][3], rel=1e-12)
    again = client.post("/api/simulate", json={"regimen": REGIMEN, "days": 3, "pulsatile_day": 3,
                                                "pulsatile_seed": 4}).json()["pulsatile"]
    assert again == profile
    refused = client.post("/api/simulate", json={"days": 3, "pulsatile_day": 9})
    assert refused.status_code == 400 and "not a simulated day" in refused.json()["detail"]
    assert client.post("/api/simulate", json={"days": 3, "pulsatile_day": -1}).status_code == 422
