"""Security headers and the login cookie: strict CSP on every answer, no caching of data, an expiring HttpOnly
SameSite=Strict cookie (Secure over https), logout, and plots without inline script."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hpgtwin.store import Store
from hpgtwin.web.app import create_app, plotly_js_path
from hpgtwin.web.headers import inline_style_hashes
from hpgtwin.web.plotly_css import GLOBAL_STYLE_ID, plotly_css
from hpgtwin.web.security import AUTH_COOKIE, SESSION_MAX_AGE_S, session_cookie_value

TOKEN = "test-token-0123456789abcdef"
TWELVE_HOURS_S = 12 * 3600  # the brief's login lifetime (assumption: one clinic working day)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store.open(f"sqlite:///{tmp_path / 'security.sqlite'}")
    yield opened
    opened.close()


def _csrf(client: TestClient, path: str = "/") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def test_every_answer_carries_the_policy_headers(store: Store) -> None:
    with TestClient(create_app(store, max_request_bytes=1024)) as client:
        answers = {"page": client.get("/"), "api": client.get("/api/patients"), "404": client.get("/patients/nope"),
                   "413": client.post("/api/patients", content=b"x" * 2048,
                                      headers={"content-type": "application/json"})}
        for name, response in answers.items():
            policy = response.headers.get("content-security-policy", "")
            assert "default-src 'self'" in policy and "object-src 'none'" in policy, name
            assert "frame-ancestors 'none'" in policy and "base-uri 'self'" in policy, name
            assert "form-action 'self'" in policy and "'unsafe-inline'" not in policy, name
            assert response.headers["x-content-type-options"] == "nosniff", name
            assert response.headers["referrer-policy"] == "no-referrer", name
            assert response.headers["cache-control"] == "no-store", name
        assert answers["413"].status_code == 413
        assert "no-store" not in client.get("/static/style.css").headers.get("cache-control", "")


def test_the_sign_in_page_has_the_policy_and_no_inline_style(store: Store) -> None:
    with TestClient(create_app(store, token=TOKEN)) as gated:
        page = gated.get("/patients")
        assert page.status_code == 401
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert "<style" not in page.text and "<script" not in page.text
        assert gated.get("/static/style.css").status_code == 200  # the sign-in page's stylesheet is public


def test_login_cookie_expires_and_is_strict(store: Store) -> None:
    with TestClient(create_app(store, token=TOKEN)) as gated:
        login = gated.post("/login", data={"token": TOKEN}, follow_redirects=False)
        cookie = login.headers["set-cookie"]
        assert cookie.startswith(f"{AUTH_COOKIE}=")
        assert f"Max-Age={TWELVE_HOURS_S}" in cookie and SESSION_MAX_AGE_S == TWELVE_HOURS_S
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert "Secure" not in cookie  # plain http (loopback): a Secure cookie would never come back
        assert TOKEN not in cookie
    with TestClient(create_app(store, token=TOKEN), base_url="https://testserver") as tls:
        assert "Secure" in tls.post("/login", data={"token": TOKEN}, follow_redirects=False).headers["set-cookie"]
        csrf_cookie = tls.get("/").headers["set-cookie"]
        assert csrf_cookie.startswith("hpgtwin_csrf=") and "Secure" in csrf_cookie and "HttpOnly" in csrf_cookie


def test_an_old_or_forged_login_cookie_is_refused(store: Store) -> None:
    with TestClient(create_app(store, token=TOKEN)) as gated:
        fresh = session_cookie_value(TOKEN)
        stale = session_cookie_value(TOKEN, int(time.time()) - SESSION_MAX_AGE_S - 60)
        forged = session_cookie_value("another-token-0123456789")
        future = session_cookie_value(TOKEN, int(time.time()) + 3600)
        for value, status in ((fresh, 200), (stale, 401), (forged, 401), (future, 401), ("garbage", 401)):
            gated.cookies.set(AUTH_COOKIE, value)
            assert gated.get("/api/patients").status_code == status, value


def test_logout_clears_the_cookie(store: Store) -> None:
    with TestClient(create_app(store, token=TOKEN)) as gated:
        gated.post("/login", data={"token": TOKEN})
        page = gated.get("/")
        assert page.status_code == 200 and 'id="logout"' in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        assert gated.post("/logout", follow_redirects=False).status_code == 403  # CSRF-protected
        out = gated.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"] == "/login"
        cleared = out.headers["set-cookie"]
        assert cleared.startswith(f'{AUTH_COOKIE}=""') and "Max-Age=0" in cleared
        assert gated.get("/").status_code == 401


def test_the_report_allows_only_its_own_inline_style(store: Store) -> None:
    with TestClient(create_app(store)) as client:
        client.post("/api/patients", json={"id": "R-1", "age_years": 40})
        report = client.get("/patients/R-1/report")
        assert report.status_code == 200
        policy = report.headers["content-security-policy"]
        hashes = inline_style_hashes(report.text)
        assert hashes and all(h in policy for h in hashes)
        assert "'unsafe-inline'" not in policy and "script-src 'self'" in policy


def test_plots_need_no_inline_script_and_plotly_css_is_served(store: Store) -> None:
    css = plotly_css(plotly_js_path())
    assert css is not None
    assert ".js-plotly-plot .plotly .modebar" in css.text  # plotly.js's modebar rules (its src/css/_modebar.scss)
    with TestClient(create_app(store)) as client:
        client.post("/api/patients", json={"id": "P-1", "age_years": 40})
        client.post("/api/patients/P-1/labs",
                    json={"analyte": "testosterone_total", "value": 300, "unit": "ng/dL", "date": "2026-09-01"})
        page = client.get("/patients/P-1").text
        assert 'class="plotly-figure"' in page and 'data-figure="' in page
        tags = re.findall(r"<script\b[^>]*>", page)
        assert tags and all(" src=" in tag or 'type="application/json"' in tag for tag in tags), tags
        assert f'id="{GLOBAL_STYLE_ID}" class="no-inline-styles"' in page
        served = client.get("/static-vendor/plotly.css")
        assert served.status_code == 200 and served.headers["content-type"].startswith("text/css")
        assert served.text == css.text


def test_api_docs_are_served_locally_without_inline_script(store: Store) -> None:
    with TestClient(create_app(store)) as client:
        page = client.get("/api/docs")
        assert page.status_code == 200
        assert "https://" not in page.text.split("<body>")[0]  # no CDN
        tags = re.findall(r"<script\b[^>]*>", page.text)
        assert tags and all(" src=" in tag for tag in tags), tags
        bundle = re.search(r'src="(/static-vendor/swagger-ui/[^"]+)"', page.text).group(1)
        assert client.get(bundle).status_code == 200
        assert client.get("/api/openapi.json").json()["paths"]


def test_plotly_rules_are_read_in_the_order_insert_rule_leaves_them() -> None:
    from hpgtwin.web.plotly_css import extract

    element_id = "ab" * 32
    bundle = ('var a={"X,X div":"margin:0;",Y:\'font-family:"Open Sans";\'};for(k in a)'
              'r=k.replace(/^,/," ,").replace(/X/g,".js-plotly-plot .plotly").replace(/Y/g,".plotly-notifier"),'
              's.addStyleRule(r,a[k]);'
              f'if(!document.getElementById("{element_id}")){{var e=document.createElement("style");'
              f"e.id=\"{element_id}\",e.textContent='.map{{font:12px}}'")
    css = extract(bundle)
    assert css.text.splitlines() == ['.plotly-notifier{font-family:"Open Sans";}',  # inserted last, so first
                                     ".js-plotly-plot .plotly,.js-plotly-plot .plotly div{margin:0;}",
                                     ".map{font:12px}"]
    assert css.injected_ids == (element_id,)
    with pytest.raises(ValueError, match="not found"):
        extract("var nothing={};")
