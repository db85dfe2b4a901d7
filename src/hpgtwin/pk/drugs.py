"""The drug library: pharmacokinetics of every drug hpgtwin doses, loaded once from ``params/drugs.yaml``.

Each drug has routes (bioavailability ``F`` and first-order absorption ``ka_per_h``, or an iv bolus) and one or
more active moieties, each a one-compartment body (``CL_l_per_h``, ``V_l``). Racemic clomiphene is two moieties,
enclomiphene and zuclomiphene, with their isomer fractions. Every number carries unit, source and evidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Literal

import yaml

Evidence = Literal["publication", "derived", "assumption", "fitted"]
DoseUnit = Literal["mg", "IU"]

# How many output-concentration units one (dose unit)/L makes, per concentration unit; nmol/L needs a molar mass.
_MASS_CONCENTRATION_SCALE = {"ng/mL": 1.0e3, "pg/mL": 1.0e6, "ng/dL": 1.0e5, "ug/L": 1.0e3, "mg/L": 1.0}


@dataclass(frozen=True)
class PKValue:
    """One PK number with its unit, where it came from and how sure we are (flag as in research/models.md)."""

    value: float | None
    unit: str
    source: str
    evidence: Evidence
    flag: str


@dataclass(frozen=True)
class Route:
    """How a dose enters: bioavailability F and absorption rate ka (None = iv bolus into the central compartment)."""

    name: str
    F: PKValue
    ka_per_h: PKValue

    @property
    def is_bolus(self) -> bool:
        """True when the dose goes straight into the central compartment (no absorption depot)."""
        return self.ka_per_h.value is None


@dataclass(frozen=True)
class Moiety:
    """One active substance in plasma: a one-compartment body fed by the drug's absorption depot."""

    key: str
    action: str
    output: str
    concentration_unit: str
    fraction: PKValue
    molar_mass_g_mol: PKValue
    CL_l_per_h: PKValue
    V_l: PKValue

    @property
    def ke_per_h(self) -> float:
        """Elimination rate constant CL/V (1/h)."""
        return float(self.CL_l_per_h.value) / float(self.V_l.value)

    @property
    def half_life_h(self) -> float:
        """Elimination half-life ln2 / ke (h)."""
        return math.log(2.0) / self.ke_per_h

    def concentration_scale(self, dose_unit: DoseUnit) -> float:
        """Factor turning (amount in dose unit) / V_l into ``concentration_unit`` (e.g. mg/L -> ng/mL = 1000)."""
        if dose_unit == "IU":
            if self.concentration_unit != "IU/L":
                raise ValueError(
                    f"{self.key}: IU doses need concentration unit IU/L, not {self.concentration_unit}"
                )
            return 1.0
        if self.concentration_unit == "nmol/L":
            return 1.0e6 / float(self.molar_mass_g_mol.value)
        return _MASS_CONCENTRATION_SCALE[self.concentration_unit]


@dataclass(frozen=True)
class Drug:
    """A dosable drug: name, aliases, dose unit, routes and active moieties, with sources for each number."""

    key: str
    name: str
    aliases: tuple[str, ...]
    dose_unit: DoseUnit
    default_route: str
    routes: MappingProxyType
    moieties: tuple[Moiety, ...]

    def route(self, name: str | None = None) -> Route:
        """The named route, or the default route when ``name`` is None."""
        return self.routes[name or self.default_route]

    @property
    def moiety(self) -> Moiety:
        """The single active moiety (raises for multi-moiety drugs such as clomiphene)."""
        if len(self.moieties) != 1:
            raise ValueError(f"{self.key} has {len(self.moieties)} moieties; use Drug.moieties")
        return self.moieties[0]

    @property
    def F(self) -> float:
        """Bioavailability of the default route (fraction)."""
        return float(self.route().F.value)

    @property
    def ka_per_h(self) -> float | None:
        """Absorption rate constant of the default route (1/h); None for an iv bolus."""
        return self.route().ka_per_h.value

    @property
    def CL_l_per_h(self) -> float:
        """Clearance of the single moiety (L/h)."""
        return float(self.moiety.CL_l_per_h.value)

    @property
    def V_l(self) -> float:
        """Volume of distribution of the single moiety (L)."""
        return float(self.moiety.V_l.value)

    @property
    def ke_per_h(self) -> float:
        """Elimination rate constant of the single moiety (1/h)."""
        return self.moiety.ke_per_h

    def pk_values(self) -> dict[str, PKValue]:
        """Every PK number of this drug, keyed like ``route.sc.ka_per_h`` or ``moiety.hcg.V_l`` (for tables)."""
        out: dict[str, PKValue] = {}
        for route in self.routes.values():
            out[f"route.{route.name}.F"] = route.F
            out[f"route.{route.name}.ka_per_h"] = route.ka_per_h
        for m in self.moieties:
            for field in ("fraction", "molar_mass_g_mol", "CL_l_per_h", "V_l"):
                out[f"moiety.{m.key}.{field}"] = getattr(m, field)
        return out


def _pk_value(raw: dict) -> PKValue:
    """One PK number from its YAML mapping."""
    value = raw["value"]
    return PKValue(
        value=None if value is None else float(value),
        unit=str(raw["unit"]),
        source=str(raw["source"]),
        evidence=raw["evidence"],
        flag=str(raw["flag"]),
    )


def _drug(key: str, raw: dict) -> Drug:
    """One Drug from its YAML mapping."""
    routes = {
        name: Route(name=name, F=_pk_value(r["F"]), ka_per_h=_pk_value(r["ka_per_h"]))
        for name, r in raw["routes"].items()
    }
    moieties = tuple(
        Moiety(
            key=mkey,
            action=str(m["action"]),
            output=str(m["output"]),
            concentration_unit=str(m["concentration_unit"]),
            fraction=_pk_value(m["fraction"]),
            molar_mass_g_mol=_pk_value(m["molar_mass_g_mol"]),
            CL_l_per_h=_pk_value(m["CL_l_per_h"]),
            V_l=_pk_value(m["V_l"]),
        )
        for mkey, m in raw["moieties"].items()
    )
    return Drug(
        key=key,
        name=str(raw["name"]),
        aliases=tuple(str(a).lower() for a in raw.get("aliases", ())),
        dose_unit=raw["dose_unit"],
        default_route=str(raw["default_route"]),
        routes=MappingProxyType(routes),
        moieties=moieties,
    )


@lru_cache(maxsize=1)
def load_drugs() -> dict[str, Drug]:
    """Read ``hpgtwin/params/drugs.yaml`` into {key: Drug} (cached: call once, share the result)."""
    text = resources.files("hpgtwin.params").joinpath("drugs.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return {key: _drug(key, spec) for key, spec in raw.items()}


DRUGS: dict[str, Drug] = load_drugs()


@lru_cache(maxsize=1)
def drug_names() -> dict[str, str]:
    """Every accepted spelling (key, key with spaces, aliases; lower case) mapped to its drug key."""
    names: dict[str, str] = {}
    for key, drug in DRUGS.items():
        names[key] = key
        names[key.replace("_", " ")] = key
        for alias in drug.aliases:
            names[alias] = key
    return names


def get_drug(name: str) -> Drug:
    """The Drug for a key or alias (case-insensitive); KeyError if unknown."""
    return DRUGS[drug_names()[name.strip().lower()]]
