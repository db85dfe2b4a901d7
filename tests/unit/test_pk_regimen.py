"""Regimen grammar: every example in issues 4/5 and ARCHITECTURE.md parses; every error names its token."""

from __future__ import annotations

import numpy as np
import pytest

from hpgtwin.errors import InputError, RegimenSyntaxError
from hpgtwin.pk import parse_regimen

# Examples quoted in issue 4, issue 5, ARCHITECTURE.md, MODEL.md and calibration_targets.yaml.
DOCUMENTED_EXAMPLES = {
    "anastrozole 1 mg daily": {"anastrozole"},
    "anastrozole 0.5 mg twice weekly + clomiphene 25 mg every other day": {"anastrozole", "clomiphene"},
    "anastrozole 0.5 mg twice weekly + clomiphene 25 mg daily": {"anastrozole", "clomiphene"},
    "hcg 2000 IU 3x/week": {"hcg"},
    "testosterone enanthate 200 mg weekly for 26 weeks then none for 52 weeks": {"testosterone_enanthate"},
    "testosterone cypionate 100 mg weekly": {"testosterone_cypionate"},
    "letrozole 2.5 mg every other day": {"letrozole"},
    "anastrozole 1 mg twice weekly": {"anastrozole"},
    "anastrozole 0.5 mg daily": {"anastrozole"},
    "letrozole 2.5 mg daily": {"letrozole"},
    "clomiphene 25 mg daily": {"clomiphene"},
    "tamoxifen 10 mg daily": {"tamoxifen"},
    "testosterone cypionate 200 mg once": {"testosterone_cypionate"},
    "testosterone enanthate 200 mg weekly": {"testosterone_enanthate"},
    "testosterone enanthate 200 mg weekly + hcg 250 IU every other day": {"testosterone_enanthate", "hcg"},
    "gonadorelin 10 ug every 90 min": {"gonadorelin"},
    "hcg 125 IU every other day": {"hcg"},
    "anastrozole 1 mg daily for 26 weeks then none for 52 weeks": {"anastrozole"},
}


@pytest.mark.parametrize("text", sorted(DOCUMENTED_EXAMPLES))
def test_documented_examples_parse_and_round_trip(text: str) -> None:
    regimen = parse_regimen(text)
    assert regimen.text == text
    assert regimen.drugs == DOCUMENTED_EXAMPLES[text]
    again = parse_regimen(regimen.canonical)
    assert again.courses == regimen.courses


@pytest.mark.parametrize(
    ("text", "days", "expected_days"),
    [
        ("anastrozole 1 mg daily", 5, [0, 1, 2, 3, 4]),
        ("anastrozole 0.5 mg twice weekly", 14, [0, 3, 7, 10]),  # Mon/Thu placement (documented choice)
        ("hcg 2000 IU 3x/week", 14, [0, 2, 4, 7, 9, 11]),  # Mon/Wed/Fri
        ("letrozole 2.5 mg every other day", 7, [0, 2, 4, 6]),
        ("testosterone cypionate 100 mg every 2 weeks", 29, [0, 14, 28]),
        ("testosterone cypionate 100 mg weekly", 15, [0, 7, 14]),
        ("letrozole 2.5 mg once", 30, [0]),
        ("fsh 150 IU 4x/week", 7, [0, 1, 3, 5]),
    ],
)
def test_schedule_placement(text: str, days: float, expected_days: list[float]) -> None:
    events = parse_regimen(text).dose_events(days)
    np.testing.assert_allclose(events.time_h, np.asarray(expected_days, float) * 24.0)


@pytest.mark.parametrize(
    ("text", "interval_h"),
    [
        ("clomiphene 25 mg bid", 12.0),
        ("clomiphene 25 mg twice daily", 12.0),
        ("clomiphene 25 mg twice a day", 12.0),
        ("clomiphene 25 mg 2x/day", 12.0),
        ("tamoxifen 10 mg tid", 8.0),
        ("tamoxifen 10 mg three times daily", 8.0),
        ("anastrozole 1 mg qd", 24.0),
        ("anastrozole 1 mg once daily", 24.0),
        ("anastrozole 1 mg/day", 24.0),
        ("anastrozole 1 mg per day", 24.0),
        ("anastrozole 1 mg eod", 48.0),
        ("anastrozole 1 mg every second day", 48.0),
        ("hcg 1500 IU every 3 days", 72.0),
        ("hcg 1500 IU q72h", 72.0),
        ("hcg 1500 IU every 12 hours", 12.0),
        ("testosterone cypionate 200 mg every other week", 336.0),
        ("testosterone cypionate 200 mg fortnightly", 336.0),
        ("gonadorelin 10 ug every 90 min", 1.5),
        ("gonadorelin 10 ug sc every 120 minutes by pump", 2.0),
    ],
)
def test_interval_schedules(text: str, interval_h: float) -> None:
    events = parse_regimen(text).dose_events(10)
    np.testing.assert_allclose(np.diff(events.time_h), interval_h)
    assert events.time_h[0] == 0.0


