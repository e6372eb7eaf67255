"""A worker told to stop (SIGTERM) lets a running stream go on for the grace period, then ends
it itself: an SSE ``error`` event (503 ``service-unavailable``), the partial reply stored
incomplete, then ``done``; readiness says 503 from the moment it was told to stop.

``Draining.begin`` is what the worker's SIGTERM handler calls (tests/integration/
test_instances.py sends the real signal to real processes)."""

from __future__ import annotations

from domain.provider import Provider
from entrypoints.http.deps import draining_of
from entrypoints.http.draining import Draining
from tests.support.chat_api import ChatApi, parse_sse

GRACE_S = 0.3


async def test_a_stream_outliving_the_grace_is_ended_with_an_error_and_kept_incomplete(
    any_db_api: ChatApi,
) -> None:
    api = any_db_api
    me = await api.user("stopping@example.com")
    await api.add_key(me, Provider.OPENAI)
    session = await api.start(me)
    api.upstreams[Provider.OPENAI].stall_after = 3  # three pieces, then thinks for ever
    draining = Draining(GRACE_S)
    api.client.app.state.draining = draining

    draining.begin()
    streamed = await api.stream(me, session["id"], "Explain the basis trade")

    assert streamed.status_code == 200
    events = parse_sse(streamed.text)
    assert [e.event for e in events] == ["delta"] * 3 + ["error", "done"]
    error = events[3].data
    assert (error["status"], error["type"]) == (503, "/problems/service-unavailable")
    assert events[-1].data["incomplete"] is True
    stored = await api.messages(me, session["id"])
    assert [(m["role"], m["content"], m["incomplete"]) for m in stored] == [
        ("user", "Explain the basis trade", False),
        ("assistant", "Carry is positive;", True),
    ]


async def test_a_stream_that_ends_within_the_grace_ends_as_usual(api: ChatApi) -> None:
    me = await api.user("finishing@example.com")
    await api.add_key(me, Provider.OPENAI)
    session = await api.start(me)
    draining = Draining(30)
    api.client.app.state.draining = draining

    draining.begin()
    streamed = await api.stream(me, session["id"], "Explain the basis trade")

    events = parse_sse(streamed.text)
    assert events[-1].event == "done"
    assert events[-1].data["incomplete"] is False
    assert "error" not in [e.event for e in events]


async def test_readiness_says_503_once_the_worker_is_told_to_stop(api: ChatApi) -> None:
    assert (await api.client.get("/health/ready")).status_code == 200

    draining_of(api.client.app.state).begin()

    stopping = await api.client.get("/health/ready")
    assert (stopping.status_code, stopping.json()) == (503, {"status": "stopping"})
    assert (await api.client.get("/health/live")).status_code == 200
