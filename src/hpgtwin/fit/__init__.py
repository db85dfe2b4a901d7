"""Personalisation: calibrate the twin to one man's labs, project regimens with bands, find the lowest safe dose.

For research and education, and for discussion with a clinician; not a medical device.
"""

from __future__ import annotations

from hpgtwin.fit.calibrate import FittedParameter, PersonalTwin, calibrate
from hpgtwin.fit.dose import Candidate, DoseRecommendation, find_lowest_dose
from hpgtwin.fit.history import History, Observation, lab_history
from hpgtwin.fit.plan import Plan, plan
from hpgtwin.fit.project import Projection, project

__all__ = [
    "Candidate",
    "DoseRecommendation",
    "FittedParameter",
    "History",
    "Observation",
    "PersonalTwin",
    "Plan",
    "Projection",
    "calibrate",
    "find_lowest_dose",
    "lab_history",
    "plan",
    "project",
]
