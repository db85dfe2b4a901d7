"""libRoadRunner (CVODE + LLVM JIT) simulating the SBML that hpgtwin exports: the independent reference tool.

The exporter lives in ``hpgtwin.interop.sbml`` (engine helper). This adapter finds it, loads the SBML once and
loops over men by setting parameter values and the initial state, as a user of roadrunner would.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

_EXPORTER_NAMES = ("to_sbml", "export_sbml", "model_to_sbml", "sbml_string", "sbml_document", "build_sbml")


def find_exporter() -> tuple[Callable[..., Any] | None, str]:
    """The SBML export function of ``hpgtwin.interop.sbml`` (or None and the reason)."""
    try:
        from hpgtwin.interop import sbml
    except ImportError as exc:
        return None, f"hpgtwin.interop.sbml not available ({exc})"
    for name in _EXPORTER_NAMES:
        fn = getattr(sbml, name, None)
        if callable(fn):
            return fn, f"hpgtwin.interop.sbml.{name}"
    return None, f"no exporter among {_EXPORTER_NAMES} in hpgtwin.interop.sbml"


def export_sbml_text(regimen: str, days: float) -> tuple[str | None, str]:
    """SBML text of the default man under ``regimen`` over ``days`` (or None and the reason)."""
    fn, where = find_exporter()
    if fn is None:
        return None, where
    params = inspect.signature(fn).parameters
    kwargs: dict[str, Any] = {}
    if "regimen" in params:
        kwargs["regimen"] = regimen
    if "days" in params:
        kwargs["days"] = days
    result = fn(**kwargs)
    if hasattr(result, "toSBML"):
        import libsbml

        result = libsbml.writeSBMLToString(result)
    if not isinstance(result, str):
        return None, f"{where} returned {type(result).__name__}, not SBML text"
    return result, where


@dataclass
class RoadRunnerLoop:
    """One loaded roadrunner model; ``run(p, y0)`` simulates one man and returns daily samples of the outputs."""

    rr: Any
    parameter_ids: tuple[str, ...]
    state_ids: tuple[tuple[str, int], ...]  # (SBML id, column in our state vector)
    output_ids: tuple[str, ...]

    @classmethod
    def load(
        cls,
        sbml_text: str,
        parameter_ids: tuple[str, ...],
        state_ids: tuple[str, ...],
        output_ids: tuple[str, ...],
        *,
        rtol: float,
        atol: float,
    ) -> RoadRunnerLoop:
        """Compile the SBML once (LLVM JIT) with CVODE at the given tolerances."""
        import roadrunner

        rr = roadrunner.RoadRunner(sbml_text)
        rr.integrator.relative_tolerance = rtol
        # one atol per species: a scalar atol is scaled by each species' initial value (0 for drug states)
        rr.integrator.absolute_tolerance = [atol] * rr.model.getNumFloatingSpecies()
        rr.integrator.maximum_num_steps = 1_000_000
        known = set(rr.model.getGlobalParameterIds()) | set(rr.model.getFloatingSpeciesIds())
        known |= set(rr.model.getCompartmentIds())
        params = tuple(p for p in parameter_ids if p in known)
        outputs = tuple(o for o in output_ids if o in known or o in set(rr.model.getReactionIds()))
        position = {s: j for j, s in enumerate(state_ids)}
        species = rr.model.getFloatingSpeciesIds()
        if any(s not in position for s in species):
            raise ValueError("the SBML has species that are not model states")
        states = tuple((s, position[s]) for s in species)  # in roadrunner's species order
        return cls(rr, params, states, outputs or output_ids)

    def run(
        self, p: np.ndarray, y0: np.ndarray, parameter_index: dict[str, int], days: int
    ) -> dict[str, np.ndarray]:
        """Set one man's parameters and initial state, reset (which fires the doses due at t=0), simulate
        ``days`` with daily samples. Initial values are set as init concentrations (compartment volume 1) so
        that the reset does not overwrite a dose event that fires at time 0."""
        rr = self.rr
        for pid in self.parameter_ids:
            rr.setValue(pid, float(p[parameter_index[pid]]))
        columns = [j for _, j in self.state_ids]
        rr.model.setFloatingSpeciesInitConcentrations(np.ascontiguousarray(y0[columns], dtype=float))
        rr.reset()
        result = rr.simulate(0.0, days * 24.0, days + 1, ["time", *self.output_ids])
        columns = np.asarray(result)
        return {name: columns[:, k + 1] for k, name in enumerate(self.output_ids)}
