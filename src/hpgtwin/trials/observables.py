"""Quantities a virtual trial reports: model outputs sampled on report days, plus clinical ratios derived from them.

Derived: ``t_e2_ratio`` (T ng/dL over E2 pg/mL, the clinical convention behind "T/E2 < 10"), ``t_lh_ratio``
(T ng/dL over LH IU/L) and ``bioavailable_testosterone_ng_dl`` (free + albumin-bound T, Vermeulen 1999:
BAT = FT x (1 + K_alb x [albumin])).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

import numpy as np
import yaml

from hpgtwin.model import CLINICAL_OUTPUTS

DEFAULT_OUTPUTS = (*CLINICAL_OUTPUTS, "bioavailable_testosterone_ng_dl", "t_e2_ratio", "t_lh_ratio")

DERIVED = ("t_e2_ratio", "t_lh_ratio", "bioavailable_testosterone_ng_dl")

MATCHABLE = DEFAULT_OUTPUTS
"""Quantities a cohort spec may report at baseline for matching: the clinical outputs and the derived ratios."""

PG_ML_TO_NG_DL = 0.1
"""1 pg/mL = 0.1 ng/dL (unit definition)."""


@cache
def derived_constants() -> dict[str, float]:
    """The constants of the derived quantities (``trials/data/derived.yaml``), name -> value."""
    data = yaml.safe_load((Path(__file__).parent / "data" / "derived.yaml").read_text(encoding="utf-8"))
    return {k: float(v["value"]) for k, v in data.items()}


def albumin_binding_factor() -> float:
    """1 + K_alb x [albumin] (dimensionless): bioavailable T / free T at typical albumin (Vermeulen 1999)."""
    c = derived_constants()
    albumin_mol_l = c["albumin_g_dl"] * 10 / c["albumin_molar_mass_g_mol"]
    return 1 + c["albumin_association_constant_l_per_mol"] * albumin_mol_l


def with_derived(values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The given outputs plus every derived quantity whose inputs are present."""
    out = dict(values)
    t = values.get("testosterone_ng_dl")
    if t is not None and "estradiol_pg_ml" in values and "t_e2_ratio" not in values:
        out["t_e2_ratio"] = t / np.maximum(values["estradiol_pg_ml"], 1e-12)
    if t is not None and "lh_iu_l" in values:
        out["t_lh_ratio"] = t / np.maximum(values["lh_iu_l"], 1e-12)
    if "free_testosterone_pg_ml" in values and "bioavailable_testosterone_ng_dl" not in values:
        out["bioavailable_testosterone_ng_dl"] = (
            values["free_testosterone_pg_ml"] * albumin_binding_factor() * PG_ML_TO_NG_DL
        )
    return out


def sample_outputs(outputs: Mapping[str, np.ndarray], day_index: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The named outputs (model or derived) at the given day indices: name -> (n_men, n_days)."""
    raw = {k: np.asarray(v)[:, day_index] for k, v in outputs.items()}
    full = with_derived(raw)
    return {name: full[name] for name in names if name in full}
