"""Alerts: a coded, sourced message about a patient's data (shared by intake and the clinical engine)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["info", "warning", "high"]
SEVERITIES: tuple[str, ...] = ("info", "warning", "high")


@dataclass(frozen=True)
class Alert:
    """One alert: machine code, severity (info | warning | high), a one-line message and where the rule comes from."""

    code: str
    severity: str
    message: str
    source: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"alert severity must be one of {SEVERITIES}, got {self.severity!r}")

    def to_dict(self) -> dict[str, str]:
        """The JSON form ``{code, severity, message, source}``."""
        return asdict(self)
