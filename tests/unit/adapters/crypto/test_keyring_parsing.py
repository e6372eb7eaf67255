"""The operator keyring format: ``key_id:base64url(32 bytes)``, comma- or line-separated."""

from __future__ import annotations

import base64
import os

import pytest

from adapters.crypto import Keyring, KeyringError, MasterKey, generate_key_line


def encode(material: bytes, *, padded: bool = False) -> str:
    text = base64.urlsafe_b64encode(material).decode()
    return text if padded else text.rstrip("=")


def test_a_single_entry_parses_to_a_one_key_keyring() -> None:
    material = os.urandom(32)
    keyring = Keyring.parse(f"v1:{encode(material)}")

    assert keyring.key_ids() == ("v1",)
    assert keyring.primary.key_id == "v1"
    assert keyring.primary.material == material


def test_the_first_entry_is_the_primary_and_order_is_kept() -> None:
    keys = {name: os.urandom(32) for name in ("v3", "v1", "v2")}
    keyring = Keyring.parse(",".join(f"{k}:{encode(v)}" for k, v in keys.items()))

    assert keyring.key_ids() == ("v3", "v1", "v2")
    assert keyring.primary.key_id == "v3"
    for key_id, material in keys.items():
        found = keyring.get(key_id)
        assert found is not None
        assert found.material == material
    assert keyring.get("v4") is None
    assert "v2" in keyring
    assert "v4" not in keyring
    assert len(keyring) == 3


def test_padding_is_optional() -> None:
    material = os.urandom(32)
    padded = Keyring.parse(f"k:{encode(material, padded=True)}")
    bare = Keyring.parse(f"k:{encode(material)}")

    assert padded.primary.material == bare.primary.material == material


def test_whitespace_newlines_and_comments_around_entries_are_tolerated() -> None:
    a, b, c = os.urandom(32), os.urandom(32), os.urandom(32)
    text = (
        "# BYOM keyring, newest first\n"
        f"  2025-06.b : {encode(b)}  # rotated in June\n"
        "\n"
        f"\t2025-01_a:{encode(a)} ,\n"
        f"old:{encode(c)},\r\n"
        "   # trailing comment\n"
    )

    keyring = Keyring.parse(text)

    assert keyring.key_ids() == ("2025-06.b", "2025-01_a", "old")
    assert [key.material for key in keyring] == [b, a, c]


def test_a_generated_line_parses_back_to_32_fresh_bytes() -> None:
    first = Keyring.parse(generate_key_line("gen-1")).primary
    second = Keyring.parse(generate_key_line("gen-1")).primary

    assert first.key_id == "gen-1"
    assert len(first.material) == 32
    assert first.material != second.material
    assert "=" not in generate_key_line("x")


def test_generating_a_line_with_an_invalid_id_is_refused() -> None:
    with pytest.raises(KeyringError, match="key id"):
        generate_key_line("bad id")


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n\n", "# only a comment\n", ",,", " , \n , "],
)
def test_an_empty_keyring_is_refused(text: str) -> None:
    with pytest.raises(KeyringError, match="empty"):
        Keyring.parse(text)


@pytest.mark.parametrize("entry", ["v1", "v1:", ":{key}", "{key}"])
def test_an_entry_without_id_or_key_is_malformed(entry: str) -> None:
    with pytest.raises(KeyringError, match="entry 1 is malformed"):
        Keyring.parse(entry.format(key=encode(os.urandom(32))))


@pytest.mark.parametrize(
    "key_id",
    ["bad id", "v1/2", "ключ", "a" * 65, "v1;drop", "v@1"],
)
def test_a_key_id_outside_the_allowed_alphabet_is_refused(key_id: str) -> None:
    with pytest.raises(KeyringError, match="key id must be 1-64"):
        Keyring.parse(f"{key_id}:{encode(os.urandom(32))}")


def test_a_64_character_key_id_is_accepted() -> None:
    keyring = Keyring.parse(f"{'a' * 64}:{encode(os.urandom(32))}")

    assert keyring.primary.key_id == "a" * 64


def test_a_duplicate_key_id_is_refused() -> None:
    text = f"v1:{encode(os.urandom(32))},v2:{encode(os.urandom(32))},v1:{encode(os.urandom(32))}"

    with pytest.raises(KeyringError, match="duplicate master key id 'v1'"):
        Keyring.parse(text)


@pytest.mark.parametrize("size", [1, 16, 31, 33, 64])
def test_a_key_that_is_not_exactly_32_bytes_is_refused(size: int) -> None:
    with pytest.raises(KeyringError, match=f"exactly 32 bytes, got {size}$"):
        Keyring.parse(f"v1:{encode(os.urandom(size))}")


def test_a_short_key_error_names_the_entry_and_its_size() -> None:
    with pytest.raises(KeyringError, match=r"entry 2 \(key id 'short'\).*exactly 32 bytes, got 31"):
        Keyring.parse(f"ok:{encode(os.urandom(32))},short:{encode(os.urandom(31))}")


@pytest.mark.parametrize(
    "encoded",
    ["not base64!", "abc$def", "a b c", "abcde", "==abc", "ab=cd"],
)
def test_text_that_is_not_base64url_is_refused(encoded: str) -> None:
    with pytest.raises(KeyringError, match="not base64url"):
        Keyring.parse(f"v1:{encoded}")


def test_standard_base64_is_refused_with_a_hint() -> None:
    material = os.urandom(32)
    while b"+" not in base64.b64encode(material) and b"/" not in base64.b64encode(material):
        material = os.urandom(32)

    with pytest.raises(KeyringError, match="use - and _ instead of"):
        Keyring.parse(f"v1:{base64.b64encode(material).decode()}")


def test_a_master_key_checks_its_own_id_and_length() -> None:
    with pytest.raises(KeyringError, match="exactly 32 bytes"):
        MasterKey("v1", os.urandom(16))
    with pytest.raises(KeyringError, match="key id"):
        MasterKey("", os.urandom(32))


def test_a_keyring_needs_at_least_one_key() -> None:
    with pytest.raises(KeyringError, match="empty"):
        Keyring([])


def test_keyring_errors_are_value_errors_for_callers_that_report_bad_values() -> None:
    with pytest.raises(ValueError, match="empty"):
        Keyring.parse("")
