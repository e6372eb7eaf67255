"""The ``byom`` command on a real SQLite database: migrations, accounts, master-key rotation."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from adapters.crypto.keyring import Keyring
from adapters.persistence.sqlalchemy.migrate import head_revision
from application.keys.keyring_census import MasterKeysMissing
from entrypoints.bootstrap import Container
from entrypoints.cli import main
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.support.builders import key_line, sql_world
from tests.support.constants import ANTHROPIC_KEY, OPENAI_KEY

K1, K2 = key_line("k1"), key_line("k2")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BYOM_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("BYOM_ENCRYPTION_KEYS", K1)
    monkeypatch.setenv("BYOM_JWT_SECRET", "cli-test-secret-" + "x" * 32)
    assert main(["db", "upgrade"]) == 0
    return tmp_path


def _container() -> Container:
    return sql_world(Settings.from_env()).container


def _seed_users(count: int) -> None:
    async def seed() -> None:
        c = _container()
        try:
            for n in range(count):
                user = await c.register_user.execute(
                    email=f"user{n}@example.com", password="a long enough password"
                )
                await c.add_credential.execute(user.id, provider="openai", api_key=OPENAI_KEY)
                await c.add_credential.execute(user.id, provider="anthropic", api_key=ANTHROPIC_KEY)
        finally:
            await c.aclose()

    asyncio.run(seed())


def _open_everything() -> int:
    async def open_all() -> int:
        c = _container()
        opened = 0
        try:
            async with c.uow() as uow:
                for n in range(100):
                    user = await uow.users.by_email(f"user{n}@example.com")
                    if user is None:
                        break
                    for credential in await uow.credentials.list_for_user(user.id):
                        key = await c.sealer.open(uow, credential)
                        assert key.reveal() in (OPENAI_KEY, ANTHROPIC_KEY)
                        opened += 1
        finally:
            await c.aclose()
        return opened

    return asyncio.run(open_all())


def test_keys_generate_prints_a_usable_key_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "generate", "--id", "k9"]) == 0
    line = capsys.readouterr().out.strip()
    assert Keyring.parse(line).primary.key_id == "k9"


def test_db_current_names_the_head(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip() == head_revision() == "0008"


def test_users_create_reads_the_password_from_stdin(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("an operator password\n"))
    assert main(["users", "create", "--email", "Ops@Example.com", "--password-stdin"]) == 0
    assert "<ops@example.com>" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("an operator password\n"))
    assert main(["users", "create", "--email", "ops@example.com", "--password-stdin"]) == 1


def test_users_create_refuses_a_common_password_and_says_why(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("password12\n"))
    assert main(["users", "create", "--email", "ops@example.com", "--password-stdin"]) == 1
    assert "common password" in capsys.readouterr().err


def test_rotation_rewrap_interrupted_then_completed(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed_users(5)
    monkeypatch.setenv("BYOM_ENCRYPTION_KEYS", f"{K2},{K1}")
    capsys.readouterr()
    assert main(["keys", "status"]) == 0
    status = capsys.readouterr().out
    assert "k2\t0 data keys (primary)" in status
    assert "k1\t5 data keys" in status

    assert main(["keys", "rewrap", "--batch-size", "2", "--max-batches", "1"]) == 0
    assert "3 not yet under k2" in capsys.readouterr().out
    assert _open_everything() == 10, "half-way, every credential still opens"

    assert main(["keys", "rewrap", "--batch-size", "2"]) == 0
    assert "0 not yet under k2" in capsys.readouterr().out
    assert main(["keys", "status"]) == 0
    assert "k2\t5 data keys (primary)" in capsys.readouterr().out

    monkeypatch.setenv("BYOM_ENCRYPTION_KEYS", K2)
    assert _open_everything() == 10, "k1 retired: everything opens under k2 alone"


def test_rewrap_shows_progress_and_ends_with_a_summary_and_the_rate(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed_users(3)
    monkeypatch.setenv("BYOM_ENCRYPTION_KEYS", f"{K2},{K1}")
    capsys.readouterr()
    assert main(["keys", "rewrap", "--batch-size", "1"]) == 0
    out, err = capsys.readouterr()
    assert "\r" not in err, "no carriage-return bar when stderr is not a terminal"
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("rewrapped 3 data keys in 3 batches in ")
    assert summary.endswith("/s); 0 not yet under k2")


def test_a_keyring_missing_a_used_master_key_is_reported_and_refuses_to_serve(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed_users(2)
    monkeypatch.setenv("BYOM_ENCRYPTION_KEYS", K2)
    capsys.readouterr()
    assert main(["keys", "status"]) == 0
    assert "k1\t2 data keys (MISSING from keyring)" in capsys.readouterr().out

    settings = Settings.from_env()

    async def start() -> None:
        app = create_app(settings, build_container=lambda _: _container())
        async with app.lifespan():
            pass

    with pytest.raises(BaseExceptionGroup) as caught:
        asyncio.run(start())
    assert caught.group_contains(MasterKeysMissing, match=r"'k1' \(2 data keys\)")


def test_rotate_user_reseals_their_credentials(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed_users(2)
    capsys.readouterr()
    assert main(["keys", "rotate-user", "user1@example.com"]) == 0
    assert "2 credentials re-sealed" in capsys.readouterr().out
    assert _open_everything() == 4
    assert main(["keys", "rotate-user", "nobody@example.com"]) == 1


def test_a_bad_configuration_exits_2_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BYOM_PORT", "eighty")
    assert main(["keys", "status"]) == 2
    assert "BYOM_PORT" in capsys.readouterr().err
