"""Where the action being served came from: the request id and the client's address, for the
audit trail (``CredentialEvent``). The HTTP entrypoint sets it around each request; anything
else (the in-process facade, the CLI) leaves it unset, and events then carry neither."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequestOrigin:
    request_id: str | None = None
    client_address: str | None = None


_NOWHERE = RequestOrigin()
_current: ContextVar[RequestOrigin] = ContextVar("request_origin", default=_NOWHERE)


def current_origin() -> RequestOrigin:
    return _current.get()


@contextmanager
def serving(origin: RequestOrigin) -> Iterator[None]:
    """The origin of what runs inside, restored after (a context variable: each request's
    task sees its own)."""
    token = _current.set(origin)
    try:
        yield
    finally:
        _current.reset(token)
