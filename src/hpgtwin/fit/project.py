"""Project a calibrated twin under a regimen: daily median and 80 %/95 % bands over the posterior sample.

The bands are parameter uncertainty (where this man's true level is likely to be), not the spread of single
lab draws. Projections start from the untreated steady state (a washout of any current drug) or, on request,
from his modelled state at his last lab.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hpgtwin.errors import InputError
from hpgtwin.fit.calibrate import PersonalTwin

QUANTILES = {"p2_5": 0.025, "p10": 0.10, "median": 0.50, "p90": 0.90, "p97_5": 0.975}
BANDS = {0.80: ("p10", "p90"), 0.95: ("p2_5", "p97_5")}


@dataclass(frozen=True)
class Projection:
    """Daily quantiles of every output of one regimen over a twin's posterior sample."""

    regimen: str
    days: np.ndarray
    quantiles: dict[str, dict[str, np.ndarray]]
    n_samples: int

    def quantiles_of(self, output: str) -> dict[str, np.ndarray]:
        """Every daily quantile series of one output (InputError naming the known ones if unknown)."""
        if output not in self.quantiles:
            raise InputError(f"unknown output {output!r}; known: {', '.join(sorted(self.quantiles))}")
        return self.quantiles[output]

    def median(self, output: str) -> np.ndarray:
        """Daily posterior median of one output."""
        return self.quantiles_of(output)["median"]

    def band(self, output: str, level: float = 0.80) -> tuple[np.ndarray, np.ndarray]:
        """Daily lower and upper edges of the central 80 % or 95 % band."""
        if level not in BANDS:
            raise InputError(f"band level must be one of {sorted(BANDS)}, got {level!r}")
        lo, hi = BANDS[level]
        q = self.quantiles_of(output)
        return q[lo], q[hi]

    def at_day(self, output: str, day: float) -> dict[str, float]:
        """All quantiles of one output on one day."""
        q = self.quantiles_of(output)
        i = int(np.argmin(np.abs(self.days - day)))
        return {k: float(v[i]) for k, v in q.items()}

    def to_dict(self, outputs: tuple[str, ...] | None = None, every: int = 1) -> dict[str, Any]:
        """JSON-ready view: days and, per output, each quantile series (optionally every n-th day)."""
        names = [o for o in (outputs or tuple(self.quantiles)) if o in self.quantiles]
        sl = slice(None, None, max(1, every))
        return {
            "regimen": self.regimen,
            "n_samples": self.n_samples,
            "days": [float(d) for d in self.days[sl]],
            "outputs": {
                o: {k: [round(float(x), 4) for x in v[sl]] for k, v in self.quantiles[o].items()}
                for o in names
            },
        }


def _regimen_text(regimen: Any) -> str:
    """Text of a regimen given as text, Regimen or None."""
    if regimen is None:
        return "none"
    return str(getattr(regimen, "text", regimen))


def _regimen_key(regimen: Any) -> str:
    """Cache key of a regimen: its canonical text when parsed, else the text as given."""
    if regimen is None:
        return "none"
    return str(getattr(regimen, "canonical", None) or getattr(regimen, "text", regimen)).strip().lower()


STARTS = ("baseline", "current")


def current_state(twin: PersonalTwin, method: str = "fast") -> np.ndarray | None:
    """Model state of every posterior draw on the day of his last lab (None when he takes no drug)."""
    from hpgtwin.simulate import simulate

    if twin.history.regimen is None:
        return None
    key = ("__state__", method)
    if key not in twin.projection_cache:
        traj = simulate(
            twin.history.regimen, parameters=twin.parameters, days=twin.history.days, method=method
        )
        twin.projection_cache[key] = np.asarray(traj.states)[:, -1, :]
    return twin.projection_cache[key]


def project(
    twin: PersonalTwin, regimen: Any, days: int = 180, *, method: str = "fast", start: str = "baseline"
) -> Projection:
    """Simulate a regimen over the twin's posterior sample and summarise each output per day (cached per twin).

    ``start="baseline"`` begins at his untreated steady state (washout of any current drug); ``"current"``
    begins at his modelled state on the day of his last lab, on the regimen he is taking.
    """
    from hpgtwin.simulate import simulate

    if start not in STARTS:
        raise InputError(f"start must be one of {STARTS}, got {start!r}")
    if not isinstance(twin, PersonalTwin):
        raise InputError(f"project needs a PersonalTwin from calibrate(), not {type(twin).__name__}")
    if not isinstance(days, (int, float)) or not 1 <= days <= 3650:
        raise InputError(f"days must be between 1 and 3650, got {days!r}")
    if isinstance(regimen, str):
        from hpgtwin.pk import parse_regimen

        regimen = parse_regimen(regimen)
    key = (_regimen_key(regimen), float(days), method, start)
    if key in twin.projection_cache:
        return twin.projection_cache[key]
    y0 = current_state(twin, method) if start == "current" else None
    traj = simulate(regimen, parameters=twin.parameters, days=days, method=method, initial_state=y0)
    quantiles = {}
    probs = np.array(list(QUANTILES.values()))
    for name, series in traj.outputs.items():
        q = np.quantile(np.asarray(series, dtype=float), probs, axis=0)
        quantiles[name] = {k: q[i] for i, k in enumerate(QUANTILES)}
    result = Projection(_regimen_text(regimen), np.asarray(traj.days, dtype=float), quantiles, twin.n_samples)
    twin.projection_cache[key] = result
    return result
