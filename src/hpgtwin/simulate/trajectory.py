"""Trajectory: daily samples of every output (and state) of a simulated batch of men."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Trajectory:
    """Daily samples: ``days`` (n_days+1,), ``outputs[name]`` (n_patients, n_days+1), ``states`` likewise by state.

    Samples are taken at 24*d hours, before any dose given at that instant (trough values).
    """

    days: np.ndarray
    outputs: dict[str, np.ndarray]
    states: np.ndarray  # (n_patients, n_days+1, n_states)
    state_names: tuple[str, ...]
    regimen: str = ""
    method: str = "adaptive"
    status: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))

    @property
    def n_patients(self) -> int:
        """Number of simulated men."""
        return int(self.states.shape[0])

    @property
    def output_names(self) -> tuple[str, ...]:
        """Output names in declaration order."""
        return tuple(self.outputs)

    def __getitem__(self, name: str) -> np.ndarray:
        """Samples of one output (or state) as (n_patients, n_days+1)."""
        if name in self.outputs:
            return self.outputs[name]
        if name in self.state_names:
            return self.states[:, :, self.state_names.index(name)]
        raise KeyError(f"no output or state named {name!r}")

    def state(self, name: str) -> np.ndarray:
        """Samples of one state as (n_patients, n_days+1)."""
        return self.states[:, :, self.state_names.index(name)]

    def final(self, name: str) -> np.ndarray:
        """Last sample of one output, per patient."""
        return self[name][:, -1]

    def to_dict(self, patient: int = 0) -> dict[str, list[float | None]]:
        """``{"days": [...], "<output>": [...]}`` for one man (NaN -> None so it is valid JSON)."""
        result: dict[str, list[float | None]] = {"days": [float(d) for d in self.days]}
        for name, values in self.outputs.items():
            result[name] = [float(v) if np.isfinite(v) else None for v in values[patient]]
        return result
