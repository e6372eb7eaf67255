"""Request ids, access logs without secrets, and no caching of API answers.

The headers and the access log line are written in a ``before_send`` hook, not in middleware:
Litestar's app-level hook also sees responses that never reach route middleware (404 for an
unknown path, 401 raised by the authentication middleware).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from functools import partial
from typing import Any, cast

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from application.audit import RequestOrigin, serving
from entrypoints.logging_setup import request_id_var

REQUEST_ID_HEADER = "x-request-id"
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Two years, subdomains included (the HSTS preload list's minimum); not preloaded: that is
# the operator's choice for their domain.
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"
_ID_KEY = "byom.request_id"
_START_KEY = "byom.started"

access_log = logging.getLogger("byom.access")


class RequestContextMiddleware:
    """Gives the request its id (the client's if it is a sane token) and starts the clock."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            token = request_id_var.set(request_id_of(scope))
            try:
                await self.app(scope, receive, send)
            finally:
                request_id_var.reset(token)
        else:
            await self.app(scope, receive, send)


class RequestOriginMiddleware:
    """Hands the request id and the client's address to the use cases, for the audit trail.
    The address is the one Litestar reports (``scope["client"]``, as ``get_remote_address``
    reads it), taken innermost among the app's middleware so whatever rewrites it before
    (a proxy-headers middleware) is honoured; X-Forwarded-For is never parsed here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        origin = RequestOrigin(request_id_of(scope), client[0] if client else None)
        with serving(origin):
            await self.app(scope, receive, send)


def request_id_of(scope: Scope) -> str:
    state = cast("dict[str, Any]", scope)
    if _ID_KEY not in state:
        state[_ID_KEY] = _incoming_id(scope) or uuid.uuid4().hex
        state[_START_KEY] = time.perf_counter()
    return cast("str", state[_ID_KEY])


async def finish_response(message: Message, scope: Scope) -> None:
    """- every response carries ``X-Request-ID``;
    - one access log line per request: method, path, status, duration; never headers, query
      strings or bodies (they carry tokens and keys);
    - API answers are ``Cache-Control: no-store``: they describe secrets."""
    if message["type"] != "http.response.start" or scope["type"] != ScopeType.HTTP:
        return
    request_id = request_id_of(scope)
    headers = MutableScopeHeaders.from_message(message)
    headers[REQUEST_ID_HEADER] = request_id
    path = scope.get("path", "")
    if path.startswith(("/api/", "/v1/")):
        headers["cache-control"] = "no-store"
    started = cast("dict[str, Any]", scope)[_START_KEY]
    line = partial(
        access_log.info,
        "%s %s %s %.1fms",
        scope.get("method", "-"),
        path,
        message["status"],
        (time.perf_counter() - started) * 1000,
        extra={"request_id": request_id, "status": message["status"]},
    )
    # Written once the answer has left (this hook runs before its head is sent): formatting
    # it and its system call were on every sequential call's way out (issue 15).
    asyncio.get_running_loop().call_soon(line)


async def strict_transport_security(message: Message, scope: Scope) -> None:
    """Production only: browsers then refuse plain http to this host, for every response."""
    if message["type"] == "http.response.start" and scope["type"] == ScopeType.HTTP:
        MutableScopeHeaders.from_message(message)["strict-transport-security"] = (
            STRICT_TRANSPORT_SECURITY
        )


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _SAFE_ID.fullmatch(text) else None
    return None
