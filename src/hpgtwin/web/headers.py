"""Response headers every answer carries: a strict Content-Security-Policy, no sniffing, no referrer, no caching.

Pages hold patient data, so nothing but the packaged static files may be cached. Scripts and styles come only from
this server (plotly.js included); pages carry no inline script. A page whose HTML another part of hpgtwin renders
with an inline ``<style>`` (the printable report) gets that block allowed by its SHA-256 hash, not by
``'unsafe-inline'``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from hpgtwin.web.security import ASGIApp, Message, Receive, Scope, Send

CSP_DIRECTIVES: tuple[tuple[str, str], ...] = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self'"),
    ("img-src", "'self' data: blob:"),  # plotly's "download plot as png" draws the chart via a data: image
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("object-src", "'none'"),
    ("frame-ancestors", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
)
CACHEABLE_PREFIXES = ("/static/", "/static-vendor/", "/favicon.ico")  # packaged files only: no patient data
INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


def content_security_policy(style_hashes: Iterable[str] = ()) -> str:
    """The policy, with ``style-src`` widened only by the given ``'sha256-…'`` sources."""
    extra = " ".join(style_hashes)
    return "; ".join(f"{name} {value} {extra}".rstrip() if name == "style-src" and extra else f"{name} {value}"
                     for name, value in CSP_DIRECTIVES)


def inline_style_hashes(html: str) -> list[str]:
    """``'sha256-…'`` CSP sources for each inline ``<style>`` block of a rendered page."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
            for body in INLINE_STYLE.findall(html)]


def policy_for_html(html: str) -> str:
    """The policy for a page rendered elsewhere that carries inline ``<style>`` blocks."""
    return content_security_policy(inline_style_hashes(html))


BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeaders:
    """ASGI middleware: add the policy headers to every response, the 401/413 answers of the gates included."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app
        self.policy = content_security_policy().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers a response does not set itself."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope["path"].startswith(CACHEABLE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {key.lower() for key, _ in headers}
                wanted = [*BASE_HEADERS, (b"content-security-policy", self.policy)]
                if not cacheable:
                    wanted.append((b"cache-control", b"no-store"))
                headers += [(key, value) for key, value in wanted if key not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
