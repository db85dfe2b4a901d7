"""CLI: ``hpgtwin simulate --pulsatile-day N`` adds the 24 h LH pulse profile to the JSON and HTML output."""

from __future__ import annotations

import json
from html import escape

import numpy as np
import pytest
from typer.testing import CliRunner

from hpgtwin.cli.main import app

pytest.importorskip("hpgtwin.pk", reason="the regimen parser is needed")
runner = CliRunner()
REGIMEN = "anastrozole 1 mg daily"
MEAN_RTOL = 1e-6  # contract of hpgtwin.simulate.pulsatile: 24 h mean of the profile = the model's mean LH


def _simulate(*extra: str) -> object:
    return runner.invoke(app, ["simulate", "--regimen", REGIMEN, "--days", "5", *extra])


def test_json_carries_the_profile_of_the_chosen_day() -> None:
    result = _simulate("--pulsatile-day", "5")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    profile = doc["pulsatile"]
    for key in ("time_h", "lh_iu_l", "pulses_per_day", "amplitude_iu_l", "mean_iu_l", "pulse_times_h", "seed",
                "caveat"):
        assert key in profile
    assert profile["day"] == 5.0 and len(profile["time_h"]) == len(profile["lh_iu_l"])
    assert profile["time_h"][0] == 0.0 and profile["time_h"][-1] == 24.0
    assert profile["mean_iu_l"] == pytest.approx(doc["lh_iu_l"][5], rel=1e-12)
    mean = np.trapezoid(profile["lh_iu_l"], profile["time_h"]) / 24.0
    assert mean == pytest.approx(profile["mean_iu_l"], rel=MEAN_RTOL)
    assert all(0.0 <= t < 24.0 for t in profile["pulse_times_h"])


def test_the_seed_option_reproduces_a_profile() -> None:
    first = json.loads(_simulate("--pulsatile-day", "2", "--pulsatile-seed", "7").stdout)["pulsatile"]
    again = json.loads(_simulate("--pulsatile-day", "2", "--pulsatile-seed", "7").stdout)["pulsatile"]
    assert first == again and first["seed"] == 7


def test_without_the_flag_there_is_no_profile() -> None:
    result = _simulate()
    assert result.exit_code == 0 and "pulsatile" not in json.loads(result.stdout)


def test_html_gets_a_second_plot_for_the_profile() -> None:
    plain = _simulate("--format", "html")
    with_profile = _simulate("--format", "html", "--pulsatile-day", "1")
    assert with_profile.exit_code == 0, with_profile.output
    assert with_profile.stdout.count("<svg") == plain.stdout.count("<svg") + 1
    assert "24-h LH pulse profile on day 1" in with_profile.stdout
    caveat = json.loads(_simulate("--pulsatile-day", "1").stdout)["pulsatile"]["caveat"]
    assert caveat is None or escape(caveat) in with_profile.stdout  # a frequency outside 8-20/24 h is flagged


@pytest.mark.parametrize("extra, message", [
    (("--pulsatile-day", "6"), "between 0 and --days"),
    (("--pulsatile-day", "-1"), "between 0 and --days"),
    (("--pulsatile-day", "2", "--format", "csv"), "json or html"),
    (("--pulsatile-day", "2", "--pulsatile-seed", "-3"), "non-negative"),
])
def test_a_bad_pulsatile_request_is_one_line_and_exit_2(extra: tuple[str, ...], message: str) -> None:
    result = _simulate(*extra)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1
