"""OpenAI-compatible stand-ins on 127.0.0.1 (real sockets) for the outbound-fairness tests: one
whose streams send a first chunk and then go quiet (optionally pinging with SSE comments) until
the server closes, and a quick one."""

from __future__ import annotations

import asyncio
import json
import secrets
from uuid import UUID

from entrypoints.bootstrap import Container
from tests.support.llm_local_server import Handler, LocalServer, SeenRequest, response_bytes
from tests.support.wire import openai

MODEL = "llama3"
MODELS = json.dumps(openai.models((MODEL, "library"))).encode()
COMPLETION = json.dumps(openai.completion("Quick answer.", tokens=(5, 2), model=MODEL)).encode()
# The role, then one piece of text; the rest never comes.
OPENING = "".join(f"{e}\n\n" for e in openai.stream(["Thinking"], model=MODEL, complete=False))


def stalling(ping_every: float | None = None) -> Handler:
    """Models at once; a stream's head and first chunk, then nothing (or only comments) until
    the server closes the connection."""

    async def handler(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
        if request.method == "GET":
            writer.write(response_bytes(200, MODELS))
            await writer.drain()
            return
        head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n"
        writer.write(head.encode() + OPENING.encode())
        await writer.drain()
        if ping_every is None:
            await asyncio.Event().wait()
            return
        while True:
            await asyncio.sleep(ping_every)
            writer.write(b": still thinking\n\n")
            await writer.drain()

    return handler


async def quick(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
    """Models, or a whole (non-streamed) completion, at once."""
    writer.write(response_bytes(200, MODELS if request.method == "GET" else COMPLETION))
    await writer.drain()


async def user_of(container: Container, server: LocalServer, email: str | None = None) -> UUID:
    """A new user whose one key is an OpenAI-compatible credential on ``server``."""
    user = await container.register_user.execute(
        email=email or f"{secrets.token_hex(6)}@example.com", password=secrets.token_urlsafe(16)
    )
    await container.add_credential.execute(
        user.id,
        provider="openai_compatible",
        api_key="sk-local-0123456789abcdef",
        base_url=f"{server.url}/v1",
        model_name=MODEL,
    )
    return user.id
