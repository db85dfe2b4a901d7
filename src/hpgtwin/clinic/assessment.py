"""``assess``: the intake of one patient file plus phenotype, therapy fit, monitoring plan and alerts.

Every conclusion carries the rule that produced it and its sources, so a reader can trace it to the seed
document and the guideline or study behind it. For research and education; not a medical device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hpgtwin import DISCLAIMER
from hpgtwin.clinic.engine import Evaluation, Firing, evaluate
from hpgtwin.clinic.facts import gather_facts
from hpgtwin.clinic.plain import plain_language, semen_code_text
from hpgtwin.clinic.rulebook import RuleBook, load_rulebook
from hpgtwin.errors import InputError
from hpgtwin.labs.intake import Intake, intake
from hpgtwin.labs.records import PatientFile

AUDIENCES = ("clinician", "patient")


@dataclass(frozen=True)
class Assessment:
    """The clinical engine's result for one patient file and one audience."""

    intake: Intake
    evaluation: Evaluation
    rulebook: RuleBook
    audience: str

    def _text(self, firing: Firing) -> str:
        return firing.patient if self.audience == "patient" else firing.clinician

    def _source(self, keys: tuple[str, ...]) -> str:
        return "; ".join(self.rulebook.short_sources(keys))

    def _semen_explanation(self, code: str, edition: int, when: str | None) -> str:
        plain = semen_code_text(self.rulebook, code) if self.audience == "patient" else None
        return plain or f"WHO {edition} semen classification of the analysis dated {when or 'undated'}"

    def phenotype(self) -> list[dict[str, Any]]:
        """``[{code, evidence, source, ...}]``: rule phenotypes, then the WHO semen codes of the intake."""
        entries = [
            {
                "code": f.rule.code,
                "evidence": f.evidence,
                "source": self._source(f.rule.sources),
                "explanation": self._text(f),
                "rule": f.rule.id,
                "strength": f.rule.strength,
                "references": self.rulebook.citations(f.rule.sources),
            }
            for f in self.evaluation.phenotypes
        ]
        latest = self.intake.latest_semen_classification()
        if latest is not None:
            entries += [
                {
                    "code": code,
                    "evidence": _semen_evidence(latest.parameters, latest.edition),
                    "source": latest.source,
                    "explanation": self._semen_explanation(code, latest.edition, latest.date),
                    "rule": f"WHO{latest.edition}-SEMEN",
                    "strength": "guideline_strong",
                    "references": [latest.source],
                }
                for code in latest.codes
            ]
        return entries

    def therapies(self) -> list[dict[str, Any]]:
        """``[{agent, class, fit, reasons, sources, ...}]`` for every agent of the rule table."""
        out = []
        for therapy in self.evaluation.therapies:
            keys: list[str] = []
            for f in therapy.firings:
                keys += [k for k in f.rule.sources if k not in keys]
            out.append(
                {
                    "agent": therapy.agent,
                    "name": self.rulebook.agents[therapy.agent].get("name", therapy.agent),
                    "class": self.rulebook.agents[therapy.agent]["class"],
                    "fit": therapy.fit,
                    "reasons": [self._text(f) for f in therapy.firings],
                    "sources": self.rulebook.short_sources(keys),
                    "rules": [f.rule.id for f in therapy.firings],
                    "references": self.rulebook.citations(keys),
                }
            )
        return out

    def monitoring(self) -> list[dict[str, Any]]:
        """``[{test, at_weeks, why, source, ...}]``; ``at_weeks`` are weeks after starting or changing a dose."""
        return [
            {
                "test": f.rule.test,
                "at_weeks": [int(w) if float(w).is_integer() else w for w in f.rule.at_weeks],
                "why": self._text(f),
                "source": self._source(f.rule.sources),
                "rule": f.rule.id,
                "strength": f.rule.strength,
            }
            for f in self.evaluation.monitoring
        ]

    def alerts(self) -> list[dict[str, Any]]:
        """The intake's alerts followed by the clinical alerts, each ``{code, severity, message, source}``."""
        clinical = [
            {
                "code": f.rule.code,
                "severity": f.rule.severity,
                "message": self._text(f),
                "source": self._source(f.rule.sources),
                "rule": f.rule.id,
            }
            for f in self.evaluation.alerts
        ]
        return [a.to_dict() for a in self.intake.alerts] + clinical

    def to_dict(self) -> dict[str, Any]:
        """The intake dict plus phenotype, therapies, monitoring, merged alerts, disclaimer (and plain_language)."""
        out = self.intake.to_dict()
        out["phenotype"] = self.phenotype()
        out["therapies"] = self.therapies()
        out["monitoring"] = self.monitoring()
        out["alerts"] = self.alerts()
        out["audience"] = self.audience
        out["rules_version"] = self.rulebook.version
        if self.audience == "patient":
            out["plain_language"] = plain_language(self.rulebook, self.evaluation)
        out["disclaimer"] = DISCLAIMER
        return out


def _semen_evidence(parameters: dict[str, dict[str, Any]], edition: int) -> str:
    below = [
        f"{name} {p['value']:g} < {p['lower_limit']:g}"
        for name, p in parameters.items()
        if p.get("below") and p.get("value") is not None
    ]
    return f"below the WHO {edition} lower reference limit: " + ("; ".join(below) if below else "none")


def assess(
    pf: PatientFile, *, audience: str = "clinician", who_edition: int = 2021, rulebook: RuleBook | None = None
) -> Assessment:
    """Apply the clinical rule table to one patient file (``audience`` 'clinician' or 'patient')."""
    if audience not in AUDIENCES:
        raise InputError(f"audience must be one of {', '.join(AUDIENCES)}, got {audience!r}")
    book = rulebook or load_rulebook()
    taken = intake(pf, who_edition=who_edition)
    facts = gather_facts(pf, taken, agents=book.agents, other_androgens=book.exogenous_androgens)
    return Assessment(intake=taken, evaluation=evaluate(book, facts), rulebook=book, audience=audience)
