"""BYOM_KEY_WRAPPER and BYOM_KMS_*: the local keyring by default, a KMS key when asked, and an
incomplete KMS configuration refused with a message that names what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.bootstrap import key_wrapping
from entrypoints.settings import KeyWrapperKind, Settings, SettingsError
from tests.support.builders import key_line
from tests.support.fakes import FakeClock

ARN = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
MRK_ARN = "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"
PRODUCTION = {
    "BYOM_ENV": "production",
    "BYOM_JWT_SECRET": "s" * 40,
    "BYOM_DATABASE_URL": "postgresql+asyncpg://db/byom",
    "BYOM_METRICS_TOKEN": "t" * 32,
}


def test_the_local_keyring_is_the_default(tmp_path: Path) -> None:
    settings = Settings.from_env({"BYOM_VAR_DIR": str(tmp_path)})
    assert settings.key_wrapper.kind is KeyWrapperKind.LOCAL
    assert not settings.key_wrapper.uses_kms


def test_a_key_arn_names_its_region_and_is_recorded_by_its_key_id() -> None:
    settings = Settings.from_env(
        {**PRODUCTION, "BYOM_KEY_WRAPPER": "aws-kms", "BYOM_KMS_KEY_ID": ARN}
    )
    assert settings.key_wrapper.region == "eu-central-1"
    wrapper = key_wrapping(settings, FakeClock()).wrapper
    assert wrapper.primary_key_id == "kms:1234abcd-12ab-34cd-56ef-1234567890ab"
    assert wrapper.key_ids() == (wrapper.primary_key_id,), "no local keyring in production"


def test_a_multi_region_key_has_one_id_whatever_the_region() -> None:
    env = {**PRODUCTION, "BYOM_KEY_WRAPPER": "aws-kms", "BYOM_KMS_KEY_ID": MRK_ARN}
    here = key_wrapping(Settings.from_env(env), FakeClock()).wrapper
    replica = MRK_ARN.replace("us-east-1", "eu-west-1")
    there = key_wrapping(Settings.from_env({**env, "BYOM_KMS_KEY_ID": replica}), FakeClock())
    assert here.primary_key_id == there.wrapper.primary_key_id
    assert len(here.primary_key_id) <= 64


def test_production_with_kms_needs_no_local_keyring_but_a_kms_key() -> None:
    with pytest.raises(SettingsError, match="BYOM_KEY_WRAPPER=aws-kms needs BYOM_KMS_KEY_ID"):
        Settings.from_env({**PRODUCTION, "BYOM_KEY_WRAPPER": "aws-kms"})


def test_an_alias_needs_a_region() -> None:
    env = {**PRODUCTION, "BYOM_KEY_WRAPPER": "aws-kms", "BYOM_KMS_KEY_ID": "alias/byom"}
    with pytest.raises(SettingsError, match="needs BYOM_KMS_REGION"):
        Settings.from_env(env)
    settings = Settings.from_env({**env, "BYOM_KMS_REGION": "eu-west-1"})
    assert settings.key_wrapper.region == "eu-west-1"


def test_production_refuses_a_plain_http_kms_endpoint() -> None:
    env = {**PRODUCTION, "BYOM_KEY_WRAPPER": "aws-kms", "BYOM_KMS_KEY_ID": ARN}
    with pytest.raises(SettingsError, match="https BYOM_KMS_ENDPOINT_URL"):
        Settings.from_env({**env, "BYOM_KMS_ENDPOINT_URL": "http://kms.internal"})
    Settings.from_env({**env, "BYOM_KMS_ENDPOINT_URL": "https://kms.internal"})


def test_a_kms_key_without_aws_kms_selected_is_a_mistake_said_plainly(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="BYOM_KEY_WRAPPER is `local`"):
        Settings.from_env({"BYOM_VAR_DIR": str(tmp_path), "BYOM_KMS_KEY_ID": ARN})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BYOM_KEY_WRAPPER", "vault", "BYOM_KEY_WRAPPER must be one of: local, aws-kms"),
        ("BYOM_KMS_KEY_ID", "my-secret-looking-key", "BYOM_KMS_KEY_ID must be a KMS key ARN"),
        ("BYOM_KMS_REGION", "Europe", "BYOM_KMS_REGION must be an AWS region"),
        ("BYOM_KMS_ENDPOINT_URL", "kms.internal", "BYOM_KMS_ENDPOINT_URL must be an http"),
    ],
)
def test_bad_values_are_named_without_being_repeated(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    env = {"BYOM_VAR_DIR": str(tmp_path), "BYOM_KEY_WRAPPER": "aws-kms", "BYOM_KMS_KEY_ID": ARN}
    with pytest.raises(SettingsError, match=message) as refused:
        Settings.from_env({**env, name: value})
    assert value not in str(refused.value)


def test_during_a_move_the_local_keyring_still_unwraps(tmp_path: Path) -> None:
    env = {
        "BYOM_VAR_DIR": str(tmp_path),
        "BYOM_KEY_WRAPPER": "aws-kms",
        "BYOM_KMS_KEY_ID": ARN,
        "BYOM_ENCRYPTION_KEYS": f"{key_line('k2')},{key_line('k1')}",
    }
    wrapper = key_wrapping(Settings.from_env(env), FakeClock()).wrapper
    assert wrapper.key_ids() == ("kms:1234abcd-12ab-34cd-56ef-1234567890ab", "k2", "k1")


def test_kms_never_generates_a_development_keyring(tmp_path: Path) -> None:
    env = {"BYOM_VAR_DIR": str(tmp_path), "BYOM_KEY_WRAPPER": "aws-kms", "BYOM_KMS_KEY_ID": ARN}
    key_wrapping(Settings.from_env(env), FakeClock())
    assert not (tmp_path / "encryption-keys").exists()
