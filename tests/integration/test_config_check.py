"""``byom config check``: what a start would refuse, refused without starting (exit code 2), and
what it found said without a secret. deploy/entrypoint.sh runs it before serve and migrate
(tests/deploy/test_entrypoint.py runs the script itself)."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.cli import main
from tests.support.builders import JWT_SECRET, key_line

KEYS = key_line("k2") + "," + key_line("k1")
TOKEN = "a-metrics-token-for-the-check"


@pytest.fixture(autouse=True)
def production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in {
        "BYOM_ENV": "production",
        "BYOM_VAR_DIR": str(tmp_path / "var"),
        "BYOM_DATABASE_URL": "postgresql+asyncpg://byom:pg-password-42@db.internal:5432/byom",
        "BYOM_ENCRYPTION_KEYS": KEYS,
        "BYOM_JWT_SECRET": JWT_SECRET,
        "BYOM_METRICS_TOKEN": TOKEN,
        "BYOM_REDIS_URL": "redis://:redis-password-42@redis:6379/0",
    }.items():
        monkeypatch.setenv(name, value)


def test_a_complete_configuration_is_described_without_secrets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["config", "check", "--production"]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == [
        "configuration ok (production)",
        "database: postgresql+asyncpg://byom:***@db.internal:5432/byom",
        "master keys: 2 (primary k2)",
        "metrics token: set",
        "shared store: Redis",
        "trusted proxies: none (X-Forwarded-For ignored; the client is the TCP peer)",
        "system default: none",
    ]
    for secret in (JWT_SECRET, TOKEN, "pg-password-42", "redis-password-42", KEYS[3:20]):
        assert secret not in out.out + out.err
    assert not (tmp_path / "var").exists(), "production writes nothing under var/"


def test_the_trusted_proxies_are_listed_and_a_typo_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BYOM_FORWARDED_ALLOW_IPS", "10.0.0.7, 172.18.0.0/16")
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert "trusted proxies: 10.0.0.7, 172.18.0.0/16 (X-Forwarded-For read from these)" in out
    monkeypatch.setenv("BYOM_FORWARDED_ALLOW_IPS", "172.18.0.0/33")
    assert main(["config", "check"]) == 2
    assert capsys.readouterr().err.startswith("configuration error: BYOM_FORWARDED_ALLOW_IPS ")


def test_an_allow_list_that_cannot_work_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BYOM_SYSTEM_DEFAULT_PROVIDER", "openai")
    monkeypatch.setenv("BYOM_SYSTEM_DEFAULT_MODEL", "gpt-4o-mini")
    monkeypatch.setenv("BYOM_SYSTEM_DEFAULT_MODELS", "gpt-4o-mini,claude-sonnet-4")
    assert main(["config", "check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("configuration error: BYOM_SYSTEM_DEFAULT_MODELS: 'claude-sonnet-4'")


def test_a_duplicate_master_key_id_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BYOM_ENCRYPTION_KEYS", key_line("k1") + "," + key_line("k1"))
    assert main(["config", "check"]) == 2
    assert "k1" in capsys.readouterr().err


def test_development_passes_the_check_but_not_the_images(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BYOM_ENV", "development")
    assert main(["config", "check"]) == 0
    assert main(["config", "check", "--production"]) == 2
    assert "BYOM_ENV is development" in capsys.readouterr().err
