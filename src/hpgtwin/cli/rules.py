"""``hpgtwin rules``: list every clinical rule and threshold with its condition, conclusion and sources."""

from __future__ import annotations

from typing import Any

import typer

from hpgtwin.cli.common import echo_json, fail, footer
from hpgtwin.clinic import load_rulebook
from hpgtwin.clinic.facts import FACTS
from hpgtwin.clinic.rulebook import RuleBook


def rules_table(book: RuleBook) -> dict[str, Any]:
    """The rule table as JSON: rules, thresholds, definitions, facts and references."""
    return {
        "version": book.version,
        "rules": [
            {
                "id": r.id,
                "kind": r.kind,
                "condition": r.when.text,
                "conclusion": r.conclusion,
                "clinician": r.clinician,
                "patient": r.patient,
                "sources": book.short_sources(r.sources),
                "references": book.citations(r.sources),
                "strength": r.strength,
            }
            for r in book.rules
        ],
        "thresholds": [
            {"name": t.name, "value": t.value, "unit": t.unit, "sources": book.short_sources(t.sources),
             "evidence": t.evidence, "note": t.note}
            for t in book.thresholds.values()
        ],
        "definitions": {name: c.text for name, c in book.definitions.items()},
        "facts": {name: {"unit": f.unit, "description": f.description} for name, f in FACTS.items()},
        "evidence_strength": book.evidence_strength,
        "references": {k: {"short": r.short, "citation": r.citation, "verified": r.verified} for k, r in book.references.items()},
    }


def render_text(book: RuleBook) -> str:
    """One block per rule, then the thresholds."""
    lines = [f"hpgtwin clinical rules (table version {book.version}, {len(book.rules)} rules)\n"]
    for r in book.rules:
        lines.append(f"{r.id}  [{r.kind}] {r.conclusion}")
        lines.append(f"    when: {r.when.text}")
        lines.append(f"    why:  {r.clinician}")
        lines.append(f"    source: {'; '.join(book.short_sources(r.sources))}  (evidence: {r.strength})")
    lines.append("\nThresholds")
    for t in book.thresholds.values():
        lines.append(f"  {t.name} = {t.value:g} {t.unit}  [{'; '.join(book.short_sources(t.sources))}]")
    return "\n".join(lines) + "\n" + footer()


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    """Add ``rules`` to the app."""

    @app.command("rules")
    def rules_command(
        output_format: str = typer.Option("text", "--format", help="json or text."),
    ) -> None:
        """List the clinical rules, their conditions, conclusions, sources and thresholds."""
        if output_format not in ("json", "text"):
            fail(f"--format must be json or text, got {output_format!r}")
        book = load_rulebook()
        if output_format == "json":
            echo_json(rules_table(book))
        else:
            typer.echo(render_text(book))
