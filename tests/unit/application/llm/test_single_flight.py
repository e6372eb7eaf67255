"""``SingleFlight``: concurrent callers of one key share one fetch, its result or its error; a
caller that leaves does not cancel the others'; a finished key is fetched again."""

from __future__ import annotations

import asyncio

import pytest

from application.llm._single_flight import SingleFlight


class Fetches:
    def __init__(self) -> None:
        self.started = 0
        self.gate = asyncio.Event()
        self.fail: Exception | None = None

    async def __call__(self) -> str:
        self.started += 1
        number = self.started
        await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return f"answer {number}"


async def _settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_concurrent_callers_share_one_fetch_and_later_ones_fetch_again() -> None:
    flight: SingleFlight[str, str] = SingleFlight()
    fetch = Fetches()
    callers = [asyncio.create_task(flight.run("k", fetch)) for _ in range(5)]
    other = asyncio.create_task(flight.run("other", fetch))
    await _settle()
    fetch.gate.set()

    assert await asyncio.gather(*callers) == ["answer 1"] * 5
    assert await other == "answer 2"
    assert fetch.started == 2, "one fetch per key"
    assert len(flight) == 0
    assert await flight.run("k", fetch) == "answer 3"


async def test_callers_share_the_error() -> None:
    flight: SingleFlight[str, str] = SingleFlight()
    fetch = Fetches()
    fetch.fail = RuntimeError("upstream said no")
    callers = [asyncio.create_task(flight.run("k", fetch)) for _ in range(3)]
    await _settle()
    fetch.gate.set()

    results = await asyncio.gather(*callers, return_exceptions=True)

    assert [str(r) for r in results] == ["upstream said no"] * 3
    assert fetch.started == 1


async def test_a_caller_that_leaves_does_not_cancel_the_others_fetch() -> None:
    flight: SingleFlight[str, str] = SingleFlight()
    fetch = Fetches()
    leaving = asyncio.create_task(flight.run("k", fetch))
    staying = asyncio.create_task(flight.run("k", fetch))
    await _settle()

    leaving.cancel()
    await _settle()
    fetch.gate.set()

    assert await staying == "answer 1"
    with pytest.raises(asyncio.CancelledError):
        await leaving
