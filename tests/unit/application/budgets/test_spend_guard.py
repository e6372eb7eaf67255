"""Budgets through the use cases on the memory world: each call holds its worst case before
the provider is called, settles to its usage after, and a call that could pass a cap never
reaches the provider."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal
from uuid import UUID

import pytest

from application.byom import Byom
from application.gateway.relay_completion import RelayRequest
from domain.budget import CapKind, UserBudget, month_of
from domain.errors import BudgetExceeded, ModelNotPriced, ProviderRateLimited
from domain.llm import NOT_REPORTED, ChatMessage, ModelPrice, Role
from domain.provider import Provider
from entrypoints.settings import ProviderSettings, SystemDefaultSettings
from entrypoints.settings._budgets import BudgetSettings
from tests.support.builders import World, keyed_providers, make_settings, memory_world
from tests.support.constants import SYSTEM_KEY
from tests.support.scenarios import add_key, new_user

HI = RelayRequest("model-a", (ChatMessage(Role.USER, "hi"),))
# "hi": 1 token + 4 of framing; the default reply budget is the catalog's 4096 tokens; at
# model-a's 2.50/10.00 USD per million on OpenAI:
WORST_CASE = Decimal("0.0409725")
# The fake provider reports 12 input and 5 output tokens.
SPENT = Decimal("0.00008")

ZERO = Decimal(0)


def system_world(model: str = "model-a", **budgets: object) -> World:
    settings = replace(
        make_settings(),
        providers=ProviderSettings(
            system_default=SystemDefaultSettings(
                provider="openai", model=model, api_keys={"openai": SYSTEM_KEY}
            )
        ),
        budgets=BudgetSettings(**budgets),  # type: ignore[arg-type]
    )
    world = memory_world(settings, providers=keyed_providers())
    world.providers.accept(Provider.OPENAI, SYSTEM_KEY)
    return world


def provider_calls(world: World) -> int:
    """Completions sent (a key's validation lists models: not counted)."""
    return sum(kind != "list_models" for kind, _ in world.providers.get(Provider.OPENAI).calls)


async def set_budget(world: World, user_id: UUID, usd: str | None) -> None:
    budget = UserBudget(None if usd is None else Decimal(usd), 80)
    await world.container.set_budget.execute(user_id, budget)


async def test_a_call_within_the_users_cap_is_held_then_settled_to_its_usage(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")
    await set_budget(world, user_id, "1.00")

    relayed = await world.container.relay_completion.execute(user_id, HI)

    assert relayed.cost_usd == SPENT
    view = await world.container.get_budget.execute(user_id)
    assert (view.own.spent, view.own.reserved) == (SPENT, ZERO)
    # With a cap, the reply budget reserved is the one asked of the provider.
    assert world.providers.get(Provider.OPENAI).requests[-1].max_tokens == 4096


async def test_a_call_that_could_pass_the_users_cap_never_reaches_the_provider(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")
    await set_budget(world, user_id, "0.04")  # the worst case is 0.0409725

    with pytest.raises(BudgetExceeded) as refused:
        await world.container.relay_completion.execute(user_id, HI)

    assert refused.value.cap == CapKind.OWN_MONTHLY.value
    period = month_of(world.clock.now())
    assert refused.value.retry_after == int((period.end - world.clock.now()).total_seconds())
    assert "your monthly budget" in refused.value.message
    assert provider_calls(world) == 0
    assert world.db.usage == {}


async def test_a_smaller_max_tokens_fits_where_the_default_reply_budget_does_not(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")
    await set_budget(world, user_id, "0.001")

    await world.container.relay_completion.execute(user_id, replace(HI, max_tokens=50))

    assert provider_calls(world) == 1


async def test_without_any_cap_nothing_is_held_and_the_request_is_unchanged(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")

    await world.container.relay_completion.execute(user_id, HI)

    assert world.db.spend.holds == {}
    assert world.providers.get(Provider.OPENAI).requests[-1].max_tokens is None


async def test_the_operators_monthly_cap_applies_on_the_system_default_only() -> None:
    world = system_world(system_default_monthly_usd=Decimal("0.04"))
    user_id = await new_user(world)

    with pytest.raises(BudgetExceeded) as refused:
        await world.container.relay_completion.execute(user_id, HI)
    assert refused.value.cap == CapKind.SYSTEM_MONTHLY.value
    assert provider_calls(world) == 0

    await add_key(world, user_id, "openai")  # the user's own key: the operator's cap is not theirs
    await world.container.relay_completion.execute(user_id, HI)
    assert provider_calls(world) == 1


async def test_the_operators_daily_token_cap_counts_prompt_and_reply_tokens() -> None:
    world = system_world(system_default_daily_tokens=60)
    user_id = await new_user(world)

    with pytest.raises(BudgetExceeded) as refused:
        await world.container.relay_completion.execute(user_id, HI)  # 5 + 4096 tokens
    assert refused.value.cap == CapKind.SYSTEM_DAILY_TOKENS.value
    assert refused.value.retry_after <= 24 * 3600

    await world.container.relay_completion.execute(user_id, replace(HI, max_tokens=40))  # 45
    view = await world.container.get_budget.execute(user_id)
    assert view.system_daily is not None
    assert (view.system_daily.spent, view.system_daily.reserved) == (
        Decimal(17),
        ZERO,
    )  # 12 + 5 reported
    with pytest.raises(BudgetExceeded):
        await world.container.relay_completion.execute(user_id, replace(HI, max_tokens=40))
    assert provider_calls(world) == 1


async def test_a_gateway_tokens_monthly_cap_applies_to_the_calls_it_makes(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")
    new = await world.container.create_gateway_token.execute(user_id, "bot")
    token = replace(new.token, monthly_usd=Decimal("0.01"))

    with pytest.raises(BudgetExceeded) as refused:
        await world.container.relay_completion.execute(user_id, HI, token=token)
    assert refused.value.cap == CapKind.TOKEN_MONTHLY.value
    assert provider_calls(world) == 0

    await world.container.relay_completion.execute(user_id, replace(HI, max_tokens=10), token=token)
    [row] = world.db.usage.values()
    assert row.gateway_token_id == token.id


async def test_an_unpriced_model_under_a_usd_cap_is_refused_and_named() -> None:
    world = system_world("model-b", system_default_monthly_usd=Decimal(5))
    user_id = await new_user(world)

    with pytest.raises(ModelNotPriced) as refused:
        await world.container.relay_completion.execute(user_id, replace(HI, model="model-b"))

    assert "openai/model-b" in refused.value.message
    assert "BYOM_MODEL_PRICES" in refused.value.message
    assert provider_calls(world) == 0


async def test_an_operator_price_lets_an_unpriced_model_run_under_a_cap_and_costs_it() -> None:
    world = system_world(
        "model-b",
        system_default_monthly_usd=Decimal(5),
        model_prices={"openai/model-b": ModelPrice(Decimal(1), Decimal(2))},
    )
    user_id = await new_user(world)

    relayed = await world.container.relay_completion.execute(user_id, replace(HI, model="model-b"))

    assert relayed.cost_usd == Decimal("0.000022")  # 12 x 1 + 5 x 2 per million


async def test_an_unpriced_model_without_a_cap_stays_allowed() -> None:
    world = system_world("model-b", system_default_daily_tokens=10_000)
    user_id = await new_user(world)

    relayed = await world.container.relay_completion.execute(user_id, replace(HI, model="model-b"))

    assert relayed.cost_usd is None


async def test_a_provider_failure_releases_the_hold(world: World, user_id: UUID) -> None:
    await add_key(world, user_id, "openai")
    await set_budget(world, user_id, "0.05")
    world.providers.get(Provider.OPENAI).fail_with = ProviderRateLimited("openai", "slow down")

    with pytest.raises(ProviderRateLimited):
        await world.container.relay_completion.execute(user_id, HI)

    view = await world.container.get_budget.execute(user_id)
    assert (view.own.spent, view.own.reserved) == (ZERO, ZERO)
    assert world.db.spend.holds == {}


async def test_a_stream_holds_while_open_and_settles_when_finished(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")
    await set_budget(world, user_id, "1.00")

    stream = world.container.relay_completion.stream(user_id, HI)
    async with stream:
        view = await world.container.get_budget.execute(user_id)
        assert view.own.reserved == WORST_CASE
        _ = [c async for c in stream]

    view = await world.container.get_budget.execute(user_id)
    assert (view.own.spent, view.own.reserved) == (SPENT, ZERO)


async def test_a_refused_stream_fails_at_its_start_and_reaches_no_provider(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")
    await set_budget(world, user_id, "0.01")

    stream = world.container.relay_completion.stream(user_id, HI)
    with pytest.raises(BudgetExceeded):
        await stream.start()
    await stream.aclose()

    assert provider_calls(world) == 0
    assert world.db.usage == {}


async def test_a_session_turn_is_held_and_settled_like_a_gateway_call() -> None:
    world = system_world(system_default_monthly_usd=Decimal("0.0001"))
    user_id = await new_user(world)
    session = await world.container.start_agent_session.execute(user_id)

    with pytest.raises(BudgetExceeded):
        await world.container.send_message.execute(user_id, session.id, "hi")
    assert provider_calls(world) == 0

    await world.container.send_message.execute(user_id, session.id, "hi", max_tokens=5)
    [row] = world.db.usage.values()
    assert (row.source, row.cost_usd, row.estimated) == ("session", SPENT, False)


async def test_a_session_on_the_users_own_key_is_held_against_their_budget(
    world: World, user_id: UUID
) -> None:
    """The budget is read with the session (one transaction), and changes take effect at once."""
    await add_key(world, user_id, "openai")
    session = await world.container.start_agent_session.execute(user_id)
    await set_budget(world, user_id, "0.04")  # the worst case is 0.0409725

    with pytest.raises(BudgetExceeded):
        await world.container.send_message.execute(user_id, session.id, "hi")
    assert provider_calls(world) == 0

    await set_budget(world, user_id, "1.00")
    await world.container.send_message.execute(user_id, session.id, "hi")
    view = await world.container.get_budget.execute(user_id)
    [row] = world.db.usage.values()
    assert (view.own.spent, view.own.reserved) == (row.cost_usd, ZERO)
    assert row.cost_usd


async def test_a_reply_whose_usage_was_not_reported_is_settled_on_an_estimate(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")
    await set_budget(world, user_id, "1.00")
    world.providers.get(Provider.OPENAI).usage = NOT_REPORTED

    await world.container.relay_completion.execute(user_id, HI)

    [row] = world.db.usage.values()
    # "hi": 5 tokens; "Hello from the fake model.": 26 bytes, 7 tokens. Never zero.
    assert (row.input_tokens, row.output_tokens, row.estimated) == (5, 7, True)
    view = await world.container.get_budget.execute(user_id)
    assert (view.own.spent, view.own.reserved) == (row.cost_usd, ZERO)


async def test_a_stream_refused_by_its_provider_at_the_start_releases_its_hold(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")
    await set_budget(world, user_id, "1.00")
    world.providers.get(Provider.OPENAI).fail_with = ProviderRateLimited("openai", "slow down")

    stream = world.container.relay_completion.stream(user_id, HI)
    with pytest.raises(ProviderRateLimited):
        await stream.start()
    await stream.aclose()
    for _ in range(10):  # the release runs in a task of its own (the start may be cancelled)
        await asyncio.sleep(0)

    assert world.db.spend.holds == {}


async def test_the_in_process_facade_and_langchain_are_held_like_the_gateway() -> None:
    world = system_world(system_default_monthly_usd=Decimal("0.01"))
    user_id = await new_user(world)
    byom = Byom(
        resolve=world.container.resolve_llm,
        start_session=world.container.start_agent_session,
        send_message=world.container.send_message,
        get_session=world.container.get_agent_session,
        list_sessions=world.container.list_agent_sessions,
        list_messages=world.container.list_session_messages,
        get_usage=world.container.get_usage,
        complete=world.container.in_process_completion,
        aclose=world.container.aclose,
    )

    with pytest.raises(BudgetExceeded):
        await byom.complete(user_id, HI)
    await byom.complete(user_id, replace(HI, max_tokens=10))

    assert provider_calls(world) == 1
    [row] = world.db.usage.values()
    assert row.source == "in-process"
