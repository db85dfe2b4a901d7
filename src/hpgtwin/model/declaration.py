"""The model declaration: states, parameters, assignments and rate laws, declared once as frozen dataclasses.

Everything numerical (right-hand side, Jacobian, steady state, solvers) and the SBML export are generated from a
:class:`Model`; see ``/work/coord/MODEL_CONTRACT.md``. Time unit: hour.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from hpgtwin.errors import InputError
from hpgtwin.params.parameter import EVIDENCE_KINDS, Evidence, Parameter  # noqa: F401 (re-exported: part of the declaration API)


class UnknownParameter(InputError):
    """A parameter name that the model does not declare."""


class ModelDeclarationError(ValueError):
    """A model declaration that is inconsistent (duplicate names, missing rate, unknown symbol)."""


@dataclass(frozen=True)
class State:
    """One state variable; ``initial=None`` means it starts at the drug-free baseline steady state."""

    name: str
    unit: str
    description: str
    initial: float | None = None


@dataclass(frozen=True)
class Assignment:
    """A named algebraic quantity (evaluated in declaration order) such as an output in clinical units."""

    name: str
    expr: str
    unit: str
    description: str


@dataclass(frozen=True)
class Rate:
    """The rate law d(state)/dt = expr, per hour."""

    state: str
    expr: str


@dataclass(frozen=True)
class DoseTarget:
    """A dose of ``amount`` (mg or IU) of ``drug`` adds ``amount * amount_scale`` to ``state``."""

    drug: str
    state: str
    amount_scale: str


@dataclass(frozen=True)
class Model:
    """The full declaration of an ODE model with bolus dosing; the single source of truth for the twin."""

    name: str
    states: tuple[State, ...]
    parameters: tuple[Parameter, ...]
    assignments: tuple[Assignment, ...]
    rates: tuple[Rate, ...]
    dose_targets: tuple[DoseTarget, ...]
    outputs: tuple[str, ...]
    time_unit: str = "hour"
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        """Check the structure once so every generated artefact can rely on it."""
        names = [s.name for s in self.states] + [p.name for p in self.parameters]
        names += [a.name for a in self.assignments]
        seen: set[str] = set()
        for name in names:
            if not name.isidentifier():
                raise ModelDeclarationError(f"{self.name}: {name!r} is not a valid identifier")
            if name in seen:
                raise ModelDeclarationError(f"{self.name}: {name!r} is declared twice")
            seen.add(name)
        rate_states = [r.state for r in self.rates]
        state_names = [s.name for s in self.states]
        if sorted(rate_states) != sorted(state_names):
            missing = set(state_names) - set(rate_states)
            extra = set(rate_states) - set(state_names)
            dup = {s for s in rate_states if rate_states.count(s) > 1}
            raise ModelDeclarationError(
                f"{self.name}: every state needs exactly one rate (missing {sorted(missing)}, "
                f"unknown {sorted(extra)}, duplicated {sorted(dup)})"
            )
        for out in self.outputs:
            if out not in seen:
                raise ModelDeclarationError(f"{self.name}: output {out!r} is neither a state nor an assignment")
        for target in self.dose_targets:
            if target.state not in state_names:
                raise ModelDeclarationError(f"{self.name}: dose target state {target.state!r} is not a state")
        for p in self.parameters:
            if p.evidence not in EVIDENCE_KINDS:
                raise ModelDeclarationError(f"{self.name}: parameter {p.name!r} has evidence {p.evidence!r}")
            if not (math.isfinite(p.value) and p.lower <= p.value <= p.upper):
                raise ModelDeclarationError(
                    f"{self.name}: parameter {p.name!r} = {p.value} outside its bounds [{p.lower}, {p.upper}]"
                )
        self._index.update({p.name: i for i, p in enumerate(self.parameters)})

    @property
    def state_names(self) -> tuple[str, ...]:
        """State names in vector order."""
        return tuple(s.name for s in self.states)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Parameter names in vector order."""
        return tuple(p.name for p in self.parameters)

    @property
    def drugs(self) -> tuple[str, ...]:
        """Drug keys that can be dosed into this model."""
        return tuple(dict.fromkeys(t.drug for t in self.dose_targets))

    def parameter(self, name: str) -> Parameter:
        """The declared parameter called ``name``."""
        if name not in self._index:
            raise UnknownParameter(f"unknown model parameter {name!r}")
        return self.parameters[self._index[name]]

    def parameter_index(self, name: str) -> int:
        """Column of parameter ``name`` in a :class:`ParameterSet`."""
        if name not in self._index:
            raise UnknownParameter(f"unknown model parameter {name!r}")
        return self._index[name]

    def default_parameters(self, n_patients: int = 1) -> ParameterSet:
        """The declared values for ``n_patients`` identical men."""
        values = np.array([p.value for p in self.parameters], dtype=float)
        return ParameterSet(self.parameter_names, np.tile(values, (n_patients, 1)))

    def structure_key(self) -> str:
        """Everything that shapes generated code (names, order, expressions), not parameter values."""
        parts = [self.name, self.time_unit]
        parts += [f"S:{s.name}" for s in self.states]
        parts += [f"P:{p.name}" for p in self.parameters]
        parts += [f"A:{a.name}={a.expr}" for a in self.assignments]
        parts += [f"R:{r.state}={r.expr}" for r in self.rates]
        parts += [f"D:{d.drug}>{d.state}*{d.amount_scale}" for d in self.dose_targets]
        parts += [f"O:{o}" for o in self.outputs]
        return "\n".join(parts)


