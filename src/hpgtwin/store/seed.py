"""Load the example patients (examples/patients/*.json) into a store, once: ids already present are left alone."""

from __future__ import annotations

import logging
from pathlib import Path

from hpgtwin.errors import InputError
from hpgtwin.store.repository import Store

log = logging.getLogger("hpgtwin.store")


def seed_examples(store: Store, folder: Path) -> list[str]:
    """Import every patient file in ``folder`` that is not in the store yet; return the ids added."""
    from hpgtwin.labs import load_patient_file

    added: list[str] = []
    for path in sorted(folder.glob("*.json")):
        try:
            pf = load_patient_file(path)
        except InputError as exc:
            log.warning("example %s skipped: %s", path.name, type(exc).__name__)
            continue
        summary = store.import_patient_file(pf, actor="seed", skip_existing=True)
        if summary is not None:
            added.append(summary["id"])
    return added
