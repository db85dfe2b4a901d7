"""The clinical rule table (``clinic/data/rules.yaml``) loaded and validated into typed, immutable rules.

Validation happens once at load: every condition parses and names only known facts, thresholds and
definitions; every source is a known reference; every fit, severity and evidence strength is from the
table's vocabulary. A broken table fails loudly instead of silently skipping a rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from hpgtwin.clinic.conditions import Condition, RuleDefinitionError, parse_condition
from hpgtwin.clinic.facts import FACTS, fit_fact

KINDS = ("phenotype", "therapy", "monitoring", "alert")
FITS = ("indicated", "may_benefit", "not_first_line", "avoid")
RULE_FITS = (*FITS, "caveat")  # a caveat adds a reason to an agent without changing its fit
SEVERITIES = ("info", "warning", "high")


@dataclass(frozen=True)
class Reference:
    """One citation key of the table: short label, full citation, whether it was read or recalled."""

    key: str
    short: str
    citation: str
    verified: str


@dataclass(frozen=True)
class Threshold:
    """One clinical threshold: value with its unit and where it comes from."""

    name: str
    value: float
    unit: str
    sources: tuple[str, ...]
    evidence: str
    note: str = ""


@dataclass(frozen=True)
class Rule:
    """One rule: when its condition holds, its conclusion applies, explained for clinicians and patients."""

    id: str
    kind: str
    when: Condition
    clinician: str
    patient: str
    sources: tuple[str, ...]
    strength: str
    code: str | None = None  # phenotype and alert code
    agents: tuple[str, ...] = ()  # therapy
    fit: str | None = None  # therapy
    test: str | None = None  # monitoring
    at_weeks: tuple[float, ...] = ()  # monitoring
    severity: str | None = None  # alert
    evidence: str | None = None  # phenotype evidence template

    @property
    def conclusion(self) -> str:
        """One line saying what the rule concludes."""
        if self.kind == "phenotype":
            return f"phenotype {self.code}"
        if self.kind == "therapy":
            return f"{', '.join(self.agents)}: {self.fit}"
        if self.kind == "monitoring":
            return f"monitor {self.test} at week(s) {', '.join(f'{w:g}' for w in self.at_weeks)}"
        return f"alert {self.code} ({self.severity})"


@dataclass(frozen=True)
class RuleBook:
    """The whole validated table."""

    version: int
    evidence_strength: dict[str, str]
    references: dict[str, Reference]
    thresholds: dict[str, Threshold]
    agents: dict[str, dict[str, Any]]
    exogenous_androgens: tuple[str, ...]
    definitions: dict[str, Condition]
    rules: tuple[Rule, ...]
    path: str = field(default="", compare=False)

    def of_kind(self, kind: str) -> tuple[Rule, ...]:
        """The rules of one kind, in table order."""
        return tuple(r for r in self.rules if r.kind == kind)

    def threshold_values(self) -> dict[str, float]:
        """Threshold name -> value (what conditions and text templates read)."""
        return {name: t.value for name, t in self.thresholds.items()}

    def short_sources(self, keys: tuple[str, ...] | list[str]) -> list[str]:
        """Short labels of citation keys, in order."""
        return [self.references[k].short for k in keys]

    def citations(self, keys: tuple[str, ...] | list[str]) -> list[str]:
        """Full citations of citation keys, in order."""
        return [self.references[k].citation for k in keys]


def default_rules_path() -> Path:
    """Where the packaged rule table lives."""
    return Path(str(resources.files("hpgtwin.clinic").joinpath("data/rules.yaml")))


@cache
def load_rulebook(path: str | None = None) -> RuleBook:
    """Load and validate the rule table (the packaged one unless ``path`` is given)."""
    source = Path(path) if path else default_rules_path()
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RuleDefinitionError(f"cannot read rule table {source}: {exc}") from None
    return build_rulebook(raw, path=str(source))


def build_rulebook(raw: dict[str, Any], *, path: str = "<dict>") -> RuleBook:
    """Validate a parsed rule table into a :class:`RuleBook`."""
    strengths = dict(raw["evidence_strength"])
    references = {
        key: Reference(key, str(r["short"]), str(r["citation"]), str(r.get("verified", "")))
        for key, r in raw["references"].items()
    }
    thresholds = {name: _threshold(name, t, references) for name, t in raw["thresholds"].items()}
    agents = {key: dict(spec) for key, spec in raw["agents"].items()}
    definition_names = list(raw.get("definitions", {}))
    known = set(FACTS) | set(thresholds) | set(definition_names) | {fit_fact(a) for a in agents}
    clashes = set(FACTS) & (set(thresholds) | set(definition_names))
    if clashes:
        raise RuleDefinitionError(f"{path}: names used both as fact and threshold/definition: {sorted(clashes)}")
    definitions = {
        name: parse_condition(text, known_names=known, where=f"definition {name}")
        for name, text in raw.get("definitions", {}).items()
    }
    _check_acyclic(definitions)
    rules = tuple(_rule(r, known, references, strengths, agents) for r in raw["rules"])
    ids = [r.id for r in rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RuleDefinitionError(f"{path}: duplicate rule ids {duplicates}")
    return RuleBook(
        version=int(raw["version"]),
        evidence_strength=strengths,
        references=references,
        thresholds=thresholds,
        agents=agents,
        exogenous_androgens=tuple(raw.get("exogenous_androgens", ())),
        definitions=definitions,
        rules=rules,
        path=path,
    )


def _sources(keys: Any, references: dict[str, Reference], where: str) -> tuple[str, ...]:
    keys = tuple(keys or ())
    if not keys:
        raise RuleDefinitionError(f"{where}: every rule and threshold must name at least one source")
    unknown = [k for k in keys if k not in references]
    if unknown:
        raise RuleDefinitionError(f"{where}: unknown source key(s) {unknown}")
    return keys


def _threshold(name: str, raw: dict[str, Any], references: dict[str, Reference]) -> Threshold:
    if "value" not in raw or "unit" not in raw:
        raise RuleDefinitionError(f"threshold {name}: needs a value and a unit")
    return Threshold(
        name=name,
        value=float(raw["value"]),
        unit=str(raw["unit"]),
        sources=_sources(raw.get("sources"), references, f"threshold {name}"),
        evidence=str(raw.get("evidence", "")),
        note=str(raw.get("note", "")),
    )


def _check_acyclic(definitions: dict[str, Condition]) -> None:
    state: dict[str, int] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise RuleDefinitionError(f"definitions refer to each other in a cycle: {' -> '.join((*trail, name))}")
        state[name] = 1
        for used in definitions[name].names & definitions.keys():
            visit(used, (*trail, name))
        state[name] = 2

    for name in definitions:
        visit(name, ())


def _choice(value: Any, allowed: tuple[str, ...] | list[str], what: str, where: str) -> str:
    if value not in allowed:
        raise RuleDefinitionError(f"{where}: {what} must be one of {list(allowed)}, got {value!r}")
    return str(value)


def _rule(
    raw: dict[str, Any],
    known: set[str],
    references: dict[str, Reference],
    strengths: dict[str, str],
    agents: dict[str, dict[str, Any]],
) -> Rule:
    rule_id = str(raw.get("id", "?"))
    where = f"rule {rule_id}"
    kind = _choice(raw.get("kind"), KINDS, "kind", where)
    for key in ("when", "clinician", "patient"):
        if not raw.get(key):
            raise RuleDefinitionError(f"{where}: missing {key!r}")
    fields: dict[str, Any] = {}
    if kind in ("phenotype", "alert"):
        if not raw.get("code"):
            raise RuleDefinitionError(f"{where}: a {kind} rule needs a code")
        fields["code"] = str(raw["code"])
    if kind == "phenotype":
        fields["evidence"] = raw.get("evidence")
    if kind == "therapy":
        listed = tuple(raw.get("agents") or ())
        unknown = [a for a in listed if a not in agents]
        if not listed or unknown:
            raise RuleDefinitionError(f"{where}: agents must be a non-empty list of {sorted(agents)}; bad {unknown}")
        fields["agents"] = listed
        fields["fit"] = _choice(raw.get("fit"), RULE_FITS, "fit", where)
    if kind == "monitoring":
        if not raw.get("test") or not raw.get("at_weeks"):
            raise RuleDefinitionError(f"{where}: a monitoring rule needs a test and at_weeks")
        fields["test"] = str(raw["test"])
        fields["at_weeks"] = tuple(float(w) for w in raw["at_weeks"])
    if kind == "alert":
        fields["severity"] = _choice(raw.get("severity"), SEVERITIES, "severity", where)
    return Rule(
        id=rule_id,
        kind=kind,
        when=parse_condition(raw["when"], known_names=known, where=where),
        clinician=str(raw["clinician"]),
        patient=str(raw["patient"]),
        sources=_sources(raw.get("sources"), references, where),
        strength=_choice(raw.get("strength"), list(strengths), "strength", where),
        **fields,
    )
