"""The store on a real PostgreSQL server: migrations on startup, 50 concurrent API writes persist, labs keep
their units as entered."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from web_server_support import running_server

from hpgtwin.store import Store

CONCURRENT_WRITES = 50  # issue #6: 50 concurrent API writes all persist


@pytest.mark.postgres
def test_fifty_concurrent_writes_persist_postgres(fresh_postgres_url: str) -> None:
    with running_server(fresh_postgres_url) as base, httpx.Client(base_url=base, timeout=120) as client:
        assert client.post("/api/patients", json={"id": "PG-1", "age_years": 37}).status_code == 201

        def add_lab(i: int) -> int:
            day = f"2026-{1 + i // 28:02d}-{1 + i % 28:02d}"
            body = {"analyte": "testosterone_total", "value": 10 + i / 10, "unit": "nmol/L", "date": day}
            return client.post("/api/patients/PG-1/labs", json=body).status_code

        with ThreadPoolExecutor(max_workers=CONCURRENT_WRITES) as pool:
            codes = list(pool.map(add_lab, range(CONCURRENT_WRITES)))
        assert codes == [201] * CONCURRENT_WRITES
    store = Store.open(fresh_postgres_url)
    labs = store.get_patient("PG-1")["labs"]
    store.close()
    assert len(labs) == CONCURRENT_WRITES
    assert {lab["unit"] for lab in labs} == {"nmol/L"} and {lab["canonical_unit"] for lab in labs} == {"ng/dL"}
