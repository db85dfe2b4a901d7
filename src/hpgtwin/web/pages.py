"""HTML pages: patient list, patient page, projection, plain-language view, simulation, virtual trial, report,
login."""

from __future__ import annotations

import hmac
import json
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hpgtwin import DISCLAIMER
from hpgtwin.errors import InputError
from hpgtwin.store import Store
from hpgtwin.web import diagram, plots, services
from hpgtwin.web.headers import policy_for_html
from hpgtwin.web.jobs import job_key
from hpgtwin.web.security import (
    AUTH_COOKIE,
    LOGIN_PAGE,
    SESSION_MAX_AGE_S,
    csrf_token,
    require_csrf,
    session_cookie_value,
)
from hpgtwin.web.trial_table import trial_rows
from hpgtwin.web.units_picker import PANEL, analyte_options

router = APIRouter(include_in_schema=False)
csrf = [Depends(require_csrf)]
MAX_PANEL_ROWS = 40  # a lab panel form never has more rows than this


def _store(request: Request) -> Store:
    """The app's store."""
    return request.app.state.store


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a template with the CSRF token and the disclaimer."""
    context.setdefault("csrf_token", csrf_token(request))
    context.setdefault("signed_in", request.app.state.token is not None)
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status)


def _see_other(url: str) -> RedirectResponse:
    """Post/redirect/get."""
    return RedirectResponse(url, status_code=303)


ASSESSMENT_CACHE_SIZE = 256  # assumption: assessments of this many record versions stay in memory


def _assessment(request: Request, patient_id: str, audience: str = "clinician"
                ) -> tuple[dict[str, Any] | None, str | None]:
    """The assessment of a stored patient (cached per record content), or None and the reason it failed."""
    cache: dict[str, Any] = request.app.state.assessments
    try:
        document = _store(request).patient_file_dict(patient_id)
        key = job_key("assess", document, audience)
        if key not in cache:
            cache[key] = services.assess(services.load_patient_file(document), audience=audience)
            while len(cache) > ASSESSMENT_CACHE_SIZE:
                cache.pop(next(iter(cache)))
        return cache[key], None
    except (InputError, services.Unavailable) as exc:
        return None, str(exc)


def _t_e2_threshold() -> float | None:
    """The T/E2 threshold of the clinical rule table (``t_e2_ratio_low``), drawn on the timeline."""
    try:
        from hpgtwin.clinic import load_rulebook

        return float(load_rulebook().thresholds["t_e2_ratio_low"].value)
    except Exception:  # noqa: BLE001 - the line is a guide; the plot works without it
        return None


# login ----------------------------------------------------------------------------------------------------------


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    """The sign-in page (only useful when the server runs with a token)."""
    return HTMLResponse(LOGIN_PAGE.format(error="", disclaimer=DISCLAIMER))


@router.post("/login")
def login(request: Request, token: str = Form("")) -> Response:
    """Check the token; on success set the login cookie (an HMAC of the token) and go to the patient list."""
    expected = request.app.state.token
    if expected is None:
        return _see_other("/")
    if not hmac.compare_digest(token.encode(), expected.encode()):
        return HTMLResponse(LOGIN_PAGE.format(error="<p><strong>Wrong token.</strong></p>", disclaimer=DISCLAIMER),
                            status_code=401)
    response = _see_other("/")
    response.set_cookie(AUTH_COOKIE, session_cookie_value(expected), max_age=SESSION_MAX_AGE_S, httponly=True,
                        samesite="strict", path="/", secure=request.url.scheme == "https")
    return response


@router.post("/logout", dependencies=csrf)
def logout(request: Request) -> Response:
    """Sign out: clear the login cookie (same attributes, expired) and go back to the sign-in page."""
    response = _see_other("/login" if request.app.state.token is not None else "/")
    response.delete_cookie(AUTH_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")
    return response


# patient list and creation --------------------------------------------------------------------------------------


@router.get("/")
def index(request: Request) -> HTMLResponse:
    """The patient list with each man's phenotype and alerts, a new-patient form and the import form."""
    patients = _store(request).list_patients()
    for patient in patients:
        assessment, error = _assessment(request, patient["id"])
        patient["phenotype"] = [p.get("code") for p in (assessment or {}).get("phenotype", [])]
        alerts = (assessment or {}).get("alerts", [])
        patient["alert_count"] = len([a for a in alerts if a.get("severity") not in ("info", None)])
        patient["assessment_error"] = error
    return render(request, "index.html", patients=patients)


