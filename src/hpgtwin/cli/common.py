"""Small helpers shared by the CLI commands: failing cleanly, printing JSON, the disclaimer footer."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer

from hpgtwin import DISCLAIMER


def fail(message: str) -> NoReturn:
    """Print a one-line reason on stderr and exit with code 2 (bad input)."""
    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(code=2)


def echo_json(payload: Any) -> None:
    """Print a JSON document (sorted keys are not forced: the order of the contract is kept)."""
    typer.echo(json.dumps(payload, indent=2, default=str, allow_nan=False))


def footer() -> str:
    """The short research/education note printed under text output."""
    return f"\n{DISCLAIMER}"
