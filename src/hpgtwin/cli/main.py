"""The ``hpgtwin`` command: one typer app; each command lives in its own module and registers itself."""

from __future__ import annotations

import sys

import typer

from hpgtwin import DISCLAIMER, __version__
from hpgtwin.cli import assess, export_sbml, fhir, model_info, plan, rules, serve, simulate, trial
from hpgtwin.errors import HpgtwinError

app = typer.Typer(
    name="hpgtwin",
    help=f"A digital twin of the male HPG axis. {DISCLAIMER}",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
export_app = typer.Typer(help="Export the model (SBML) or a patient (FHIR).", no_args_is_help=True)
import_app = typer.Typer(help="Import labs from FHIR R4.", no_args_is_help=True)
app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")

GROUPS = {"export": export_app, "import": import_app}
for module in (assess, rules, simulate, model_info, export_sbml, plan, trial, serve, fhir):
    module.register(app, GROUPS)


@app.command()
def version() -> None:
    """Print the hpgtwin version."""
    typer.echo(__version__)


def run() -> None:
    """Console entry point: domain errors become one line on stderr and exit code 2."""
    try:
        app()
    except HpgtwinError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    run()
