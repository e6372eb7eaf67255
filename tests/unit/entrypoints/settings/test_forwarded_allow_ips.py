"""BYOM_FORWARDED_ALLOW_IPS: the proxies whose X-Forwarded-For is believed. Unset trusts none;
anything that is not an address or a network is refused by name (uvicorn would take it as a
host name that never matches, and the header would be ignored without a word)."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.settings import Settings, SettingsError


def _trusted(tmp_path: Path, raw: str | None) -> tuple[str, ...]:
    environ = {"BYOM_VAR_DIR": str(tmp_path)}
    if raw is not None:
        environ["BYOM_FORWARDED_ALLOW_IPS"] = raw
    return Settings.from_env(environ).server.forwarded_allow_ips


def test_unset_or_blank_trusts_no_proxy(tmp_path: Path) -> None:
    assert _trusted(tmp_path, None) == ()
    assert _trusted(tmp_path, "  ") == ()


def test_addresses_and_networks_are_read_normalised_and_without_repeats(tmp_path: Path) -> None:
    raw = " 10.0.0.7 ,172.18.0.0/16,, ::1, 10.0.0.7/32, fd00:0::/8 "
    assert _trusted(tmp_path, raw) == ("10.0.0.7", "172.18.0.0/16", "::1", "fd00::/8")


@pytest.mark.parametrize(
    "raw",
    ["proxy.internal", "10.0.0.0/33", "10.0.0.1/8", "*", "10.0.0.7 10.0.0.8", "256.1.1.1"],
)
def test_anything_else_is_refused_naming_the_variable_not_the_value(
    tmp_path: Path, raw: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        _trusted(tmp_path, raw)
    assert str(refused.value).startswith("BYOM_FORWARDED_ALLOW_IPS must list IP addresses")
    assert raw not in str(refused.value)
