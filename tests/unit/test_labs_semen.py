"""WHO semen classification: 2021 limits by default, 2010 on request, each nomenclature code reachable."""

from __future__ import annotations

import pytest

from hpgtwin.errors import InputError
from hpgtwin.labs import SEMEN_CODES, SemenAnalysis, classify_semen
from hpgtwin.labs.semen import who_limits

NORMAL = {"volume_ml": 3.0, "concentration_million_per_ml": 50.0, "total_motility_pct": 60.0,
          "progressive_motility_pct": 45.0, "normal_forms_pct": 8.0}


def test_who_2021_limits() -> None:
    # WHO 6th ed. 2021 lower reference limits (clinical.md 3.1)
    assert who_limits(2021) == {"volume_ml": 1.4, "total_sperm_count_million": 39, "concentration_million_per_ml": 16,
                                "total_motility_pct": 42, "progressive_motility_pct": 30, "normal_forms_pct": 4.0}
    assert who_limits(2010)["progressive_motility_pct"] == 32  # WHO 5th ed. 2010 (clinical.md 3.2)


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ({}, ("normozoospermia",)),
        ({"concentration_million_per_ml": 10.0}, ("oligozoospermia",)),  # 30 M total < 39
        ({"progressive_motility_pct": 20.0}, ("asthenozoospermia",)),
        ({"normal_forms_pct": 2.0}, ("teratozoospermia",)),
        ({"concentration_million_per_ml": 0.0}, ("azoospermia",)),
        ({"concentration_million_per_ml": 0.05}, ("cryptozoospermia",)),
        ({"concentration_million_per_ml": 5.0, "progressive_motility_pct": 10.0, "normal_forms_pct": 1.0},
         ("oligozoospermia", "asthenozoospermia", "teratozoospermia")),
    ],
)
def test_codes(changes: dict[str, float], codes: tuple[str, ...]) -> None:
    result = classify_semen(SemenAnalysis(**(NORMAL | changes)))
    assert result.codes == codes
    assert set(result.codes) <= set(SEMEN_CODES)


def test_edition_changes_the_call() -> None:
    # Progressive motility 31 %: normal by 2021 (LRL 30 %), asthenozoospermia by 2010 (LRL 32 %).
    semen = SemenAnalysis(**(NORMAL | {"progressive_motility_pct": 31.0}))
    assert classify_semen(semen, edition=2021).codes == ("normozoospermia",)
    assert classify_semen(semen, edition=2010).codes == ("asthenozoospermia",)


def test_incomplete_analysis_is_not_called_normal() -> None:
    assert classify_semen(SemenAnalysis(volume_ml=3.0, concentration_million_per_ml=50.0)).codes == ()


def test_unknown_edition() -> None:
    with pytest.raises(InputError, match="WHO edition"):
        who_limits(1999)
