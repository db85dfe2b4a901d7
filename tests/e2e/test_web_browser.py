"""A clinician's visit in a real headless Chromium against the real server: create a patient, enter labs in mixed
units, read the assessment, watch a projection plot render, download the PDF report. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
from web_server_support import running_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PLAN_SAMPLES = "40"  # assumption: enough posterior draws to draw bands; this test checks the page, not the fit
PROJECTION_TIMEOUT_S = 420  # assumption: calibration + one projection on a loaded 2-core machine
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1280,1600")


def open_chromium(chromium: dict[str, str], downloads: Path | None = None):
    """Headless Chromium with a fresh profile, the console log kept (for CSP checks) and downloads allowed."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium["binary"]
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='hpgtwin-chromium-')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if downloads is not None:
        options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                                  "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(chromium["driver"]), options=options)
    if downloads is not None:
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    return driver


def csp_violations(driver) -> list[str]:
    """Console messages since the last call that report a Content Security Policy violation."""
    return [entry["message"] for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"]]


@pytest.fixture
def browser(chromium: dict[str, str], tmp_path: Path):
    """Headless Chromium with a fresh profile and a download folder."""
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = open_chromium(chromium, downloads)
    yield driver
    driver.quit()


def _shot(driver, name: str) -> None:
    """Save a full-height screenshot of the current page."""
    ARTIFACTS.mkdir(exist_ok=True)
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1280, min(max(height + 80, 800), 8000))
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    driver.set_window_size(1280, 1600)


def _set(driver, element, value: str) -> None:
    """Set an input's value directly (date inputs ignore typed text in some locales)."""
    driver.execute_script("arguments[0].value = arguments[1];", element, value)


@pytest.mark.browser
def test_clinician_visit_in_chromium(browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60)
    ARTIFACTS.mkdir(exist_ok=True)
    with running_server(f"sqlite:///{tmp_path / 'browser.sqlite'}", log_path=ARTIFACTS / "web_server.log",
                        extra_env={"HPGTWIN_PLAN_SAMPLES": PLAN_SAMPLES}) as base:
        browser.get(base + "/")
        form = browser.find_element(By.ID, "new-patient")
        form.find_element(By.NAME, "patient_id").send_keys("E2E-001")
        form.find_element(By.NAME, "age_years").send_keys("34")
        form.find_element(By.NAME, "bmi_kg_m2").send_keys("32")
        Select(form.find_element(By.NAME, "desires_fertility")).select_by_value("yes")
        form.find_element(By.NAME, "conditions").send_keys("obesity")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait.until(ec.url_contains("/patients/E2E-001"))

        lab_form = browser.find_element(By.ID, "lab-form")
        _set(browser, lab_form.find_element(By.NAME, "date"), "2026-09-01")
        for analyte, value, unit in (("testosterone_total", "9.5", "nmol/L"), ("estradiol", "180", "pmol/L"),
                                     ("lh", "3.1", "mIU/mL"), ("fsh", "4", "IU/L")):
            browser.find_element(By.ID, f"value_{analyte}").send_keys(value)
            Select(browser.find_element(By.ID, f"unit_{analyte}")).select_by_visible_text(unit)
        lab_form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#timeline .main-svg")))
        table = browser.find_element(By.ID, "lab-table").text
        assert "9.5 nmol/L" in table and "274 ng/dL" in table  # 9.5 nmol/L x 288.42 g/mol = 274.0 ng/dL
        assert "49.03 pg/mL" in table  # 180 pmol/L x 272.38 g/mol (estradiol) = 49.03 pg/mL
        phenotype = browser.find_element(By.ID, "phenotype").text
        assert phenotype.strip()
        assert browser.find_elements(By.CSS_SELECTOR, "#alerts li.alert, #alerts p")
        assert "not a medical device" in browser.find_element(By.ID, "disclaimer").text
        assert csp_violations(browser) == []

        regimen_form = browser.find_element(By.ID, "regimen-form")
        regimen_form.find_element(By.NAME, "regimen").send_keys("anastrozole 1 mg twice weekly")
        _set(browser, regimen_form.find_element(By.NAME, "start_date"), "2026-09-05")
        regimen_form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait.until(ec.presence_of_element_located((By.ID, "node-aromatase")))
        _set(browser, browser.find_element(By.ID, "lab-form").find_element(By.NAME, "date"), "2026-11-02")
        browser.find_element(By.ID, "value_testosterone_total").send_keys("520")
        browser.find_element(By.ID, "value_estradiol").send_keys("28")
        browser.find_element(By.ID, "lab-form").find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#timeline .main-svg")))
        assert "Anastrozole" in browser.find_element(By.ID, "hpg-diagram").text
        _shot(browser, "web_patient_page")

        browser.find_element(By.ID, "projection-link").click()
        candidates = browser.find_element(By.NAME, "candidates")
        candidates.send_keys("anastrozole 1 mg twice weekly")
        browser.find_element(By.ID, "candidates-form").find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(browser, PROJECTION_TIMEOUT_S, poll_frequency=1).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, "#projection-plots .main-svg, #projection-error")))
        assert not browser.find_elements(By.ID, "projection-error"), browser.find_element(By.ID, "projection-error").text
        assert browser.find_elements(By.CSS_SELECTOR, "#proj-testosterone_ng_dl .main-svg")
        assert csp_violations(browser) == []
        _shot(browser, "web_projection")

        browser.get(base + "/patients/E2E-001/patient-view")
        assert "not a diagnosis" in browser.page_source
        _shot(browser, "web_patient_view")
        browser.get(base + "/patients/E2E-001/report")
        assert "Monitoring calendar" in browser.page_source
        assert "median and 80 % band" in browser.page_source  # the finished projection is in the report
        assert csp_violations(browser) == []
        _shot(browser, "web_report")
        browser.get(base + "/patients/E2E-001")
        browser.find_element(By.ID, "pdf-link").click()
        deadline = time.monotonic() + 120
        pdfs: list[Path] = []
        while time.monotonic() < deadline and not pdfs:
            pdfs = [p for p in browser.downloads.glob("*.pdf") if p.stat().st_size > 0]
            time.sleep(0.5)
        assert pdfs, "the PDF report was not downloaded"
        assert pdfs[0].read_bytes().startswith(b"%PDF")
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "web_report.pdf").write_bytes(pdfs[0].read_bytes())
