"""One domain error hierarchy: every bad input raises a subclass of :class:`HpgtwinError` with a one-line reason."""

from __future__ import annotations


class HpgtwinError(Exception):
    """Base of every error hpgtwin raises on purpose; the CLI turns it into exit code 2."""


class InputError(HpgtwinError, ValueError):
    """Bad input from a user or a file: the message says what and where, in one line."""


class UnitError(InputError):
    """A unit is missing, unknown, or of the wrong dimension for the analyte."""


class ImplausibleValue(InputError):
    """A value that is impossible in any unit (negative, non-numeric, far outside physiology)."""


class UnknownAnalyte(InputError):
    """An analyte name or LOINC code that is not in the catalogue."""


class PatientFileError(InputError):
    """A patient file that does not follow the contract (missing keys, duplicates, future dates)."""


class RegimenSyntaxError(InputError):
    """Regimen text that cannot be parsed; the message names the bad token."""


class FhirError(InputError):
    """A FHIR document that is malformed or not FHIR."""


class CohortSpecError(InputError):
    """A virtual-trial cohort spec that does not follow the contract."""


class SolverError(HpgtwinError, RuntimeError):
    """The ODE solver failed (step size underflow, non-finite state)."""


class CalibrationError(HpgtwinError, RuntimeError):
    """A fit did not converge or the data cannot identify the parameters."""
