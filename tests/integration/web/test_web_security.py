"""Cookies, CSRF, CSP and the split between cookie pages and bearer APIs."""

from __future__ import annotations

import re
from dataclasses import replace
from http.cookies import SimpleCookie

import pytest
from litestar.security.jwt import Token

from entrypoints.settings import Environment
from entrypoints.web.security import CONTENT_SECURITY_POLICY
from tests.support.builders import JWT_SECRET, make_settings
from tests.support.constants import EMAIL, OPENAI_KEY, PASSWORD
from tests.support.site import Site, open_site

PAGES = ["/login", "/signup", "/models", "/usage"]


def cookie(response_header: str, name: str) -> SimpleCookie:
    jar = SimpleCookie()
    jar.load(response_header)
    assert name in jar, response_header
    return jar


def set_cookies(response: object) -> list[str]:
    return response.headers.get_list("set-cookie")  # type: ignore[attr-defined, no-any-return]


async def test_the_session_cookie_is_httponly_lax_and_not_readable_by_scripts(site: Site) -> None:
    response = await site.post("/signup", {"email": EMAIL, "password": PASSWORD})
    (header,) = [h for h in set_cookies(response) if h.startswith("byom_session=")]
    morsel = cookie(header, "byom_session")["byom_session"]
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "lax"
    assert morsel["path"] == "/"
    assert morsel["max-age"] == "3600"
    assert not morsel["secure"]  # plain-HTTP localhost in test and development
    # It is the API's own access token: same signer, same claims.
    token = Token.decode(morsel.value, JWT_SECRET, "HS256")
    assert token.sub == str(await site.user_id())


async def test_the_csrf_cookie_is_httponly_too(site: Site) -> None:
    response = await site.client.get("/login")
    (header,) = [h for h in set_cookies(response) if h.startswith("byom_csrf=")]
    morsel = cookie(header, "byom_csrf")["byom_csrf"]
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "lax"


async def test_outside_development_cookies_are_secure_and_host_prefixed() -> None:
    settings = replace(make_settings(), env=Environment.PRODUCTION)
    async for site in open_site(settings):
        login = await site.client.get("/login")
        csrf_header = next(h for h in set_cookies(login) if h.startswith("__Host-byom_csrf="))
        assert cookie(csrf_header, "__Host-byom_csrf")["__Host-byom_csrf"]["secure"] is True
        token = re.search(r'name="_csrf_token" value="([^"]+)"', login.text)
        assert token is not None
        response = await site.client.post(
            "/signup",
            data={"email": EMAIL, "password": PASSWORD, "_csrf_token": token.group(1)},
            # The Secure CSRF cookie is not sent over plain HTTP by the client: send it as a
            # browser on HTTPS would.
            headers={"cookie": f"__Host-byom_csrf={token.group(1)}"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        header = next(h for h in set_cookies(response) if h.startswith("__Host-byom_session="))
        morsel = cookie(header, "__Host-byom_session")["__Host-byom_session"]
        assert morsel["secure"] is True
        assert morsel["httponly"] is True
        assert morsel["path"] == "/"
        assert not morsel["domain"]


@pytest.mark.parametrize("path", ["/login", "/signup", "/logout"])
async def test_a_form_post_without_the_csrf_token_is_refused(site: Site, path: str) -> None:
    await site.client.get("/login")  # the browser holds a CSRF cookie, the form lacks the token
    response = await site.post(path, {"email": EMAIL, "password": PASSWORD}, csrf=False)
    assert response.status_code == 403
    assert "This form could not be verified" in response.text
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert site.world.db.users == {}


async def test_a_signed_in_users_cookie_alone_cannot_change_anything(signed_in: Site) -> None:
    forged = "0" * 64 + "f" * 64  # well-formed, not signed with our secret
    attempts = [
        ({"provider": "openai", "api_key": OPENAI_KEY}, {}),
        ({"provider": "openai", "api_key": OPENAI_KEY, "_csrf_token": forged}, {}),
        ({"provider": "openai", "api_key": OPENAI_KEY}, {"x-csrftoken": "nonsense"}),
    ]
    for data, headers in attempts:
        response = await signed_in.client.post(
            "/models", data=data, headers=headers, follow_redirects=False
        )
        assert response.status_code == 403
        assert OPENAI_KEY not in response.text
    assert signed_in.world.db.credentials == {}
    assert signed_in.world.providers.calls == 0


async def test_the_bearer_api_needs_no_csrf_token_and_ignores_the_session_cookie(
    signed_in: Site,
) -> None:
    client = signed_in.client
    # Signed in on the pages: the cookie does not authenticate the JSON API.
    assert (await client.get("/api/v1/users/me")).status_code == 401
    login = await client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert login.status_code == 200
    bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
    created = await client.post(
        "/api/v1/users/me/llm-credentials",
        json={"provider": "openai", "api_key": OPENAI_KEY},
        headers=bearer,
    )
    assert created.status_code == 201, created.text
    assert (await client.get("/api/v1/users/me", headers=bearer)).status_code == 200


async def test_pages_ignore_bearer_tokens(site: Site) -> None:
    await site.client.post("/api/v1/auth/signup", json={"email": EMAIL, "password": PASSWORD})
    login = await site.client.post(
        "/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD}
    )
    bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
    response = await site.client.get("/models", headers=bearer, follow_redirects=False)
    assert response.status_code == 303


async def test_a_forged_or_stale_session_cookie_leads_to_the_login_page(site: Site) -> None:
    site.client.cookies.set("byom_session", "not-a-jwt")
    response = await site.client.get("/models", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fmodels&done=expired"
    assert any(h.startswith('byom_session=""') for h in set_cookies(response))


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_has_a_strict_content_security_policy(signed_in: Site, path: str) -> None:
    if path in ("/login", "/signup"):
        await signed_in.post("/logout", {})
    response = await signed_in.client.get(path)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", PAGES)
async def test_pages_carry_no_inline_script_or_style(signed_in: Site, path: str) -> None:
    if path in ("/login", "/signup"):
        await signed_in.post("/logout", {})
    html = (await signed_in.client.get(path)).text
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    for attributes, body in scripts:
        assert re.search(r'src="/static/[\w.-]+\.js"', attributes), attributes
        assert body.strip() == ""
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert not re.search(r'(src|href)="(https?:)?//', html), "nothing from another origin"
    assert "hx-on" not in html


async def test_vendored_assets_are_served_from_the_package(site: Site) -> None:
    htmx = await site.client.get("/static/htmx.min.js")
    assert htmx.status_code == 200
    assert "javascript" in htmx.headers["content-type"]
    assert htmx.text.startswith("var htmx=")
    css = await site.client.get("/static/byom.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert css.headers["x-content-type-options"] == "nosniff"


async def test_the_api_and_its_docs_do_not_get_the_page_policy(site: Site) -> None:
    for path in ("/health/live", "/schema/openapi.json"):
        response = await site.client.get(path)
        assert response.status_code == 200
        assert "content-security-policy" not in response.headers
    # The settings page is not an API path (the gateway's /v1/models is, hence no substring test).
    assert "/models" not in (await site.client.get("/schema/openapi.json")).json()["paths"]


async def test_login_attempts_on_the_page_are_rate_limited() -> None:
    async for site in open_site(make_settings(login_rate_per_minute=2)):
        for _ in range(2):
            response = await site.post("/login", {"email": EMAIL, "password": "wrong password!"})
            assert response.status_code == 401
        limited = await site.post("/login", {"email": EMAIL, "password": "wrong password!"})
        assert limited.status_code == 429
        assert "Too many attempts" in limited.text
        assert "retry-after" in limited.headers
