"""Concurrent calls against a small cap on PostgreSQL, through the real SQL stores and two
app instances (two engines: the serialization is the database's, not a process's lock): the
spend never passes the cap by more than the calls in flight could (docs/security-tests.md K6).

The bound: a call is admitted only while spent + held + its hold <= cap, and settles to what
it used, which can exceed what it held only by what the prompt estimate (about 4 bytes a
token) missed (the reply is bounded by ``max_tokens``). So the spend passes the cap by at most
(holds in flight at the last admission, at most cap / hold) x (used - held), and not at all
when calls use no more than their worst case."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from decimal import Decimal
from uuid import UUID

import pytest

from adapters.auth.argon2_hasher import Argon2PasswordHasher
from application.gateway.relay_completion import RelayRequest
from domain.api_key import ApiKey
from domain.errors import BudgetExceeded
from domain.llm import ChatMessage, Completion, CompletionRequest, Role, Usage
from entrypoints.bootstrap import Container, build, sql_database
from entrypoints.settings import ProviderSettings, SystemDefaultSettings
from entrypoints.settings._budgets import BudgetSettings
from tests.support.builders import make_settings
from tests.support.constants import PASSWORD, SYSTEM_KEY
from tests.support.fakes import FakeCatalog, FakeLlmProvider, FakeProviderRegistry

pytestmark = pytest.mark.postgres

CALLS = 50
CAP = Decimal("0.01")
# "hi" (5 tokens) + max_tokens 100 at OpenAI model-a's 2.50/10.00 per million:
HELD = Decimal("0.0010125")
REQUEST = RelayRequest("model-a", (ChatMessage(Role.USER, "hi"),), max_tokens=100)


class SlowProvider(FakeLlmProvider):
    """Answers after a pause (the calls overlap) and counts the most in flight at once."""

    in_flight = 0
    most_in_flight = 0

    async def complete(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> Completion:
        SlowProvider.in_flight += 1
        SlowProvider.most_in_flight = max(SlowProvider.most_in_flight, SlowProvider.in_flight)
        try:
            await asyncio.sleep(0.02)
            return await super().complete(key, request, base_url=base_url)
        finally:
            SlowProvider.in_flight -= 1


@pytest.fixture
async def instances(postgres_url: str) -> AsyncIterator[tuple[Container, Container, SlowProvider]]:
    settings = dataclasses.replace(
        make_settings(database_url=postgres_url),
        providers=ProviderSettings(
            system_default=SystemDefaultSettings(
                provider="openai", model="model-a", api_keys={"openai": SYSTEM_KEY}
            )
        ),
        budgets=BudgetSettings(system_default_monthly_usd=CAP),
    )
    provider = SlowProvider("openai", {SYSTEM_KEY})
    SlowProvider.in_flight = SlowProvider.most_in_flight = 0
    registry = FakeProviderRegistry([provider])
    built = [
        build(
            settings,
            database=sql_database(settings),
            providers=registry,
            catalog=FakeCatalog(),
            hasher=Argon2PasswordHasher.fast_for_tests(),
        )
        for _ in range(2)
    ]
    try:
        yield built[0], built[1], provider
    finally:
        for container in built:
            await container.aclose()


async def race(instances: tuple[Container, Container, SlowProvider]) -> tuple[int, Decimal]:
    one, two, _provider = instances
    user = await one.register_user.execute(email="racer@example.com", password=PASSWORD)

    async def call(n: int) -> bool:
        container = one if n % 2 else two
        try:
            await container.relay_completion.execute(user.id, REQUEST)
        except BudgetExceeded:
            return False
        return True

    done = await asyncio.gather(*(call(n) for n in range(CALLS)))
    return sum(done), await spent(one, user.id)


async def spent(container: Container, user_id: UUID) -> Decimal:
    view = await container.get_budget.execute(user_id)
    assert view.system_monthly is not None
    assert view.system_monthly.reserved == 0, "every hold was settled"
    return view.system_monthly.spent


async def test_fifty_concurrent_calls_never_pass_the_cap_when_calls_use_no_more_than_held(
    instances: tuple[Container, Container, SlowProvider],
) -> None:
    # The provider reports 12 + 5 tokens (0.00008 USD): less than the 0.0010125 held.
    ok, total = await race(instances)

    print(f"\n{ok}/{CALLS} calls ran; spent {total} of {CAP}; overspend {max(0, total - CAP)}")
    assert total <= CAP
    assert ok < CALLS, "the cap refused some"
    assert ok * Decimal("0.00008") == total


async def test_when_calls_use_more_than_held_the_overspend_stays_within_the_holds_in_flight(
    instances: tuple[Container, Container, SlowProvider],
) -> None:
    provider = instances[2]
    # A prompt the estimate missed: 200 input tokens where 5 were held, the reply at its max.
    provider.usage = Usage(200, 100)
    actual = Decimal("0.0015")
    ok, total = await race(instances)

    most = SlowProvider.most_in_flight
    holds_at_once = int(CAP / HELD)  # 9 holds fit under the cap together
    bound = holds_at_once * (actual - HELD)
    overspend = max(Decimal(0), total - CAP)
    print(
        f"\n{ok}/{CALLS} ran, {most} at most in flight; spent {total} of {CAP}; "
        f"overspend {overspend} (bound {bound})"
    )
    assert ok * actual == total
    assert overspend <= bound
    assert ok <= holds_at_once + 1
