"""Closed-form drug concentrations: superposition of one-compartment first-order-absorption (Bateman) curves.

Used as the exact reference for the model's ODE PK (linear PK is a sum of single-dose responses). For a dose
D at time t_d through a route with bioavailability F and absorption ka into a moiety with volume V and
elimination ke = CL/V (tau = t - t_d >= 0)::

    C(t) = s * f * F * D / V * ka / (ka - ke) * (exp(-ke tau) - exp(-ka tau))     (ka != ke)
    C(t) = s * f * F * D / V * ke * tau * exp(-ke tau)                             (ka == ke)
    C(t) = s * f * F * D / V * exp(-ke tau)                                        (iv bolus)

with f the moiety fraction of the dosed salt/ester and s the factor to the output unit (Gibaldi & Perrier,
Pharmacokinetics, 2nd ed., 1982, ch. 1).
"""

from __future__ import annotations

import numpy as np

from hpgtwin.pk.drugs import DRUGS, Moiety
from hpgtwin.pk.regimen import DoseEvents

_CHUNK = 2_000_000  # matrix elements per block (memory bound for long pulsatile schedules)


def _unit_response(tau: np.ndarray, ka: float | None, ke: float) -> np.ndarray:
    """Concentration per unit of absorbed amount per litre at lag ``tau`` (h); 0 before the dose."""
    after = tau >= 0.0
    tau = np.where(after, tau, 0.0)
    if ka is None:
        return np.where(after, np.exp(-ke * tau), 0.0)
    d = abs(ka - ke)
    slow = min(ka, ke)
    if d < 1e-12 * max(ka, ke):
        return np.where(after, ke * tau * np.exp(-ke * tau), 0.0)
    # ka/(ka-ke) (exp(-ke tau) - exp(-ka tau)) = ka/|d| exp(-slow tau) (1 - exp(-|d| tau)): stable either way
    return np.where(after, ka / d * np.exp(-slow * tau) * -np.expm1(-d * tau), 0.0)


def _moiety(drug: str, moiety: str | None) -> Moiety:
    """The named moiety of a drug, or its only moiety."""
    spec = DRUGS[drug]
    if moiety is None:
        return spec.moiety
    for m in spec.moieties:
        if m.key == moiety:
            return m
    raise KeyError(f"{drug} has no moiety {moiety!r} (moieties: {[m.key for m in spec.moieties]})")


def concentration(drug: str, events: DoseEvents, t_h: np.ndarray, moiety: str | None = None) -> np.ndarray:
    """Plasma concentration of one moiety of ``drug`` at times ``t_h`` (h), in the moiety's output unit.

    A dose exactly at a sample time counts as given (tau = 0): an iv bolus shows its full concentration,
    an absorbed dose still contributes 0.
    """
    spec = DRUGS[drug]
    m = _moiety(drug, moiety)
    t = np.asarray(t_h, dtype=float)
    mine = events.for_drug(drug)
    out = np.zeros(t.shape)
    scale = m.concentration_scale(spec.dose_unit) * float(m.fraction.value) / float(m.V_l.value)
    for route_name in np.unique(mine.route):
        route = spec.route(str(route_name))
        sel = mine.route == route_name
        times = mine.time_h[sel]
        absorbed = mine.amount[sel] * float(route.F.value) * scale
        ka = route.ka_per_h.value
        step = max(1, _CHUNK // max(1, t.size))
        flat = t.ravel()
        acc = np.zeros(flat.shape)
        for i in range(0, times.size, step):
            tau = flat[:, None] - times[None, i : i + step]
            acc += _unit_response(tau, ka, m.ke_per_h) @ absorbed[i : i + step]
        out += acc.reshape(t.shape)
    return out


def concentrations(events: DoseEvents, t_h: np.ndarray) -> dict[str, np.ndarray]:
    """Concentration of every moiety of every drug in ``events``, keyed by the moiety's output name.

    Moieties shared by two drugs (enclomiphene from clomiphene and from enclomiphene) add up, as in plasma.
    """
    out: dict[str, np.ndarray] = {}
    for drug in np.unique(events.drug):
        for m in DRUGS[str(drug)].moieties:
            c = concentration(str(drug), events, t_h, moiety=m.key)
            out[m.output] = out.get(m.output, 0.0) + c
    return out
