"""Entities for the contract suites, with sensible defaults and a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from domain.agent_session import AgentMessage, AgentSession
from domain.budget import Cap, Hold
from domain.credential import LlmCredential
from domain.credential_event import CredentialEvent, CredentialEventKind
from domain.gateway_token import GatewayToken
from domain.llm import Role, Usage
from domain.ports import UnitOfWorkFactory
from domain.provider import Provider
from domain.sealing import DataKey, WrappedKey
from domain.usage import UsageRecord, UsageSource
from domain.user import User

T0 = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def at(minutes: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes)


def user(email: str | None = None, *, created_at: datetime = T0) -> User:
    return User(
        id=uuid4(),
        email=email or f"{uuid4().hex}@example.com",
        password_hash="$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        created_at=created_at,
    )


def credential(
    user_id: UUID,
    provider: Provider = Provider.OPENAI,
    *,
    is_default: bool = False,
    created_at: datetime = T0,
    base_url: str | None = None,
) -> LlmCredential:
    return LlmCredential(
        id=uuid4(),
        user_id=user_id,
        provider=provider,
        model_name="gpt-4o-mini",
        encrypted_api_key=b"\x01" + bytes(range(40)),
        encryption_key_id=str(uuid4()),
        key_hint="wxyz",
        base_url=base_url,
        is_default=is_default,
        is_active=True,
        created_at=created_at,
        updated_at=created_at,
    )


def data_key(user_id: UUID, kek_id: str = "k1", *, created_at: datetime = T0) -> DataKey:
    return DataKey(
        id=uuid4(),
        user_id=user_id,
        wrapped=WrappedKey(kek_id=kek_id, ciphertext=bytes(range(60))),
        created_at=created_at,
    )


def session(
    user_id: UUID, *, credential_id: UUID | None = None, created_at: datetime = T0
) -> AgentSession:
    return AgentSession(
        id=uuid4(),
        user_id=user_id,
        title="Rebalance the portfolio",
        llm_provider="openai",
        llm_model="gpt-4o-mini",
        llm_credential_id=credential_id,
        system_prompt="You are a careful trading assistant.",
        created_at=created_at,
        updated_at=created_at,
    )


def message(
    session_id: UUID,
    role: Role = Role.USER,
    *,
    created_at: datetime = T0,
    usage: Usage | None = None,
    cost_usd: Decimal | None = None,
) -> AgentMessage:
    return AgentMessage(
        id=uuid4(),
        session_id=session_id,
        role=role,
        content=f"{role.value} says hello",
        created_at=created_at,
        usage=usage,
        cost_usd=cost_usd,
    )


def usage(
    user_id: UUID,
    provider: str = "openai",
    model: str = "gpt-4o-mini",
    *,
    input_tokens: int = 100,
    output_tokens: int = 50,
    cost_usd: Decimal | None = Decimal("0.0015"),
    created_at: datetime = T0,
    source: UsageSource = UsageSource.SESSION,
    gateway_token_id: UUID | None = None,
    credential_id: UUID | None = None,
    session_id: UUID | None = None,
    estimated: bool = False,
) -> UsageRecord:
    return UsageRecord(
        id=uuid4(),
        user_id=user_id,
        provider=provider,
        model=model,
        credential_id=credential_id,
        session_id=session_id,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cost_usd=cost_usd,
        source=source,
        created_at=created_at,
        gateway_token_id=gateway_token_id,
        estimated=estimated,
    )


def gateway_token(user_id: UUID, *, created_at: datetime = T0) -> GatewayToken:
    digest = uuid4().bytes + uuid4().bytes
    return GatewayToken(
        id=uuid4(),
        user_id=user_id,
        name="trading bot",
        digest=digest,
        hint="a1b2",
        created_at=created_at,
    )


def credential_event(
    user_id: UUID,
    kind: CredentialEventKind = CredentialEventKind.CREATED,
    *,
    credential_id: UUID | None = None,
    at_: datetime = T0,
    request_id: str | None = "req-1",
    client_address: str | None = "203.0.113.7",
) -> CredentialEvent:
    return CredentialEvent(
        id=uuid4(),
        user_id=user_id,
        kind=kind,
        credential_id=credential_id,
        provider=Provider.OPENAI,
        key_hint="wxyz",
        at=at_,
        request_id=request_id,
        client_address=client_address,
    )


async def committed_user(uow_factory: UnitOfWorkFactory, email: str | None = None) -> User:
    new = user(email)
    async with uow_factory() as uow:
        await uow.users.add(new)
        await uow.commit()
    return new


async def committed_hold(uow_factory: UnitOfWorkFactory, cap: Cap, amount: str) -> Hold:
    """A hold of ``amount`` against ``cap``, reserved and committed."""
    hold = Hold(uuid4(), cap.user_id, (cap,), (Decimal(amount),), at(15))
    async with uow_factory() as uow:
        assert await uow.spend.reserve(hold, at(0)) is None
        await uow.commit()
    return hold


async def can_reserve(uow_factory: UnitOfWorkFactory, cap: Cap, amount: str) -> bool:
    """Whether ``amount`` more fits under ``cap`` (a probe: nothing is committed)."""
    hold = Hold(uuid4(), cap.user_id, (cap,), (Decimal(amount),), at(15))
    async with uow_factory() as uow:
        return await uow.spend.reserve(hold, at(0)) is None
