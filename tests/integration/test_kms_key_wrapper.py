"""Issue 17, item 3: data keys wrapped by AWS KMS (moto's server mode over HTTP): aliases, an
outage and its recovery, nothing secret in logs, and the move from the local keyring to KMS by
the rewrap use case."""

from __future__ import annotations

import base64
import logging
import os
import uuid
from collections.abc import AsyncIterator

import pytest

from adapters.crypto.aws_kms import AwsKmsKeyWrapper
from adapters.crypto.kms_key_ref import KmsKeyRef, kms_master_key_id
from adapters.persistence.memory import MemoryDatabase
from application.keys.keyring_census import MasterKeysMissing
from domain.errors import KeyServiceUnavailable
from tests.support.builders import World, key_line, keyed_providers, make_settings, memory_world
from tests.support.constants import ANTHROPIC_KEY, OPENAI_KEY
from tests.support.kms_standin import KmsStandin, kms_only, with_kms

pytestmark = pytest.mark.usefixtures("aws_credentials")


@pytest.fixture
async def kms(kms_standin: KmsStandin) -> AsyncIterator[AwsKmsKeyWrapper]:
    wrapper = AwsKmsKeyWrapper(
        KmsKeyRef.parse(kms_standin.key_arn), endpoint_url=kms_standin.endpoint_url
    )
    yield wrapper
    await wrapper.aclose()


async def test_an_alias_is_resolved_once_to_the_key_it_names(kms_standin: KmsStandin) -> None:
    arn = await kms_standin.create_key()
    alias = f"alias/byom-{uuid.uuid4().hex[:8]}"
    await kms_standin.create_alias(alias, arn)
    wrapper = AwsKmsKeyWrapper(
        KmsKeyRef.parse(alias), region="eu-west-1", endpoint_url=kms_standin.endpoint_url
    )
    try:
        with pytest.raises(RuntimeError, match="not resolved"):
            _ = wrapper.primary_key_id
        await wrapper.open()
        assert wrapper.primary_key_id == kms_master_key_id(arn)
        dek, user_id = os.urandom(32), uuid.uuid4()
        wrapped = await wrapper.wrap(dek, user_id)
        assert wrapped.kek_id == kms_master_key_id(arn) == "kms:" + arn.rsplit("/", 1)[1]
        assert await wrapper.unwrap(wrapped, user_id) == dek
    finally:
        await wrapper.aclose()


async def test_a_kms_outage_is_a_clear_error_and_recovery_needs_no_restart(
    kms: AwsKmsKeyWrapper, kms_standin: KmsStandin
) -> None:
    dek, user_id = os.urandom(32), uuid.uuid4()
    wrapped = await kms.wrap(dek, user_id)

    with kms_standin.outage():
        for call in (kms.unwrap(wrapped, user_id), kms.wrap(dek, user_id)):
            with pytest.raises(KeyServiceUnavailable) as failed:
                await call
            assert failed.value.code == "key-service-unavailable"
            assert str(failed.value) == ("the key service is unavailable (KMSInternalException)")
            assert failed.value.__context__ is None

    assert await kms.unwrap(wrapped, user_id) == dek, "the same wrapper, after the outage"


async def test_kms_calls_log_no_data_key_even_at_debug(
    kms: AwsKmsKeyWrapper, caplog: pytest.LogCaptureFixture
) -> None:
    dek, user_id = os.urandom(32), uuid.uuid4()
    with caplog.at_level(logging.DEBUG):
        await kms.unwrap(await kms.wrap(dek, user_id), user_id)

    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    for form in (dek.hex(), base64.b64encode(dek).decode()):
        assert form not in logged


async def _seed(world: World, users: int, *, first: int = 0) -> None:
    c = world.container
    for n in range(first, first + users):
        user = await c.register_user.execute(
            email=f"user{n}@example.com", password="a long enough password"
        )
        await c.add_credential.execute(user.id, provider="openai", api_key=OPENAI_KEY)
        await c.add_credential.execute(user.id, provider="anthropic", api_key=ANTHROPIC_KEY)


async def _open_all(world: World) -> int:
    c = world.container
    opened = 0
    async with c.uow() as uow:
        for n in range(100):
            user = await uow.users.by_email(f"user{n}@example.com")
            if user is None:
                break
            for credential in await uow.credentials.list_for_user(user.id):
                assert (await c.sealer.open(uow, credential)).reveal() in (
                    OPENAI_KEY,
                    ANTHROPIC_KEY,
                )
                opened += 1
    return opened


async def test_rotation_from_the_local_keyring_to_kms_by_the_rewrap_use_case(
    kms_standin: KmsStandin,
) -> None:
    db, local = MemoryDatabase(), make_settings(keys=key_line("k1"))
    before = memory_world(local, db=db, providers=keyed_providers())
    await _seed(before, 3)
    kms_id = kms_master_key_id(kms_standin.key_arn)

    stranded = memory_world(kms_only(local, kms_standin), db=db)
    with pytest.raises(MasterKeysMissing, match="'k1' \\(3 data keys\\)"):
        await stranded.container.keyring_census.ensure_complete()
    await stranded.container.aclose()

    moving = memory_world(with_kms(local, kms_standin), db=db, providers=keyed_providers())
    c = moving.container
    await c.keyring_census.ensure_complete()
    assert c.keyring.primary_key_id == kms_id
    assert c.keyring.key_ids() == (kms_id, "k1")
    await _seed(moving, 1, first=3)
    assert await c.keyring_census.execute() == {"k1": 3, kms_id: 1}, "new data keys go to KMS"

    report = await c.rewrap_data_keys.execute(batch_size=2)
    assert (report.rewrapped, report.remaining, report.failed) == (3, 0, ())
    assert await c.keyring_census.execute() == {kms_id: 4}
    await c.aclose()

    after = memory_world(kms_only(local, kms_standin), db=db)
    await after.container.keyring_census.ensure_complete()
    assert await _open_all(after) == 8, "the local keyring retired: everything opens via KMS"
    await after.container.aclose()


async def test_a_rewrap_during_a_kms_outage_stops_with_the_outage_and_resumes_after(
    kms_standin: KmsStandin,
) -> None:
    db, local = MemoryDatabase(), make_settings(keys=key_line("k1"))
    await _seed(memory_world(local, db=db, providers=keyed_providers()), 2)
    moving = memory_world(with_kms(local, kms_standin), db=db)

    with kms_standin.outage(), pytest.raises(KeyServiceUnavailable):
        await moving.container.rewrap_data_keys.execute()
    assert await moving.container.keyring_census.execute() == {"k1": 2}, "nothing half-moved"

    report = await moving.container.rewrap_data_keys.execute()
    assert (report.rewrapped, report.remaining) == (2, 0)
    await moving.container.aclose()
