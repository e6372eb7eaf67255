"""Settings come from BYOM_* variables; production refuses unsafe defaults."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from entrypoints.settings import Environment, Settings, SettingsError
from tests.support.builders import key_line, memory_world

SECRET = "s" * 40


def test_development_defaults_generate_a_private_jwt_secret(tmp_path: Path) -> None:
    settings = Settings.from_env({"BYOM_VAR_DIR": str(tmp_path)})
    assert settings.env is Environment.DEVELOPMENT
    assert settings.database.url == f"sqlite+aiosqlite:///{tmp_path / 'byom.db'}"
    secret_file = tmp_path / "jwt-secret"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert len(settings.auth.jwt_secret) >= 32
    again = Settings.from_env({"BYOM_VAR_DIR": str(tmp_path)})
    assert again.auth.jwt_secret == settings.auth.jwt_secret, "restarts keep sessions"
    assert settings.crypto.dev_keys_file == tmp_path / "encryption-keys"


def test_a_generated_jwt_secret_is_told_by_file_never_by_value(tmp_path: Path) -> None:
    first = Settings.from_env({"BYOM_VAR_DIR": str(tmp_path)})
    assert first.auth.generated_jwt_secret == tmp_path / "jwt-secret"
    assert first.generated_notice is not None
    assert f"generated a new development JWT secret in {tmp_path / 'jwt-secret'}" in (
        first.generated_notice
    )
    assert first.auth.jwt_secret not in first.generated_notice
    assert first.auth.jwt_secret not in repr(first)
    kept = Settings.from_env({"BYOM_VAR_DIR": str(tmp_path)})
    assert kept.generated_notice is None, "a restart generates nothing and says nothing"
    given = Settings.from_env({"BYOM_VAR_DIR": str(tmp_path / "b"), "BYOM_JWT_SECRET": SECRET})
    assert given.generated_notice is None
    assert not (tmp_path / "b" / "jwt-secret").exists()


def test_production_needs_a_keyring() -> None:
    with pytest.raises(SettingsError, match="BYOM_ENCRYPTION_KEYS"):
        Settings.from_env(
            {
                "BYOM_ENV": "production",
                "BYOM_JWT_SECRET": SECRET,
                "BYOM_DATABASE_URL": "postgresql+asyncpg://db/byom",
            }
        )


def test_production_needs_a_jwt_secret() -> None:
    with pytest.raises(SettingsError, match="BYOM_JWT_SECRET is required"):
        Settings.from_env({"BYOM_ENV": "production", "BYOM_ENCRYPTION_KEYS": key_line("k1")})


def test_production_refuses_sqlite() -> None:
    with pytest.raises(SettingsError, match="PostgreSQL"):
        Settings.from_env(
            {
                "BYOM_ENV": "production",
                "BYOM_JWT_SECRET": SECRET,
                "BYOM_ENCRYPTION_KEYS": key_line("k1"),
            }
        )


def test_production_needs_a_metrics_token() -> None:
    """Issue 13, item 8: /metrics names master key ids and call volumes; not public."""
    with pytest.raises(SettingsError, match="BYOM_METRICS_TOKEN"):
        Settings.from_env(
            {
                "BYOM_ENV": "production",
                "BYOM_JWT_SECRET": SECRET,
                "BYOM_ENCRYPTION_KEYS": key_line("k1"),
                "BYOM_DATABASE_URL": "postgresql+asyncpg://db/byom",
            }
        )


def test_production_with_everything_set_starts_without_a_dev_keyring() -> None:
    settings = Settings.from_env(
        {
            "BYOM_ENV": "PRODUCTION",
            "BYOM_JWT_SECRET": SECRET,
            "BYOM_ENCRYPTION_KEYS": key_line("k1"),
            "BYOM_DATABASE_URL": "postgresql+asyncpg://db/byom",
            "BYOM_METRICS_TOKEN": "m" * 32,
        }
    )
    assert settings.is_production
    assert settings.crypto.dev_keys_file is None


def test_a_short_jwt_secret_is_refused_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"BYOM_JWT_SECRET": "short-secret-value"})
    assert "short-secret-value" not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BYOM_PORT", "eighty"),
        ("BYOM_PORT", "-1"),
        ("BYOM_ALLOW_PRIVATE_BASE_URLS", "perhaps"),
        ("BYOM_HTTP_TRANSPORT", "curl"),
        ("BYOM_ENV", "staging"),
        ("BYOM_LOG_FORMAT", "xml"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({"BYOM_VAR_DIR": str(tmp_path), name: value})


def test_values_are_parsed(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "BYOM_VAR_DIR": str(tmp_path),
            "BYOM_PORT": "9001",
            "BYOM_ALLOW_PRIVATE_BASE_URLS": "yes",
            "BYOM_HTTP_TRANSPORT": "HTTPX",
            "BYOM_SYSTEM_DEFAULT_PROVIDER": "openai",
            "BYOM_SYSTEM_OPENAI_API_KEY": "sk-system-key-0001",
            "BYOM_OPENAI_BASE_URL": "http://127.0.0.1:9100/v1",
        }
    )
    assert settings.server.port == 9001
    assert settings.providers.allow_private_base_urls is True
    assert settings.providers.http_transport == "httpx"
    assert settings.providers.system_default.api_keys == {"openai": "sk-system-key-0001"}
    assert settings.providers.openai_base_url == "http://127.0.0.1:9100/v1"
    assert "sk-system-key-0001" not in repr(settings)


def test_the_database_password_stays_out_of_repr(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "BYOM_VAR_DIR": str(tmp_path),
            "BYOM_DATABASE_URL": "postgresql+asyncpg://byom:S3cretPw@db:5432/byom",
        }
    )
    assert "S3cretPw" not in repr(settings)
    assert "S3cretPw" not in repr(settings.database)


def test_the_in_process_wiring_logs_a_generated_jwt_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings.from_env(
        {"BYOM_VAR_DIR": str(tmp_path), "BYOM_ENCRYPTION_KEYS": key_line("k1")}
    )
    with caplog.at_level(logging.WARNING, logger="byom"):
        memory_world(settings)  # bootstrap.build, as build_byom and every worker call it
    told = [r.getMessage() for r in caplog.records if "JWT secret" in r.getMessage()]
    assert told == [settings.generated_notice]
    assert settings.auth.jwt_secret not in caplog.text
