"""Shared fixtures: external services the e2e tests need, skipped locally and required in CI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def _missing(what: str, require_var: str) -> None:
    """Skip, or fail when the CI variable says the service must be there."""
    if os.environ.get(require_var) == "1":
        pytest.fail(f"{what} is required ({require_var}=1) but not available")
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """SQLAlchemy URL of a PostgreSQL test database (HPGTWIN_TEST_POSTGRES_URL)."""
    url = os.environ.get("HPGTWIN_TEST_POSTGRES_URL")
    if not url:
        _missing("PostgreSQL (HPGTWIN_TEST_POSTGRES_URL)", "HPGTWIN_REQUIRE_POSTGRES")
    return url


@pytest.fixture(scope="session")
def chromium() -> dict[str, str]:
    """Paths of Debian's headless Chromium and its chromedriver."""
    browser = shutil.which("chromium") or "/usr/bin/chromium"
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (Path(browser).exists() and Path(driver).exists()):
        _missing("Chromium + chromedriver", "HPGTWIN_REQUIRE_BROWSER")
    return {"binary": browser, "driver": driver}


@pytest.fixture
def fresh_postgres_url(postgres_url: str):
    """A new, empty PostgreSQL database on the test server for one test, dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"hpgtwin_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
