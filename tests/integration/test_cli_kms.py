"""Issue 17, item 3: moving master keys from the local keyring to AWS KMS with the ``byom``
command (moto's server mode as KMS), as docs/security.md tells an operator to."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from adapters.crypto.kms_key_ref import kms_master_key_id
from entrypoints.bootstrap import Container
from entrypoints.cli import main
from entrypoints.settings import Settings
from tests.support.builders import key_line, sql_world
from tests.support.constants import ANTHROPIC_KEY, OPENAI_KEY
from tests.support.kms_standin import REGION, KmsStandin

K1 = key_line("k1")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_credentials: None) -> Path:
    monkeypatch.setenv("BYOM_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("BYOM_ENCRYPTION_KEYS", K1)
    monkeypatch.setenv("BYOM_JWT_SECRET", "cli-test-secret-" + "x" * 32)
    assert main(["db", "upgrade"]) == 0
    return tmp_path


def _switch_to_kms(monkeypatch: pytest.MonkeyPatch, standin: KmsStandin, key: str) -> None:
    monkeypatch.setenv("BYOM_KEY_WRAPPER", "aws-kms")
    monkeypatch.setenv("BYOM_KMS_KEY_ID", key)
    monkeypatch.setenv("BYOM_KMS_REGION", REGION)
    monkeypatch.setenv("BYOM_KMS_ENDPOINT_URL", standin.endpoint_url)


def _in_a_container(work: Callable[[Container], Awaitable[int]]) -> int:
    async def go() -> int:
        container = sql_world(Settings.from_env()).container
        try:
            await container.open()
            return await work(container)
        finally:
            await container.aclose()

    return asyncio.run(go())


async def _seed(c: Container) -> int:
    for n in range(3):
        user = await c.register_user.execute(
            email=f"user{n}@example.com", password="a long enough password"
        )
        await c.add_credential.execute(user.id, provider="openai", api_key=OPENAI_KEY)
        await c.add_credential.execute(user.id, provider="anthropic", api_key=ANTHROPIC_KEY)
    return 3


async def _open_everything(c: Container) -> int:
    opened = 0
    async with c.uow() as uow:
        for n in range(3):
            user = await uow.users.by_email(f"user{n}@example.com")
            assert user is not None
            for credential in await uow.credentials.list_for_user(user.id):
                key = await c.sealer.open(uow, credential)
                assert key.reveal() in (OPENAI_KEY, ANTHROPIC_KEY)
                opened += 1
    return opened


def test_keys_move_from_the_local_keyring_to_kms_with_byom_keys_rewrap(
    env: Path,
    kms_standin: KmsStandin,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _in_a_container(_seed) == 3
    alias = "alias/byom-cli-move"
    asyncio.run(kms_standin.create_alias(alias, kms_standin.key_arn))
    kms_id = kms_master_key_id(kms_standin.key_arn)
    _switch_to_kms(monkeypatch, kms_standin, alias)  # the local keyring stays configured
    capsys.readouterr()

    assert main(["keys", "status"]) == 0
    status = capsys.readouterr().out
    assert f"{kms_id}\t0 data keys (primary)" in status
    assert "k1\t3 data keys" in status

    assert main(["keys", "rewrap", "--batch-size", "2"]) == 0
    assert f"0 not yet under {kms_id}" in capsys.readouterr().out

    monkeypatch.delenv("BYOM_ENCRYPTION_KEYS")  # the local keyring retired
    assert main(["keys", "status"]) == 0
    assert capsys.readouterr().out.strip() == f"{kms_id}\t3 data keys (primary)"
    assert _in_a_container(_open_everything) == 6


def test_a_rewrap_while_kms_is_down_says_so_and_exits_non_zero(
    env: Path,
    kms_standin: KmsStandin,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _in_a_container(_seed)
    _switch_to_kms(monkeypatch, kms_standin, kms_standin.key_arn)
    capsys.readouterr()

    with kms_standin.outage():
        assert main(["keys", "rewrap"]) == 1
    err = capsys.readouterr().err
    assert "the key service is unavailable" in err
    assert "Traceback" not in err

    assert main(["keys", "rewrap"]) == 0
