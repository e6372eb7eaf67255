"""Cookies, CSRF and security headers for the pages.

- the session is the API's own JWT, kept in an HttpOnly, SameSite=Lax cookie that is Secure
  (and ``__Host-`` prefixed) outside development and test;
- every unsafe request to a page carries Litestar's double-submit CSRF token; the bearer and
  gateway APIs are excluded because no cookie ever authenticates them;
- pages get a Content-Security-Policy that allows scripts and styles from this origin only:
  no inline script, no inline style, no eval (htmx is configured not to need any).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, cast

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from entrypoints.settings import Environment, Settings

# Route option that marks a handler as part of the pages (set on the page and static routers).
WEB_OPT = "byom_web_page"

# Not cookie-authenticated, so CSRF does not apply (and JSON clients could not send the token).
CSRF_EXCLUDED = ["^/api/", "^/v1/", "^/health", "^/schema", "^/metrics"]
CSRF_FIELD = "_csrf_token"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
PAGE_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


@dataclass(frozen=True, slots=True)
class CookiePolicy:
    """Names and flags of the page cookies for one deployment."""

    secure: bool
    session_cookie: str
    csrf_cookie: str

    @classmethod
    def of(cls, settings: Settings) -> CookiePolicy:
        # Plain-HTTP localhost cannot keep Secure cookies; everywhere else they must be Secure.
        secure = settings.env not in (Environment.DEVELOPMENT, Environment.TEST)
        prefix = "__Host-" if secure else ""
        return cls(secure, f"{prefix}byom_session", f"{prefix}byom_csrf")


def csrf_config(settings: Settings) -> CSRFConfig:
    policy = CookiePolicy.of(settings)
    return CSRFConfig(
        secret=csrf_secret(settings.auth.jwt_secret),
        cookie_name=policy.csrf_cookie,
        cookie_secure=policy.secure,
        cookie_httponly=True,
        cookie_samesite="lax",
        exclude=CSRF_EXCLUDED,
    )


def csrf_secret(jwt_secret: str) -> str:
    """A key of its own for CSRF tokens, derived so no second secret must be configured:
    knowing a CSRF token signature tells nothing about the token-signing key."""
    return hmac.new(jwt_secret.encode(), b"byom:csrf-token:v1", hashlib.sha256).hexdigest()


async def page_security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: also reaches error responses (CSRF failure, rate limit)."""
    if message["type"] != "http.response.start":
        return
    handler = cast("dict[str, Any]", scope).get("route_handler")
    if handler is None or not handler.opt.get(WEB_OPT):
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in PAGE_HEADERS.items():
        headers[name] = value
    if not scope.get("path", "").startswith("/static/"):
        # Pages describe a user's keys: never store them in shared or browser caches.
        headers["cache-control"] = "no-store"
