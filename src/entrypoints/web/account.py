"""Your account: change the password; failed sign-ins on the account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.middleware.rate_limit import get_remote_address
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Response, Template

from application.accounts.change_password import ChangePassword
from domain.account import MIN_PASSWORD_LENGTH
from domain.errors import DomainError
from domain.user import User
from entrypoints.http.deps import container_of, use_cases
from entrypoints.web.errors import Friendly, friendly
from entrypoints.web.session import WEB_USER, session_cookie
from entrypoints.web.views import notice_for


@dataclass(frozen=True, slots=True)
class PasswordForm:
    current_password: str = ""
    new_password: str = ""


class AccountPage(Controller):
    path = "/account"
    dependencies = {**WEB_USER, **use_cases("change_password")}

    @get("/", name="web-account")
    async def show(self, user: NamedDependency[User], done: FromQuery[str] = "") -> Template:
        return _page(user, notice=done)

    @post("/password", name="web-account-password")
    async def change_password(
        self,
        request: Request[Any, Any, Any],
        data: URLEncodedBody[PasswordForm],
        user: NamedDependency[User],
        state: State,
        change_password: NamedDependency[ChangePassword],
    ) -> Response[Any]:
        try:
            access = await change_password.execute(
                user.id,
                current_password=data.current_password,
                new_password=data.new_password,
                client=get_remote_address(request),
            )
        except DomainError as exc:
            return _page(user, error=friendly(exc))
        # Every other session ended; this one goes on with the fresh token.
        cookie = session_cookie(container_of(state).settings, access)
        return Redirect("/account?done=password", status_code=303, cookies=[cookie])


def _page(user: User, *, error: Friendly | None = None, notice: str = "") -> Template:
    context = {
        "user": user,
        "active": "account",
        "error": error,
        "notice": notice_for(notice),
        "min_password": MIN_PASSWORD_LENGTH,
    }
    return Template(
        template_name="account.html", context=context, status_code=error.status if error else 200
    )
