"""run_trial on small real cohorts: the result contract of issue 5, determinism, Parquet, analyses, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hpgtwin.errors import CohortSpecError
from hpgtwin.trials import run_trial, validate_spec

SMALL = {
    "name": "small anastrozole cohort",
    "source": "unit test (assumption)",
    "n": 24,
    "seed": 3,
    "chunk_size": 10,
    "population": {"age_years": {"mean": 40, "sd": 8, "min": 25, "max": 60}, "bmi_kg_m2": {"mean": 30, "sd": 3}},
    "regimen": "anastrozole 1 mg daily",
    "duration_weeks": 2,
    "report_weeks": [1, 2],
    "report_days": [3],
    "responders": {"output": "testosterone_ng_dl", "rule": "fold_change_at_least", "threshold": 1.1,
                   "predictors": ["t_lh_ratio", "t_e2_ratio"]},
}

TWO_ARMS = {
    "name": "placebo vs anastrozole",
    "source": "unit test (assumption)",
    "n": 40,
    "seed": 4,
    "population": {"age_years": {"mean": 35, "sd": 5}, "bmi_kg_m2": {"mean": 29, "sd": 3}},
    "arms": [{"name": "placebo", "regimen": "placebo"}, {"name": "ai", "regimen": "anastrozole 1 mg daily"}],
    "duration_weeks": 2,
    "report_weeks": [2],
    "compare": {"reference": "placebo", "output": "estradiol_pg_ml"},
    "power": {"treatment": "ai", "control": "placebo", "output": "estradiol_pg_ml", "n_per_arm": [3, 10],
              "replicates": 200, "measurement_cv": 0.2},
}


@pytest.fixture(scope="module")
def streamed(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """SMALL run once, its per-patient table streamed to Parquet while the chunks ran."""
    path = tmp_path_factory.mktemp("streamed") / "men.parquet"
    return run_trial(validate_spec(SMALL), out=path), path


@pytest.fixture(scope="module")
def small_result(streamed: tuple):
    return streamed[0]


def test_result_follows_the_issue_contract(small_result) -> None:
    d = small_result.to_dict()
    assert set(d["weeks"]) == {"1", "2"} and set(d["days"]) == {"3"}
    for point in [d["baseline"], d["weeks"]["2"]]:
        stat = point["testosterone_ng_dl"]
        assert set(stat) >= {"mean", "sd", "median", "ci95"} and stat["ci95"][0] < stat["mean"] < stat["ci95"][1]
        assert 0 <= point["azoospermic_fraction"] <= 1 and point["azoospermia_threshold_million_ml"] == 0.1
        assert set(point["sperm_concentration_fraction_below"]) == {"1", "3", "5", "10", "16", "20"}
        assert "t_e2_ratio" in point and "t_lh_ratio" in point
    assert d["n"] == 24 and d["arms"]["anastrozole 1 mg daily"]["n"] == 24
    # anastrozole lowers estradiol: the direction is physiology, not a tuned number
    assert d["weeks"]["2"]["estradiol_pg_ml"]["mean"] < d["baseline"]["estradiol_pg_ml"]["mean"]
    r = d["responders"]
    assert 0 <= r["fraction"] <= 1 and r["ci95"][0] <= r["fraction"] <= r["ci95"][1]
    assert set(r["predictors"]) == {"t_lh_ratio", "t_e2_ratio"}
    assert d["run"]["chunks"] == 3 and "disclaimer" in d
    json.dumps(d, allow_nan=False)


def test_same_seed_same_numbers_and_other_seed_differs(small_result) -> None:
    again = run_trial(validate_spec(SMALL)).to_dict()
    first = small_result.to_dict()
    for key in ("baseline", "weeks", "days", "responders"):
        assert again[key] == first[key]
    other = run_trial(validate_spec({**SMALL, "seed": 99})).to_dict()
    assert other["baseline"]["testosterone_ng_dl"]["mean"] != first["baseline"]["testosterone_ng_dl"]["mean"]


def test_per_patient_parquet(small_result, tmp_path: Path) -> None:
    path = small_result.write_parquet(tmp_path / "men.parquet")
    frame = pd.read_parquet(path)
    assert len(frame) == 24 and frame["patient_id"].tolist() == list(range(24))
    for col in ("testosterone_ng_dl_baseline", "testosterone_ng_dl_week_2", "estradiol_pg_ml_day_3", "responder"):
        assert col in frame
    d = small_result.to_dict()
    assert frame["testosterone_ng_dl_week_2"].mean() == pytest.approx(d["weeks"]["2"]["testosterone_ng_dl"]["mean"])


def test_streamed_parquet_is_the_written_table_one_row_group_per_chunk(streamed: tuple, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    result, path = streamed
    assert result.write_parquet(tmp_path / "again.parquet").read_bytes() == path.read_bytes()
    assert pq.ParquetFile(path).metadata.num_row_groups == 3  # 24 men in chunks of 10
    pd.testing.assert_frame_equal(pd.read_parquet(path), result.to_frame())


def test_arms_compare_and_power() -> None:
    d = run_trial(validate_spec(TWO_ARMS)).to_dict()
    assert set(d["arms"]) == {"placebo", "ai"}
    base_p = d["arms"]["placebo"]["baseline"]["estradiol_pg_ml"]["mean"]
    assert d["arms"]["ai"]["baseline"]["estradiol_pg_ml"]["mean"] == base_p  # same virtual men in both arms
    c = d["compare"]["arms"]["ai"]
    assert c["paired"] and c["ratio_of_geometric_means"] < 1 and c["ci95"][0] < c["ratio_of_geometric_means"] < c["ci95"][1]
    p = d["power"]
    assert [row["n_per_arm"] for row in p["table"]] == [3, 10]
    assert p["table"][0]["power"] <= p["table"][1]["power"]


def test_matching_by_weighting_reports_effective_size() -> None:
    spec = validate_spec({**SMALL, "n": 30, "chunk_size": 30,
                          "matching": {"method": "weighting", "pilot": 200},
                          "population": {**SMALL["population"], "baseline": {"testosterone_ng_dl": {"mean": 400, "sd": 90}}}})
    d = run_trial(spec).to_dict()
    m = d["matching"]
    assert m["method"] == "weighting" and 1 <= m["effective_sample_size"] <= 30
    assert "testosterone_ng_dl" in m["quantities"]


def test_unknown_output_and_condition_are_spec_errors() -> None:
    with pytest.raises(CohortSpecError, match="unknown output"):
        run_trial(validate_spec({**SMALL, "outputs": ["psa_ng_ml"]}))
    with pytest.raises(Exception, match="unknown condition"):
        run_trial(validate_spec({**SMALL, "population": {**SMALL["population"], "conditions": ["not_a_condition"]}}))


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hpgtwin.cli.main", "trial", *args],
                          capture_output=True, text=True, timeout=600)


def test_cli_json_text_out_and_bad_input(tmp_path: Path) -> None:
    import yaml

    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({**SMALL, "n": 12}))
    out = tmp_path / "men.parquet"
    done = _cli(str(spec), "--format", "json", "--out", str(out), "--n", "8", "--seed", "5")
    assert done.returncode == 0, done.stderr
    d = json.loads(done.stdout)
    assert d["n"] == 8 and d["seed"] == 5 and len(pd.read_parquet(out)) == 8
    text = _cli(str(spec), "--n", "6")
    assert text.returncode == 0 and "not a medical device" in text.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nduration_weeks: -1\nregimen: none\n")
    done = _cli(str(bad))
    assert done.returncode == 2 and done.stderr.startswith("error:") and len(done.stderr.strip().splitlines()) == 1
    assert _cli(str(tmp_path / "missing.yaml")).returncode == 2


def test_responder_fraction_matches_per_patient_flags(small_result) -> None:
    frame = small_result.to_frame()
    assert frame["responder"].mean() == pytest.approx(small_result.to_dict()["responders"]["fraction"])
    assert np.all(frame["age_years"].between(25, 60))


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[2] / "examples" / "trials").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_every_trial_example_runs(path: Path) -> None:
    from hpgtwin.trials import CohortSpec

    spec = CohortSpec.from_yaml(path).with_overrides(n=30)
    d = run_trial(spec).to_dict()
    assert d["arms"] and all(a["n"] == 30 for a in d["arms"].values())
    for section in ("responders", "compare", "power"):
        if getattr(spec, section) is not None:
            assert section in d
    json.dumps(d, allow_nan=False)
