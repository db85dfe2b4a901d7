"""SBML Level 3 export of the declared model (python-libsbml), per patient and with a regimen's doses as events.

States become species (compartment of volume 1, so concentration = amount) driven by rate rules; parameters keep
their ids and values (one man's individual values); assignments, including every output such as
``testosterone_ng_dl``, become assignment rules with the same ids; each bolus dose becomes an event at its time.
The model time unit is the hour. The Hill functions are SBML function definitions, clamped at x <= 0 like the
engine's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import libsbml
import numpy as np

from hpgtwin import DISCLAIMER
from hpgtwin.errors import InputError
from hpgtwin.model.declaration import Model, ParameterSet
from hpgtwin.model.steady_state import baseline_state
from hpgtwin.simulate.dosing import BolusSchedule, bolus_schedule, empty_schedule
from hpgtwin.simulate.engine import default_model, resolve_parameters, resolve_regimen, sample_times_h

if TYPE_CHECKING:
    from hpgtwin.labs.records import Patient

SBML_LEVEL = 3
SBML_VERSION = 1
COMPARTMENT = "body"
HILL_DEFINITIONS = {
    "hill_act": "lambda(x, k, n, piecewise(0, x <= 0, x^n / (k^n + x^n)))",
    "hill_inh": "lambda(x, k, n, piecewise(1, x <= 0, 1 / (1 + (x / k)^n)))",
}


class SbmlExportError(RuntimeError):
    """libsbml rejected something we built (a bug in the exporter, not user input)."""


def _check(code: int, what: str) -> None:
    """Raise when a libsbml setter did not return LIBSBML_OPERATION_SUCCESS."""
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise SbmlExportError(f"libsbml failed to {what}: {libsbml.OperationReturnValue_toString(code)}")


def _math(formula: str) -> libsbml.ASTNode:
    """Our expression language -> libsbml AST (``**`` -> ``^``; ``log`` is the natural log)."""
    settings = libsbml.L3ParserSettings()
    settings.setParseLog(libsbml.L3P_PARSE_LOG_AS_LN)
    text = re.sub(r"\*\*", "^", formula)
    ast = libsbml.parseL3FormulaWithSettings(text, settings)
    if ast is None:
        raise SbmlExportError(f"cannot parse {formula!r}: {libsbml.getLastParseL3Error()}")
    return ast


def _sid(text: str) -> str:
    """A valid SBML SId from arbitrary text."""
    sid = re.sub(r"[^A-Za-z0-9_]", "_", text)
    return sid if sid and (sid[0].isalpha() or sid[0] == "_") else f"_{sid}"


def build_document(
    model: Model, values: np.ndarray, initial: np.ndarray, schedule: BolusSchedule, *, title: str = ""
) -> libsbml.SBMLDocument:
    """An SBML L3 document of ``model`` with parameter ``values``, initial states and bolus events."""
    doc = libsbml.SBMLDocument(SBML_LEVEL, SBML_VERSION)
    m = doc.createModel()
    _check(m.setId(_sid(model.name)), "set model id")
    m.setName(title or model.name)
    _check(m.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>hpgtwin export of {model.name}. '
                      f"{DISCLAIMER}</p></body>"), "set notes")
    hour = m.createUnitDefinition()
    hour.setId("hour")
    unit = hour.createUnit()
    unit.setKind(libsbml.UNIT_KIND_SECOND)
    unit.setExponent(1)
    unit.setScale(0)
    unit.setMultiplier(3600.0)
    _check(m.setTimeUnits("hour"), "declare the time unit")
    comp = m.createCompartment()
    comp.setId(COMPARTMENT)
    comp.setSize(1.0)
    comp.setConstant(True)
    comp.setSpatialDimensions(3)
    for name, lam in HILL_DEFINITIONS.items():
        fd = m.createFunctionDefinition()
        fd.setId(name)
        _check(fd.setMath(_math(lam)), f"define {name}")
    for i, s in enumerate(model.states):
        sp = m.createSpecies()
        _check(sp.setId(s.name), f"add species {s.name}")
        sp.setName(f"{s.description} [{s.unit}]")
        sp.setCompartment(COMPARTMENT)
        sp.setInitialConcentration(float(initial[i]))
        sp.setHasOnlySubstanceUnits(False)
        sp.setBoundaryCondition(False)
        sp.setConstant(False)
    for j, p in enumerate(model.parameters):
        par = m.createParameter()
        _check(par.setId(p.name), f"add parameter {p.name}")
        par.setName(f"{p.description} [{p.unit}] ({p.evidence}: {p.source})"[:1000])
        par.setValue(float(values[j]))
        par.setConstant(True)
    for a in model.assignments:
        par = m.createParameter()
        _check(par.setId(a.name), f"add assignment {a.name}")
        par.setName(f"{a.description} [{a.unit}]")
        par.setConstant(False)
        rule = m.createAssignmentRule()
        rule.setVariable(a.name)
        _check(rule.setMath(_math(a.expr)), f"set the rule of {a.name}")
    for r in model.rates:
        rule = m.createRateRule()
        rule.setVariable(r.state)
        _check(rule.setMath(_math(r.expr)), f"set the rate of {r.state}")
    for k in range(schedule.n_doses):
        target = model.dose_targets[int(schedule.target[k])]
        ev = m.createEvent()
        ev.setId(f"dose_{k}_{_sid(target.drug)}")
        ev.setUseValuesFromTriggerTime(True)
        trig = ev.createTrigger()
        trig.setInitialValue(False)
        trig.setPersistent(True)
        _check(trig.setMath(_math(f"time >= {float(schedule.time_h[k])!r}")), "set a dose trigger")
        ea = ev.createEventAssignment()
        ea.setVariable(target.state)
        amount = float(schedule.amount[k])
        _check(ea.setMath(_math(f"{target.state} + {amount!r} * ({target.amount_scale})")), "set a dose")
    return doc


def export_sbml(
    regimen: str | Any | None = None,
    *,
    parameters: ParameterSet | Patient | None = None,
    patient: int = 0,
    days: float = 180,
    model: Model | None = None,
    initial_state: np.ndarray | None = None,
) -> str:
    """SBML L3 text of one man (row ``patient``) starting at his drug-free steady state, doses as events."""
    model = model or default_model()
    params = resolve_parameters(parameters, model)
    if not 0 <= patient < params.n_patients:
        raise InputError(f"patient index {patient} outside 0..{params.n_patients - 1}")
    one = params.patients(patient)
    text, reg = resolve_regimen(regimen)
    horizon_h = float(sample_times_h(days)[-1])
    schedule = (
        bolus_schedule(model, reg.dose_events(float(days)), horizon_h) if reg is not None else empty_schedule(model)
    )
    y0 = baseline_state(model, one)[0] if initial_state is None else np.asarray(initial_state, dtype=float)
    doc = build_document(model, one.values[0], y0, schedule, title=f"{model.name}: {text}")
    errors = doc.checkInternalConsistency()
    if errors:
        raise SbmlExportError(doc.getErrorLog().toString())
    return libsbml.writeSBMLToString(doc)


def write_sbml(path: str | Path, regimen: str | Any | None = None, **kwargs: Any) -> Path:
    """Write :func:`export_sbml` output to ``path``."""
    target = Path(path)
    target.write_text(export_sbml(regimen, **kwargs), encoding="utf-8")
    return target
