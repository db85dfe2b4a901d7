"""The OpenAPI page served from this machine: Swagger UI from the installed swagger-ui-bundle package and a static
start-up script, so /api/docs works offline and under the CSP (FastAPI's default page loads a CDN and inline script).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

SWAGGER_MOUNT = "/static-vendor/swagger-ui"


def swagger_ui_dir() -> Path | None:
    """The Swagger UI files of the installed swagger-ui-bundle package, or None when it is not installed."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    folder = Path(str(swagger_ui_path))
    return folder if (folder / "swagger-ui-bundle.js").exists() else None


def install(app: FastAPI) -> None:
    """Serve Swagger UI's files and the /api/docs page that starts it on /api/openapi.json."""
    folder = swagger_ui_dir()
    if folder is not None:
        app.mount(SWAGGER_MOUNT, StaticFiles(directory=str(folder)), name="swagger-ui")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        """The interactive API reference (or a pointer to the OpenAPI JSON when Swagger UI is not installed)."""
        context: dict[str, Any] = {"swagger": SWAGGER_MOUNT if folder is not None else None,
                                   "openapi_url": app.openapi_url}
        return request.app.state.templates.TemplateResponse(request, "api_docs.html", context)
