"""Vermeulen binding in the declaration: free + albumin-bound + SHBG-bound = total, and mass action holds."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from hpgtwin.model import MODEL
from hpgtwin.model.expressions import hill_expanded, symbolic


@pytest.fixture(scope="module")
def binding():
    """Lambdified free/albumin/SHBG-bound T as functions of total T and SHBG at the declared constants."""
    sm = symbolic(MODEL)
    inlined = {str(k): v for k, v in sm.inlined_assignments().items()}
    values = {sp.Symbol(p.name, real=True): p.value for p in MODEL.parameters}
    t, shbg = sp.Symbol("t_nmol_l", real=True), sp.Symbol("shbg_nmol_l", real=True)
    funcs = {}
    for name in ("free_t_nmol_l", "albumin_bound_t_nmol_l", "shbg_bound_t_nmol_l", "bioavailable_t_nmol_l"):
        expr = hill_expanded(inlined[name]).xreplace(values)
        funcs[name] = sp.lambdify((t, shbg), expr, "numpy")
    return funcs


@pytest.mark.parametrize("total", [0.5, 5.0, 20.0, 60.0, 200.0])
@pytest.mark.parametrize("shbg", [5.0, 35.0, 120.0])
def test_free_plus_bound_equals_total(binding, total, shbg):
    """Invariant (issue 4): free + albumin-bound + SHBG-bound = total, to 1e-10 relative."""
    free = binding["free_t_nmol_l"](total, shbg)
    alb = binding["albumin_bound_t_nmol_l"](total, shbg)
    bound = binding["shbg_bound_t_nmol_l"](total, shbg)
    assert free > 0 and alb > 0 and bound >= -1e-12
    assert free + alb + bound == pytest.approx(total, rel=1e-10)


@pytest.mark.parametrize("total", [1.0, 20.0, 80.0])
def test_mass_action_on_shbg(binding, total):
    """SHBG-bound = K_SHBG * free * (SHBG - SHBG-bound) (Vermeulen 1999, K = 1e9 L/mol), to 1e-8 relative."""
    shbg = 35.0
    k = MODEL.parameter("k_shbg_t_l_per_nmol").value
    free = binding["free_t_nmol_l"](total, shbg)
    bound = binding["shbg_bound_t_nmol_l"](total, shbg)
    assert bound == pytest.approx(k * free * (shbg - bound), rel=1e-8)


def test_free_fraction_is_physiological(binding):
    """Reference man (T 20 nmol/L, SHBG 35 nmol/L): free T 1.5-2.5% of total (Vermeulen 1999, models.md 5.1)."""
    frac = binding["free_t_nmol_l"](20.0, 35.0) / 20.0
    assert 0.015 <= frac <= 0.025


def test_lower_shbg_raises_free_fraction(binding):
    """Less SHBG leaves more T free at the same total (direction check)."""
    fr = [binding["free_t_nmol_l"](20.0, s) for s in (10.0, 35.0, 80.0)]
    assert np.all(np.diff(fr) < 0)
