"""The simulate page in real headless Chromium: the 24-h LH pulse profile of day N renders as a Plotly chart under
the strict Content-Security-Policy, with no CSP report in the console. Screenshot in test-artifacts/."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from test_web_browser import _shot, csp_violations, open_chromium
from web_server_support import running_server

PAGE_TIMEOUT_S = 60  # assumption: a page with plots renders within a minute on a loaded 2-core machine

pytestmark = pytest.mark.browser


def test_pulse_profile_renders_from_the_simulate_form(chromium: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    folder = Path(tempfile.mkdtemp(prefix="hpgtwin-pulse-"))
    driver = open_chromium(chromium)
    try:
        with running_server(f"sqlite:///{folder / 'pulse.sqlite'}", log_path=folder / "server.log") as base:
            driver.get(base + "/")
            driver.find_element(By.CSS_SELECTOR, 'nav a[href="/simulate"]').click()
            form = WebDriverWait(driver, PAGE_TIMEOUT_S).until(
                ec.presence_of_element_located((By.ID, "simulate-form")))
            form.find_element(By.NAME, "regimen").send_keys("anastrozole 1 mg daily")
            days = form.find_element(By.NAME, "days")
            days.clear()
            days.send_keys("14")
            form.find_element(By.NAME, "pulsatile_day").send_keys("14")
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            WebDriverWait(driver, PAGE_TIMEOUT_S).until(
                ec.presence_of_element_located((By.CSS_SELECTOR, "#pulse-profile .main-svg, .flash.error")))
            assert not driver.find_elements(By.CSS_SELECTOR, ".flash.error"), driver.find_element(
                By.CSS_SELECTOR, ".flash.error").text
            assert driver.find_elements(By.CSS_SELECTOR, "#simulation .main-svg")
            title = driver.find_element(By.CSS_SELECTOR, "#pulse-profile .gtitle").text
            assert "24-h LH pulse profile on day 14" in title
            assert driver.find_elements(By.CSS_SELECTOR, "#pulse-profile .scatterlayer .trace")
            assert "not a medical device" in driver.page_source
            assert csp_violations(driver) == []
            _shot(driver, "web_pulse_profile")
    finally:
        driver.quit()
