"""Virtual populations: covariates drawn as reported, typical parameters as individual_parameters gives them,
random effects with the CVs and correlations of params/variability.yaml."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from hpgtwin.errors import InputError
from hpgtwin.labs.records import Patient
from hpgtwin.model import MODEL, individual_parameters
from hpgtwin.trials.population import VirtualPopulation, model_typical_parameters, sample_covariate
from hpgtwin.trials.spec import Covariate, Population
from hpgtwin.trials.variability import load_variability, parse_variability


@pytest.mark.parametrize("conditions", [(), ("insulin_resistance",), ("varicocele", "type2_diabetes")])
def test_typical_parameters_equal_individual_parameters(conditions: tuple[str, ...]) -> None:
    rng = np.random.default_rng(0)
    ages, bmis = rng.uniform(16, 85, 12), rng.uniform(17, 60, 12)
    batch = model_typical_parameters(ages, bmis, conditions)
    for i in range(12):
        one = individual_parameters(Patient(id="x", age_years=ages[i], bmi_kg_m2=bmis[i], conditions=conditions))
        np.testing.assert_allclose(batch.values[i], one.values[0], rtol=1e-12)


def test_unknown_condition_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown condition"):
        model_typical_parameters(np.array([30.0]), np.array([25.0]), ("not_a_condition",))


def test_covariate_draws_follow_the_reported_summary() -> None:
    rng = np.random.default_rng(1)
    x = sample_covariate(Covariate(mean=68, sd=4, min=62, max=74), 20_000, rng)
    assert x.min() >= 62 and x.max() <= 74 and abs(x.mean() - 68) < 0.1
    y = sample_covariate(Covariate(median=28.7, iqr=(26.6, 32.2)), 20_000, rng)
    q1, med, q3 = np.quantile(y, [0.25, 0.5, 0.75])
    assert med == pytest.approx(28.7, rel=0.01) and q1 == pytest.approx(26.6, rel=0.02) and q3 == pytest.approx(32.2, rel=0.02)
    assert np.all(sample_covariate(Covariate(mean=16.1), 5, rng) == 16.1)
    u = sample_covariate(Covariate(min=62, max=74), 20_000, rng)
    assert u.min() >= 62 and u.max() <= 74 and abs(u.mean() - 68) < 0.1


def test_variability_table_names_model_parameters_with_sources() -> None:
    from importlib import resources

    raw = yaml.safe_load(resources.files("hpgtwin.params").joinpath("variability.yaml").read_text())
    for row in raw["parameters"]:
        assert row["name"] in MODEL.parameter_names, row["name"]
        assert row["source"] and row["evidence"] in {"publication", "derived", "assumption", "fitted"}
    for row in raw["correlations"]:
        assert all(n in MODEL.parameter_names for n in row["between"]) and row["source"]


def test_random_effects_have_the_tabulated_cv_and_correlation() -> None:
    var = load_variability()
    eta, log_ratio = var.sample(40_000, np.random.default_rng(2))
    assert np.all(log_ratio == 0)
    omega = np.array([e.omega for e in var.effects])
    np.testing.assert_allclose(eta.std(axis=0), omega, rtol=0.03)
    np.testing.assert_allclose(np.corrcoef(eta.T), var.correlation, atol=0.03)


def test_bad_variability_tables_are_rejected() -> None:
    with pytest.raises(InputError, match="cv"):
        parse_variability({"parameters": [{"name": "a", "cv": -1, "source": "x"}]})
    rows = [{"name": n, "cv": 0.3, "source": "x"} for n in "abc"]
    bad = [{"between": ["a", "b"], "rho": 0.95}, {"between": ["b", "c"], "rho": 0.95}, {"between": ["a", "c"], "rho": -0.95}]
    with pytest.raises(InputError, match="positive definite"):
        parse_variability({"parameters": rows, "correlations": bad})


def test_population_carries_physiological_correlations() -> None:
    """BMI raises adipose aromatase and lowers SHBG; age lowers Leydig efficacy and GnRH drive (covariate table)."""
    pop = Population(age_years=Covariate(mean=50, sd=15, min=20, max=85), bmi_kg_m2=Covariate(mean=30, sd=6, min=18, max=55))
    men = VirtualPopulation(pop).sample(3000, np.random.default_rng(3))
    p = men.parameters

    def r(x: np.ndarray, name: str) -> float:
        return float(np.corrcoef(x, np.log(p[name]))[0, 1])

    # the sign is the physiology; |r| > 0.1 is > 5 standard errors (1/sqrt(3000) = 0.018), i.e. not chance
    assert r(men.bmi_kg_m2, "adipose_aromatase_scale") > 0.1
    assert r(men.bmi_kg_m2, "shbg_production_scale") < -0.1
    assert r(men.age_years, "leydig_capacity") < -0.1
    assert r(men.age_years, "gnrh_drive_scale") < -0.1
    for name in load_variability().names:
        par = MODEL.parameter(name)
        assert p[name].min() >= par.lower and p[name].max() <= par.upper


def test_inflated_pool_has_wider_random_effects_and_prior_ratio() -> None:
    var = load_variability()
    eta, log_ratio = var.sample(20_000, np.random.default_rng(4), inflation=1.5)
    omega = np.array([e.omega for e in var.effects])
    np.testing.assert_allclose(eta.std(axis=0), 1.5 * omega, rtol=0.03)
    w = np.exp(log_ratio)
    # importance weights prior/pool average to 1 (tolerance 5%: Monte Carlo with 20,000 draws)
    assert w.mean() == pytest.approx(1.0, rel=0.05)