@router.post("/patients", dependencies=csrf)
def create_patient(request: Request, patient_id: str = Form(""), age_years: str = Form(""),
                   bmi_kg_m2: str = Form(""), desires_fertility: str = Form(""), conditions: str = Form(""),
                   medications: str = Form("")) -> Response:
    """Create a patient from the form, then show his page; refused input comes back in the form."""
    fields = {"age_years": age_years, "bmi_kg_m2": bmi_kg_m2, "desires_fertility": desires_fertility,
              "conditions": conditions, "medications": medications}
    entered = {"patient_id": patient_id, **fields}
    try:
        _store(request).create_patient({"id": patient_id.strip(), **fields})
    except InputError as exc:
        return render(request, "index.html", status=400, patients=_store(request).list_patients(), error=str(exc),
                      entered=entered)
    return _see_other(f"/patients/{patient_id.strip()}")


@router.post("/import", dependencies=csrf)
async def import_file(request: Request, file: UploadFile | None = File(None)) -> Response:
    """Import a JSON patient file or a FHIR R4 Bundle; nothing is written unless it validates completely."""
    raw = await file.read() if file is not None else b""
    name = Path(file.filename or "upload").name if file is not None and file.filename else None
    try:
        if name is None:
            raise InputError("choose a JSON patient file or FHIR Bundle to import")
        try:
            document = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{name}: not a JSON document") from exc
        except RecursionError as exc:
            raise InputError(f"{name}: JSON nested too deeply to be a patient file") from exc
        if not isinstance(document, dict):
            raise InputError("the upload must be a JSON object (a patient file or a FHIR Bundle)")
        if document.get("resourceType") == "Bundle":
            pf = services.fhir_to_patient_file(document)
        else:
            pf = services.load_patient_file(document)
        summary = _store(request).import_patient_file(pf)
    except InputError as exc:
        return render(request, "index.html", status=400, patients=_store(request).list_patients(),
                      error=f"Import refused, nothing was saved: {exc}")
    return _see_other(f"/patients/{summary['id']}")


# the patient page -----------------------------------------------------------------------------------------------


def _patient_page(request: Request, patient_id: str, status: int = 200, error: str | None = None,
                  entered: dict[str, Any] | None = None) -> HTMLResponse:
    """Render the patient page (record, assessment, timeline, diagram, forms)."""
    record = _store(request).get_patient(patient_id)
    assessment, assessment_error = _assessment(request, patient_id)
    timeline = plots.lab_timeline(record, _t_e2_threshold())
    return render(
        request, "patient.html", status=status, record=record, assessment=assessment,
        assessment_error=assessment_error,
        timeline=plots.to_fragment(timeline, "timeline") if timeline else None,
        diagram=diagram.diagram_context(record, assessment), analytes=analyte_options(), panel=PANEL,
        today=date.today().isoformat(), error=error, entered=entered,
        saved=[{"kind": kind, **{k: v for k, v in row.items() if k != "payload"}}
               for kind in ("assessment", "plan") for row in _store(request).saved_results(patient_id, kind)[:5]],
    )


@router.get("/patients/{patient_id}")
def patient_page(request: Request, patient_id: str) -> HTMLResponse:
    """One patient: assessment with sources, lab timeline, HPG diagram, entry forms."""
    return _patient_page(request, patient_id)


@router.post("/patients/{patient_id}/labs", dependencies=csrf)
async def add_labs(request: Request, patient_id: str) -> Response:
    """Add one or more results from the lab panel (each row: analyte, value, unit), all or nothing."""
    form = await request.form()
    when = str(form.get("date") or "")
    rows = []
    count = str(form.get("rows") or "0")
    for i in range(min(int(count), MAX_PANEL_ROWS) if count.isdigit() else 0):
        value = str(form.get(f"value_{i}") or "").strip()
        if value:
            rows.append((str(form.get(f"analyte_{i}") or ""), value, str(form.get(f"unit_{i}") or "")))
    try:
        _store(request).add_labs(patient_id, rows, when or None)
    except InputError as exc:
        entered = {key: str(value) for key, value in form.items() if key != "csrf_token"}
        return _patient_page(request, patient_id, status=400, error=str(exc), entered={**entered, "form": "labs"})
    return _see_other(f"/patients/{patient_id}#labs")


