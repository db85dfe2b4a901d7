"""Turn a regimen's dose events into the integer-indexed bolus schedule the solver kernels consume."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from hpgtwin.errors import InputError
from hpgtwin.model.declaration import Model


class UnsupportedDrug(InputError):
    """A regimen names a drug that the model has no dose target for."""


class DoseEventsLike(Protocol):
    """What ``Regimen.dose_events(days)`` returns: parallel arrays sorted by time."""

    time_h: Any
    drug: Any
    amount: Any


class RegimenLike(Protocol):
    """Anything that can list its bolus doses over a horizon (``hpgtwin.pk.Regimen``)."""

    def dose_events(self, days: float) -> DoseEventsLike:
        """Dose times (h), drug keys and amounts (mg or IU) over ``days``."""
        ...


@dataclass(frozen=True)
class BolusSchedule:
    """Kernel-ready doses: time (h), dose-target index and amount, sorted by time."""

    time_h: np.ndarray
    target: np.ndarray
    amount: np.ndarray
    target_state: np.ndarray

    @property
    def n_doses(self) -> int:
        """Number of bolus rows (a drug with two targets gives two rows per dose)."""
        return int(self.time_h.shape[0])


def empty_schedule(model: Model) -> BolusSchedule:
    """No doses."""
    return BolusSchedule(np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0), _target_states(model))


def _target_states(model: Model) -> np.ndarray:
    """State index of each dose target."""
    names = model.state_names
    return np.array([names.index(t.state) for t in model.dose_targets] or [0], dtype=np.int64)


def bolus_schedule(model: Model, events: DoseEventsLike | None, horizon_h: float) -> BolusSchedule:
    """Expand drug doses into one row per dose target, dropping doses at or after ``horizon_h``."""
    if events is None:
        return empty_schedule(model)
    times = np.asarray(events.time_h, dtype=float)
    keys = getattr(events, "dose_key", None)  # "drug@route" for a non-default route (hpgtwin.pk.DoseEvents)
    drugs = [str(d) for d in np.asarray(events.drug if keys is None else keys).tolist()]
    amounts = np.asarray(events.amount, dtype=float)
    if not (times.shape[0] == len(drugs) == amounts.shape[0]):
        raise InputError("dose events: time_h, drug and amount differ in length")
    if np.any(~np.isfinite(times)) or np.any(times < 0) or np.any(~np.isfinite(amounts)) or np.any(amounts < 0):
        raise InputError("dose events need finite, non-negative times and amounts")
    targets_of: dict[str, list[int]] = {}
    for k, target in enumerate(model.dose_targets):
        targets_of.setdefault(target.drug, []).append(k)
    rows_t: list[float] = []
    rows_k: list[int] = []
    rows_a: list[float] = []
    for t, drug, amount in zip(times, drugs, amounts, strict=True):
        if drug not in targets_of:
            raise UnsupportedDrug(f"the model has no dosing route for drug {drug!r} (known: {sorted(targets_of)})")
        if t >= horizon_h:
            continue
        for k in targets_of[drug]:
            rows_t.append(float(t))
            rows_k.append(k)
            rows_a.append(float(amount))
    order = np.argsort(np.asarray(rows_t), kind="stable")
    return BolusSchedule(
        np.asarray(rows_t, dtype=float)[order],
        np.asarray(rows_k, dtype=np.int64)[order],
        np.asarray(rows_a, dtype=float)[order],
        _target_states(model),
    )
