"""No dead rules: every rule of the table fires for at least one man (vignettes, crafted cases, seeded random draws).

A rule that can never fire (a typo'd fact, contradictory conditions) would silently drop a conclusion.
"""

from __future__ import annotations

import random
from pathlib import Path

from clinic_cases import AZOOSPERMIA, NORMAL_SEMEN, OLIGO_SEMEN, case

from hpgtwin.clinic import assess, load_rulebook
from hpgtwin.labs import load_patient_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "patients"
# Random draws stay inside plausible adult-male ranges (canonical units of the analyte catalogue).
LAB_RANGES = {"t": (110.0, 1400.0), "e2": (6.0, 75.0), "lh": (0.2, 40.0), "fsh": (0.2, 60.0), "prl": (3.0, 300.0),
              "tsh": (0.05, 15.0), "hct": (40.0, 58.0), "psa": (0.2, 8.0), "inhibin_b": (3.0, 300.0)}
CONDITIONS = ["obesity", "insulin_resistance", "type2_diabetes", "hypothyroidism", "hyperprolactinemia", "klinefelter",
              "gynecomastia", "prior_trt", "prior_anabolic_steroids", "primary_testicular_failure"]
MEDICATIONS = ["anastrozole 1 mg daily", "letrozole 2.5 mg every other day", "clomiphene 25 mg daily",
               "testosterone cypionate 100 mg weekly", "hcg 2000 IU 3x/week", "nandrolone 100 mg weekly"]
CRAFTED = [
    {"t": 120, "e2": 12, "lh": 0.6, "fsh": 0.8, "prl": 8, "semen": AZOOSPERMIA},  # hypogonadotropic hypogonadism
    {"t": 800, "e2": 30, "lh": 0.2, "fsh": 0.2, "age": 52, "desires_fertility": False,
     "medications": ("testosterone cypionate 100 mg weekly",)},  # PSA monitoring on TRT over 40
    {"t": 600, "e2": 65, "lh": 4.0, "fsh": 5.0, "semen": NORMAL_SEMEN},  # high E2, normal T and semen
    {"t": 110, "e2": 20, "lh": 0.2, "fsh": 1.9, "prl": 3, "desires_fertility": False,
     "semen": NORMAL_SEMEN},  # hypogonadotropic hypogonadism without a fertility goal
]
RANDOM_DRAWS = 300


def _fired(pf) -> set[str]:
    ev = assess(pf).evaluation
    ids = {f.rule.id for f in (*ev.phenotypes, *ev.monitoring, *ev.alerts)}
    return ids | {f.rule.id for t in ev.therapies for f in t.firings}


def test_every_rule_fires_for_someone() -> None:
    fired: set[str] = set()
    for path in EXAMPLES.glob("*.json"):
        fired |= _fired(load_patient_file(path))
    for kwargs in CRAFTED:
        fired |= _fired(case(**kwargs))
    rng = random.Random(7)
    for _ in range(RANDOM_DRAWS):
        labs = {k: rng.uniform(lo, hi) for k, (lo, hi) in LAB_RANGES.items() if rng.random() < 0.6}
        fired |= _fired(case(
            desires_fertility=rng.choice([True, False, None]), bmi=rng.choice([None, rng.uniform(18.0, 45.0)]),
            conditions=tuple(rng.sample(CONDITIONS, rng.randint(0, 2))),
            medications=tuple(rng.sample(MEDICATIONS, rng.randint(0, 2))),
            semen=rng.choice([None, NORMAL_SEMEN, OLIGO_SEMEN, AZOOSPERMIA]), t_measurements=rng.choice([1, 2]), **labs))
    assert {r.id for r in load_rulebook().rules} - fired == set()
