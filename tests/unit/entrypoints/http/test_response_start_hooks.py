"""The app's ``before_send`` hooks run once per response, on its start, not on every chunk of a
stream: what they write reaches the response, and a streamed body's pieces pass them by."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar import get
from litestar.datastructures import MutableScopeHeaders
from litestar.response import Stream
from litestar.testing import AsyncTestClient
from litestar.types import Message, Scope

from entrypoints.http.app import create_app
from entrypoints.http.framework import ByomLitestar
from tests.support.builders import make_settings, memory_world


def recording_app(seen: list[str]) -> ByomLitestar:
    async def hook(message: Message, scope: Scope) -> None:
        seen.append(message["type"])
        if message["type"] == "http.response.start":
            MutableScopeHeaders.from_message(message)["x-hooked"] = str(len(seen))

    async def pieces() -> AsyncIterator[bytes]:
        for piece in (b"one ", b"two ", b"three"):
            yield piece

    @get("/stream", sync_to_thread=False)
    def stream() -> Stream:
        return Stream(pieces())

    @get("/json", sync_to_thread=False)
    def answer() -> dict[str, int]:
        return {"n": 1}

    return ByomLitestar([stream, answer], before_send=[hook])


async def test_a_streamed_response_passes_its_hooks_once() -> None:
    seen: list[str] = []
    async with AsyncTestClient(recording_app(seen)) as client:
        response = await client.get("/stream")
    assert response.text == "one two three"
    assert response.headers["x-hooked"] == "1"
    assert seen == ["http.response.start"]


async def test_every_response_passes_its_hooks_on_its_start() -> None:
    seen: list[str] = []
    async with AsyncTestClient(recording_app(seen)) as client:
        first = await client.get("/json")
        missing = await client.get("/nowhere")  # a 404 never reaches a route: hooked too
    assert first.json() == {"n": 1}
    assert (first.headers["x-hooked"], missing.headers["x-hooked"]) == ("1", "2")
    assert missing.status_code == 404
    assert seen == ["http.response.start", "http.response.start"]


@pytest.mark.parametrize(
    "message",
    [{"type": "http.response.body", "body": b"x", "more_body": True}, {"type": "http.disconnect"}],
)
async def test_the_app_s_own_hooks_act_on_a_response_s_start_only(
    message: Any, tmp_path: Path
) -> None:
    """What the override skips must be nothing: a hook that acts on other messages would
    silently never run (register it as middleware instead)."""
    world = memory_world()
    app = create_app(make_settings(var_dir=tmp_path), build_container=lambda _: world.container)
    scope: Any = {"type": "http", "path": "/v1/chat/completions", "method": "POST", "state": {}}
    untouched = copy.deepcopy(message)

    for hook in app.before_send:
        await hook(message, scope)

    assert message == untouched
    assert scope == {"type": "http", "path": "/v1/chat/completions", "method": "POST", "state": {}}
    assert len(app.before_send) >= 4  # the rate headers, finish_response, the pages', the docs'
