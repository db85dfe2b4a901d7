"""``hpgtwin trial SPEC.yaml``: run a virtual cohort or trial, locally or on Dask, and print its statistics."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer

from hpgtwin.cli.common import echo_json, fail


class Format(StrEnum):
    """Output formats of the trial command."""

    json = "json"
    text = "text"


def trial(
    spec_path: Path = typer.Argument(..., metavar="SPEC.yaml", help="Cohort spec (YAML), e.g. examples/cohorts/*.yaml"),
    fmt: Format = typer.Option(Format.text, "--format", help="json (machine-readable) or text"),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Start a Dask LocalCluster with N workers"),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Use an existing Dask scheduler, tcp://host:8786"),
    out: Path | None = typer.Option(None, "--out", help="Write per-patient results to this Parquet file"),
    n: int | None = typer.Option(None, "--n", min=2, help="Override the number of virtual men per arm"),
    seed: int | None = typer.Option(None, "--seed", min=0, help="Override the random seed"),
) -> None:
    """Run a virtual trial from a cohort spec (research and education use; not a medical device)."""
    from hpgtwin.errors import InputError
    from hpgtwin.trials import CohortSpec, run_trial

    if workers and scheduler:
        fail("give --workers or --scheduler, not both")
    if not spec_path.is_file():
        fail(f"cohort spec file not found: {spec_path}")
    try:
        spec = CohortSpec.from_yaml(spec_path).with_overrides(n=n, seed=seed)
        result = run_trial(spec, workers=workers, scheduler=scheduler, progress=sys.stderr.isatty(), out=out)
    except InputError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot reach the Dask scheduler {scheduler}: {exc}" if scheduler else str(exc))
    if fmt is Format.json:
        echo_json(result.to_dict())
    else:
        typer.echo(result.to_text())
        if out is not None:
            typer.echo(f"per-patient results: {out}")


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    """Add the ``trial`` command to the app."""
    app.command(name="trial")(trial)
