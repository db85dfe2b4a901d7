"""The FastAPI application: pages and JSON API over one Store, behind the token gate and request limits."""

from __future__ import annotations

import secrets
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from hpgtwin import DISCLAIMER, __version__
from hpgtwin.errors import InputError
from hpgtwin.store import PatientNotFound, RecordNotFound, Store
from hpgtwin.web.jobs import Jobs
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


def make_templates() -> Jinja2Templates:
    """Jinja2 templates with autoescaping on (the Starlette default for .html) and the shared globals."""
    templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
    templates.env.autoescape = True
    templates.env.globals.update(disclaimer=DISCLAIMER, version=__version__)
    return templates


def create_app(store: Store | None = None, *, database_url: str | None = None, token: str | None = None,
               max_request_bytes: int = MAX_REQUEST_BYTES, max_trial_patients: int | None = None) -> Any:
    """Build the ASGI app on ``store`` (or the store at ``database_url``); ``token`` turns on the token gate."""
    from hpgtwin.web import api, pages, services

    store = store or Store.open(database_url)
    app = FastAPI(
        title="hpgtwin",
        version=__version__,
        description=f"A digital twin of the male HPG axis: the same operations as the CLI. {DISCLAIMER}",
        docs_url="/api/docs",
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

    @app.get("/static-vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        """plotly.js from the installed package, cached for a day."""
        return FileResponse(plotly_js_path(), media_type="application/javascript",
                            headers={"Cache-Control": "max-age=86400"})

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness probe (no data)."""
        return {"status": "ok"}

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        """Set the CSRF cookie when new, and headers that keep pages out of frames and caches."""
        response = await call_next(request)
        new = getattr(request.state, "new_csrf", None)
        if new and not request.cookies.get(CSRF_COOKIE):
            response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="strict", path="/")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.url.path.startswith(("/patients", "/api/patients")):
            response.headers.setdefault("Cache-Control", "no-store")
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

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        """HTTP errors: JSON on the API, a page with the disclaimer elsewhere."""
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return error_page(request, exc.status_code, str(exc.detail))

    app.include_router(pages.router)
    app.include_router(api.router)
    gated: Any = TokenGate(app, token, DISCLAIMER)
    return QuietAccessLog(RequestLimits(gated, max_request_bytes))


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """A page that states what went wrong in one line."""
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, "error.html", {"status": status, "message": message,
                                                              "csrf_token": csrf_token(request)},
                                       status_code=status)


def new_token() -> str:
    """A random access token for users who want one generated."""
    return secrets.token_urlsafe(24)
