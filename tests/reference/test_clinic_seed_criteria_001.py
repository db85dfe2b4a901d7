"""Seed 001 ("Aromatase inhibitors and the male HPG axis"): its axis-response table and AI comparison, as cases.

The seed's table "Hormonal Axis Response to Aromatase Inhibition" gives a baseline state (low T/E2: E2
elevated, LH/FSH suppressed, T normal to low) and a post-AI state (E2 reduced, LH/FSH and T increased).
Criteria are the rule-table thresholds (T/E2 < 10, seed 000/003 and Raman & Schlegel 2002; E2 floor 15 pg/mL,
Finkelstein 2013). Inputs are exact; no numerical tolerance.
"""

from __future__ import annotations

import pytest
from clinic_cases import OLIGO_SEMEN, alert_codes, case, fits, phenotypes, report


@pytest.mark.parametrize("t_ng_dl", [450, 280], ids=["normal_T", "low_T"])
def test_baseline_state_low_ratio_with_suppressed_gonadotropins(t_ng_dl: float) -> None:
    """Baseline row: E2 elevated relative to T, LH/FSH suppressed, T 'normal to low' -> AI candidate."""
    rep = report(case(t=t_ng_dl, e2=55, lh=2.5, fsh=3.0, semen=OLIGO_SEMEN))  # T/E2 8.2 and 5.1
    assert "aromatization_excess" in phenotypes(rep)
    assert fits(rep)["anastrozole"] == "indicated"


def test_post_ai_state_is_not_flagged() -> None:
    """Post-AI row: E2 reduced (not eliminated), LH/FSH and T increased -> no excess, no over-suppression."""
    rep = report(case(t=520, e2=22, lh=5.5, fsh=6.5, medications=("anastrozole 1 mg daily",), semen=OLIGO_SEMEN))
    assert "aromatization_excess" not in phenotypes(rep)
    assert "estradiol_oversuppressed" not in phenotypes(rep)
    assert "estradiol_too_low" not in alert_codes(rep)


def test_estradiol_lowered_not_eliminated() -> None:
    """'ensuring that estradiol levels are lowered, not completely eliminated': E2 below the floor on an AI alerts."""
    rep = report(case(t=600, e2=6, lh=6.0, fsh=7.0, medications=("letrozole 2.5 mg every other day",)))
    alert = next(a for a in rep["alerts"] if a["code"] == "estradiol_too_low")
    assert alert["severity"] == "high"
    assert "15 pg/mL" in alert["message"]  # the floor, from the rule table (Finkelstein 2013)
    assert "Finkelstein 2013" in alert["source"]
    assert fits(rep)["letrozole"] == "avoid"


def test_letrozole_is_recognised_as_an_aromatase_inhibitor() -> None:
    """AI comparison table: letrozole 2.5 mg 2-3x/week is an AI like anastrozole (same class, same floor)."""
    rep = report(case(t=600, e2=25, lh=6.0, fsh=7.0, medications=("letrozole 2.5 mg 3x/week",)))
    assert next(t["class"] for t in rep["therapies"] if t["agent"] == "letrozole") == "aromatase_inhibitor"
    assert "MON-E2-ON-AI" in {m["rule"] for m in rep["monitoring"]}