@dataclass(frozen=True)
class ParameterSet:
    """Parameter values for a batch of men: ``values[i, j]`` is parameter ``names[j]`` of patient ``i``."""

    names: tuple[str, ...]
    values: np.ndarray

    def __post_init__(self) -> None:
        """Normalise to a read-only 2-D float array whose width matches ``names``."""
        values = np.array(self.values, dtype=float, copy=True)
        if values.ndim == 1:
            values = values[None, :]
        if values.ndim != 2 or values.shape[1] != len(self.names):
            raise InputError(f"parameter values of shape {values.shape} do not match {len(self.names)} names")
        if not np.all(np.isfinite(values)):
            raise InputError("parameter values must be finite")
        values.setflags(write=False)
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "values", values)

    @property
    def n_patients(self) -> int:
        """Number of men in the batch."""
        return int(self.values.shape[0])

    def index(self, name: str) -> int:
        """Column of ``name``."""
        try:
            return self.names.index(name)
        except ValueError:
            raise UnknownParameter(f"unknown model parameter {name!r}") from None

    def __getitem__(self, name: str) -> np.ndarray:
        """The column of one parameter over all patients."""
        return self.values[:, self.index(name)]

    def __len__(self) -> int:
        """Number of patients."""
        return self.n_patients

    def as_dict(self, patient: int = 0) -> dict[str, float]:
        """One patient's parameters by name."""
        return {n: float(v) for n, v in zip(self.names, self.values[patient], strict=True)}

    def with_values(self, **overrides: float | Iterable[float]) -> ParameterSet:
        """A copy with some parameters replaced (a scalar for all patients or one value per patient)."""
        values = np.array(self.values, dtype=float, copy=True)
        for name, new in overrides.items():
            column = np.asarray(new, dtype=float)
            if column.ndim > 1 or (column.ndim == 1 and column.shape[0] != self.n_patients):
                raise InputError(f"{name}: expected a scalar or {self.n_patients} values, got shape {column.shape}")
            values[:, self.index(name)] = column
        return ParameterSet(self.names, values)

    def scaled(self, factors: Mapping[str, float | Iterable[float]]) -> ParameterSet:
        """A copy with some parameters multiplied by a factor (scalar or per patient)."""
        return self.with_values(**{k: self[k] * np.asarray(f, dtype=float) for k, f in factors.items()})

    def patients(self, index: int | slice | Iterable[int]) -> ParameterSet:
        """A sub-batch (one patient, a slice or a list of patients)."""
        rows = self.values[index] if not isinstance(index, int) else self.values[index : index + 1]
        return ParameterSet(self.names, rows)

    def repeat(self, n: int) -> ParameterSet:
        """The batch tiled ``n`` times (patients in order, then repeated)."""
        return ParameterSet(self.names, np.tile(self.values, (n, 1)))

    @staticmethod
    def concat(sets: Iterable[ParameterSet]) -> ParameterSet:
        """Stack batches with identical names."""
        sets = list(sets)
        if not sets:
            raise InputError("no parameter sets to concatenate")
        names = sets[0].names
        if any(s.names != names for s in sets):
            raise InputError("parameter sets have different names")
        return ParameterSet(names, np.vstack([s.values for s in sets]))

    def for_model(self, model: Model) -> ParameterSet:
        """Reorder (and check) the columns to the model's parameter order."""
        if self.names == model.parameter_names:
            return self
        missing = [n for n in model.parameter_names if n not in self.names]
        if missing:
            raise UnknownParameter(f"parameter set lacks model parameters {missing[:5]}")
        cols = [self.index(n) for n in model.parameter_names]
        return ParameterSet(model.parameter_names, self.values[:, cols])
