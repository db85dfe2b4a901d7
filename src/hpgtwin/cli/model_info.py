"""``hpgtwin params``: the model's parameter table with units, bounds, sources and evidence."""

from __future__ import annotations

from typing import Any

import typer

from hpgtwin.cli.common import echo_json, fail, footer

EVIDENCE_CHOICES = ("publication", "fitted", "assumption", "derived")


def parameter_rows(evidence: str | None = None) -> list[dict[str, Any]]:
    """Every declared parameter (physiology and drug PK) as a dict, optionally of one evidence kind."""
    from hpgtwin.model import MODEL
    from hpgtwin.params import load_model_parameters

    fitted_to = {e.name: list(e.fitted_to) for e in load_model_parameters()}
    rows = []
    for p in MODEL.parameters:
        if evidence and p.evidence != evidence:
            continue
        rows.append({
            "name": p.name, "value": p.value, "unit": p.unit, "lower": p.lower, "upper": p.upper,
            "evidence": p.evidence, "source": p.source, "locator": p.locator, "description": p.description,
            "fitted_to": fitted_to.get(p.name, []),
        })
    return rows


def format_text(rows: list[dict[str, Any]]) -> str:
    """A readable listing: one block per parameter."""
    out = []
    for r in rows:
        out.append(f"{r['name']} = {r['value']:.6g} {r['unit']}  [{r['lower']:.3g}, {r['upper']:.3g}]  ({r['evidence']})")
        out.append(f"    {r['description']}")
        out.append(f"    source: {r['source']}")
        if r["fitted_to"]:
            out.append(f"    fitted to: {', '.join(r['fitted_to'])}")
    out.append(f"\n{len(rows)} parameters.")
    return "\n".join(out)


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    """Add ``hpgtwin params``."""

    @app.command("params")
    def params(
        evidence: str = typer.Option(None, "--evidence", help="only parameters of this evidence kind: "
                                     + ", ".join(EVIDENCE_CHOICES)),
        fmt: str = typer.Option("text", "--format", help="text or json"),
    ) -> None:
        """List the model parameters with unit, bounds, source and evidence (--evidence assumption)."""
        if evidence is not None and evidence not in EVIDENCE_CHOICES:
            fail(f"--evidence must be one of {', '.join(EVIDENCE_CHOICES)}, not {evidence!r}")
        if fmt not in ("text", "json"):
            fail(f"--format must be text or json, not {fmt!r}")
        rows = parameter_rows(evidence)
        if fmt == "json":
            echo_json({"parameters": rows})
        else:
            typer.echo(format_text(rows) + footer())
