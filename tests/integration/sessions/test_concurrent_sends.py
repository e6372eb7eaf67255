"""Sends at once on one session, on SQLite and PostgreSQL (the use case in the test's own loop,
so they really overlap): each turn is stored whole (its question, its reply, its usage row),
none lost or mixed with another."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from domain.provider import Provider
from entrypoints.bootstrap import Container
from tests.support.chat_api import build_container
from tests.support.constants import KEYS, PASSWORD
from tests.support.upstreams import MODELS, upstreams


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def container(request: pytest.FixtureRequest) -> AsyncIterator[Container]:
    url = str(request.getfixturevalue(f"{request.param}_url"))
    built = build_container(request.param, upstreams(), url)
    try:
        yield built
    finally:
        await built.aclose()


async def test_sends_at_once_on_one_session_all_store_their_turns(container: Container) -> None:
    user = await container.register_user.execute(email="desk@example.com", password=PASSWORD)
    await container.add_credential.execute(
        user.id,
        provider="openai",
        api_key=KEYS[Provider.OPENAI],
        model_name=MODELS[Provider.OPENAI],
    )
    session = await container.start_agent_session.execute(user.id)
    send = container.send_message

    replies = await asyncio.gather(
        *(send.execute(user.id, session.id, f"question {n}") for n in range(4))
    )

    async with container.uow() as uow:
        stored = await uow.sessions.messages(user.id, session.id)
        usage = await uow.usage.totals(user.id)
    assert sorted(m.content for m in stored if m.role.value == "user") == [
        f"question {n}" for n in range(4)
    ]
    assert {m.id for m in stored if m.role.value == "assistant"} == {r.message.id for r in replies}
    assert sum(row.calls for row in usage) == 4