@router.post("/patients/{patient_id}/labs/{lab_id}/delete", dependencies=csrf)
def delete_lab(request: Request, patient_id: str, lab_id: int) -> Response:
    """Remove one lab result."""
    _store(request).delete_lab(patient_id, lab_id)
    return _see_other(f"/patients/{patient_id}#labs")


@router.post("/patients/{patient_id}/semen", dependencies=csrf)
def add_semen(request: Request, patient_id: str, date_: str = Form("", alias="date"),
              volume_ml: str = Form(""), concentration_million_per_ml: str = Form(""),
              total_motility_pct: str = Form(""), progressive_motility_pct: str = Form(""),
              normal_forms_pct: str = Form("")) -> Response:
    """Add one semen analysis; refused input comes back in the form."""
    entered = {"date": date_, "volume_ml": volume_ml, "concentration_million_per_ml": concentration_million_per_ml,
               "total_motility_pct": total_motility_pct, "progressive_motility_pct": progressive_motility_pct,
               "normal_forms_pct": normal_forms_pct}
    try:
        _store(request).add_semen(patient_id, entered)
    except InputError as exc:
        return _patient_page(request, patient_id, status=400, error=str(exc), entered={**entered, "form": "semen"})
    return _see_other(f"/patients/{patient_id}#semen")


@router.post("/patients/{patient_id}/regimens", dependencies=csrf)
def add_regimen(request: Request, patient_id: str, regimen: str = Form(""), start_date: str = Form(""),
                end_date: str = Form("")) -> Response:
    """Record a regimen taken, with its dates; refused input comes back in the form."""
    try:
        if not regimen.strip():
            raise InputError("enter the regimen, e.g. 'anastrozole 1 mg twice weekly'")
        _store(request).add_regimen(patient_id, regimen, start_date or None, end_date or None)
    except InputError as exc:
        entered = {"form": "regimen", "regimen": regimen, "start_date": start_date, "end_date": end_date}
        return _patient_page(request, patient_id, status=400, error=str(exc), entered=entered)
    return _see_other(f"/patients/{patient_id}#regimens")


@router.post("/patients/{patient_id}/delete", dependencies=csrf)
def delete_patient(request: Request, patient_id: str) -> Response:
    """Remove a patient and his record."""
    _store(request).delete_patient(patient_id)
    return _see_other("/")


# projection, patient view, report -------------------------------------------------------------------------------


def _candidates(text: str | None) -> list[str] | None:
    """Candidate regimens from a textarea (one per line), or None for the defaults."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines or None


def plan_job(request: Request, patient_id: str, candidates: list[str] | None, find_dose: bool,
             start: bool = True) -> tuple[str, Any]:
    """The background plan job for this patient's current record (started when ``start``), and its key."""
    store = _store(request)
    document = store.patient_file_dict(patient_id)
    key = job_key("plan", document, candidates, find_dose)
    jobs = request.app.state.jobs
    if not start:
        return key, jobs.get(key)
    request.app.state.latest_plan[patient_id] = (job_key(document), key)

    def run() -> dict[str, Any]:
        return services.plan(services.load_patient_file(document), candidates, find_dose=find_dose)

    return key, jobs.submit(key, run)


@router.get("/patients/{patient_id}/projection")
def projection(request: Request, patient_id: str, candidates: str | None = None, dose: bool = False,
               retry: bool = False) -> HTMLResponse:
    """Personal projection with bands per candidate regimen, and (on request) the dose finder; computed in the
    background, the page refreshes itself until the result is ready."""
    record = _store(request).get_patient(patient_id)
    chosen = _candidates(candidates)
    context: dict[str, Any] = {"record": record, "plan": None, "plan_error": None, "figures": [],
                               "candidates": candidates or "", "dose": dose, "running": False}
    try:
        key, future = plan_job(request, patient_id, chosen, dose)
        if retry and future.done():
            request.app.state.jobs.forget(key)
            key, future = plan_job(request, patient_id, chosen, dose)
    except InputError as exc:
        context["plan_error"] = str(exc)
        return render(request, "projection.html", **context)
    if not future.done():
        context["running"] = True
        return render(request, "projection.html", **context)
    error = future.exception()
    if error is not None:
        context["plan_error"] = str(error)
        return render(request, "projection.html", **context)
    plan = future.result()
    context["plan"] = plan
    for output, label in plots.PROJECTED_OUTPUTS:
        fig = plots.projection_figure(plan, output, label)
        if fig is not None:
            context["figures"].append(plots.to_fragment(fig, f"proj-{output}"))
    dose_fig = plots.dose_figure(plan.get("dose_recommendation"))
    if dose_fig is not None:
        context["figures"].append(plots.to_fragment(dose_fig, "dose-finder"))
    return render(request, "projection.html", **context)


