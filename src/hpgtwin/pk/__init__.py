"""Drugs and regimens: the drug library (PK with sources), the regimen grammar, closed-form PK."""

from __future__ import annotations

from hpgtwin.pk.drugs import DRUGS, Drug, Moiety, PKValue, Route, get_drug
from hpgtwin.pk.regimen import DoseEvents, Phase, Regimen, Schedule, parse_regimen

__all__ = [
    "DRUGS",
    "DoseEvents",
    "Drug",
    "Moiety",
    "PKValue",
    "Phase",
    "Regimen",
    "Route",
    "Schedule",
    "get_drug",
    "parse_regimen",
]
