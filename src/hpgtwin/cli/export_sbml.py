"""``hpgtwin export sbml``: the model as SBML L3 for one man, his regimen's doses as events."""

from __future__ import annotations

from pathlib import Path

import typer

from hpgtwin.cli.common import fail
from hpgtwin.errors import InputError


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    """Add ``export sbml`` to the export group."""

    @groups["export"].command("sbml")
    def export_sbml_command(
        output: Path = typer.Option(..., "-o", "--output", help="Where to write the SBML file."),
        regimen: str | None = typer.Option(None, "--regimen", help='Regimen text; omit for no treatment.'),
        patient: Path | None = typer.Option(None, "--patient", help="Patient file (JSON contract or FHIR Bundle)."),
        days: float = typer.Option(180.0, "--days", help="Horizon in days: doses before it become events."),
    ) -> None:
        """Write valid SBML L3 (time unit hour; outputs as assignment rules; doses as events)."""
        from hpgtwin.interop.sbml import write_sbml

        try:
            man = None
            if patient is not None:
                from hpgtwin.labs import load_patient_file

                man = load_patient_file(patient).patient
            path = write_sbml(output, regimen, parameters=man, days=days)
        except InputError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror}")
        typer.echo(f"wrote {path}")
