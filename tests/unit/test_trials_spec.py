"""The cohort spec contract (issue 5): valid specs load, bad ones raise CohortSpecError with a one-line reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hpgtwin.errors import CohortSpecError, InputError
from hpgtwin.trials.spec import CohortSpec, validate_spec, week_key

ISSUE_EXAMPLE = """
name: Leder 2004 anastrozole daily
source: "Leder BZ et al. JCEM 2004;89:1174"
n: 400
seed: 1
population:
  age_years: {mean: 68, sd: 4, min: 62, max: 74}
  bmi_kg_m2: {mean: 27, sd: 3}
  conditions: []
  baseline:
    testosterone_ng_dl: {mean: 343, sd: 61}
    estradiol_pg_ml: {mean: 26, sd: 8}
regimen: anastrozole 1 mg daily
duration_weeks: 12
report_weeks: [4, 12]
"""

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_issue_example_loads() -> None:
    spec = CohortSpec.from_yaml(ISSUE_EXAMPLE)
    assert spec.n == 400 and spec.duration_days == 84
    assert spec.population.baseline["testosterone_ng_dl"].sd == 61
    assert [a.name for a in spec.all_arms] == ["anastrozole 1 mg daily"]
    assert spec.all_arms[0].regimen_text == "anastrozole 1 mg daily"
    assert spec.final_week == 12


def test_scalar_baseline_is_a_mean() -> None:
    spec = CohortSpec.from_yaml(ISSUE_EXAMPLE.replace("{mean: 26, sd: 8}", "26"))
    assert spec.population.baseline["estradiol_pg_ml"].mean == 26
    assert spec.population.baseline["estradiol_pg_ml"].sd is None


def test_placebo_arm_has_no_regimen() -> None:
    data = {"name": "x", "duration_weeks": 4, "arms": [{"name": "placebo", "regimen": "placebo"},
                                                        {"name": "ai", "regimen": "anastrozole 1 mg daily"}]}
    spec = validate_spec(data)
    assert spec.all_arms[0].regimen_text is None


def test_overrides_n_and_seed() -> None:
    spec = CohortSpec.from_yaml(ISSUE_EXAMPLE).with_overrides(n=50, seed=7)
    assert (spec.n, spec.seed) == (50, 7)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d.pop("duration_weeks"), "duration_weeks"),
        (lambda d: d.update(report_weeks=[13]), "report week 13"),
        (lambda d: d.update(report_weeks=[1.3]), "whole number of days"),
        (lambda d: d.update(n=1), "n"),
        (lambda d: d.update(arms=[{"name": "a", "regimen": "none"}]), "either `regimen` or `arms`"),
        (lambda d: d["population"]["baseline"].update(psa_ng_ml={"mean": 1}), "cannot match baseline"),
        (lambda d: d["population"].update(age_years={"sd": 3}), "age_years"),
        (lambda d: d.update(unknown_key=1), "unknown_key"),
        (lambda d: d.update(responders={"week": 5}), "not in report_weeks"),
    ],
)
def test_bad_specs_raise_cohort_spec_error(change, fragment: str) -> None:
    import yaml

    data = yaml.safe_load(ISSUE_EXAMPLE)
    change(data)
    with pytest.raises(CohortSpecError, match=fragment) as info:
        validate_spec(data)
    assert isinstance(info.value, InputError)
    assert "\n" not in str(info.value)


def test_power_and_compare_must_name_arms() -> None:
    base = {"name": "x", "duration_weeks": 4, "report_weeks": [4],
            "arms": [{"name": "placebo", "regimen": "none"}, {"name": "ai", "regimen": "anastrozole 1 mg daily"}]}
    with pytest.raises(CohortSpecError, match="compare.reference"):
        validate_spec({**base, "compare": {"reference": "nope"}})
    with pytest.raises(CohortSpecError, match="power arm"):
        validate_spec({**base, "power": {"treatment": "ai", "control": "nope"}})


def test_not_yaml_and_missing_file() -> None:
    with pytest.raises(CohortSpecError, match="not valid YAML"):
        CohortSpec.from_yaml("name: [unclosed\n  x: y")
    with pytest.raises(CohortSpecError, match="not found"):
        CohortSpec.from_yaml("/nonexistent/spec.yaml")
    with pytest.raises(CohortSpecError, match="mapping"):
        CohortSpec.from_yaml("- a\n- b\n")


def test_week_keys() -> None:
    assert week_key(12.0) == "12" and week_key(0.5) == "0.5"


@pytest.mark.parametrize("path", sorted((EXAMPLES / "cohorts").glob("*.yaml")) + sorted((EXAMPLES / "trials").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_every_example_spec_is_valid(path: Path) -> None:
    spec = CohortSpec.from_yaml(path)
    assert spec.source, "every example names its source"


def test_analyses_need_report_weeks() -> None:
    data = yaml.safe_load(ISSUE_EXAMPLE) | {"report_weeks": [], "report_days": [10],
                                            "responders": {"output": "testosterone_ng_dl"}}
    with pytest.raises(CohortSpecError, match="responders reads a report week: give report_weeks"):
        validate_spec(data)


def test_every_clinical_output_and_derived_ratio_is_matchable() -> None:
    from hpgtwin.model import CLINICAL_OUTPUTS
    from hpgtwin.trials.observables import DERIVED
    from hpgtwin.trials.spec import MATCHABLE

    assert set(MATCHABLE) == set(CLINICAL_OUTPUTS) | set(DERIVED)
    with pytest.raises(CohortSpecError, match="cannot match baseline"):
        validate_spec(yaml.safe_load(ISSUE_EXAMPLE) | {"population": {"baseline": {"psa_ng_ml": 1.0}}})


def test_reading_a_spec_does_not_import_numba() -> None:
    """Spec parsing stays light: the list of matchable names does not pull in the compiled model."""
    import subprocess
    import sys

    code = ("import sys; from hpgtwin.trials.spec import CohortSpec; "
            f"CohortSpec.from_yaml({ISSUE_EXAMPLE!r}); print('numba' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_published_gaps_classify_misses_by_label() -> None:
    spec = validate_spec(yaml.safe_load(ISSUE_EXAMPLE) | {"published": {
        "target_id": "x", "source": "y",
        "gaps": [{"match": "estradiol", "kind": "model", "reason": "E2 suppression too weak"}]}})
    assert spec.published.gap_of("week 12 estradiol_pg_ml fold change").kind == "model"
    assert spec.published.gap_of("week 12 lh_iu_l fold change") is None
    with pytest.raises(CohortSpecError, match="gaps"):
        validate_spec(yaml.safe_load(ISSUE_EXAMPLE) | {"published": {
            "target_id": "x", "source": "y", "gaps": [{"match": "lh", "kind": "unsure", "reason": "?"}]}})
