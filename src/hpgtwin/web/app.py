"""The FastAPI application: pages and JSON API over one Store, behind the token gate and request limits."""

from __future__ import annotations

import secrets
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from hpgtwin import DISCLAIMER, __version__
from hpgtwin.errors import InputError
from hpgtwin.store import PatientNotFound, RecordNotFound, Store
from hpgtwin.web.headers import SecurityHeaders
from hpgtwin.web.jobs import Jobs
from hpgtwin.web.plotly_css import plotly_css
from hpgtwin.web.security import (
    CSRF_COOKIE,
    MAX_REQUEST_BYTES,
    QuietAccessLog,
    RequestLimits,
    TokenGate,
    csrf_token,
)

WEB_DIR = Path(__file__).parent


def plotly_js_path() -> Path:
    """plotly.min.js from the installed plotly package (served locally, never from a CDN)."""
    return Path(str(resources.files("plotly").joinpath("package_data", "plotly.min.js")))


def three_significant(value: float) -> str:
    """A number to three significant figures without exponent notation below 10^6 (1020, not 1.02e+03)."""
    return f"{float(f'{float(value):.3g}'):g}" if abs(float(value)) < 1e6 else f"{float(value):.3g}"


def make_templates() -> Jinja2Templates:
    """Jinja2 templates with autoescaping on (the Starlette default for .html) and the shared globals."""
    templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
    templates.env.autoescape = True
    templates.env.filters["sig3"] = three_significant
    templates.env.globals.update(disclaimer=DISCLAIMER, version=__version__, plotly_css=plotly_css(plotly_js_path()))
    return templates


def create_app(store: Store | None = None, *, database_url: str | None = None, token: str | None = None,
               max_request_bytes: int = MAX_REQUEST_BYTES, max_trial_patients: int | None = None) -> Any:
    """Build the ASGI app on ``store`` (or the store at ``database_url``); ``token`` turns on the token gate."""
    from hpgtwin.web import api, api_docs, pages, services

    store = store or Store.open(database_url)
    app = FastAPI(
        title="hpgtwin",
        version=__version__,
        description=f"A digital twin of the male HPG axis: the same operations as the CLI. {DISCLAIMER}",
        docs_url=None,
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    app.state.store = store
    app.state.templates = make_templates()
    app.state.token = token
    app.state.jobs = Jobs()
    app.state.latest_plan = {}
    app.state.trial_specs = {}
    app.state.assessments = {}
    app.state.max_trial_patients = max_trial_patients or services.MAX_TRIAL_PATIENTS
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    api_docs.install(app)

    @app.get("/static-vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        """plotly.js from the installed package, cached for a day."""
        return FileResponse(plotly_js_path(), media_type="application/javascript",
                            headers={"Cache-Control": "max-age=86400"})

    @app.get("/static-vendor/plotly.css", include_in_schema=False)
    def plotly_stylesheet() -> Response:
        """plotly.js's own rules as a stylesheet (it may not inject ``<style>`` under the CSP), cached for a day."""
        css = plotly_css(plotly_js_path())
        if css is None:
            raise HTTPException(status_code=404, detail="plotly.js stylesheet not available")
        return Response(css.text, media_type="text/css", headers={"Cache-Control": "max-age=86400"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        """The icon, for pages (like the report) that do not link one."""
        return FileResponse(WEB_DIR / "static" / "favicon.svg", media_type="image/svg+xml",
                            headers={"Cache-Control": "max-age=86400"})

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness probe (no data)."""
        return {"status": "ok"}

    @app.middleware("http")
    async def csrf_cookie(request: Request, call_next: Any) -> Response:
        """Set the CSRF cookie when this browser has none (Secure when served over https)."""
        response = await call_next(request)
        new = getattr(request.state, "new_csrf", None)
        if new and not request.cookies.get(CSRF_COOKIE):
            response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="strict", path="/",
                                secure=request.url.scheme == "https")
        return response

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> Response:
        """Bad input: 404 for a missing record, else 400, with the one-line reason."""
        status = 404 if isinstance(exc, (PatientNotFound, RecordNotFound)) else 400
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc), "error": type(exc).__name__}, status_code=status)
        return error_page(request, status, str(exc))

    @app.exception_handler(services.Unavailable)
    async def unavailable(request: Request, exc: services.Unavailable) -> Response:
        """A part of hpgtwin failed: 503 with a readable message."""
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=503)
        return error_page(request, 503, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        """A missing or malformed field: FastAPI's 422 detail on the API, a readable 400 page elsewhere."""
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        return error_page(request, 400, validation_message(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """HTTP errors: JSON on the API, a page with the disclaimer elsewhere."""
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return error_page(request, exc.status_code, str(exc.detail))

    app.include_router(pages.router)
    app.include_router(api.router)
    gated: Any = TokenGate(app, token, DISCLAIMER)
    return QuietAccessLog(SecurityHeaders(RequestLimits(gated, max_request_bytes)))


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """A page that states what went wrong in one line."""
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, "error.html", {"status": status, "message": message,
                                                              "csrf_token": csrf_token(request)},
                                       status_code=status)


def validation_message(errors: Any) -> str:
    """One line naming each refused field and why (no submitted values: they may be patient data)."""
    parts = []
    for error in errors:
        field = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
        reason = "this field is required" if error.get("type") == "missing" else str(error.get("msg", "not valid"))
        parts.append(f"{field}: {reason}")
    return "This request cannot be used: " + "; ".join(parts)


def new_token() -> str:
    """A random access token for users who want one generated."""
    return secrets.token_urlsafe(24)
