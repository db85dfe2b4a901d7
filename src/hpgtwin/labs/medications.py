"""Current-medication text: accepted when it parses with the regimen grammar or names a recognised medication.

The rules and the name table are in ``labs/data/medications.yaml``. Texts the grammar parses are the ones the twin
can simulate; recognised names (metformin, finasteride, nandrolone, ...) are kept for the clinic rules and the
record. Anything else is refused with an InputError naming the bad token, so no medication is stored and then
silently ignored. The grammar lives in ``hpgtwin.pk`` (pure, no I/O); it is imported lazily, as the one place
where intake reads the drug library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from hpgtwin.errors import InputError, RegimenSyntaxError

_TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+|[^\W\d_][\w\-]*|\S")
_ALLOWED_SYMBOLS = frozenset("/-(),.%")
_EVERY_N_HOURS = re.compile(r"q\d+h")
_MAX_NAME_WORDS = 4


class MedicationError(InputError):
    """A current medication that is neither regimen text nor a recognised medication name."""


@dataclass(frozen=True)
class MedicationClass:
    """A group of recognised medications that the twin does not model, with its HPG relevance and source."""

    key: str
    effect: str
    source: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class CheckedMedication:
    """One current medication as accepted: the text, and the drug class when it is a free-text medication."""

    text: str
    modelled: bool
    medication_class: str | None = None


@cache
def medication_table() -> dict[str, Any]:
    """The parsed ``labs/data/medications.yaml``."""
    text = resources.files("hpgtwin.labs").joinpath("data/medications.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@cache
def medication_classes() -> dict[str, MedicationClass]:
    """The recognised free-text medication classes, by key."""
    raw = medication_table()
    return {
        key: MedicationClass(key, spec["effect"], raw["sources"][spec["source"]], tuple(spec["names"]))
        for key, spec in raw["classes"].items()
    }


@cache
def _names() -> dict[tuple[str, ...], str]:
    """Each recognised name as a word tuple, mapped to its class key."""
    return {tuple(_words(name)): cls.key for cls in medication_classes().values() for name in cls.names}


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _free_text_class(tokens: list[str]) -> tuple[str, int] | None:
    """The class of the longest recognised name the tokens start with, and its length in tokens."""
    names = _names()
    for n in range(min(_MAX_NAME_WORDS, len(tokens)), 0, -1):
        key = names.get(tuple(tokens[:n]))
        if key is not None:
            return key, n
    return None


def _names_modelled_drug(tokens: list[str]) -> bool:
    """Whether the tokens start with a drug of the regimen grammar (so its own error message is the right one)."""
    from hpgtwin.pk.drugs import drug_names

    names = drug_names()
    return any(" ".join(tokens[:n]) in names for n in range(min(_MAX_NAME_WORDS, len(tokens)), 0, -1))


def _is_dose_token(token: str, dose_words: frozenset[str]) -> bool:
    return (
        token[0].isdigit()
        or token[0] == "."
        or token in _ALLOWED_SYMBOLS
        or token in dose_words
        or bool(_EVERY_N_HOURS.fullmatch(token))
    )


def _check_course(text: str, where: str) -> CheckedMedication | None:
    """One '+'-separated course: regimen grammar first, then a recognised name plus dose words."""
    from hpgtwin.pk import parse_regimen

    try:
        regimen = parse_regimen(text)
    except RegimenSyntaxError as grammar_error:
        tokens = _words(text)
        found = _free_text_class(tokens)
        if found is None and _names_modelled_drug(tokens):
            raise MedicationError(f"{where}: {grammar_error}") from grammar_error
        if found is None:
            raise MedicationError(
                f"{where}: {grammar_error}; other medications are accepted only by a recognised name "
                f"(e.g. metformin, finasteride, sertraline: hpgtwin/labs/data/medications.yaml)"
            ) from grammar_error
        key, length = found
        dose_words = frozenset(medication_table()["dose_words"])
        bad = next((t for t in tokens[length:] if not _is_dose_token(t, dose_words)), None)
        if bad is not None:
            name = " ".join(tokens[:length])
            raise MedicationError(
                f"{where}: {bad!r} is not a dose, unit, route or schedule word in {text!r} "
                f"({name} is recognised by name; after it write only dose, unit, route and schedule, "
                f"e.g. '{name} ... mg twice daily')"
            ) from None
        return CheckedMedication(text, modelled=False, medication_class=key)
    return CheckedMedication(text, modelled=True) if regimen.courses else None


def check_medication(text: str, where: str = "medication") -> tuple[CheckedMedication, ...]:
    """The courses of one current-medication text; raises MedicationError naming the bad token.

    "none" / "no treatment" yield no course (no medication); "+" joins several medications.
    """
    if not isinstance(text, str):
        raise MedicationError(f"{where}: a medication is text, got {type(text).__name__}")
    parts = [part.strip() for part in text.split("+")]
    if not any(parts):
        raise MedicationError(f"{where}: empty medication text")
    if not all(parts):
        raise MedicationError(f"{where}: nothing on one side of '+' in {text.strip()!r}")
    checked = (_check_course(part, where) for part in parts)
    return tuple(c for c in checked if c is not None)


def check_medications(texts: list[str] | tuple[str, ...], where: str = "medications") -> tuple[str, ...]:
    """The current medications to keep, each checked (entries meaning "none" are dropped)."""
    return tuple(text for i, text in enumerate(texts) if check_medication(text, f"{where}[{i}]"))


def modelled_medications(texts: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The courses of already-checked medication texts that the twin can simulate (regimen grammar)."""
    return tuple(c.text for text in texts for c in check_medication(text) if c.modelled)
