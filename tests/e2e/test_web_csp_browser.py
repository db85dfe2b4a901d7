"""Every page and plot under the strict Content-Security-Policy in real headless Chromium, with no CSP report in the
console; and a small virtual trial run from its page (20 men, 12 weeks) down to the result table and plot."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_web_browser import ARTIFACTS, _shot, csp_violations, open_chromium
from web_server_support import running_server

EXAMPLE_PATIENT = "estradiol-oversuppressed-on-anastrozole"  # examples/patients: labs on two dates, on an AI
PAGE_TIMEOUT_S = 60  # assumption: a page with plots renders within a minute on a loaded 2-core machine
TRIAL_TIMEOUT_S = 120  # assumption: 20 men x 12 weeks runs in seconds in-process; generous for a loaded machine
# Leder 2004 (examples/cohorts/leder_2004_anastrozole_daily.yaml) cut to 20 men: 20 x 12 patient-weeks run in-process.
LEDER_T_WEEK_12_NG_DL = 572  # Leder BZ et al. JCEM 2004;89:1174-1180, anastrozole 1 mg daily, mean T at week 12
SMALL_TRIAL = f"""name: Leder 2004 anastrozole 1 mg daily, 20 virtual men
source: "Leder BZ et al. JCEM 2004;89:1174-1180"
n: 20
seed: 7
population:
  age_years: {{mean: 68, sd: 4, min: 62, max: 74}}
  bmi_kg_m2: {{mean: 27, sd: 3, min: 20, max: 35}}
regimen: anastrozole 1 mg daily
duration_weeks: 12
report_weeks: [12]
published:
  target_id: leder_2004_anastrozole_daily
  source: "Leder BZ et al. JCEM 2004;89:1174-1180 (n = 12)"
  values:
    - {{week: 12, testosterone_ng_dl: {{mean: {LEDER_T_WEEK_12_NG_DL}, sd: 139}}}}
"""

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The real server with the example patients, for the whole module."""
    folder = Path(tempfile.mkdtemp(prefix="hpgtwin-csp-"))
    with running_server(f"sqlite:///{folder / 'csp.sqlite'}", extra_args=("--seed-examples",),
                        log_path=folder / "server.log") as base:
        yield base


@pytest.fixture(scope="module")
def driver(chromium: dict[str, str]) -> Iterator[object]:
    """One headless Chromium for the module."""
    browser = open_chromium(chromium)
    yield browser
    browser.quit()


def test_pages_carry_the_security_headers(base_url: str) -> None:
    page = httpx.get(f"{base_url}/patients/{EXAMPLE_PATIENT}")
    policy = page.headers["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'",
                      "base-uri 'self'", "form-action 'self'"):
        assert directive in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "<script>" not in page.text and " onsubmit=" not in page.text and "javascript:" not in page.text


@pytest.mark.parametrize("path, rendered", [
    ("/", "#patient-list"),
    (f"/patients/{EXAMPLE_PATIENT}", "#timeline .main-svg"),
    (f"/patients/{EXAMPLE_PATIENT}/patient-view", "#pattern"),
    (f"/patients/{EXAMPLE_PATIENT}/report", "h1"),
    ("/trial", "#trial-form"),
    ("/simulate?regimen=&days=7&pulsatile_day=7", "#pulse-profile .main-svg"),
    ("/patients/no-such-patient", ".flash.error"),
    ("/api/docs", ".swagger-ui .opblock"),
])
def test_page_renders_without_csp_violations(driver, base_url: str, path: str, rendered: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    csp_violations(driver)  # drop what earlier pages logged
    driver.get(base_url + path)
    WebDriverWait(driver, PAGE_TIMEOUT_S).until(ec.presence_of_element_located((By.CSS_SELECTOR, rendered)))
    assert "not a medical device" in driver.page_source
    assert csp_violations(driver) == []


def test_patient_page_unit_picker_works_without_inline_script(driver, base_url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.select import Select

    driver.get(f"{base_url}/patients/{EXAMPLE_PATIENT}")
    assert Select(driver.find_element(By.ID, "unit_x0")).options, "/static/forms.js did not fill the unit list"
    assert csp_violations(driver) == []


def test_small_virtual_trial_from_the_page(driver, base_url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    csp_violations(driver)
    driver.get(base_url + "/trial")
    spec = driver.find_element(By.NAME, "spec")
    driver.execute_script("arguments[0].value = arguments[1];", spec, SMALL_TRIAL)
    driver.find_element(By.ID, "trial-form").find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, TRIAL_TIMEOUT_S, poll_frequency=0.5).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#trial .main-svg, .flash.error")))
    assert not driver.find_elements(By.CSS_SELECTOR, ".flash.error"), driver.find_element(
        By.CSS_SELECTOR, ".flash.error").text
    table = driver.find_element(By.ID, "trial-table")
    header = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert header == ["Arm", "Output", "Baseline", "Week 12", "Published, week 12"]
    rows = {tds[1].text: [td.text for td in tds]
            for tds in (tr.find_elements(By.TAG_NAME, "td") for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr"))}
    assert {"Testosterone (ng/dL)", "Estradiol (pg/mL)", "LH (IU/L)"} <= set(rows)
    testosterone = rows["Testosterone (ng/dL)"]
    assert "n = 20" in testosterone[0]
    assert float(testosterone[2]) > 0 and float(testosterone[3].split()[0]) > 0
    assert testosterone[4] == str(LEDER_T_WEEK_12_NG_DL)  # the published mean, shown as the spec gives it
    assert driver.find_elements(By.CSS_SELECTOR, "#trial .main-svg")
    assert csp_violations(driver) == []
    ARTIFACTS.mkdir(exist_ok=True)
    _shot(driver, "web_trial")


def test_sign_in_and_out_in_chromium(driver, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    token = "e2e-token-0123456789abcdef"  # assumption: any string of >= 16 characters (hpgtwin serve's minimum)
    with running_server(f"sqlite:///{tmp_path / 'login.sqlite'}", token=token) as base:
        csp_violations(driver)
        driver.get(base + "/")
        assert "access token" in driver.page_source
        driver.find_element(By.NAME, "token").send_keys(token)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(driver, PAGE_TIMEOUT_S).until(ec.presence_of_element_located((By.ID, "logout")))
        cookie = driver.get_cookie("hpgtwin_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["secure"]  # plain http here
        lifetime_h = (cookie["expiry"] - time.time()) / 3600
        assert 11.9 < lifetime_h <= 12.0  # SESSION_MAX_AGE_S: 12 h (assumption, one clinic working day)
        driver.find_element(By.ID, "logout").click()
        WebDriverWait(driver, PAGE_TIMEOUT_S).until(ec.presence_of_element_located((By.NAME, "token")))
        assert driver.get_cookie("hpgtwin_session") is None
        driver.get(base + "/")
        assert "access token" in driver.page_source  # signed out: the gate asks again
        assert csp_violations(driver) == []
