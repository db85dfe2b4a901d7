"""Property tests of the regimen grammar: canonical text round-trips, events are sorted and counted right,
scaling is linear, and any text either parses or raises RegimenSyntaxError (never another exception)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hpgtwin.errors import RegimenSyntaxError
from hpgtwin.pk import DRUGS, parse_regimen

SCHEDULES = {  # schedule text -> doses in the first 28 days (first dose at day 0)
    "daily": 28,
    "twice daily": 56,
    "bid": 56,
    "tid": 84,
    "every other day": 14,
    "weekly": 4,
    "twice weekly": 8,
    "3x/week": 12,
    "5x/week": 20,
    "every 2 weeks": 2,
    "every 3 days": 10,
    "once": 1,
    "every 6 hours": 112,
    "every 90 min": 448,
}
MASS_DRUGS = sorted(k for k, d in DRUGS.items() if d.dose_unit == "mg")
IU_DRUGS = sorted(k for k, d in DRUGS.items() if d.dose_unit == "IU")


@st.composite
def phases(draw: st.DrawFn) -> tuple[str, str, float, str]:
    """(text, drug key, amount in dose unit, schedule) of one random valid phase."""
    drug = draw(st.sampled_from(MASS_DRUGS + IU_DRUGS))
    amount = draw(st.decimals(min_value="0.01", max_value="10000", places=2).map(float))
    schedule = draw(st.sampled_from(sorted(SCHEDULES)))
    unit = DRUGS[drug].dose_unit
    name = draw(st.sampled_from([drug.replace("_", " ")] + [a for a in DRUGS[drug].aliases if " " not in a]))
    return f"{name} {amount:g} {unit} {schedule}", drug, amount, schedule


@given(st.lists(phases(), min_size=1, max_size=3))
@settings(max_examples=60, deadline=None)
def test_combinations_count_sort_and_round_trip(parts: list[tuple[str, str, float, str]]) -> None:
    text = " + ".join(p[0] for p in parts)
    regimen = parse_regimen(text)
    assert regimen.drugs == {p[1] for p in parts}
    events = regimen.dose_events(28)
    assert np.all(np.diff(events.time_h) >= 0)
    assert np.all((events.time_h >= 0) & (events.time_h < 28 * 24))
    assert len(events) == sum(SCHEDULES[p[3]] for p in parts)
    assert math.isclose(events.amount.sum(), sum(p[2] * SCHEDULES[p[3]] for p in parts), rel_tol=1e-9)
    again = parse_regimen(regimen.canonical)
    np.testing.assert_allclose(again.dose_events(28).time_h, events.time_h)
    np.testing.assert_allclose(again.dose_events(28).amount, events.amount, rtol=1e-9)


@given(phases(), st.integers(1, 20), st.integers(1, 20), st.integers(1, 60))
@settings(max_examples=40, deadline=None)
def test_phases_partition_time(
    part: tuple[str, str, float, str], on_weeks: int, off_weeks: int, days: int
) -> None:
    text = f"{part[0]} for {on_weeks} weeks then none for {off_weeks} weeks"
    events = parse_regimen(text).dose_events(days)
    continuous = parse_regimen(part[0]).dose_events(min(days, 7 * on_weeks))
    np.testing.assert_array_equal(events.time_h, continuous.time_h)


@given(phases(), st.floats(0.0, 100.0, allow_nan=False))
@settings(max_examples=40, deadline=None)
def test_scaling_is_linear(part: tuple[str, str, float, str], factor: float) -> None:
    regimen = parse_regimen(part[0])
    np.testing.assert_allclose(
        regimen.scaled(factor).dose_events(14).amount, factor * regimen.dose_events(14).amount, rtol=1e-12
    )


WORDS = [
    "anastrozole",
    "hcg",
    "1",
    "2.5",
    "mg",
    "IU",
    "daily",
    "weekly",
    "+",
    "then",
    "for",
    "weeks",
    "none",
    "every",
    "other",
    "day",
    "x",
    "/",
    "3x/week",
    "twice",
    "once",
    "-",
    "im",
    "sc",
    "90",
    "min",
    "ug",
    "foo",
]


@given(st.lists(st.sampled_from(WORDS), max_size=10).map(" ".join) | st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_any_text_parses_or_raises_regimen_syntax_error(text: str) -> None:
    try:
        regimen = parse_regimen(text)
    except RegimenSyntaxError as err:
        assert "\n" not in str(err)
        return
    events = regimen.dose_events(30)
    assert np.all(np.diff(events.time_h) >= 0)
    assert np.all(np.isfinite(events.amount))
