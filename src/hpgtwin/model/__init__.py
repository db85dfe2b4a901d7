"""The twin's model: the declared HPG-axis ``MODEL`` and per-man parameters (``individual_parameters``)."""

from __future__ import annotations

from hpgtwin.model.declaration import ParameterSet
from hpgtwin.model.hpg import CLINICAL_OUTPUTS, MODEL
from hpgtwin.model.individual import individual_parameters

__all__ = ["CLINICAL_OUTPUTS", "MODEL", "ParameterSet", "individual_parameters"]
