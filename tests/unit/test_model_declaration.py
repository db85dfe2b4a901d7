"""The HPG declaration is complete: contract outputs, drugs, parameter provenance, no bare numbers."""

from __future__ import annotations

import re

from hpgtwin.model import MODEL, ParameterSet, individual_parameters
from hpgtwin.params import load_model_parameters
from hpgtwin.pk.drugs import DRUGS

CONTRACT_OUTPUTS = (
    "testosterone_ng_dl", "free_testosterone_pg_ml", "estradiol_pg_ml", "lh_iu_l", "fsh_iu_l", "shbg_nmol_l",
    "inhibin_b_pg_ml", "intratesticular_t_nmol_l", "sperm_concentration_million_ml", "total_motile_count_million",
    "hcg_iu_l", "anastrozole_ng_ml", "letrozole_ng_ml", "clomiphene_ng_ml", "tamoxifen_ng_ml",
)
ALLOWED_LITERALS = {"0", "1", "2", "0.5"}  # structural numbers allowed by the model contract


def test_contract_outputs_present():
    """Every output name of docs/design.md is declared."""
    assert set(CONTRACT_OUTPUTS) <= set(MODEL.outputs)


def test_every_drug_can_be_dosed():
    """Each drug of the library has at least one dose target (PK compartment) in the model."""
    assert set(DRUGS) <= set(MODEL.drugs)


def test_no_bare_physical_numbers_in_expressions():
    """Rate laws and assignments use parameters for every physical number (model contract)."""
    exprs = [a.expr for a in MODEL.assignments] + [r.expr for r in MODEL.rates]
    exprs += [d.amount_scale for d in MODEL.dose_targets]
    for e in exprs:
        literals = set(re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", e))
        assert literals <= ALLOWED_LITERALS, (e, literals)


def test_parameter_provenance():
    """Every parameter has a unit, a source, an evidence kind; every fitted one names its targets."""
    for p in MODEL.parameters:
        assert p.unit and p.source and p.evidence in ("publication", "fitted", "assumption", "derived"), p.name
        assert p.lower <= p.value <= p.upper, p.name
    for e in load_model_parameters():
        if e.evidence == "fitted":
            assert e.fitted_to, e.name


def test_reference_man_is_default():
    """individual_parameters() without a patient returns the declared values (one row)."""
    ps = individual_parameters()
    assert isinstance(ps, ParameterSet) and ps.n_patients == 1
    assert ps.as_dict() == MODEL.default_parameters().as_dict()
