"""Sign up, log in, log out, change the password, and who am I."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.middleware.rate_limit import get_remote_address
from litestar.params import JSONBody

from application.accounts.authenticate_user import AccessToken, AuthenticateUser
from application.accounts.change_password import ChangePassword
from application.accounts.delete_account import DeleteAccount
from application.accounts.log_out import LogOut
from application.accounts.register_user import RegisterUser
from domain.user import User
from entrypoints.http.deps import CURRENT_USER, use_cases
from entrypoints.http.openapi import PublicOperation, problem_responses

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
# Longer than any password we accept (1024), short enough to refuse a 10 MB body cheaply.
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    current_password: Password
    new_password: Password


class FailedLoginsOut(msgspec.Struct):
    """Failed logins on the account, by anyone: the last one's network is an address prefix."""

    count: int
    last_at: datetime
    last_from: str


class UserOut(msgspec.Struct):
    id: UUID
    email: str
    created_at: datetime
    failed_logins: FailedLoginsOut | None = None

    @classmethod
    def of(cls, user: User) -> UserOut:
        failures = user.login_failures
        record = (
            None
            if failures is None
            else FailedLoginsOut(failures.count, failures.last_at, failures.last_from)
        )
        return cls(user.id, user.email, user.created_at, record)


class TokenOut(msgspec.Struct):
    access_token: str
    expires_in: int
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a scheme name, not a secret)

    @classmethod
    def of(cls, access: AccessToken) -> TokenOut:
        return cls(access.token, access.expires_in)


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["Accounts"]
    dependencies = {**CURRENT_USER, **use_cases("register_user", "authenticate_user", "log_out")}

    @post(
        "/signup",
        operation_id="SignUp",
        responses=problem_responses(409, 422, 429),
        opt={"exclude_from_auth": True},
        operation_class=PublicOperation,
    )
    async def signup(
        self, data: JSONBody[Credentials], register_user: NamedDependency[RegisterUser]
    ) -> UserOut:
        return UserOut.of(await register_user.execute(email=data.email, password=data.password))

    @post(
        "/login",
        operation_id="LogIn",
        status_code=200,
        responses=problem_responses(401, 422, 429),
        summary="Exchange email and password for a bearer access token",
        opt={"exclude_from_auth": True},
        operation_class=PublicOperation,
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[Credentials],
        authenticate_user: NamedDependency[AuthenticateUser],
    ) -> TokenOut:
        client = get_remote_address(request)
        return TokenOut.of(
            await authenticate_user.execute(email=data.email, password=data.password, client=client)
        )

    @post(
        "/logout",
        operation_id="LogOut",
        status_code=204,
        responses=problem_responses(),
        summary="End every session: all access tokens issued to you so far stop working",
    )
    async def logout(
        self, user_id: NamedDependency[UUID], log_out: NamedDependency[LogOut]
    ) -> None:
        await log_out.execute(user_id)


class UserController(Controller):
    path = "/api/v1/users/me"
    tags = ["Accounts"]
    dependencies = {**CURRENT_USER, **use_cases("delete_account", "change_password")}

    @get("/", operation_id="GetMe")
    async def me(self, current_user: NamedDependency[User]) -> UserOut:
        return UserOut.of(current_user)

    @put(
        "/password",
        operation_id="ChangePassword",
        responses=problem_responses(403, 422, 429),
        summary="Change the password: older tokens are revoked, a fresh one is returned",
    )
    async def change_password(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[PasswordChange],
        user_id: NamedDependency[UUID],
        change_password: NamedDependency[ChangePassword],
    ) -> TokenOut:
        return TokenOut.of(
            await change_password.execute(
                user_id,
                current_password=data.current_password,
                new_password=data.new_password,
                client=get_remote_address(request),
            )
        )

    @delete(
        "/",
        operation_id="DeleteMe",
        summary="Close the account: keys revoked and their data key destroyed (crypto-shredding)",
    )
    async def delete_me(
        self, current_user: NamedDependency[User], delete_account: NamedDependency[DeleteAccount]
    ) -> None:
        await delete_account.execute(current_user.id)
