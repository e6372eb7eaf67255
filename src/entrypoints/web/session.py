"""Who is signed in: the API's access token, carried in an HttpOnly cookie."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from litestar import Request, Response
from litestar.datastructures import Cookie, State
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException

from application.accounts.authenticate_user import AccessToken
from domain.errors import UserNotFound
from domain.user import User
from entrypoints.http.access_tokens import AccessTokenClaims, decode_access_token
from entrypoints.http.deps import container_of
from entrypoints.settings import Settings
from entrypoints.web.security import CookiePolicy

HOME = "/models"
# Where a login may send the user back to: our own pages only (no open redirect).
_SAFE_NEXT = re.compile(r"/(models|usage)(/[A-Za-z0-9/_-]*)?")


class LoginRequired(Exception):
    """No valid session cookie: the page answers with a redirect to the login page."""

    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("login required")
        self.expired = expired


def session_cookie(settings: Settings, access: AccessToken) -> Cookie:
    policy = CookiePolicy.of(settings)
    return Cookie(
        key=policy.session_cookie,
        value=access.token,
        path="/",
        max_age=access.expires_in,
        secure=policy.secure,
        httponly=True,
        samesite="lax",
    )


def forget_session(response: Response[Any], settings: Settings) -> None:
    response.delete_cookie(CookiePolicy.of(settings).session_cookie, path="/")


def _session_token(request: Request[Any, Any, Any]) -> AccessTokenClaims | None:
    settings = container_of(request.app.state).settings
    raw = request.cookies.get(CookiePolicy.of(settings).session_cookie)
    if not raw:
        return None
    try:
        return decode_access_token(raw, settings.auth.jwt_secret)
    except NotAuthorizedException:
        return None


def session_subject(request: Request[Any, Any, Any]) -> str | None:
    """The user id in a well-signed session cookie, revoked or not: good enough to name a
    rate-limit bucket, never to sign anyone in (``signed_in_user_id`` does that)."""
    token = _session_token(request)
    return None if token is None else token.sub


async def signed_in_user_id(request: Request[Any, Any, Any]) -> UUID | None:
    """The user of a valid, unrevoked session cookie, without touching the database."""
    token = _session_token(request)
    if token is None:
        return None
    try:
        user_id = UUID(token.sub)
    except ValueError:
        return None
    revocations = container_of(request.app.state).session_revocations
    return None if await token.is_revoked(revocations, user_id) else user_id


async def provide_web_user(request: Request[Any, Any, Any], state: State) -> User:
    user_id = await signed_in_user_id(request)
    if user_id is None:
        has_cookie = CookiePolicy.of(container_of(state).settings).session_cookie in request.cookies
        raise LoginRequired(expired=has_cookie)
    try:
        return await container_of(state).get_user.execute(user_id)
    except UserNotFound:
        raise LoginRequired() from None


def safe_next(raw: str | None) -> str:
    # fullmatch: `$` would also accept a trailing newline.
    return raw if raw and _SAFE_NEXT.fullmatch(raw) else HOME


WEB_USER = {"user": Provide(provide_web_user)}
