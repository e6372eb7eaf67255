"""Errors out of the stores never carry the values that caused them: not in their message, not
in their traceback, not in the log. A canary value stands in for a secret."""

from __future__ import annotations

import logging
import traceback
from uuid import uuid4

import pytest

from adapters.persistence.errors import ConstraintViolation, DatabaseError
from adapters.persistence.sqlalchemy import SqlAlchemyUnitOfWorkFactory, build_engine
from domain.errors import DuplicateActiveCredential, EmailTaken
from domain.ports import UnitOfWorkFactory
from domain.provider import Provider
from tests.support.entities import committed_user, credential, gateway_token, user

CANARY = "sk-CANARY-7f3a9c1e5b"


def assert_canary_absent(error: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    text = "".join(traceback.format_exception(error))
    assert CANARY not in text
    assert CANARY.encode().hex() not in text
    assert CANARY not in repr(error.args)
    assert all(CANARY not in record.getMessage() for record in caplog.records)


@pytest.fixture(autouse=True)
def _capture_everything(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="aiosqlite")
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")


async def test_a_taken_email(
    uow_factory: UnitOfWorkFactory, caplog: pytest.LogCaptureFixture
) -> None:
    await committed_user(uow_factory, f"{CANARY}@example.com")
    async with uow_factory() as uow:
        with pytest.raises(EmailTaken) as raised:
            await uow.users.add(user(f"{CANARY}@example.com"))
    assert_canary_absent(raised.value, caplog)


async def test_a_duplicate_active_credential(
    uow_factory: UnitOfWorkFactory, caplog: pytest.LogCaptureFixture
) -> None:
    owner = await committed_user(uow_factory)
    first = credential(owner.id, Provider.OPENAI_COMPATIBLE, base_url=f"https://{CANARY}.io")
    async with uow_factory() as uow:
        await uow.credentials.add(first)
        await uow.commit()
    second = credential(owner.id, Provider.OPENAI_COMPATIBLE, base_url=f"https://{CANARY}.io")
    second.encrypted_api_key = CANARY.encode()
    async with uow_factory() as uow:
        with pytest.raises(DuplicateActiveCredential) as raised:
            await uow.credentials.add(second)
    assert_canary_absent(raised.value, caplog)


async def test_a_missing_parent_row(
    uow_factory: UnitOfWorkFactory, caplog: pytest.LogCaptureFixture
) -> None:
    orphan = credential(uuid4(), base_url=f"https://{CANARY}.io")
    orphan.model_name = CANARY
    async with uow_factory() as uow:
        with pytest.raises(ConstraintViolation) as raised:
            await uow.credentials.add(orphan)
    assert_canary_absent(raised.value, caplog)


async def test_a_reused_token_digest(
    uow_factory: UnitOfWorkFactory, caplog: pytest.LogCaptureFixture
) -> None:
    owner = await committed_user(uow_factory)
    token = gateway_token(owner.id)
    token.digest = CANARY.encode()
    async with uow_factory() as uow:
        await uow.gateway_tokens.add(token)
        await uow.commit()
    clash = gateway_token(owner.id)
    clash.digest = CANARY.encode()
    async with uow_factory() as uow:
        with pytest.raises(ConstraintViolation) as raised:
            await uow.gateway_tokens.add(clash)
    assert_canary_absent(raised.value, caplog)


@pytest.mark.postgres
async def test_a_value_postgresql_refuses(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = build_engine(postgres_url)
    try:
        factory = SqlAlchemyUnitOfWorkFactory(engine)
        owner = await committed_user(factory)
        too_long = credential(owner.id)
        too_long.key_hint = CANARY  # longer than the column allows
        async with factory() as uow:
            with pytest.raises(DatabaseError) as raised:
                await uow.credentials.add(too_long)
    finally:
        await engine.dispose()
    assert_canary_absent(raised.value, caplog)
