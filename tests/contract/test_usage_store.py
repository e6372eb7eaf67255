"""UsageStore contract: totals per (provider, model) and per UTC day, aggregated exactly."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

from domain.ports import UnitOfWorkFactory
from domain.usage import DailyUsage, SourceUsage, TokenUsage, UsageRecord, UsageSource, UsageTotal
from tests.support.entities import at, committed_user, usage


async def test_no_usage_gives_empty_lists(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    async with uow_factory() as uow:
        assert await uow.usage.totals(owner.id) == []
        assert await uow.usage.daily(owner.id) == []


async def test_totals_are_per_provider_and_model_sorted_and_scoped_to_the_user(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    stranger = await committed_user(uow_factory)
    async with uow_factory() as uow:
        await uow.usage.add(usage(owner.id, "openai", "gpt-4o", cost_usd=Decimal("0.0000012345")))
        await uow.usage.add(usage(owner.id, "openai", "gpt-4o", cost_usd=Decimal("0.0000020001")))
        await uow.usage.add(usage(owner.id, "openai", "gpt-4o", cost_usd=None))
        await uow.usage.add(usage(owner.id, "anthropic", "claude-sonnet-4", output_tokens=7))
        await uow.usage.add(usage(owner.id, "openai", "gpt-4.1", input_tokens=1))
        await uow.usage.add(usage(stranger.id, "openai", "gpt-4o", input_tokens=10_000))
        await uow.commit()

    async with uow_factory() as uow:
        totals = await uow.usage.totals(owner.id)
    assert totals == [
        UsageTotal("anthropic", "claude-sonnet-4", 1, 100, 7, Decimal("0.0015")),
        UsageTotal("openai", "gpt-4.1", 1, 1, 50, Decimal("0.0015")),
        UsageTotal("openai", "gpt-4o", 3, 300, 150, Decimal("0.0000032346")),
    ]


async def test_a_model_without_a_price_totals_zero_cost(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    async with uow_factory() as uow:
        await uow.usage.add(usage(owner.id, "openai_compatible", "llama3", cost_usd=None))
        await uow.commit()

    async with uow_factory() as uow:
        (total,) = await uow.usage.totals(owner.id)
    assert total.cost_usd == Decimal(0)
    assert total.calls == 1


async def test_since_keeps_records_from_that_instant_on(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    async with uow_factory() as uow:
        await uow.usage.add(usage(owner.id, input_tokens=1, created_at=at(-1)))
        await uow.usage.add(usage(owner.id, input_tokens=20, created_at=at(0)))
        await uow.usage.add(usage(owner.id, input_tokens=300, created_at=at(60)))
        await uow.commit()

    async with uow_factory() as uow:
        (total,) = await uow.usage.totals(owner.id, since=at(0))
        (everything,) = await uow.usage.totals(owner.id)
        daily = await uow.usage.daily(owner.id, since=at(0))
    assert (total.calls, total.input_tokens) == (2, 320)
    assert (everything.calls, everything.input_tokens) == (3, 321)
    assert [d.input_tokens for d in daily] == [320]


async def test_daily_groups_by_utc_day_oldest_first(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    tokyo = timezone(timedelta(hours=9))
    async with uow_factory() as uow:
        # 08:30 in Tokyo on 2 March is 23:30 UTC on 1 March.
        late_first = datetime(2025, 3, 2, 8, 30, tzinfo=tokyo)
        await uow.usage.add(usage(owner.id, "openai", "gpt-4o", created_at=late_first))
        await uow.usage.add(
            usage(owner.id, "openai", "gpt-4o", created_at=datetime(2025, 3, 1, 0, 0, tzinfo=UTC))
        )
        await uow.usage.add(
            usage(owner.id, "openai", "gpt-4o", created_at=datetime(2025, 3, 2, 0, 30, tzinfo=UTC))
        )
        await uow.usage.add(
            usage(
                owner.id,
                "anthropic",
                "claude-haiku",
                input_tokens=9,
                created_at=datetime(2025, 3, 2, 12, 0, tzinfo=UTC),
            )
        )
        await uow.commit()

    async with uow_factory() as uow:
        daily = await uow.usage.daily(owner.id)
    assert daily == [
        DailyUsage(date(2025, 3, 1), "openai", "gpt-4o", 200, 100, Decimal("0.0030")),
        DailyUsage(date(2025, 3, 2), "anthropic", "claude-haiku", 9, 50, Decimal("0.0015")),
        DailyUsage(date(2025, 3, 2), "openai", "gpt-4o", 100, 50, Decimal("0.0015")),
    ]


async def test_until_keeps_records_before_that_instant(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    async with uow_factory() as uow:
        for minutes, count in ((-1, 1), (0, 20), (60, 300)):
            await uow.usage.add(usage(owner.id, input_tokens=count, created_at=at(minutes)))
        await uow.commit()

    async with uow_factory() as uow:
        (before,) = await uow.usage.totals(owner.id, until=at(60))
        (window,) = await uow.usage.totals(owner.id, since=at(0), until=at(60))
        daily = await uow.usage.daily(owner.id, since=at(-1), until=at(0))
        sources = await uow.usage.by_source(owner.id, since=at(0), until=at(61))
        tokens = await uow.usage.by_token(owner.id, until=at(0))
        empty = await uow.usage.totals(owner.id, since=at(61), until=at(120))
    assert (before.calls, before.input_tokens) == (2, 21)
    assert (window.calls, window.input_tokens) == (1, 20)
    assert [d.input_tokens for d in daily] == [1]
    assert [(s.calls, s.input_tokens) for s in sources] == [(2, 320)]
    assert [(t.calls, t.input_tokens) for t in tokens] == [(1, 1)]
    assert empty == []


async def test_by_source_and_by_token_sum_each_group_scoped_to_the_user(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    stranger = await committed_user(uow_factory)
    laptop, ci = sorted((uuid4(), uuid4()))
    async with uow_factory() as uow:
        for source, token, cost in (
            (UsageSource.SESSION, None, Decimal("0.001")),
            (UsageSource.GATEWAY, laptop, Decimal("0.002")),
            (UsageSource.GATEWAY, laptop, None),
            (UsageSource.GATEWAY, ci, Decimal("0.0000000001")),
            (UsageSource.IN_PROCESS, None, Decimal("0.004")),
        ):
            await uow.usage.add(
                usage(owner.id, source=source, gateway_token_id=token, cost_usd=cost)
            )
        await uow.usage.add(usage(stranger.id, source=UsageSource.GATEWAY, gateway_token_id=ci))
        await uow.commit()

    async with uow_factory() as uow:
        sources = await uow.usage.by_source(owner.id)
        tokens = await uow.usage.by_token(owner.id)
        nothing = await uow.usage.by_token(uuid4())
    assert sources == [
        SourceUsage(UsageSource.GATEWAY, 3, 300, 150, Decimal("0.0020000001")),
        SourceUsage(UsageSource.IN_PROCESS, 1, 100, 50, Decimal("0.004")),
        SourceUsage(UsageSource.SESSION, 1, 100, 50, Decimal("0.001")),
    ]
    assert tokens == [
        TokenUsage(None, 2, 200, 100, Decimal("0.005")),
        TokenUsage(laptop, 2, 200, 100, Decimal("0.002")),
        TokenUsage(ci, 1, 100, 50, Decimal("0.0000000001")),
    ]
    assert nothing == []


async def test_records_page_through_every_call_oldest_first_with_ties_broken_by_id(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    stranger = await committed_user(uow_factory)
    token, credential, session = uuid4(), uuid4(), uuid4()
    tokyo = timezone(timedelta(hours=9))
    added = [
        usage(owner.id, input_tokens=i, created_at=at(minutes))
        for i, minutes in enumerate((5, 0, 5, 5, -3, 10, 5))
    ]
    full = usage(
        owner.id,
        "anthropic",
        "claude-haiku",
        created_at=at(-30).astimezone(tokyo),
        source=UsageSource.GATEWAY,
        gateway_token_id=token,
        credential_id=credential,
        session_id=session,
        estimated=True,
        cost_usd=None,
    )
    async with uow_factory() as uow:
        for record in (*added, full):
            await uow.usage.add(record)
        await uow.usage.add(usage(stranger.id, created_at=at(1)))
        await uow.commit()

    pages: list[list[UsageRecord]] = []
    async with uow_factory() as uow:
        after = None
        while page := await uow.usage.records(owner.id, since=at(-3), after=after, limit=3):
            pages.append(page)
            after = (page[-1].created_at, page[-1].id)
        (read,) = await uow.usage.records(owner.id, until=at(-3), limit=10)
        windowed = await uow.usage.records(owner.id, since=at(0), until=at(10), limit=100)
    assert [len(p) for p in pages] == [3, 3, 1]
    every = [r for p in pages for r in p]
    expected = sorted(added, key=lambda r: (r.created_at, r.id))
    assert [r.id for r in every] == [r.id for r in expected]
    assert [r.id for r in windowed] == [r.id for r in expected if at(0) <= r.created_at < at(10)]
    assert read == replace(full, created_at=full.created_at.astimezone(UTC))
    assert read.created_at.utcoffset() == timedelta(0)
