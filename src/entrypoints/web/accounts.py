"""Sign up, log in, log out. A successful login stores the API's access token in a cookie."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.middleware.rate_limit import get_remote_address
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Response, Template

from application.accounts.authenticate_user import AuthenticateUser
from application.accounts.log_out import LogOut
from application.accounts.register_user import RegisterUser
from domain.account import MIN_PASSWORD_LENGTH
from domain.errors import DomainError
from entrypoints.http.deps import container_of, use_cases
from entrypoints.web.errors import Friendly, friendly
from entrypoints.web.forms import AccountForm
from entrypoints.web.session import (
    HOME,
    forget_session,
    safe_next,
    session_cookie,
    signed_in_user_id,
)
from entrypoints.web.views import Notice, notice_for


class AccountPages(Controller):
    dependencies = use_cases("register_user", "authenticate_user", "log_out")

    @get("/", name="web-home")
    async def home(self, request: Request[Any, Any, Any]) -> Redirect:
        signed_in = await signed_in_user_id(request)
        return Redirect(HOME if signed_in else "/login", status_code=303)

    @get("/login", name="web-login")
    async def login_page(
        self, request: Request[Any, Any, Any], next: FromQuery[str] = "", done: FromQuery[str] = ""
    ) -> Response[Any]:
        if await signed_in_user_id(request):
            return Redirect(safe_next(next), status_code=303)
        return _account_page("login.html", AccountForm(next=next), notice=notice_for(done))

    @post("/login", name="web-login-post")
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: URLEncodedBody[AccountForm],
        state: State,
        authenticate_user: NamedDependency[AuthenticateUser],
    ) -> Response[Any]:
        try:
            access = await authenticate_user.execute(
                email=data.email, password=data.password, client=get_remote_address(request)
            )
        except DomainError as exc:
            return _account_page("login.html", data, error=friendly(exc))
        settings = container_of(state).settings
        return Redirect(
            safe_next(data.next), status_code=303, cookies=[session_cookie(settings, access)]
        )

    @get("/signup", name="web-signup")
    async def signup_page(self) -> Template:
        return _account_page("signup.html", AccountForm())

    @post("/signup", name="web-signup-post")
    async def signup(
        self,
        request: Request[Any, Any, Any],
        data: URLEncodedBody[AccountForm],
        state: State,
        register_user: NamedDependency[RegisterUser],
        authenticate_user: NamedDependency[AuthenticateUser],
    ) -> Response[Any]:
        try:
            await register_user.execute(email=data.email, password=data.password)
            access = await authenticate_user.execute(
                email=data.email, password=data.password, client=get_remote_address(request)
            )
        except DomainError as exc:
            return _account_page("signup.html", data, error=friendly(exc))
        settings = container_of(state).settings
        return Redirect(
            "/models?done=welcome", status_code=303, cookies=[session_cookie(settings, access)]
        )

    @post("/logout", name="web-logout")
    async def logout(
        self, request: Request[Any, Any, Any], state: State, log_out: NamedDependency[LogOut]
    ) -> Redirect:
        user_id = await signed_in_user_id(request)
        if user_id is not None:
            await log_out.execute(user_id)  # a copy of the cookie must not outlive the logout
        response = Redirect("/login?done=logged_out", status_code=303)
        forget_session(response, container_of(state).settings)
        return response


def _account_page(
    template: str,
    form: AccountForm,
    *,
    error: Friendly | None = None,
    notice: Notice | None = None,
) -> Template:
    context = {
        # The password is never sent back, not even after a failed attempt.
        "email": form.email.strip(),
        "next": safe_next(form.next) if form.next else "",
        "error": error,
        "notice": notice,
        "min_password": MIN_PASSWORD_LENGTH,
    }
    return Template(
        template_name=template, context=context, status_code=error.status if error else 200
    )
