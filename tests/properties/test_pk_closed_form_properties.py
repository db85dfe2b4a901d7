"""Property tests of closed-form PK: superposition over doses, proportionality to dose, non-negativity."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hpgtwin.pk import DRUGS, parse_regimen
from hpgtwin.pk.closed_form import concentrations

SCHEDULES = ["daily", "every other day", "twice weekly", "weekly", "once", "3x/week"]


def _text(drug: str, amount: float, schedule: str) -> str:
    """Regimen text of one drug."""
    return f"{drug.replace('_', ' ')} {amount:g} {DRUGS[drug].dose_unit} {schedule}"


@given(
    st.sampled_from(sorted(DRUGS)),
    st.sampled_from(sorted(DRUGS)),
    st.floats(0.5, 500.0),
    st.floats(0.5, 500.0),
    st.sampled_from(SCHEDULES),
    st.sampled_from(SCHEDULES),
)
@settings(max_examples=40, deadline=None)
def test_combination_is_the_sum_of_its_parts(
    a: str, b: str, dose_a: float, dose_b: float, sched_a: str, sched_b: str
) -> None:
    t_h = np.linspace(0.0, 24.0 * 21, 400)
    part_a = parse_regimen(_text(a, dose_a, sched_a)).dose_events(21)
    part_b = parse_regimen(_text(b, dose_b, sched_b)).dose_events(21)
    both = parse_regimen(_text(a, dose_a, sched_a) + " + " + _text(b, dose_b, sched_b)).dose_events(21)
    ca, cb, cab = concentrations(part_a, t_h), concentrations(part_b, t_h), concentrations(both, t_h)
    for name, value in cab.items():
        expected = ca.get(name, 0.0) + cb.get(name, 0.0)
        np.testing.assert_allclose(value, expected, rtol=1e-9, atol=1e-12 * max(1.0, float(np.max(value))))
        assert np.all(value >= 0.0)


@given(
    st.sampled_from(sorted(DRUGS)), st.floats(0.1, 100.0), st.floats(0.0, 10.0), st.sampled_from(SCHEDULES)
)
@settings(max_examples=40, deadline=None)
def test_concentration_is_proportional_to_dose(drug: str, dose: float, factor: float, schedule: str) -> None:
    t_h = np.linspace(0.0, 24.0 * 14, 300)
    regimen = parse_regimen(_text(drug, dose, schedule))
    base = concentrations(regimen.dose_events(14), t_h)
    scaled = concentrations(regimen.scaled(factor).dose_events(14), t_h)
    for name, value in base.items():
        np.testing.assert_allclose(scaled[name], factor * value, rtol=1e-9, atol=1e-300)
