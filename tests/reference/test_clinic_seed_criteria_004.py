"""Seed 004 ("Anastrozole therapy in men", patient guide): at-a-glance table, therapy comparison, warnings.

Each at-a-glance row is built as a case and must be marked as applying to the man (plain-language output,
audience "patient") together with the engine conclusion the row implies. Inputs exact; no tolerance.
"""

from __future__ import annotations

import pytest
from clinic_cases import OLIGO_SEMEN, alert_codes, case, fits, phenotypes, report

SEED_QUESTIONS = 9  # seed 004 "Questions to ask your doctor" lists nine questions


def glance(rep: dict, situation_start: str) -> dict:
    rows = rep["plain_language"]["at_a_glance"]
    return next(r for r in rows if r["situation"].startswith(situation_start))


def test_row_low_t_high_e2_excess_fat() -> None:
    rep = report(case(t=260, e2=45, lh=3.0, fsh=4.0, bmi=32.0, desires_fertility=False), audience="patient")
    assert glance(rep, "Low testosterone + high estradiol")["applies_to_you"]
    assert "aromatization_excess" in phenotypes(rep)


def test_row_low_t_trying_to_conceive() -> None:
    rep = report(case(t=240, e2=18, lh=2.0, fsh=2.5, semen=OLIGO_SEMEN), audience="patient")
    assert glance(rep, "Low testosterone in a man trying to conceive")["applies_to_you"]
    fit = fits(rep)
    assert fit["testosterone"] == "avoid"  # "Avoid reflexive TRT"
    assert any(fit[a] in ("indicated", "may_benefit") for a in ("anastrozole", "clomiphene", "enclomiphene", "hcg"))


def test_row_gynecomastia() -> None:
    rep = report(case(t=280, lh=3.0, fsh=4.0, conditions=("gynecomastia",)), audience="patient")
    assert glance(rep, "Breast tenderness or gynecomastia")["applies_to_you"]
    assert "missing_test" in alert_codes(rep)  # estradiol not measured (AUA statement 9)


def test_row_estradiol_too_low_after_starting_anastrozole() -> None:
    rep = report(case(t=650, e2=7, lh=6.0, fsh=7.0, medications=("anastrozole 1 mg daily",)), audience="patient")
    assert glance(rep, "Joint pain and low libido")["applies_to_you"]
    assert "estradiol_too_low" in alert_codes(rep)


def test_row_normal_labs() -> None:
    rep = report(case(t=560, e2=27, lh=4.6, fsh=5.1), audience="patient")
    assert glance(rep, "Normal labs")["applies_to_you"]
    assert "eugonadal" in phenotypes(rep)
    assert not glance(rep, "Low testosterone + high estradiol")["applies_to_you"]


def test_questions_to_ask_your_doctor_are_all_listed() -> None:
    rep = report(case(t=560, e2=27, lh=4.6, fsh=5.1), audience="patient")
    questions = rep["plain_language"]["questions_to_ask_your_doctor"]
    assert len([q for q in questions if q["source"] == "Seed 004"]) == SEED_QUESTIONS
    assert questions[0]["question"].startswith("What problem are we actually treating")


@pytest.mark.parametrize(
    ("kwargs", "agent", "expected"),
    [
        ({"t": 240, "e2": 18, "lh": 2.0, "fsh": 2.5, "desires_fertility": True}, "testosterone", "avoid"),
        ({"t": 240, "e2": 18, "lh": 2.0, "fsh": 2.5, "desires_fertility": False}, "testosterone", "may_benefit"),
        ({"t": 240, "e2": 18, "lh": 2.0, "fsh": 2.5, "desires_fertility": True}, "clomiphene", "indicated"),
        ({"t": 240, "e2": 18, "lh": 2.0, "fsh": 2.5, "desires_fertility": True}, "enclomiphene", "may_benefit"),
        ({"t": 800, "e2": 30, "lh": 0.1, "fsh": 0.1, "desires_fertility": True,
          "medications": ("testosterone cypionate 100 mg weekly",)}, "hcg", "indicated"),
    ],
    ids=["trt_suppresses_sperm", "trt_when_fertility_not_a_goal", "clomiphene_secondary",
         "enclomiphene_preserves_spermatogenesis", "hcg_post_trt_recovery"],
)
def test_therapy_comparison_table(kwargs: dict, agent: str, expected: str) -> None:
    """Table 'Anastrozole vs other hormone therapies': when each therapy may be considered."""
    assert fits(report(case(**kwargs)))[agent] == expected


def test_ai_is_not_routine_on_trt() -> None:
    """Myth: 'Anastrozole is a standard treatment for all men on TRT' - routine use is not recommended."""
    rep = report(case(t=700, e2=30, lh=0.2, fsh=0.2, desires_fertility=False,
                      medications=("testosterone cypionate 100 mg weekly", "anastrozole 0.5 mg twice weekly")))
    assert "ai_without_indication" in alert_codes(rep)


def test_testosterone_must_not_become_supraphysiologic() -> None:
    """'follow-up blood work ... testosterone does not become supraphysiologic' (upper limit 916 ng/dL, Travison 2017)."""
    rep = report(case(t=1150, e2=35, lh=0.3, fsh=0.3, desires_fertility=False,
                      medications=("testosterone cypionate 200 mg weekly",)))
    assert "testosterone_supraphysiologic" in alert_codes(rep)
