"""Dependency providers: controllers receive use cases from the container built in bootstrap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from domain.user import User

if TYPE_CHECKING:
    from entrypoints.bootstrap import Container


def container_of(state: State) -> Container:
    return cast("Container", state.container)


def use_case(name: str) -> Provide:
    """Provide the container's attribute ``name`` (a use case) to a handler parameter."""

    def provide(state: State) -> Any:
        return getattr(container_of(state), name)

    return Provide(provide, sync_to_thread=False)


def use_cases(*names: str) -> dict[str, Provide]:
    return {name: use_case(name) for name in names}


def provide_user_id(request: Request[User, Any, Any]) -> UUID:
    return request.user.id


def provide_current_user(request: Request[User, Any, Any]) -> User:
    return request.user


CURRENT_USER = {
    "user_id": Provide(provide_user_id, sync_to_thread=False),
    "current_user": Provide(provide_current_user, sync_to_thread=False),
}
