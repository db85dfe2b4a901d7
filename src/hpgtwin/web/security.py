"""Who may talk to the app and how: bearer token or login cookie off loopback, CSRF on forms, size limits, quiet logs.

Patient data never reaches a log: requests are logged as method, route template (``/patients/{patient_id}``, not
the id), status and time only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import HTTPException, Request

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

AUTH_COOKIE = "hpgtwin_session"
CSRF_COOKIE = "hpgtwin_csrf"
CSRF_FIELD = "csrf_token"
MAX_REQUEST_BYTES = 5 * 1024 * 1024  # assumption: 5 MiB holds a large FHIR Bundle yet stops abuse
SESSION_MAX_AGE_S = 12 * 3600  # assumption: one clinic working day; then the login cookie expires and is refused
CLOCK_STEP_S = 60  # assumption: a cookie "issued" up to a minute ahead survives the server clock being stepped back
PUBLIC_PATHS = frozenset({"/login", "/healthz", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/",)  # the packaged stylesheet and scripts (no data): the sign-in page needs them
log = logging.getLogger("hpgtwin.web")


LOCAL_ONLY_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def needs_token(host: str) -> bool:
    """Whether a bind address needs HPGTWIN_TOKEN: any address but 127.0.0.1, ::1 and localhost (issue #6)."""
    return host.strip().lower() not in LOCAL_ONLY_HOSTS


def session_cookie_value(token: str, issued_at: int | None = None) -> str:
    """The login cookie for a token: issue time (Unix s) and an HMAC over it, so it never holds the token itself
    and the server can refuse it after SESSION_MAX_AGE_S even if a browser keeps it."""
    issued = int(time.time()) if issued_at is None else issued_at
    mac = hmac.new(token.encode(), f"hpgtwin-login-v2:{issued}".encode(), hashlib.sha256).hexdigest()
    return f"{issued}.{mac}"


def session_cookie_valid(cookie: str, token: str, now: float | None = None) -> bool:
    """Whether a login cookie was issued for this token within the last SESSION_MAX_AGE_S."""
    issued, _, _ = cookie.partition(".")
    if not issued.isdigit():
        return False
    age = (time.time() if now is None else now) - int(issued)
    expected = session_cookie_value(token, int(issued))
    return -CLOCK_STEP_S <= age <= SESSION_MAX_AGE_S and hmac.compare_digest(cookie.encode(), expected.encode())


def _header(scope: Scope, name: bytes) -> str | None:
    """One request header (latin-1 decoded) or None."""
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _cookies(scope: Scope) -> dict[str, str]:
    """The request cookies as a dict."""
    raw = _header(scope, b"cookie") or ""
    out: dict[str, str] = {}
    for part in raw.split(";"):
        if "=" in part:
            key, _, value = part.strip().partition("=")
            out[key] = value
    return out


def authorized(scope: Scope, token: str) -> bool:
    """Whether the request carries the bearer token or a valid login cookie."""
    auth = _header(scope, b"authorization") or ""
    if auth.lower().startswith("bearer ") and hmac.compare_digest(auth[7:].strip().encode(), token.encode()):
        return True
    cookie = _cookies(scope).get(AUTH_COOKIE, "")
    return bool(cookie) and session_cookie_valid(cookie, token)


LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>hpgtwin — sign in</title>
<link rel="stylesheet" href="/static/style.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml"></head><body class="login">
<h1>hpgtwin</h1><p>This server is reachable from the network, so it asks for the access token
(<code>HPGTWIN_TOKEN</code>).</p>
<form method="post" action="/login"><label>Access token <input type="password" name="token" autofocus
required></label> <button type="submit">Sign in</button></form>{error}
<p><small>{disclaimer}</small></p></body></html>"""


class TokenGate:
    """ASGI middleware: with a token configured, every path but /login and /healthz needs it (else 401)."""

    def __init__(self, app: ASGIApp, token: str | None, disclaimer: str) -> None:
        """Wrap ``app``; ``token`` None disables the gate (loopback bind)."""
        self.app = app
        self.token = token
        self.disclaimer = disclaimer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Let authorized requests through; answer the rest with 401."""
        path = scope.get("path", "")
        if scope["type"] != "http" or self.token is None or path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        if authorized(scope, self.token):
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith("/api/"):
            body = b'{"detail":"authentication required: send Authorization: Bearer <HPGTWIN_TOKEN>"}'
            ctype = b"application/json"
        else:
            body = LOGIN_PAGE.format(error="", disclaimer=self.disclaimer).encode()
            ctype = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                                (b"www-authenticate", b"Bearer")]})
        await send({"type": "http.response.body", "body": body})


class RequestLimits:
    """ASGI middleware: bodies above ``max_bytes`` get 413; API writes must be JSON (415), which also stops CSRF."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_REQUEST_BYTES) -> None:
        """Wrap ``app`` with a body-size ceiling in bytes."""
        self.app = app
        self.max_bytes = max_bytes

    async def _reply(self, send: Send, status: int, detail: str) -> None:
        """Send a short JSON error."""
        body = json.dumps({"detail": detail}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check size and content type before the app reads the body."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._reply(send, 413, f"request body larger than {self.max_bytes} bytes")
            return
        if scope["path"].startswith("/api/") and scope["method"] in {"POST", "PUT", "PATCH"}:
            ctype = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
            if ctype != "application/json":
                await self._reply(send, 415, "API requests must be sent as application/json")
                return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:  # a chunked body that lied about its size: stop reading
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, counted_receive, send)


class QuietAccessLog:
    """ASGI middleware: log method, route template, status and milliseconds; never ids, queries or bodies."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Time the request and log it without patient data."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or ("/static" if scope["path"].startswith("/static") else "?")
            log.info("%s %s %s %.0fms", scope["method"], template, status["code"],
                     (time.perf_counter() - started) * 1000)


def csrf_token(request: Request) -> str:
    """The CSRF token of this browser (from its cookie, or a new one set on the response by the app)."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and len(existing) >= 32:
        return existing
    if not hasattr(request.state, "new_csrf"):
        request.state.new_csrf = secrets.token_urlsafe(32)
    return request.state.new_csrf


async def require_csrf(request: Request) -> None:
    """Dependency for form posts: the hidden field must equal the CSRF cookie (double-submit), else 403."""
    form = await request.form()
    sent = str(form.get(CSRF_FIELD) or "")
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    if not cookie or not sent or not hmac.compare_digest(sent.encode(), cookie.encode()):
        raise HTTPException(status_code=403, detail="CSRF check failed: reload the page and submit the form again")
