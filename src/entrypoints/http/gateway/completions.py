"""The OpenAI-compatible gateway: ``POST /v1/chat/completions`` and ``GET /v1/models``.

Authenticated by a gateway token (``Authorization: Bearer byom_...``), not by an access token;
every error is in OpenAI's shape (``{"error": {"message", "type", "param", "code"}}``) with the
status OpenAI would use, so the official SDKs raise their usual exception classes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import FromPath, JSONBody
from litestar.plugins.problem_details import ProblemDetailsException

from application.gateway.list_gateway_models import GatewayModel
from application.gateway.relay_completion import AnsweredStream, Recording
from domain.errors import DomainError
from domain.gateway_token import GatewayToken
from entrypoints.bootstrap.container import Container
from entrypoints.http.deps import container_of, draining_of
from entrypoints.http.draining import Draining
from entrypoints.http.gateway import wire
from entrypoints.http.gateway.caller import admit, provide_gateway_token
from entrypoints.http.gateway.errors import (
    BadRequest,
    UnknownModel,
    error_body,
    openai_error_response,
)
from entrypoints.http.gateway.openapi import (
    CHAT_COMPLETION_ERRORS,
    MODEL_ERRORS,
    MODELS_ERRORS,
    ChatCompletionOperation,
)
from entrypoints.http.gateway.replies import ChunkWriter, completion
from entrypoints.http.gateway.translate import relay_request
from entrypoints.http.lean_stream import AfterStream, FinalChunk, LeanStream
from entrypoints.http.openapi import GATEWAY_SECURITY

logger = logging.getLogger("byom.gateway")

EVENT_STREAM = "text/event-stream"
# Agents send whole conversations: more than the app-wide limit meant for small JSON bodies.
GATEWAY_BODY_LIMIT = 4 * 1024 * 1024
_RECORDED = "byom.usage_recorded"


async def _recorded(request: Request[Any, Any, State]) -> None:
    """After the answer was sent, in the request's own task: the request ends once its usage
    row is committed, so a server stopping waits for the row like for any request, and a
    test client that awaits the app reads it back."""
    await _committed(request.state.get(_RECORDED))


async def _committed(recorded: Recording | None) -> None:
    if recorded is not None:
        # A failure was logged where it happened (``RelayCompletion``); the answer is out.
        with contextlib.suppress(Exception):
            await asyncio.shield(recorded)


class OpenAiGatewayController(Controller):
    path = "/v1"
    tags = ["OpenAI-compatible gateway"]
    security = GATEWAY_SECURITY
    # One dependency only: Litestar resolves two or more of one level concurrently, in an anyio
    # task group per request (about 50 µs of CPU per call, tests/bench/profile_http_layer.py);
    # the use cases are read from the container instead (``_use_cases``).
    dependencies = {"gateway_token": Provide(provide_gateway_token)}
    exception_handlers = {
        BadRequest: lambda request, exc: openai_error_response(exc),
        DomainError: lambda request, exc: openai_error_response(exc),
        ValidationException: lambda request, exc: openai_error_response(exc),
        ProblemDetailsException: lambda request, exc: openai_error_response(exc),
        HTTPException: lambda request, exc: openai_error_response(exc),
        # As specific as the app's own RecursionError handler, so /v1 keeps OpenAI's shape.
        RecursionError: lambda request, exc: openai_error_response(exc),
        UnicodeDecodeError: lambda request, exc: openai_error_response(exc),
        Exception: lambda request, exc: openai_error_response(exc),
    }

    @post(
        "/chat/completions",
        operation_id="CreateChatCompletion",
        summary="OpenAI Chat Completions on the caller's own provider (stream: true for SSE)",
        status_code=200,
        request_max_body_size=GATEWAY_BODY_LIMIT,
        operation_class=ChatCompletionOperation,
        responses=CHAT_COMPLETION_ERRORS,
        after_response=_recorded,
    )
    async def chat_completions(
        self,
        request: Request[Any, Any, State],
        data: JSONBody[wire.ChatCompletionIn],
        gateway_token: NamedDependency[GatewayToken],
    ) -> wire.ChatCompletionOut | LeanStream:
        container = _use_cases(request)
        relay_completion = container.relay_completion
        call = relay_request(data)
        await admit(request, container.admit_gateway_call, gateway_token, call)
        gateway_user_id = gateway_token.user_id
        id_ = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        if not data.stream:
            relayed, recorded = await relay_completion.answer(
                gateway_user_id, call, token=gateway_token
            )
            request.state[_RECORDED] = recorded  # awaited once the answer is out (_recorded)
            return completion(relayed.completion, id_=id_, created=created, model=data.model)
        stream = relay_completion.answer_stream(gateway_user_id, call, token=gateway_token)
        await stream.start()
        include_usage = bool(data.stream_options and data.stream_options.include_usage)
        writer = ChunkWriter(
            id_=id_, created=created, model=data.model, include_usage=include_usage
        )
        return LeanStream(
            openai_events(stream, writer, draining_of(request.app.state)),
            headers={"content-type": EVENT_STREAM, "cache-control": "no-store"},
            background=AfterStream(stream.aclose),
        )

    @get(
        "/models",
        operation_id="ListGatewayModels",
        summary="Models the caller's keys can reach (each provider's own list, kept briefly)",
        responses=MODELS_ERRORS,
    )
    async def models(
        self, request: Request[Any, Any, State], gateway_token: NamedDependency[GatewayToken]
    ) -> wire.ModelListOut:
        found = await _use_cases(request).list_models_for_token.execute(gateway_token)
        return wire.ModelListOut([_model_out(m) for m in found])

    @get(
        "/models/{model_id:path}",
        operation_id="RetrieveGatewayModel",
        summary="One model the caller can reach (ids may hold '/')",
        responses=MODEL_ERRORS,
    )
    async def model(
        self,
        request: Request[Any, Any, State],
        model_id: FromPath[str],
        gateway_token: NamedDependency[GatewayToken],
    ) -> wire.GatewayModelOut:
        wanted = model_id.lstrip("/")
        for m in await _use_cases(request).list_models_for_token.execute(gateway_token):
            if m.id == wanted:
                return _model_out(m)
        raise UnknownModel(
            f"The model {wanted!r} does not exist or you do not have access to it.", "model"
        )


def _use_cases(request: Request[Any, Any, State]) -> Container:
    return container_of(request.app.state)


def _model_out(m: GatewayModel) -> wire.GatewayModelOut:
    known = m.known
    price = known.price if known else None
    return wire.GatewayModelOut(
        m.id,
        m.provider.value,
        provider=m.provider.value,
        paid_by=m.paid_by.value,
        credential_id=m.credential_id,
        live=m.live,
        context_window=known.context_window if known else None,
        max_output_tokens=known.max_output_tokens if known else None,
        input_usd_per_mtok=price.input_per_mtok if price else None,
        output_usd_per_mtok=price.output_per_mtok if price else None,
    )


async def openai_events(
    stream: AnsweredStream, writer: ChunkWriter, draining: Draining
) -> AsyncIterator[bytes]:
    """OpenAI's SSE: ``data: {chunk}`` lines, then ``data: [DONE]``; a failure mid-stream is a
    ``data: {"error": ...}`` line (the SDKs raise it) and no ``[DONE]``. So is the end of the
    instance's shutdown grace (``ServiceStopping``, 503): what arrived is recorded as usage.

    Lines that are ready together leave as one piece: the role line with the first chunk (read
    before the response began, so it waits for nothing), and the finish, usage and ``[DONE]``
    lines with the end of the body (``FinalChunk``), which waits for no commit."""
    head: bytes | None = _data(writer.role())
    try:
        finish = None
        reported = None
        try:
            async for chunk in draining.until_over(stream.chunks()):
                content = writer.content(chunk)
                if head is not None:
                    yield head if content is None else head + _data(content)
                    head = None
                elif content is not None:
                    yield _data(content)
                if chunk.is_final:
                    finish, reported = chunk.finish_reason, chunk.usage
            # The usage row is queued here and committed once the end is out, as a JSON
            # answer's is: a commit that fails then is logged (``RelayCompletion``).
            await stream.finish()
        except DomainError as exc:
            with contextlib.suppress(DomainError):
                await stream.finish()
            yield FinalChunk((head or b"") + _data(error_body(exc)[1]))
            return
        tail = (head or b"") + _data(writer.finish(finish))
        if (usage := writer.usage(reported)) is not None:
            tail += _data(usage)
        yield FinalChunk(tail + b"data: [DONE]\n\n")
    finally:
        kept = None
        # The client went away: record what the provider reported, if it did.
        with contextlib.suppress(DomainError):
            kept = await stream.finish()
        # The end is out (or the client gone): the request lasts until its row is committed.
        await _committed(kept[1] if kept else None)


def _data(payload: object) -> bytes:
    return b"data: " + msgspec.json.encode(payload) + b"\n\n"
