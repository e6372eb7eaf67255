"""Dependency providers: controllers receive use cases from the container built in bootstrap."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast, get_type_hints
from uuid import UUID

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from domain.user import User
from entrypoints.bootstrap.container import Container
from entrypoints.http.draining import Draining

# The container's fields and their types, resolved once: a controller naming a field that does
# not exist fails when its module is imported (at start-up), not on its first request.
_FIELDS: dict[str, Any] = get_type_hints(Container)


def container_of(state: State) -> Container:
    return cast("Container", state.container)


def draining_of(state: State) -> Draining:
    return cast("Draining", state.draining)


def use_case(name: str) -> Provide:
    """Provide the container's field ``name`` (a use case) to the handler parameter of that name;
    the provider is annotated with the field's type."""
    if name not in _FIELDS:
        raise LookupError(f"the Container has no field {name!r}")

    def provide(state: State) -> object:
        return getattr(container_of(state), name)

    provide.__annotations__ = {"state": State, "return": _FIELDS[name]}
    return Provide(provide, sync_to_thread=False)


def use_cases(*names: str) -> dict[str, Provide]:
    return {name: use_case(name) for name in names}


def provide_user_id(request: Request[User, Any, Any]) -> UUID:
    return request.user.id


def provide_current_user(request: Request[User, Any, Any]) -> User:
    return request.user


def provide_now(state: State) -> datetime:
    """The container's clock (tests move it), for answers that depend on the time."""
    return container_of(state).clock.now()


NOW = {"now": Provide(provide_now, sync_to_thread=False)}

CURRENT_USER = {
    "user_id": Provide(provide_user_id, sync_to_thread=False),
    "current_user": Provide(provide_current_user, sync_to_thread=False),
}
