"""SBML export: valid L3 with hour as time unit, outputs as rules, doses as events; libRoadRunner reproduces us.

Done-when of issue 4: libRoadRunner (CVODE) simulating our exported SBML matches our own trajectories within 1%
at every daily sample for the default man under three regimens.
"""

from __future__ import annotations

import libsbml
import numpy as np
import pytest
from engine_helpers import EveryRegimen
from engine_toymodel import TOY

from hpgtwin.interop.sbml import export_sbml
from hpgtwin.simulate import simulate

roadrunner = pytest.importorskip("roadrunner", reason="libroadrunner is a dev dependency")

REGIMENS = ["anastrozole 1 mg daily", "clomiphene 25 mg daily", "testosterone enanthate 200 mg weekly"]
DAYS = 180
TOLERANCE = 0.01  # issue 4 done-when: within 1% at every daily sample
ABS_FLOOR = 1e-9  # outputs that are exactly 0 in our run (drugs not given) may carry CVODE noise below this


def _real_model():
    """The physiology's MODEL, or skip until it exists."""
    try:
        from hpgtwin.model import MODEL
        from hpgtwin.pk import parse_regimen  # noqa: F401
    except ImportError as exc:  # pragma: no cover - only while the physiology/pk parts are missing
        pytest.skip(f"hpgtwin.model.MODEL or hpgtwin.pk not available yet ({exc})")
    return MODEL


def _roadrunner_outputs(sbml: str, outputs: list[str], n_states: int, days: int) -> np.ndarray:
    """Simulate SBML with CVODE (rtol 1e-8, atol 1e-10 per state) and sample daily."""
    rr = roadrunner.RoadRunner(sbml)
    rr.integrator.relative_tolerance = 1e-8
    rr.integrator.absolute_tolerance = [1e-10] * n_states  # a scalar would be scaled by the (zero) drug states
    rr.integrator.maximum_num_steps = 100_000
    rr.timeCourseSelections = ["time", *outputs]
    return np.asarray(rr.simulate(0.0, days * 24.0, days + 1))


def _worst(ours: dict[str, np.ndarray], theirs: np.ndarray, outputs: list[str]) -> tuple[str, float]:
    """Largest relative deviation over outputs and samples (relative to our value, floored at ABS_FLOOR)."""
    worst = ("", 0.0)
    for k, name in enumerate(outputs):
        b = ours[name][0]
        err = float(np.max(np.abs(theirs[:, k + 1] - b) / np.maximum(np.abs(b), ABS_FLOOR)))
        if err > worst[1]:
            worst = (name, err)
    return worst


@pytest.mark.parametrize("regimen", REGIMENS)
def test_roadrunner_reproduces_the_real_model(regimen: str) -> None:
    """Default man, 180 days: every output within 1% of ours at every daily sample."""
    model = _real_model()
    outputs = list(model.outputs)
    ours = simulate(regimen, days=DAYS)
    theirs = _roadrunner_outputs(export_sbml(regimen, days=DAYS), outputs, len(model.states), DAYS)
    np.testing.assert_allclose(theirs[:, 0], ours.days * 24.0)
    name, err = _worst(ours.outputs, theirs, outputs)
    assert err < TOLERANCE, f"{regimen}: {name} deviates by {err:.2%}"


def test_exported_document_is_valid_sbml_l3() -> None:
    """No consistency errors; time unit hour; one event per bolus; outputs and states keep their ids."""
    regimen = EveryRegimen("testosterone_enanthate", 200.0, 168.0)
    text = export_sbml(regimen, model=TOY, days=28)
    doc = libsbml.readSBMLFromString(text)
    doc.checkConsistency()
    errors = [
        doc.getError(i).getMessage()
        for i in range(doc.getNumErrors())
        if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]
    assert errors == []
    assert (doc.getLevel(), doc.getVersion()) == (3, 1)
    m = doc.getModel()
    assert m.getTimeUnits() == "hour"
    assert m.getUnitDefinition("hour").getUnit(0).getMultiplier() == 3600.0
    assert m.getNumEvents() == 4  # doses at 0, 168, 336, 504 h; a dose at the 672 h horizon is not given
    for name in TOY.outputs:
        assert m.getAssignmentRuleByVariable(name) is not None or m.getSpecies(name) is not None
    assert m.getNumSpecies() == len(TOY.states)


def test_export_carries_individual_parameters() -> None:
    """A man's own parameter values (row ``patient``) are the ones written."""
    params = TOY.default_parameters(2).with_values(k_t=[0.7, 0.9])
    text = export_sbml(None, model=TOY, parameters=params, patient=1, days=5)
    m = libsbml.readSBMLFromString(text).getModel()
    assert m.getParameter("k_t").getValue() == pytest.approx(0.9)
    assert m.getNumEvents() == 0


def test_roadrunner_reproduces_the_toy_model() -> None:
    """Same check on the engine's own toy model (runs even before the physiology exists)."""
    regimen = EveryRegimen("anastrozole", 1.0, 24.0)
    ours = simulate(regimen, model=TOY, days=60)
    outputs = list(TOY.outputs)
    theirs = _roadrunner_outputs(export_sbml(regimen, model=TOY, days=60), outputs, len(TOY.states), 60)
    name, err = _worst(ours.outputs, theirs, outputs)
    assert err < 1e-4, f"{name} deviates by {err:.2e}"
