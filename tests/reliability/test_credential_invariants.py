"""Property: any sequence of add / set-default / update / revoke, some of them concurrent,
keeps one active credential per provider and at most one default per user; a revoked
credential has no ciphertext; every active credential opens to the last key it was given.
Sequential steps must also match a reference model of the rules (first key becomes default,
setting a default moves it, revoking the default promotes nothing). Through the use cases
with fake providers, on the in-memory store and on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.credential import LlmCredential
from domain.errors import CredentialRevoked, DomainError, DuplicateActiveCredential
from domain.provider import Provider
from entrypoints.bootstrap import Container
from tests.support.builders import make_settings, memory_world, sql_world
from tests.support.fakes import FakeProviderRegistry

COMPAT_URL = "https://llm.example.com/v1"


def keys_for(provider: Provider) -> tuple[str, str]:
    """Two valid keys per provider: the second one is what rotations switch to."""
    if provider is Provider.OPENAI:
        return ("sk-proj-" + "a" * 40, "sk-proj-" + "b" * 40)
    if provider is Provider.ANTHROPIC:
        return ("sk-ant-api03-" + "a" * 40, "sk-ant-api03-" + "b" * 40)
    if provider is Provider.GOOGLE:
        return ("AIzaSy" + "a" * 33, "AIzaSy" + "b" * 33)
    return ("sk-local-" + "a" * 24, "sk-local-" + "b" * 24)


def fake_providers() -> FakeProviderRegistry:
    providers = FakeProviderRegistry()
    for provider in Provider:
        providers.accept(provider, *keys_for(provider))
    return providers


# --- operations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Add:
    provider: Provider
    is_default: bool | None


@dataclass(frozen=True)
class SetDefault:
    pick: int


@dataclass(frozen=True)
class Update:
    pick: int
    rotate_key: bool


@dataclass(frozen=True)
class Revoke:
    pick: int


Op = Add | SetDefault | Update | Revoke


@dataclass(frozen=True)
class Together:
    """Operations sent at the same time (the user lock and the database must serialise them)."""

    ops: tuple[Op, ...]


picks = st.integers(min_value=0, max_value=7)
single_ops: st.SearchStrategy[Op] = st.one_of(
    st.builds(Add, st.sampled_from(list(Provider)), st.one_of(st.none(), st.booleans())),
    st.builds(SetDefault, picks),
    st.builds(Update, picks, st.booleans()),
    st.builds(Revoke, picks),
)
steps = st.lists(
    st.one_of(
        single_ops,
        single_ops,
        st.builds(Together, st.lists(single_ops, min_size=2, max_size=4).map(tuple)),
    ),
    min_size=1,
    max_size=12,
)


# --- the reference model ---------------------------------------------------------------------


@dataclass
class Expected:
    provider: Provider
    active: bool
    default: bool
    key: str


@dataclass
class Model:
    credentials: dict[UUID, Expected] = field(default_factory=dict)
    order: list[UUID] = field(default_factory=list)

    def pick(self, index: int) -> UUID | None:
        return self.order[index % len(self.order)] if self.order else None

    def default(self) -> UUID | None:
        return next((i for i, c in self.credentials.items() if c.default), None)

    def active_for(self, provider: Provider) -> UUID | None:
        found = (i for i, c in self.credentials.items() if c.active and c.provider is provider)
        return next(found, None)


class Driver:
    """Runs operations through the use cases and keeps the model in step."""

    def __init__(self, container: Container, user_id: UUID) -> None:
        self.c = container
        self.user_id = user_id
        self.model = Model()

    async def run(self, op: Op, *, check: bool) -> None:
        """``check``: the outcome must be the one the model predicts (sequential steps only)."""
        model = self.model
        if isinstance(op, Add):
            key = keys_for(op.provider)[0]
            clash = model.active_for(op.provider)
            try:
                added = await self.c.add_credential.execute(
                    self.user_id,
                    provider=op.provider.value,
                    api_key=key,
                    model_name="model-a",
                    is_default=op.is_default,
                    base_url=COMPAT_URL if op.provider.takes_base_url else None,
                )
            except DuplicateActiveCredential:
                assert not check or clash is not None, "refused although none was active"
                return
            assert not check or clash is None, "a second active credential was accepted"
            current = model.default()
            becomes = op.is_default is True or (current is None and op.is_default is None)
            if check:
                assert added.is_default is becomes
            if added.is_default and current is not None:
                model.credentials[current].default = False
            model.credentials[added.id] = Expected(op.provider, True, added.is_default, key)
            model.order.append(added.id)
            return
        target = model.pick(op.pick)
        if target is None:
            return
        expected = model.credentials[target]
        try:
            if isinstance(op, SetDefault):
                await self.c.set_default_credential.execute(self.user_id, target)
                for other in model.credentials.values():
                    other.default = False
                expected.default = True
            elif isinstance(op, Update):
                new_key = keys_for(expected.provider)[1] if op.rotate_key else None
                await self.c.update_credential.execute(
                    self.user_id, target, api_key=new_key, model_name="model-b"
                )
                expected.key = new_key or expected.key
            else:
                await self.c.revoke_credential.execute(self.user_id, target)
                expected.active = expected.default = False
        except CredentialRevoked:
            assert not check or not expected.active, "an active credential was called revoked"
            return
        assert not check or expected.active or isinstance(op, Revoke), "a revoked one changed"

    async def step(self, step: Op | Together) -> None:
        if isinstance(step, Together):
            outcomes = await asyncio.gather(
                *(self.run(op, check=False) for op in step.ops), return_exceptions=True
            )
            for outcome in outcomes:
                # Only the domain's refusals may come out of a concurrent batch.
                if isinstance(outcome, BaseException) and not isinstance(outcome, DomainError):
                    raise outcome
            await self.resync()
        else:
            await self.run(step, check=True)
        await self.check_invariants(compare_with_model=not isinstance(step, Together))

    async def stored(self) -> list[LlmCredential]:
        return await self.c.list_credentials.execute(self.user_id, include_inactive=True)

    async def resync(self) -> None:
        """After a concurrent batch the model takes the stored state (which order won is not
        predicted; that the invariants hold is checked)."""
        for credential in await self.stored():
            known = self.model.credentials.get(credential.id)
            key = known.key if known else keys_for(credential.provider)[0]
            if credential.is_active:
                key = (
                    await self.c.resolve_llm.execute(self.user_id, credential_id=credential.id)
                ).api_key.reveal()
            self.model.credentials[credential.id] = Expected(
                credential.provider, credential.is_active, credential.is_default, key
            )
            if credential.id not in self.model.order:
                self.model.order.append(credential.id)

    async def check_invariants(self, *, compare_with_model: bool) -> None:
        stored = await self.stored()
        active = [c.provider for c in stored if c.is_active]
        assert len(active) == len(set(active)), "two active credentials for one provider"
        defaults = [c for c in stored if c.is_default]
        assert len(defaults) <= 1, "more than one default"
        assert all(c.is_active for c in defaults), "a revoked credential is the default"
        assert all(c.encrypted_api_key is None for c in stored if not c.is_active)
        for credential in stored:
            if credential.is_active:
                resolved = await self.c.resolve_llm.execute(
                    self.user_id, credential_id=credential.id
                )
                assert resolved.api_key.reveal() == self.model.credentials[credential.id].key
        if compare_with_model:
            assert {(c.id, c.provider, c.is_active, c.is_default) for c in stored} == {
                (i, e.provider, e.active, e.default) for i, e in self.model.credentials.items()
            }


async def new_user(container: Container) -> UUID:
    user = await container.register_user.execute(
        email=f"prop-{uuid.uuid4().hex[:12]}@example.com", password="a long enough password"
    )
    return user.id


PROPERTY = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@settings(PROPERTY, max_examples=150)
@given(steps=steps)
async def test_on_the_memory_store_the_invariants_hold_after_any_sequence(
    steps: list[Op | Together],
) -> None:
    world = memory_world(providers=fake_providers())
    driver = Driver(world.container, await new_user(world.container))
    for step in steps:
        await driver.step(step)


@pytest.fixture
async def pg_container(postgres_url: str) -> AsyncIterator[Container]:
    settings = make_settings(database_url=postgres_url)
    container = sql_world(settings, providers=fake_providers()).container
    try:
        yield container
    finally:
        await container.aclose()


@pytest.mark.postgres
@settings(PROPERTY, max_examples=40)
@given(steps=steps)
async def test_on_postgresql_the_invariants_hold_after_any_sequence(
    pg_container: Container, steps: list[Op | Together]
) -> None:
    # One database for every example; each example is a new user.
    driver = Driver(pg_container, await new_user(pg_container))
    for step in steps:
        await driver.step(step)
