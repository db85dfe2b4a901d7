"""Plain-language output for patients: seed 004's at-a-glance table and questions to ask the doctor, applied."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from hpgtwin import DISCLAIMER
from hpgtwin.clinic.conditions import Condition, RuleDefinitionError, parse_condition
from hpgtwin.clinic.engine import Environment, Evaluation
from hpgtwin.clinic.facts import FACTS, fit_fact
from hpgtwin.clinic.rulebook import RuleBook

FIT_WORDS = {
    "indicated": "fits your results",
    "may_benefit": "may help",
    "not_first_line": "not the first choice for you",
    "avoid": "best avoided for now",
}


@dataclass(frozen=True)
class GlanceRow:
    """One row of seed 004's at-a-glance table and when it applies."""

    id: str
    situation: str
    meaning: str
    next_step: str
    when: Condition


@dataclass(frozen=True)
class Question:
    """One question to ask the doctor; ``when`` None means always asked."""

    text: str
    when: Condition | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PatientGuide:
    """The parsed ``patient_guide.yaml``."""

    source: str
    rows: tuple[GlanceRow, ...]
    questions: tuple[Question, ...]
    semen_codes: dict[str, str]
    semen_codes_source: str


@cache
def _raw_guide() -> dict[str, Any]:
    text = resources.files("hpgtwin.clinic").joinpath("data/patient_guide.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def load_patient_guide(rulebook: RuleBook) -> PatientGuide:
    """Parse and validate the patient guide against the rule table's names and references."""
    raw = _raw_guide()
    known = set(FACTS) | set(rulebook.thresholds) | set(rulebook.definitions) | {fit_fact(a) for a in rulebook.agents}
    source = str(raw["source"])
    if source not in rulebook.references:
        raise RuleDefinitionError(f"patient guide: unknown source {source!r}")
    rows = tuple(
        GlanceRow(r["id"], r["situation"], r["meaning"], r["next_step"], parse_condition(r["when"], known_names=known, where=r["id"]))
        for r in raw["at_a_glance"]
    )
    questions = []
    for q in raw["questions"]:
        sources = tuple(q.get("sources", [source]))
        if any(s not in rulebook.references for s in sources):
            raise RuleDefinitionError(f"patient guide question {q['text']!r}: unknown source in {sources}")
        when = parse_condition(q["when"], known_names=known, where=q["text"]) if q.get("when") else None
        questions.append(Question(str(q["text"]), when, sources))
    semen_source = str(raw["semen_codes_source"])
    if semen_source not in rulebook.references:
        raise RuleDefinitionError(f"patient guide: unknown source {semen_source!r}")
    return PatientGuide(source, rows, tuple(questions), dict(raw["semen_codes"]), semen_source)


def semen_code_text(rulebook: RuleBook, code: str) -> str | None:
    """Plain words for one WHO semen code (None for a code the guide does not know)."""
    return load_patient_guide(rulebook).semen_codes.get(code)


def plain_language(rulebook: RuleBook, evaluation: Evaluation) -> dict[str, Any]:
    """The ``plain_language`` block: summary sentences, the at-a-glance table, questions, the disclaimer."""
    guide = load_patient_guide(rulebook)
    env = Environment(rulebook, evaluation.facts)
    source = rulebook.references[guide.source].short
    summary = [f.patient for f in evaluation.phenotypes]
    summary += [guide.semen_codes[c] for c in sorted(evaluation.facts.get("semen_codes", ())) if c in guide.semen_codes]
    for therapy in evaluation.therapies:
        if therapy.fit in ("indicated", "avoid") and therapy.firings:
            name = rulebook.agents[therapy.agent].get("name", therapy.agent)
            summary.append(f"{name}: {FIT_WORDS[therapy.fit]}. {therapy.firings[0].patient}")
    summary += [f.patient for f in evaluation.alerts if f.rule.severity in ("high", "warning")]
    return {
        "summary": summary,
        "at_a_glance": [
            {
                "situation": row.situation,
                "what_it_may_mean": row.meaning,
                "possible_next_step": row.next_step,
                "applies_to_you": row.when.evaluate(env) is True,
                "source": source,
            }
            for row in guide.rows
        ],
        "questions_to_ask_your_doctor": [
            {"question": q.text, "source": "; ".join(rulebook.short_sources(q.sources))}
            for q in guide.questions
            if q.when is None or q.when.evaluate(env) is True
        ],
        "disclaimer": DISCLAIMER,
    }