@router.post("/patients/{patient_id}/plans", dependencies=csrf)
async def save_plan(request: Request, patient_id: str) -> Response:
    """Keep the finished plan for these candidates in the record (with version and parameter-set hash)."""
    form = await request.form()
    candidates = _candidates(str(form.get("candidates") or ""))
    dose = str(form.get("dose") or "") in ("1", "true", "True", "on")
    _, future = plan_job(request, patient_id, candidates, dose, start=False)
    if future is None or not future.done() or future.exception() is not None:
        raise InputError("this plan is not ready yet; open the projection page and wait for it to finish")
    plan = future.result()
    _store(request).save_plan(patient_id, [p["regimen"] for p in plan.get("projections", [])], plan)
    return _see_other(f"/patients/{patient_id}")


@router.post("/patients/{patient_id}/assessments", dependencies=csrf)
def save_assessment(request: Request, patient_id: str) -> Response:
    """Keep the current assessment in the record (with version and parameter-set hash)."""
    store = _store(request)
    store.save_assessment(patient_id, services.assess(store.patient_file(patient_id)))
    return _see_other(f"/patients/{patient_id}#saved")


@router.get("/patients/{patient_id}/patient-view")
def patient_view(request: Request, patient_id: str) -> HTMLResponse:
    """The plain-language view for the man himself."""
    record = _store(request).get_patient(patient_id)
    assessment, error = _assessment(request, patient_id, audience="patient")
    return render(request, "patient_view.html", record=record, assessment=assessment, assessment_error=error)


def _report_context(request: Request, patient_id: str, projections: bool) -> dict[str, Any]:
    """Report context with the projection last requested for this record, when it has finished."""
    from hpgtwin.report import build_report_context

    plan = None
    latest = request.app.state.latest_plan.get(patient_id)
    if projections and latest is not None and latest[0] == job_key(_store(request).patient_file_dict(patient_id)):
        future = request.app.state.jobs.get(latest[1])
        if future is not None and future.done() and future.exception() is None:
            plan = future.result()
    return build_report_context(_store(request), patient_id, plan=plan)


@router.get("/patients/{patient_id}/report")
def report_html(request: Request, patient_id: str, projections: bool = True) -> HTMLResponse:
    """The printable HTML report."""
    from hpgtwin.report import render_report_html

    html = render_report_html(_report_context(request, patient_id, projections))
    return HTMLResponse(html, headers={"Content-Security-Policy": policy_for_html(html)})


