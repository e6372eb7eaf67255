"""Usage totals per provider and model, per day, since a time, and only the caller's."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from domain.llm import Usage
from domain.provider import Provider
from tests.support.builders import World
from tests.support.scenarios import add_key, new_user


async def _chat(world: World, user_id: UUID, session_id: UUID, times: int = 1) -> None:
    for _ in range(times):
        await world.container.send_message.execute(user_id, session_id, "hi")


async def test_totals_after_mixed_calls(world: World, user_id: UUID) -> None:
    await add_key(world, user_id, "openai")
    await add_key(world, user_id, "anthropic")
    start = world.container.start_agent_session.execute
    on_openai = (await start(user_id)).id
    on_unpriced = (await start(user_id, model="model-b")).id
    on_claude = (await start(user_id, provider="anthropic")).id
    world.providers.get(Provider.ANTHROPIC).usage = Usage(1000, 100)

    await _chat(world, user_id, on_openai, times=2)
    await _chat(world, user_id, on_unpriced)
    await _chat(world, user_id, on_claude)
    async with world.container.send_message.stream(user_id, on_claude, "stream me") as reply:
        async for _ in reply:
            pass

    report = await world.container.get_usage.execute(user_id)

    rows = [
        (t.provider, t.model, t.calls, t.input_tokens, t.output_tokens, t.cost_usd)
        for t in report.totals
    ]
    assert rows == [
        # 2 x (1000 x 3.00 + 100 x 15.00) per million
        ("anthropic", "model-a", 2, 2000, 200, Decimal("0.009")),
        # 2 x (12 x 2.50 + 5 x 10.00) per million
        ("openai", "model-a", 2, 24, 10, Decimal("0.00016")),
        ("openai", "model-b", 1, 12, 5, Decimal(0)),
    ]
    assert report.cost_usd == Decimal("0.00916")
    assert (report.input_tokens, report.output_tokens) == (2036, 215)
    assert {(d.provider, d.model) for d in report.daily} == {
        ("anthropic", "model-a"),
        ("openai", "model-a"),
        ("openai", "model-b"),
    }


async def test_since_keeps_only_later_calls_and_daily_splits_by_day(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")
    session_id = (await world.container.start_agent_session.execute(user_id)).id
    await _chat(world, user_id, session_id)
    world.clock.advance(timedelta(days=1).total_seconds())
    cutoff = world.clock.now()
    await _chat(world, user_id, session_id, times=3)

    everything = await world.container.get_usage.execute(user_id)
    recent = await world.container.get_usage.execute(user_id, since=cutoff)
    naive = await world.container.get_usage.execute(
        user_id, since=datetime.fromisoformat(cutoff.isoformat()).replace(tzinfo=None)
    )

    assert [t.calls for t in everything.totals] == [4]
    assert [t.calls for t in recent.totals] == [3]
    assert [t.calls for t in naive.totals] == [3], "a time without a zone is UTC"
    assert [(d.input_tokens, d.output_tokens) for d in everything.daily] == [(12, 5), (36, 15)]


async def test_no_one_counts_another_users_calls(world: World, user_id: UUID) -> None:
    other = await new_user(world, "other@example.com")
    await add_key(world, other, "openai")
    session_id = (await world.container.start_agent_session.execute(other)).id
    await _chat(world, other, session_id, times=2)

    mine = await world.container.get_usage.execute(user_id)
    theirs = await world.container.get_usage.execute(other)

    assert (mine.totals, mine.daily, mine.cost_usd) == ([], [], Decimal(0))
    assert [t.calls for t in theirs.totals] == [2]
