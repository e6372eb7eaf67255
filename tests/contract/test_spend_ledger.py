"""SpendLedger and BudgetStore contract: holds all or none against their caps, spend counted
from the usage rows of the cap's scope and period, expired holds not counted, settling with
the usage row in one transaction."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from domain.budget import Cap, CapKind, Hold, UserBudget, day_of, month_of
from domain.ports import UnitOfWorkFactory
from domain.usage import UsageRecord
from tests.support.entities import T0, at, committed_user, usage

MONTH = month_of(T0)
KEY = uuid4()  # a credential id: calls on the user's own key

ZERO = Decimal(0)


def cap(
    owner: UUID, limit: str, kind: CapKind = CapKind.SYSTEM_MONTHLY, user: UUID | None = None
) -> Cap:
    period = day_of(T0) if kind.in_tokens else MONTH
    return Cap(kind, owner, user or owner, Decimal(limit), period)


def hold(caps: tuple[Cap, ...], *amounts: str, expires_in: float = 15) -> Hold:
    return Hold(uuid4(), caps[0].user_id, caps, tuple(Decimal(a) for a in amounts), at(expires_in))


def own(record: UsageRecord) -> UsageRecord:
    return dataclasses.replace(record, credential_id=KEY)


async def reserve(uow_factory: UnitOfWorkFactory, h: Hold, minutes: float = 0) -> Cap | None:
    async with uow_factory() as uow:
        refused = await uow.spend.reserve(h, at(minutes))
        await uow.commit()
    return refused


async def settle(uow_factory: UnitOfWorkFactory, h: Hold, record: UsageRecord, *spent: str) -> None:
    async with uow_factory() as uow:
        await uow.usage.add(record)
        await uow.spend.settle(h, [Decimal(s) for s in spent])
        await uow.commit()


async def status(
    uow_factory: UnitOfWorkFactory, c: Cap, minutes: float = 0
) -> tuple[Decimal, Decimal]:
    async with uow_factory() as uow:
        s = await uow.spend.status(c, at(minutes))
    return s.spent, s.reserved


async def test_a_hold_within_the_cap_is_taken_and_shown(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    c = cap(owner.id, "1.00")

    assert await reserve(uow_factory, hold((c,), "0.40")) is None
    assert await reserve(uow_factory, hold((c,), "0.60")) is None

    assert await status(uow_factory, c) == (Decimal(0), Decimal("1.00"))


async def test_a_hold_that_would_pass_a_cap_takes_nothing_from_any(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    roomy, tight = cap(owner.id, "5"), cap(owner.id, "100", CapKind.SYSTEM_DAILY_TOKENS)

    refused = await reserve(uow_factory, hold((roomy, tight), "1", "101"))

    assert refused == tight
    assert await status(uow_factory, roomy) == (ZERO, ZERO)
    assert await status(uow_factory, tight) == (ZERO, ZERO)


async def test_the_period_spend_of_the_scope_counts_and_nothing_else(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    other = await committed_user(uow_factory)
    async with uow_factory() as uow:
        await uow.usage.add(usage(owner.id, cost_usd=Decimal("0.70")))  # system default
        await uow.usage.add(own(usage(owner.id, cost_usd=Decimal("5"))))  # own key: not this cap
        await uow.usage.add(
            usage(owner.id, cost_usd=Decimal("9"), created_at=T0 - timedelta(days=40))
        )
        await uow.usage.add(usage(other.id, cost_usd=Decimal("9")))
        await uow.commit()
    c = cap(owner.id, "1.00")

    assert await status(uow_factory, c) == (Decimal("0.70"), ZERO)
    assert await reserve(uow_factory, hold((c,), "0.31")) == c
    assert await reserve(uow_factory, hold((c,), "0.30")) is None
    own_cap = cap(owner.id, "5.00", CapKind.OWN_MONTHLY)
    assert await status(uow_factory, own_cap) == (Decimal(5), ZERO)
    assert await reserve(uow_factory, hold((own_cap,), "0.01")) == own_cap


async def test_tokens_count_input_and_output(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    async with uow_factory() as uow:
        await uow.usage.add(usage(owner.id, input_tokens=100, output_tokens=50))
        await uow.commit()
    c = cap(owner.id, "200", CapKind.SYSTEM_DAILY_TOKENS)

    assert await status(uow_factory, c) == (Decimal(150), ZERO)
    assert await reserve(uow_factory, hold((c,), "51")) == c
    assert await reserve(uow_factory, hold((c,), "50")) is None


async def test_a_token_cap_counts_the_calls_that_token_made(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    token_id = uuid4()
    async with uow_factory() as uow:
        made = dataclasses.replace(
            usage(owner.id, cost_usd=Decimal("2")), gateway_token_id=token_id
        )
        await uow.usage.add(made)
        await uow.usage.add(usage(owner.id, cost_usd=Decimal("3")))
        await uow.commit()
    c = cap(token_id, "2.50", CapKind.TOKEN_MONTHLY, owner.id)

    assert await status(uow_factory, c) == (Decimal(2), ZERO)
    assert await reserve(uow_factory, hold((c,), "0.51")) == c


async def test_settling_moves_the_hold_to_what_was_spent(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    c = cap(owner.id, "1.00")
    first = hold((c,), "0.60")
    assert await reserve(uow_factory, first) is None

    await settle(uow_factory, first, usage(owner.id, cost_usd=Decimal("0.25")), "0.25")

    assert await status(uow_factory, c) == (Decimal("0.25"), ZERO)
    assert await reserve(uow_factory, hold((c,), "0.76")) == c
    assert await reserve(uow_factory, hold((c,), "0.75")) is None


async def test_a_settlement_rolled_back_changes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    c = cap(owner.id, "1.00")
    first = hold((c,), "0.60")
    assert await reserve(uow_factory, first) is None

    async with uow_factory() as uow:
        await uow.usage.add(usage(owner.id, cost_usd=Decimal("0.25")))
        await uow.spend.settle(first, [Decimal("0.25")])
        # left without commit: neither the usage row nor the settlement is kept

    assert await status(uow_factory, c) == (ZERO, Decimal("0.60"))
    assert await reserve(uow_factory, hold((c,), "0.41")) == c


async def test_expired_holds_are_not_counted_and_give_their_room_back(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    c = cap(owner.id, "1.00")
    stale = hold((c,), "0.90", expires_in=15)
    assert await reserve(uow_factory, stale) is None
    assert await reserve(uow_factory, hold((c,), "0.20"), minutes=1) == c

    # The worker holding it died: after its expiry the room is back.
    assert await status(uow_factory, c, minutes=16) == (ZERO, ZERO)
    assert await reserve(uow_factory, hold((c,), "0.95", expires_in=30), minutes=16) is None

    # Settled late, the expired hold still counts what its call spent, once.
    await settle(uow_factory, stale, usage(owner.id, cost_usd=Decimal("0.05")), "0.05")
    assert await status(uow_factory, c, minutes=17) == (Decimal("0.05"), Decimal("0.95"))
    assert await reserve(uow_factory, hold((c,), "0.01", expires_in=30), minutes=17) == c


async def test_a_recount_takes_in_spend_made_while_no_cap_applied(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    c = cap(owner.id, "1.00", CapKind.OWN_MONTHLY)
    assert await reserve(uow_factory, hold((c,), "0.10")) is None
    async with uow_factory() as uow:  # a call made with no cap: no hold, no counter moved
        await uow.usage.add(own(usage(owner.id, cost_usd=Decimal("0.95"))))
        await uow.commit()

    async with uow_factory() as uow:
        await uow.spend.recount(c)
        await uow.commit()

    assert await reserve(uow_factory, hold((c,), "0.10")) == c


async def test_a_budget_is_none_until_set_and_replaced_whole(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    async with uow_factory() as uow:
        assert await uow.budgets.get(owner.id) == UserBudget()
        await uow.budgets.put(owner.id, UserBudget(Decimal("20.00"), 80))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.budgets.get(owner.id) == UserBudget(Decimal(20), 80)
        await uow.budgets.put(owner.id, UserBudget(None, None))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.budgets.get(owner.id) == UserBudget()


async def test_a_budget_not_committed_is_not_kept(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    async with uow_factory() as uow:
        await uow.budgets.put(owner.id, UserBudget(Decimal(1), None))
    async with uow_factory() as uow:
        assert await uow.budgets.get(owner.id) == UserBudget()
