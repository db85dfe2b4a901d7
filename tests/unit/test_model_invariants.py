"""Invariants of the twin: zero dose keeps the baseline, states stay non-negative, drugs move the right way."""

from __future__ import annotations

import numpy as np
import pytest

from hpgtwin.model import MODEL
from hpgtwin.simulate import simulate


def test_no_drug_keeps_baseline():
    """Without a regimen every output stays at its baseline steady state (1e-6 relative) for 90 days."""
    tr = simulate(None, days=90)
    for name in MODEL.outputs:
        y = tr.outputs[name][0]
        assert np.allclose(y, y[0], rtol=1e-6, atol=1e-9), name


def test_zero_dose_keeps_baseline():
    """A 0 mg regimen equals no regimen (dosing path with zero amount)."""
    tr = simulate("anastrozole 0 mg daily + testosterone enanthate 0 mg weekly", days=30)
    ref = simulate(None, days=30)
    for name in ("testosterone_ng_dl", "estradiol_pg_ml", "lh_iu_l", "sperm_concentration_million_ml"):
        assert np.allclose(tr.outputs[name], ref.outputs[name], rtol=1e-6), name


@pytest.mark.parametrize("regimen", [
    "anastrozole 1 mg daily", "clomiphene 25 mg daily", "testosterone enanthate 200 mg weekly",
    "hcg 2000 IU 3x/week", "letrozole 2.5 mg daily + fsh 150 IU 3x/week",
])
def test_states_non_negative(regimen):
    """Every state stays >= 0 (tiny solver undershoot of 1e-9 allowed) under common regimens."""
    tr = simulate(regimen, days=120)
    assert np.all(tr.states > -1e-9)


def test_drug_directions():
    """AIs lower E2 and raise T and LH; SERMs raise E2 with T; exogenous T suppresses LH, FSH, ITT and sperm."""
    base = simulate(None, days=1).outputs
    ai = simulate("anastrozole 1 mg daily", days=60).outputs
    serm = simulate("clomiphene 25 mg daily", days=60).outputs
    trt = simulate("testosterone enanthate 200 mg weekly", days=120).outputs

    def at(o, k, d=-1):
        return o[k][0, d]

    assert at(ai, "estradiol_pg_ml") < at(base, "estradiol_pg_ml", 0)
    assert at(ai, "testosterone_ng_dl") > at(base, "testosterone_ng_dl", 0)
    assert at(ai, "lh_iu_l") > at(base, "lh_iu_l", 0)
    assert at(serm, "estradiol_pg_ml") > at(base, "estradiol_pg_ml", 0)
    assert at(serm, "testosterone_ng_dl") > at(base, "testosterone_ng_dl", 0)
    for k in ("lh_iu_l", "fsh_iu_l", "intratesticular_t_nmol_l", "sperm_concentration_million_ml"):
        assert at(trt, k) < at(base, k, 0), k
