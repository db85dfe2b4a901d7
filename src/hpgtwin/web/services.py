"""The web app's only door to the science: thin calls into hpgtwin's public API, each degrading to a clear message.

Nothing here computes a clinical number; it only calls ``hpgtwin.clinic``, ``hpgtwin.fit``, ``hpgtwin.simulate``,
``hpgtwin.trials`` and ``hpgtwin.interop.fhir`` and turns their results into JSON-ready dicts.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from hpgtwin.errors import HpgtwinError, InputError
from hpgtwin.labs.records import PatientFile

log = logging.getLogger("hpgtwin.web")

PLAN_DAYS = 180  # assumption: six months, the usual span between a regimen change and a repeat semen analysis
PLAN_EVERY_DAYS = 1  # daily points: twice-weekly dosing shows its real saw-tooth
MAX_TRIAL_PATIENTS = 500  # assumption: a web trial finishes within minutes on two cores
MAX_SIMULATION_DAYS = 730
# Trials up to this many patient-weeks run in the server process: measured ~1.2 ms per patient-week in-process vs
# ~5 s to start a Dask worker process (2-core dev machine, 2026-11-22), so ~3 s here beats a worker (assumption).
IN_PROCESS_MAX_PATIENT_WEEKS = 2400


def plan_samples() -> int | None:
    """Posterior sample size for web projections: HPGTWIN_PLAN_SAMPLES when set (faster, coarser bands), else
    the ``hpgtwin.fit.plan`` default."""
    raw = os.environ.get("HPGTWIN_PLAN_SAMPLES", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


class Unavailable(HpgtwinError):
    """A part of hpgtwin the page needs failed or is not installed; the message says which, for the page."""


def _unexpected(part: str, exc: Exception) -> Unavailable:
    """Wrap a failure: log only its type (never patient data); hpgtwin's own errors keep their one-line reason."""
    log.warning("%s failed: %s", part, type(exc).__name__)
    if isinstance(exc, HpgtwinError) and str(exc):
        return Unavailable(str(exc))
    return Unavailable(f"{part} is not available right now ({type(exc).__name__}); the rest of the page still works")


def assess(pf: PatientFile, audience: str = "clinician") -> dict[str, Any]:
    """``hpgtwin.clinic.assess(pf).to_dict()``."""
    try:
        from hpgtwin.clinic import assess as clinic_assess

        return clinic_assess(pf, audience=audience).to_dict()
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - the page degrades, it must not crash
        raise _unexpected("The assessment", exc) from exc


def load_patient_file(source: dict[str, Any]) -> PatientFile:
    """``hpgtwin.labs.load_patient_file`` on a JSON patient file or FHIR Bundle (raises InputError)."""
    from hpgtwin.labs import load_patient_file as load

    return load(source)


def plan(pf: PatientFile, candidates: list[str] | None = None, days: int = PLAN_DAYS, *,
         find_dose: bool = True) -> dict[str, Any]:
    """``hpgtwin.fit.plan(pf, candidates).to_dict()``: projections with bands and (optionally) the dose finder."""
    try:
        from hpgtwin.fit import plan as fit_plan

        options = {"n_samples": plan_samples()} if plan_samples() else {}
        result = fit_plan(pf, candidates or None, days=days, find_dose=find_dose, **options)
        return result.to_dict(every=PLAN_EVERY_DAYS)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _unexpected("The personal projection", exc) from exc


def simulate(regimen: str | None, days: float = 180, pf: PatientFile | None = None, *,
             pulsatile_day: int | None = None, pulsatile_seed: int | None = None) -> dict[str, Any]:
    """``hpgtwin.simulate.simulate`` for a typical man (or this patient's covariates), as a dict; with
    ``pulsatile_day`` also ``"pulsatile"``, that day's 24 h LH profile (``hpgtwin.simulate.pulsatile.lh_profile``)."""
    if not 1 <= float(days) <= MAX_SIMULATION_DAYS:
        raise InputError(f"days must lie between 1 and {MAX_SIMULATION_DAYS}")
    try:
        from hpgtwin.simulate import simulate as run

        trajectory = run(regimen or None, parameters=pf.patient if pf else None, days=float(days))
        result: dict[str, Any] = dict(trajectory.to_dict())
        if pulsatile_day is not None:
            from hpgtwin.simulate.pulsatile import lh_profile

            result["pulsatile"] = lh_profile(trajectory, day=pulsatile_day, seed=pulsatile_seed).to_dict()
        return result
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _unexpected("The simulator", exc) from exc


def parse_cohort_spec(spec: dict[str, Any] | str, *, max_patients: int = MAX_TRIAL_PATIENTS) -> Any:
    """A validated ``CohortSpec`` from YAML text or a dict, refusing cohorts above ``max_patients``."""
    import yaml

    from hpgtwin.errors import CohortSpecError

    if isinstance(spec, str):
        try:
            spec = yaml.safe_load(spec)
        except yaml.YAMLError as exc:
            raise CohortSpecError(f"cohort spec is not valid YAML: {str(exc).splitlines()[0]}") from exc
    if not isinstance(spec, dict):
        raise CohortSpecError("cohort spec must be a YAML/JSON mapping (name, source, n, population, regimen, ...)")
    n = spec.get("n")
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise CohortSpecError("cohort spec needs n, a positive whole number of virtual patients")
    if n > max_patients:
        raise CohortSpecError(f"n = {n} is above this server's limit of {max_patients} virtual patients per run")
    from hpgtwin.pk import parse_regimen
    from hpgtwin.trials import validate_spec

    cohort = validate_spec(spec)
    for arm in cohort.all_arms:  # refuse a bad regimen now, with the spec still on the page, not after queueing
        if arm.regimen_text:
            parse_regimen(arm.regimen_text)
    return cohort


def trial_workers(cohort: Any) -> int | None:
    """None (run in this process) for a small trial, else 1 worker process: starting one costs more than it runs."""
    patient_weeks = cohort.n * cohort.duration_weeks * max(1, len(cohort.arms))
    return None if patient_weeks <= IN_PROCESS_MAX_PATIENT_WEEKS else 1


def trial(spec: dict[str, Any] | str, *, max_patients: int = MAX_TRIAL_PATIENTS) -> dict[str, Any]:
    """``hpgtwin.trials.run_trial(spec).to_dict()`` for a cohort spec within the size limit."""
    cohort = parse_cohort_spec(spec, max_patients=max_patients)
    try:
        from hpgtwin.trials import run_trial

        return run_trial(cohort, workers=trial_workers(cohort)).to_dict()
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _unexpected("The virtual trial", exc) from exc


def fhir_to_patient_file(bundle: dict[str, Any]) -> PatientFile:
    """``hpgtwin.interop.fhir.bundle_to_patient_file`` (raises FhirError/InputError when the Bundle is invalid)."""
    from hpgtwin.interop.fhir import bundle_to_patient_file

    result = bundle_to_patient_file(bundle)
    return result[0] if isinstance(result, tuple) else result


def patient_file_to_fhir(pf: PatientFile, assessment: dict[str, Any] | None = None) -> dict[str, Any]:
    """The patient (and his assessment, when given) as a FHIR R4 Bundle (``hpgtwin.interop.fhir``)."""
    try:
        from hpgtwin.interop import fhir

        return fhir.patient_file_to_bundle(pf, assessment)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _unexpected("FHIR export", exc) from exc
