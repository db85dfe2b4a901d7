"""The safe condition evaluator: three-valued logic, whitelisted syntax, no access to Python internals."""

from __future__ import annotations

import pytest

from hpgtwin.clinic.conditions import RuleDefinitionError, parse_condition

NAMES = {"t", "e2", "lh", "conditions", "fertile", "limit", "codes"}


def ev(text: str, **env: object) -> bool | None:
    return parse_condition(text, known_names=NAMES, where="test").evaluate(env)


def test_comparisons_and_arithmetic() -> None:
    assert ev("t / e2 < limit", t=270.0, e2=32.0, limit=10.0) is True
    assert ev("t >= limit * 30", t=300.0, limit=10.0) is True
    assert ev("-t < 0", t=1.0) is True
    assert ev("1 < t <= 3", t=3.0) is True
    assert ev("1 < t <= 3", t=4.0) is False


def test_missing_fact_is_unknown_not_false() -> None:
    assert ev("t < limit", t=None, limit=10.0) is None
    assert ev("not t < limit", t=None, limit=10.0) is None
    assert ev("t + 1 > limit", t=None, limit=1.0) is None


def test_kleene_and_or() -> None:
    assert ev("t < 1 and lh < 1", t=5.0, lh=None) is False  # a known False decides "and"
    assert ev("t < 1 and lh < 1", t=0.5, lh=None) is None
    assert ev("t > 1 or lh < 1", t=5.0, lh=None) is True  # a known True decides "or"
    assert ev("t < 1 or lh < 1", t=5.0, lh=None) is None


def test_membership_and_functions() -> None:
    assert ev("'obesity' in conditions", conditions=frozenset({"obesity"})) is True
    assert ev("'obesity' not in conditions", conditions=frozenset()) is True
    assert ev("fertile in (True, None)", fertile=None) is True
    assert ev("missing(t) and known(e2)", t=None, e2=20.0) is True
    assert ev("holds(fertile)", fertile=None) is False
    assert ev("count(codes) > 0", codes=frozenset({"x"})) is True


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "t.__class__",
        "conditions[0]",
        "(lambda: 1)()",
        "open('/etc/passwd')",
        "[x for x in conditions]",
        "t if t else e2",
        "t ** 2",
        "{'a': 1}",
        "f'{t}'",
    ],
)
def test_anything_outside_the_whitelist_is_rejected(text: str) -> None:
    with pytest.raises(RuleDefinitionError):
        parse_condition(text, known_names=NAMES, where="test")


def test_unknown_names_and_bad_syntax_are_rejected_at_load() -> None:
    with pytest.raises(RuleDefinitionError, match="unknown name"):
        parse_condition("testosterone < 300", known_names=NAMES, where="r1")
    with pytest.raises(RuleDefinitionError, match="not a valid expression"):
        parse_condition("t <", known_names=NAMES, where="r1")
    with pytest.raises(RuleDefinitionError, match="takes one fact name"):
        parse_condition("known(1)", known_names=NAMES, where="r1")
