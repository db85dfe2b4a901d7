"""One model parameter as the parameter table declares it: value, unit, bounds and where the value comes from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Evidence = Literal["publication", "fitted", "assumption", "derived"]
EVIDENCE_KINDS: tuple[str, ...] = ("publication", "fitted", "assumption", "derived")


@dataclass(frozen=True)
class Parameter:
    """One model constant with its unit, plausible bounds and where its value comes from.

    ``fitted_to`` names the calibration targets a fitted value was fitted to (empty otherwise).
    """

    name: str
    value: float
    unit: str
    lower: float
    upper: float
    source: str
    locator: str
    evidence: Evidence
    description: str
    fitted_to: tuple[str, ...] = ()
