"""The real server process: concurrent writes persist, a SIGKILL loses no committed record, the token gate."""

from __future__ import annotations

import signal
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from web_server_support import HPGTWIN, free_port, running_server, start_server

from hpgtwin.store import Store

CONCURRENT_WRITES = 50  # issue #6: 50 concurrent API writes all persist


def concurrent_writes_persist(database_url: str) -> None:
    """Fire 50 patient creations at once through the API; every one must be stored."""
    with running_server(database_url) as base, httpx.Client(base_url=base, timeout=120) as client:
        def create(i: int) -> int:
            return client.post("/api/patients", json={"id": f"C-{i:03d}", "age_years": 30 + i % 20}).status_code

        with ThreadPoolExecutor(max_workers=CONCURRENT_WRITES) as pool:
            codes = list(pool.map(create, range(CONCURRENT_WRITES)))
        assert codes == [201] * CONCURRENT_WRITES
        listed = client.get("/api/patients").json()
    assert len(listed) == CONCURRENT_WRITES
    store = Store.open(database_url)
    assert {p["id"] for p in store.list_patients()} == {f"C-{i:03d}" for i in range(CONCURRENT_WRITES)}
    store.close()


def test_fifty_concurrent_writes_persist_sqlite(tmp_path: Path) -> None:
    concurrent_writes_persist(f"sqlite:///{tmp_path / 'concurrent.sqlite'}")


def test_sigkill_mid_write_loses_no_committed_record(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'killed.sqlite'}"
    process, base = start_server(url)
    committed: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(worker: int) -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            for i in range(10_000):
                if stop.is_set():
                    return
                pid = f"K-{worker}-{i}"
                try:
                    response = client.post("/api/patients", json={"id": pid})
                except httpx.HTTPError:
                    return  # the server died mid-request: this write was never confirmed
                if response.status_code == 201:
                    with lock:
                        committed.append(pid)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    while len(committed) < 40:  # kill while writes are in flight
        threading.Event().wait(0.05)
        assert process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait()
    stop.set()
    for thread in threads:
        thread.join()
    store = Store.open(url)  # recovers the WAL like a restarted server would
    stored = {p["id"] for p in store.list_patients()}
    store.close()
    assert set(committed) <= stored
    assert len(committed) >= 40


def test_another_bind_address_needs_a_token_and_then_every_request_carries_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gated.sqlite'}"
    refused = subprocess.run([str(HPGTWIN), "serve", "--host", "127.0.0.2", "--port", str(free_port())],
                             env={"HPGTWIN_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}, capture_output=True,
                             text=True, timeout=120)
    assert refused.returncode == 2 and "HPGTWIN_TOKEN" in refused.stderr
    token = "e2e-token-abcdefghijklmnop"
    with running_server(url, host="127.0.0.2", token=token) as base:
        assert httpx.get(f"{base}/api/patients").status_code == 401
        assert httpx.get(f"{base}/").status_code == 401
        assert httpx.post(f"{base}/api/patients", json={"id": "T-1"}).status_code == 401
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.post(f"{base}/api/patients", json={"id": "T-1"}, headers=headers).status_code == 201
        assert httpx.get(f"{base}/api/patients", headers=headers).json()[0]["id"] == "T-1"


@pytest.mark.parametrize("host", ["127.0.0.1"])
def test_seed_examples_is_idempotent(tmp_path: Path, host: str) -> None:
    from hpgtwin.web.examples import examples_dir

    folder = examples_dir("patients")
    if folder is None or not list(folder.glob("*.json")):
        pytest.skip("no example patients in examples/patients yet")
    url = f"sqlite:///{tmp_path / 'seeded.sqlite'}"
    for _ in range(2):
        with running_server(url, host=host, extra_args=("--seed-examples",)) as base:
            ids = [p["id"] for p in httpx.get(f"{base}/api/patients").json()]
    assert len(ids) == len(set(ids)) == len(list(folder.glob("*.json")))
