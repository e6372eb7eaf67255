"""UsageStore contract: totals per (provider, model) and per UTC day, aggregated exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from domain.ports import UnitOfWorkFactory
from domain.usage import DailyUsage, UsageTotal
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
