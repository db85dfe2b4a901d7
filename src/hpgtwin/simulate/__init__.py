"""The simulator: ``simulate(regimen, parameters=..., days=..., method=...) -> Trajectory``."""

from __future__ import annotations

from hpgtwin.simulate.engine import simulate
from hpgtwin.simulate.trajectory import Trajectory

__all__ = ["simulate", "Trajectory"]
