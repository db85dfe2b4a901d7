"""Where the example patients and cohorts are: the repository's examples/ folder, found from the package."""

from __future__ import annotations

import os
from pathlib import Path


def examples_dir(kind: str) -> Path | None:
    """``examples/<kind>`` (patients, cohorts, trials) from HPGTWIN_EXAMPLES_DIR, the repository, or the cwd."""
    candidates = []
    if os.environ.get("HPGTWIN_EXAMPLES_DIR"):
        candidates.append(Path(os.environ["HPGTWIN_EXAMPLES_DIR"]))
    candidates.append(Path(__file__).resolve().parents[3] / "examples")  # src/hpgtwin/web -> repository root
    candidates.append(Path.cwd() / "examples")
    for root in candidates:
        folder = root / kind
        if folder.is_dir():
            return folder
    return None