def test_weekly_forms_agree() -> None:
    reference = parse_regimen("hcg 1000 IU 3x/week").dose_events(28).time_h
    for text in (
        "hcg 1000 IU three times weekly",
        "hcg 1000 IU 3 times a week",
        "hcg 1000 IU tiw",
        "hcg 1000 IU 3x weekly",
        "hcg 1000 IU 3 times per week",
    ):
        np.testing.assert_array_equal(parse_regimen(text).dose_events(28).time_h, reference)
    weekly = parse_regimen("testosterone cypionate 100 mg weekly").dose_events(28).time_h
    for text in (
        "testosterone cypionate 100 mg once weekly",
        "testosterone cypionate 100 mg once a week",
        "testosterone cypionate 100 mg every week",
        "testosterone cypionate 100 mg per week",
    ):
        np.testing.assert_array_equal(parse_regimen(text).dose_events(28).time_h, weekly)


@pytest.mark.parametrize(
    ("alias", "key"),
    [
        ("Arimidex", "anastrozole"),
        ("Femara", "letrozole"),
        ("Clomid", "clomiphene"),
        ("clomiphene citrate", "clomiphene"),
        ("Androxal", "enclomiphene"),
        ("Nolvadex", "tamoxifen"),
        ("TRT", "testosterone_cypionate"),
        ("Depo-Testosterone", "testosterone_cypionate"),
        ("Xyosted", "testosterone_enanthate"),
        ("AndroGel", "testosterone_gel"),
        ("Factrel", "gonadorelin"),
    ],
)
def test_mass_drug_aliases(alias: str, key: str) -> None:
    assert parse_regimen(f"{alias} 1 mg daily").drugs == {key}


@pytest.mark.parametrize(
    ("alias", "key"),
    [
        ("hCG", "hcg"),
        ("Pregnyl", "hcg"),
        ("Ovidrel", "hcg"),
        ("Novarel", "hcg"),
        ("Gonal-f", "fsh"),
        ("rFSH", "fsh"),
    ],
)
def test_iu_drug_aliases(alias: str, key: str) -> None:
    assert parse_regimen(f"{alias} 150 IU 3x/week").drugs == {key}


def test_units_convert_to_the_drug_dose_unit() -> None:
    assert parse_regimen("gonadorelin 10 ug every 90 min").dose_events(1).amount[0] == pytest.approx(0.01)
    assert parse_regimen("gonadorelin 10 mcg every 90 min").dose_events(1).amount[0] == pytest.approx(0.01)
    assert parse_regimen("gonadorelin 10 µg every 90 min").dose_events(1).amount[0] == pytest.approx(0.01)
    assert parse_regimen("testosterone gel 0.05 g daily").dose_events(1).amount[0] == pytest.approx(50.0)
    assert parse_regimen("Pregnyl 1,500 IU twice weekly").dose_events(1).amount[0] == 1500.0


def test_routes() -> None:
    assert set(parse_regimen("hcg 5000 IU IM once").dose_events(1).route) == {"im"}
    assert set(parse_regimen("hcg 5000 IU once subcutaneously").dose_events(1).route) == {"sc"}
    assert set(parse_regimen("hcg 5000 IU once").dose_events(1).route) == {"sc"}  # default route
    assert set(parse_regimen("gonadorelin 10 ug iv every 90 min").dose_events(1).route) == {"iv"}
    assert set(parse_regimen("anastrozole 1 mg by mouth daily").dose_events(1).route) == {"oral"}


def test_phases_run_in_sequence_and_gaps_have_no_doses() -> None:
    events = parse_regimen(
        "testosterone enanthate 200 mg weekly for 26 weeks then none for 52 weeks"
    ).dose_events(7 * 78)
    assert len(events) == 26
    assert events.time_h[-1] == pytest.approx(25 * 168.0)
    switch = parse_regimen("anastrozole 1 mg daily for 2 weeks then 0.5 mg twice weekly").dose_events(28)
    assert switch.amount[:14].tolist() == [1.0] * 14
    np.testing.assert_allclose(switch.time_h[14:] / 24.0, [14, 17, 21, 24])
    assert set(switch.amount[14:]) == {0.5}
    delayed = parse_regimen("none for 4 weeks then clomiphene 25 mg daily").dose_events(30)
    np.testing.assert_allclose(delayed.time_h / 24.0, [28, 29])


