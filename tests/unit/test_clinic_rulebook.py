"""The rule table: it loads, every rule and threshold names its source, and a broken table fails loudly."""

from __future__ import annotations

import ast
import copy
from importlib import resources

import pytest
import yaml

from hpgtwin.clinic import FITS, load_rulebook
from hpgtwin.clinic.conditions import RuleDefinitionError
from hpgtwin.clinic.rulebook import build_rulebook

ISSUE_PHENOTYPES = {
    "eugonadal", "primary_hypogonadism", "secondary_hypogonadism", "compensated_hypogonadism",
    "aromatization_excess", "hyperprolactinemia", "hypothyroidism", "hyperthyroidism", "klinefelter_pattern",
    "obesity", "insulin_resistance", "exogenous_androgen_suppression", "estradiol_oversuppressed",
}
ISSUE_AGENTS = {"anastrozole", "letrozole", "clomiphene", "enclomiphene", "tamoxifen", "hcg", "fsh", "gonadorelin", "testosterone"}
ISSUE_ALERTS = {"estradiol_too_low", "testosterone_supraphysiologic", "trt_suppresses_spermatogenesis", "single_measurement", "missing_test"}


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(resources.files("hpgtwin.clinic").joinpath("data/rules.yaml").read_text(encoding="utf-8"))


def test_table_covers_every_code_agent_and_alert_of_the_issue() -> None:
    book = load_rulebook()
    assert {r.code for r in book.of_kind("phenotype")} == ISSUE_PHENOTYPES
    assert set(book.agents) == ISSUE_AGENTS
    assert ISSUE_ALERTS <= {r.code for r in book.of_kind("alert")}
    assert set(FITS) == {"indicated", "may_benefit", "not_first_line", "avoid"}


def test_every_rule_names_a_seed_or_guideline_source_and_both_explanations() -> None:
    book = load_rulebook()
    for rule in book.rules:
        assert rule.sources, rule.id
        assert rule.clinician.strip() and rule.patient.strip(), rule.id
        assert rule.strength in book.evidence_strength, rule.id
    seeds = {k for k in book.references if k.startswith("seed")}
    assert len(seeds) == 5
    cited = {k for r in book.rules for k in r.sources}
    assert seeds <= cited  # every seed document is used by at least one rule


def test_every_threshold_has_value_unit_and_source() -> None:
    for t in load_rulebook().thresholds.values():
        assert t.unit and t.sources and t.evidence, t.name


def test_conditions_hold_no_clinical_number_literals(raw: dict) -> None:
    """Clinical numbers live in `thresholds` with units and sources; conditions refer to them by name."""
    texts = [r["when"] for r in raw["rules"]] + list(raw["definitions"].values())
    for text in texts:
        numbers = [n.value for n in ast.walk(ast.parse(text, mode="eval"))
                   if isinstance(n, ast.Constant) and isinstance(n.value, int | float) and not isinstance(n.value, bool)]
        assert all(v == 0 for v in numbers), text


def test_every_agent_has_a_no_criterion_rule() -> None:
    """So that each agent always gets a fit with a sourced reason (not the engine's fallback)."""
    book = load_rulebook()
    for agent in book.agents:
        negative = [r for r in book.of_kind("therapy") if agent in r.agents and r.when.text.startswith("not holds(")]
        if agent == "testosterone":
            negative = [r for r in book.of_kind("therapy") if agent in r.agents and r.fit in ("not_first_line", "avoid")]
        assert negative, agent


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda t: t["rules"][0].update(sources=["nobody2099"]), "unknown source"),
        (lambda t: t["rules"][0].update(sources=[]), "at least one source"),
        (lambda t: t["rules"][0].update(when="estradiol < 60"), "unknown name"),
        (lambda t: t["rules"][0].update(strength="very strong"), "strength"),
        (lambda t: t["rules"].append({**t["rules"][0]}), "duplicate rule ids"),
        (lambda t: t["thresholds"]["bmi_obese_kg_m2"].pop("unit"), "needs a value and a unit"),
        (lambda t: t["definitions"].update(low_testosterone="severe_low_testosterone",
                                           severe_low_testosterone="low_testosterone"), "cycle"),
        (lambda t: next(r for r in t["rules"] if r["kind"] == "therapy").update(fit="maybe"), "fit must be"),
        (lambda t: next(r for r in t["rules"] if r["kind"] == "alert").update(severity="critical"), "severity"),
    ],
    ids=["unknown_source", "no_source", "unknown_name", "bad_strength", "duplicate_id", "threshold_unit",
         "definition_cycle", "bad_fit", "bad_severity"],
)
def test_broken_tables_fail_loudly(raw: dict, mutate, message: str) -> None:
    table = copy.deepcopy(raw)
    mutate(table)
    with pytest.raises(RuleDefinitionError, match=message):
        build_rulebook(table)


def test_every_definition_threshold_and_reference_is_used() -> None:
    """No orphan data: each definition and threshold is read by a condition or a text, each reference is cited."""
    from hpgtwin.clinic.plain import load_patient_guide

    book = load_rulebook()
    guide = load_patient_guide(book)
    conditions = [r.when for r in book.rules] + list(book.definitions.values()) + [row.when for row in guide.rows]
    conditions += [q.when for q in guide.questions if q.when is not None]
    names = set().union(*(c.names for c in conditions))
    texts = " ".join(f"{r.clinician} {r.patient} {r.evidence or ''}" for r in book.rules)
    assert set(book.definitions) <= names
    assert {t for t in book.thresholds if t not in names and "{" + t + "}" not in texts} == set()
    cited = {k for r in book.rules for k in r.sources} | {k for t in book.thresholds.values() for k in t.sources}
    assert set(book.references) - cited == set()
