"""Start the real ``hpgtwin serve`` in a subprocess on a free port, wait until it answers, and stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

HPGTWIN = Path(sys.executable).with_name("hpgtwin")
STARTUP_TIMEOUT_S = 90.0  # assumption: generous for a loaded 2-core CI machine (imports + migrations)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def start_server(database_url: str, *, host: str = "127.0.0.1", port: int | None = None,
                 token: str | None = None, extra_args: tuple[str, ...] = (), log_path: Path | None = None,
                 extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """Launch ``hpgtwin serve`` and return the process and its base URL once /healthz answers."""
    port = port or free_port(host)
    env = {**os.environ, "HPGTWIN_DATABASE_URL": database_url, **(extra_env or {})}
    env.pop("HPGTWIN_TOKEN", None)
    if token:
        env["HPGTWIN_TOKEN"] = token
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    process = subprocess.Popen([str(HPGTWIN), "serve", "--host", host, "--port", str(port), *extra_args],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://{host}:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"hpgtwin serve exited with code {process.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError("hpgtwin serve did not answer in time")


def stop_server(process: subprocess.Popen) -> None:
    """Stop the server (SIGTERM, then SIGKILL)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_server(database_url: str, **kwargs: object) -> Iterator[str]:
    """The server for the duration of a block; yields its base URL."""
    process, base = start_server(database_url, **kwargs)
    try:
        yield base
    finally:
        stop_server(process)
