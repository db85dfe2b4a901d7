"""Apply the rule table to one man's facts, in four stages: phenotype, therapy fit, monitoring, alerts.

Later stages can read earlier conclusions (``phenotypes``, ``fit_<agent>``), so a therapy rule can say
"prolactin first" once the hyperprolactinemia phenotype is known, and a monitoring rule can follow the fits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from hpgtwin.clinic.facts import fit_fact
from hpgtwin.clinic.rulebook import FITS, Rule, RuleBook

# How strongly one fit overrides another when several rules rate the same agent: a restriction wins over a
# recommendation, and a firm recommendation over a possible one.
FIT_PRECEDENCE = {"avoid": 4, "not_first_line": 3, "indicated": 2, "may_benefit": 1, "caveat": 0}


class Environment(Mapping[str, Any]):
    """Facts, thresholds and (lazily evaluated) definitions, as one read-only name lookup."""

    def __init__(self, rulebook: RuleBook, facts: dict[str, Any]) -> None:
        self.rulebook = rulebook
        self.facts = facts
        self.thresholds = rulebook.threshold_values()

    def __getitem__(self, name: str) -> Any:
        if name in self.facts:
            return self.facts[name]
        if name in self.thresholds:
            return self.thresholds[name]
        if name in self.rulebook.definitions:
            return self.rulebook.definitions[name].evaluate(self)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        yield from self.facts
        yield from self.thresholds
        yield from self.rulebook.definitions

    def __len__(self) -> int:
        return len(self.facts) + len(self.thresholds) + len(self.rulebook.definitions)


@dataclass(frozen=True)
class Firing:
    """A rule whose condition held, with its texts formatted for this man."""

    rule: Rule
    clinician: str
    patient: str
    evidence: str | None


@dataclass(frozen=True)
class TherapyFit:
    """The resolved fit of one agent and every rule that rated it (strongest first)."""

    agent: str
    fit: str
    firings: tuple[Firing, ...]


@dataclass(frozen=True)
class Evaluation:
    """Everything the table concluded for one man."""

    phenotypes: tuple[Firing, ...]
    therapies: tuple[TherapyFit, ...]
    monitoring: tuple[Firing, ...]
    alerts: tuple[Firing, ...]
    facts: dict[str, Any]


def format_value(value: Any) -> str:
    """A fact or threshold as shown in text: 3 significant figures, whole numbers from 100 up."""
    if value is None:
        return "not measured"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return str(value)
        if abs(value) >= 100:
            return f"{value:.0f}"
        return f"{value:.3g}"
    if isinstance(value, frozenset | set | tuple | list):
        return ", ".join(sorted(map(str, value))) or "none"
    return str(value)


class _TextValues(dict):
    """Format-map view that renders every name through :func:`format_value`."""

    def __init__(self, env: Environment) -> None:
        super().__init__()
        self.env = env

    def __missing__(self, key: str) -> str:
        return format_value(self.env.get(key))


_UNIT_AFTER_MISSING = re.compile(r"not measured (?:ng/dL|pg/mL|IU/L|mIU/L|ng/mL|kg/m2|million/mL|%)")


def render(template: str | None, env: Environment) -> str | None:
    """Fill ``{name}`` placeholders of a rule text with this man's facts and the thresholds."""
    if template is None:
        return None
    return _UNIT_AFTER_MISSING.sub("not measured", template.format_map(_TextValues(env)))


def _fire(rule: Rule, env: Environment) -> Firing | None:
    if rule.when.evaluate(env) is not True:
        return None
    return Firing(rule, render(rule.clinician, env) or "", render(rule.patient, env) or "", render(rule.evidence, env))


def resolve_fit(agent: str, firings: list[Firing]) -> TherapyFit:
    """The agent's fit: the strongest fit among its fired rules (caveats only add reasons)."""
    ranked = sorted(firings, key=lambda f: -FIT_PRECEDENCE[f.rule.fit or "caveat"])
    rated = [f.rule.fit for f in ranked if f.rule.fit in FITS]
    # Every agent has a "no criterion" rule in the table; an agent with none fired lacks the data to decide.
    fit = rated[0] if rated else "not_first_line"
    return TherapyFit(agent=agent, fit=fit, firings=tuple(ranked))


def evaluate(rulebook: RuleBook, facts: dict[str, Any]) -> Evaluation:
    """Run the four stages over ``facts`` (which gains ``phenotypes`` and ``fit_<agent>`` on the way)."""
    facts = dict(facts)
    env = Environment(rulebook, facts)
    phenotypes = tuple(f for r in rulebook.of_kind("phenotype") if (f := _fire(r, env)))
    facts["phenotypes"] = frozenset(f.rule.code for f in phenotypes) | facts.get("semen_codes", frozenset())
    therapy_firings = [f for r in rulebook.of_kind("therapy") if (f := _fire(r, env))]
    therapies = tuple(
        resolve_fit(agent, [f for f in therapy_firings if agent in f.rule.agents]) for agent in rulebook.agents
    )
    for therapy in therapies:
        facts[fit_fact(therapy.agent)] = therapy.fit
    monitoring = tuple(f for r in rulebook.of_kind("monitoring") if (f := _fire(r, env)))
    alerts = tuple(f for r in rulebook.of_kind("alert") if (f := _fire(r, env)))
    return Evaluation(phenotypes, therapies, monitoring, alerts, facts)
