"""What produced a saved assessment or plan: the hpgtwin version and a hash of the parameter and rule tables."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

import hpgtwin

DATA_SUFFIXES = (".yaml", ".yml", ".toml", ".csv", ".json")
DATA_PACKAGES = ("hpgtwin.params", "hpgtwin.labs", "hpgtwin.clinic", "hpgtwin.pk", "hpgtwin.model")


def _data_files(package: str) -> list[tuple[str, bytes]]:
    """Every data table shipped inside one package, as (relative name, bytes), sorted by name."""
    try:
        root = resources.files(package)
    except ModuleNotFoundError:
        return []
    found: list[tuple[str, bytes]] = []
    stack = [(root, package)]
    while stack:
        folder, prefix = stack.pop()
        for entry in folder.iterdir():
            name = f"{prefix}/{entry.name}"
            if entry.is_dir() and entry.name != "__pycache__":
                stack.append((entry, name))
            elif entry.is_file() and entry.name.endswith(DATA_SUFFIXES):
                found.append((name, entry.read_bytes()))
    return sorted(found)


@lru_cache(maxsize=1)
def parameter_set_hash() -> str:
    """SHA-256 over every parameter, drug, analyte and rule table, so a saved result names the tables it used."""
    digest = hashlib.sha256()
    for package in DATA_PACKAGES:
        for name, content in _data_files(package):
            digest.update(name.encode())
            digest.update(b"\0")
            digest.update(content)
    return digest.hexdigest()


def hpgtwin_version() -> str:
    """The installed hpgtwin version."""
    return hpgtwin.__version__
