"""A small HPG-like test model for the engine tests (not the physiology): all numbers are test assumptions.

It has what the real model has in kind: an oral drug (gut depot -> plasma) inhibiting aromatase with an Emax
law, an IM depot feeding testosterone, a fast GnRH state (t1/2 ~ 10 min), Hill feedback, a square-root binding
equilibrium and a slow transit chain (~2 months), so it is stiff in the same way.
"""

from __future__ import annotations

from hpgtwin.model.declaration import Assignment, DoseTarget, Model, Parameter, Rate, State


def _p(name: str, value: float, unit: str, lower: float | None = None, upper: float | None = None) -> Parameter:
    """A test parameter (evidence: assumption, for the engine tests only)."""
    return Parameter(
        name, value, unit, value / 10 if lower is None else lower, value * 10 if upper is None else upper,
        "engine test model", "tests/numerics/engine_toymodel.py", "assumption", name,
    )


PARAMETERS = (
    _p("ka_ai", 1.0, "1/h"),
    _p("ke_ai", 0.015, "1/h"),  # t1/2 ~ 46 h
    _p("v_ai", 97.0, "L"),
    _p("f_ai", 0.85, "1", 0.1, 1.0),
    _p("ic50_ai", 5.0, "ng/mL"),
    _p("k_gnrh", 4.0, "1/h"),  # t1/2 ~ 10 min
    _p("g0", 4.0, "1/h"),
    _p("ki_e2", 25.0, "pg/mL"),
    _p("ki_t", 20.0, "nmol/L"),
    _p("n_fb", 2.0, "1", 0.5, 4.0),
    _p("k_lh", 0.7, "1/h"),
    _p("s_lh", 3.5, "IU/L/h"),
    _p("k_t", 0.7, "1/h"),
    _p("vmax_t", 14.0, "nmol/L/h"),
    _p("km_lh", 5.0, "IU/L"),
    _p("k_arom", 0.01, "1/h"),
    _p("k_e2", 0.8, "1/h"),
    _p("e2_per_t", 220.0, "pg/mL per nmol/L"),
    _p("ka_te", 0.012, "1/h"),
    _p("v_t", 200.0, "L"),
    _p("f_te", 0.72, "1", 0.1, 1.0),
    _p("mw_t", 288.4, "g/mol", 288.4, 288.4),
    _p("shbg", 35.0, "nmol/L"),
    _p("kd_shbg", 1.0, "nmol/L"),
    _p("k_transit", 0.0025, "1/h"),
    _p("s_sperm", 1.0, "1/h per nmol/L", 0.01, 100.0),
    _p("ng_dl_per_nmol_l", 28.84, "ng/dL per nmol/L", 28.84, 28.84),
    _p("ng_ml_per_mg_l", 1000.0, "ng/mL per mg/L", 1000.0, 1000.0),
    _p("nmol_per_mg", 1.0e6, "nmol g/(mol mg)", 1.0e6, 1.0e6),
    _p("age_effect", 0.0, "1", 0.0, 2.0),
)

STATES = (
    State("ai_gut", "mg", "anastrozole-like drug in the gut", 0.0),
    State("ai_plasma", "ng/mL", "drug plasma concentration", 0.0),
    State("te_depot", "nmol", "IM testosterone ester depot", 0.0),
    State("gnrh", "1", "GnRH drive"),
    State("lh", "IU/L", "LH"),
    State("t", "nmol/L", "total testosterone"),
    State("e2", "pg/mL", "estradiol"),
    State("sp1", "1", "sperm transit 1"),
    State("sp2", "1", "sperm transit 2"),
    State("sp3", "1", "sperm transit 3"),
)

ASSIGNMENTS = (
    Assignment("aromatase_activity", "1 - ai_plasma/(ic50_ai + ai_plasma)", "1", "Emax inhibition"),
    Assignment("disc", "(shbg + kd_shbg - t)**2 + 4*kd_shbg*t", "(nmol/L)^2", "binding discriminant"),
    Assignment("free_t", "0.5*(t - shbg - kd_shbg + sqrt(disc))", "nmol/L", "free T (quadratic binding)"),
    Assignment("testosterone_ng_dl", "t*ng_dl_per_nmol_l", "ng/dL", "total T"),
    Assignment("estradiol_pg_ml", "e2", "pg/mL", "E2"),
    Assignment("lh_iu_l", "lh", "IU/L", "LH"),
    Assignment("anastrozole_ng_ml", "ai_plasma", "ng/mL", "drug"),
)

RATES = (
    Rate("ai_gut", "-ka_ai*ai_gut"),
    Rate("ai_plasma", "ka_ai*ai_gut*f_ai*ng_ml_per_mg_l/v_ai - ke_ai*ai_plasma"),
    Rate("te_depot", "-ka_te*te_depot"),
    Rate("gnrh", "g0*hill_inh(e2, ki_e2, n_fb)*hill_inh(free_t, ki_t, 1) - k_gnrh*gnrh"),
    Rate("lh", "s_lh*exp(-age_effect)*gnrh - k_lh*lh"),
    Rate("t", "vmax_t*hill_act(lh, km_lh, n_fb) + ka_te*te_depot/v_t - k_t*t - k_arom*aromatase_activity*t"),
    Rate("e2", "e2_per_t*k_e2*k_arom*aromatase_activity*t - k_e2*e2"),
    Rate("sp1", "s_sperm*k_transit*free_t - k_transit*sp1"),
    Rate("sp2", "k_transit*(sp1 - sp2)"),
    Rate("sp3", "k_transit*(sp2 - sp3)"),
)

TOY = Model(
    name="engine_toy",
    states=STATES,
    parameters=PARAMETERS,
    assignments=ASSIGNMENTS,
    rates=RATES,
    dose_targets=(
        DoseTarget("anastrozole", "ai_gut", "1"),
        DoseTarget("testosterone_enanthate", "te_depot", "f_te*nmol_per_mg/mw_t"),
    ),
    outputs=("testosterone_ng_dl", "estradiol_pg_ml", "lh_iu_l", "anastrozole_ng_ml", "free_t", "sp3"),
)