def test_combination_events_are_sorted_and_tagged() -> None:
    events = parse_regimen("anastrozole 0.5 mg twice weekly + clomiphene 25 mg every other day").dose_events(
        14
    )
    assert np.all(np.diff(events.time_h) >= 0)
    assert events.time_h.dtype == float and events.amount.dtype == float
    assert sorted(set(events.drug)) == ["anastrozole", "clomiphene"]
    assert len(events.for_drug("anastrozole")) == 4
    assert len(events.for_drug("clomiphene")) == 7


def test_none_regimen_has_no_events() -> None:
    regimen = parse_regimen("none")
    assert regimen.drugs == frozenset()
    assert len(regimen.dose_events(100)) == 0


def test_events_stop_before_the_end() -> None:
    assert len(parse_regimen("anastrozole 1 mg daily").dose_events(180)) == 180
    assert len(parse_regimen("anastrozole 1 mg daily").dose_events(0)) == 0


def test_scaled_and_with_dose() -> None:
    regimen = parse_regimen("anastrozole 1 mg daily + hcg 2000 IU 3x/week")
    half = regimen.scaled(0.5)
    assert half.dose_events(7).for_drug("anastrozole").amount.tolist() == [0.5] * 7
    assert set(half.dose_events(7).for_drug("hcg").amount) == {1000.0}
    assert parse_regimen(half.text).courses == half.courses
    lower = regimen.with_dose("Arimidex", 0.25)
    assert set(lower.dose_events(7).for_drug("anastrozole").amount) == {0.25}
    assert set(lower.dose_events(7).for_drug("hcg").amount) == {2000.0}
    with pytest.raises(InputError, match="letrozole"):
        regimen.with_dose("letrozole", 1.0)
    with pytest.raises(InputError):
        regimen.scaled(-1.0)


@pytest.mark.parametrize(
    ("text", "bad_token"),
    [
        ("foo 1 mg daily", "foo"),
        ("anastrozole 1 mg daily + fooazole 2 mg daily", "fooazole"),
        ("testosterone 100 mg weekly", "testosterone"),
        ("anastrozole 1 kg daily", "kg"),
        ("anastrozole 1 IU daily", "IU"),
        ("hcg 2 mg daily", "mg"),
        ("anastrozole 1 mg biweekly", "biweekly"),
        ("anastrozole 1 mg monthly", "monthly"),
        ("anastrozole 1 mg every 2 months", "months"),
        ("anastrozole 1 mg sometimes", "sometimes"),
        ("anastrozole 1 mg daily please", "please"),
        ("anastrozole 1 mg sc daily", "sc"),
        ("anastrozole -1 mg daily", "-"),
        ("anastrozole one mg daily", "one"),
        ("1 mg daily", "1"),
        ("anastrozole 1 mg daily then none", "daily"),
        ("hcg 1000 IU 10x/week", "10"),
        ("hcg 1000 IU 2.5x/week", "2.5"),
        ("hcg 1000 IU every fortnight", "fortnight"),
        ("anastrozole 1 mg daily for 0 weeks then none", "for"),
        ("anastrozole 1 mg daily for twelve weeks", "twelve"),
        ("anastrozole 1 mg daily for 12 fortnights", "fortnights"),
        ("anastrozole 1 mg every 0 days", "0"),
        ("hcg 1000 IU im sc daily", "sc"),
    ],
)
def test_errors_name_the_bad_token(text: str, bad_token: str) -> None:
    with pytest.raises(RegimenSyntaxError) as info:
        parse_regimen(text)
    assert f"'{bad_token}'" in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "+",
        "anastrozole 1 mg daily +",
        "+ anastrozole 1 mg daily",
        "anastrozole 1 mg",
        "anastrozole",
        "anastrozole 1",
    ],
)
def test_incomplete_text_raises(text: str) -> None:
    with pytest.raises(RegimenSyntaxError):
        parse_regimen(text)


def test_non_text_raises() -> None:
    with pytest.raises(RegimenSyntaxError):
        parse_regimen(None)  # type: ignore[arg-type]


def test_bad_horizons_raise_input_errors() -> None:
    regimen = parse_regimen("anastrozole 1 mg daily")
    for days in (float("nan"), -1.0, float("inf")):
        with pytest.raises(InputError):
            regimen.dose_events(days)
    with pytest.raises(InputError):
        parse_regimen("gonadorelin 10 ug every 1 min").dose_events(36_500)


def test_dose_key_marks_non_default_routes() -> None:
    events = parse_regimen(
        "hcg 5000 IU im once + hcg 1500 IU sc every 3 days + anastrozole 1 mg daily"
    ).dose_events(1)
    assert sorted(events.dose_key.tolist()) == ["anastrozole", "hcg", "hcg@im"]
    assert parse_regimen("none").dose_events(5).dose_key.size == 0
