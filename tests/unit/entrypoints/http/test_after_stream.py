"""``AfterStream``: what a streamed response runs once it is over (a stream's outcome kept), as
Litestar's ``BackgroundTask`` would, once, after the body's last piece."""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar import Litestar, get
from litestar.background_tasks import BackgroundTask
from litestar.testing import AsyncTestClient

from entrypoints.http.lean_stream import AfterStream, LeanStream


def app(events: list[str]) -> Litestar:
    async def pieces() -> AsyncIterator[bytes]:
        for piece in (b"one ", b"two"):
            events.append(f"sent {piece.decode().strip()}")
            yield piece

    async def kept() -> None:
        events.append("kept")

    @get("/stream", sync_to_thread=False)
    def stream() -> LeanStream:
        return LeanStream(pieces(), background=AfterStream(kept))

    return Litestar([stream])


async def test_it_runs_once_after_the_body() -> None:
    events: list[str] = []
    async with AsyncTestClient(app(events)) as client:
        response = await client.get("/stream")
    assert response.text == "one two"
    assert events == ["sent one", "sent two", "kept"]


async def test_it_is_a_background_task_that_awaits_its_function() -> None:
    calls = 0

    async def then() -> None:
        nonlocal calls
        calls += 1

    task = AfterStream(then)
    assert isinstance(task, BackgroundTask)  # what a response's ``background`` takes
    await task()
    assert calls == 1