@router.get("/patients/{patient_id}/report.pdf")
def report_pdf(request: Request, patient_id: str, projections: bool = True) -> Response:
    """The report as PDF (WeasyPrint)."""
    from hpgtwin.report import render_report_pdf

    return Response(render_report_pdf(_report_context(request, patient_id, projections)), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="hpgtwin-report-{patient_id}.pdf"'})


@router.get("/patients/{patient_id}/fhir")
def fhir_export(request: Request, patient_id: str) -> Response:
    """The patient as a FHIR R4 Bundle (download)."""
    pf = _store(request).patient_file(patient_id)
    bundle = services.patient_file_to_fhir(pf, services.assess(pf))
    return Response(json.dumps(bundle, indent=2, default=str), media_type="application/fhir+json",
                    headers={"Content-Disposition": f'attachment; filename="{patient_id}-fhir.json"'})


# simulate -------------------------------------------------------------------------------------------------------

SIMULATE_DEFAULT_DAYS = 28  # assumption: four weeks show a regimen's approach to its new steady state


def _whole_number(text: str, what: str) -> int | None:
    """A form field as a non-negative whole number, None when empty; InputError otherwise."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InputError(f"{what} must be a whole number of 0 or more, got {text!r}")
    return int(text)


@router.get("/simulate")
def simulate_page(request: Request, regimen: str | None = None, days: str = str(SIMULATE_DEFAULT_DAYS),
                  pulsatile_day: str = "", pulsatile_seed: str = "") -> HTMLResponse:
    """A typical man under a regimen, like ``hpgtwin simulate``; optionally the 24 h LH pulse profile of day N."""
    context: dict[str, Any] = {"regimen": regimen or "", "days": days, "pulsatile_day": pulsatile_day,
                               "pulsatile_seed": pulsatile_seed, "figures": [], "profile": None,
                               "max_days": services.MAX_SIMULATION_DAYS}
    if regimen is None:
        return render(request, "simulate.html", **context)
    try:
        try:
            horizon = float(days)
        except ValueError as exc:
            raise InputError(f"days must be a number, got {days!r}") from exc
        day = _whole_number(pulsatile_day, "the pulse-profile day")
        seed = _whole_number(pulsatile_seed, "the pulse seed")
        result = services.simulate(regimen.strip() or None, horizon, pulsatile_day=day, pulsatile_seed=seed)
    except (InputError, services.Unavailable) as exc:
        return render(request, "simulate.html", status=400, error=str(exc), **context)
    context["figures"].append(plots.to_fragment(plots.trajectory_figure(result), "simulation"))
    if "pulsatile" in result:
        context["profile"] = result["pulsatile"]
        context["figures"].append(plots.to_fragment(plots.pulse_profile_figure(result["pulsatile"]), "pulse-profile"))
    return render(request, "simulate.html", **context)


# virtual trial --------------------------------------------------------------------------------------------------


def _example_cohorts() -> dict[str, str]:
    """Cohort specs shipped in examples/cohorts (name -> YAML text), when the repository is at hand."""
    from hpgtwin.web.examples import examples_dir

    folder = examples_dir("cohorts")
    if folder is None:
        return {}
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.y*ml"))}


@router.get("/trial")
def trial_page(request: Request, example: str | None = None) -> HTMLResponse:
    """The virtual-trial page: pick or edit a cohort spec."""
    examples = _example_cohorts()
    spec = examples.get(example or "", next(iter(examples.values()), ""))
    return render(request, "trial.html", examples=examples, spec=spec, result=None, figure=None,
                  max_patients=request.app.state.max_trial_patients)


@router.post("/trial", dependencies=csrf)
async def trial_run(request: Request, spec: str = Form(""), spec_file: UploadFile | None = File(None)) -> Response:
    """Check the spec (upload or text) and the size limit, start the trial in the background, show its page."""
    if spec_file is not None and spec_file.filename:
        spec = (await spec_file.read()).decode("utf-8", errors="replace")
    limit = request.app.state.max_trial_patients
    try:
        services.parse_cohort_spec(spec, max_patients=limit)
    except InputError as exc:
        return render(request, "trial.html", status=400, examples=_example_cohorts(), spec=spec, result=None,
                      figure=None, error=str(exc), max_patients=limit)
    key = job_key("trial", spec)
    jobs = request.app.state.jobs
    jobs.submit(key, lambda: services.trial(spec, max_patients=limit))
    specs: dict[str, str] = request.app.state.trial_specs
    specs[key] = spec
    for forgotten in [k for k in specs if jobs.get(k) is None]:  # keep specs only while their results are kept
        del specs[forgotten]
    return _see_other(f"/trial/{key}")


@router.get("/trial/{key}")
def trial_result(request: Request, key: str) -> HTMLResponse:
    """A trial's progress, then its results plot."""
    future = request.app.state.jobs.get(key)
    spec = request.app.state.trial_specs.get(key, "")
    context: dict[str, Any] = {"examples": _example_cohorts(), "spec": spec, "result": None, "figure": None,
                               "max_patients": request.app.state.max_trial_patients, "running": False}
    if future is None:
        context["error"] = "This trial is not known to the server (it may have restarted); run it again."
        return render(request, "trial.html", status=404, **context)
    if not future.done():
        context["running"] = True
        return render(request, "trial.html", **context)
    if future.exception() is not None:
        context["error"] = f"The trial failed: {future.exception()}"
        return render(request, "trial.html", status=400, **context)
    result = future.result()
    published = published_from_spec(spec)
    fig = plots.trial_figure(result, published)
    weeks, rows = trial_rows(result, published)
    context.update(result=result, result_json=json.dumps(result, indent=2, default=str)[:20000],
                   figure=plots.to_fragment(fig, "trial") if fig else None, table_weeks=weeks, table_rows=rows)
    return render(request, "trial.html", **context)


def published_from_spec(spec: str) -> list[dict[str, Any]]:
    """The published follow-up values a cohort spec carries (``published.values``), for the comparison plot."""
    import yaml

    try:
        data = yaml.safe_load(spec) or {}
    except yaml.YAMLError:
        return []
    published = data.get("published") if isinstance(data, dict) else None
    values = published.get("values") if isinstance(published, dict) else None
    return [v for v in values or [] if isinstance(v, dict)]
