"""Slow work (calibration, projections, dose search) runs in a background thread; pages poll until it is done.

Results are kept per (patient file content, candidates, dose finder on/off), so a changed record starts a new job.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

MAX_KEPT_RESULTS = 32  # assumption: enough for a clinic session; older finished results are dropped first


def job_key(*parts: Any) -> str:
    """A stable key for a job from JSON-able parts (the patient file, candidates, options)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class Jobs:
    """A one-worker queue of keyed jobs with a small bounded memory of their futures."""

    def __init__(self, workers: int = 1) -> None:
        """Start the worker pool (threads are created lazily)."""
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hpgtwin-job")
        self._futures: OrderedDict[str, Future] = OrderedDict()
        self._lock = threading.Lock()

    def submit(self, key: str, fn: Callable[[], Any]) -> Future:
        """The future for ``key``, starting ``fn`` only if no job with that key exists."""
        with self._lock:
            existing = self._futures.get(key)
            if existing is not None:
                self._futures.move_to_end(key)
                return existing
            future = self._pool.submit(fn)
            self._futures[key] = future
            finished = [k for k, f in self._futures.items() if f.done()]
            for old in finished[: max(0, len(self._futures) - MAX_KEPT_RESULTS)]:
                del self._futures[old]
            return future

    def forget(self, key: str) -> None:
        """Drop a finished job (to retry after a failure)."""
        with self._lock:
            future = self._futures.get(key)
            if future is not None and future.done():
                del self._futures[key]

    def get(self, key: str) -> Future | None:
        """The future for ``key`` if a job was started."""
        with self._lock:
            return self._futures.get(key)

    def shutdown(self) -> None:
        """Stop accepting jobs; running ones finish in the background."""
        self._pool.shutdown(wait=False, cancel_futures=True)
