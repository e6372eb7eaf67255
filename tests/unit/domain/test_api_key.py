"""An API key's shape: what ``ApiKey`` refuses, and with which message."""

from __future__ import annotations

import pytest

from domain.api_key import ApiKey
from domain.errors import MalformedApiKey

BODY = "sk-proj-0123456789abcdef"


@pytest.mark.parametrize(
    "space", [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\xa0", "\u2003", "\u3000"]
)
@pytest.mark.parametrize("where", [0, 7, len(BODY)])
def test_any_whitespace_anywhere_is_refused_as_whitespace(space: str, where: int) -> None:
    """Unicode's too (a non-breaking space pasted from a web page), wherever it sits."""
    with pytest.raises(MalformedApiKey, match="contains whitespace"):
        ApiKey(BODY[:where] + space + BODY[where:])


@pytest.mark.parametrize("odd", ["\x00", "\x07", "\x7f", "é", "\u200b"])
def test_control_and_non_ascii_characters_are_refused(odd: str) -> None:
    with pytest.raises(MalformedApiKey, match="control or non-ASCII"):
        ApiKey(BODY + odd)


def test_a_well_formed_key_is_kept_and_never_printed() -> None:
    key = ApiKey(BODY)
    assert key.reveal() == BODY
    assert BODY not in repr(key)
    assert BODY not in str(key)


@pytest.mark.parametrize(
    ("raw", "message"),
    [("", "empty"), ("   ", "empty"), ("sk-1234", "too short"), ("k" * 4097, "too long")],
)
def test_empty_short_and_long_keys_are_refused(raw: str, message: str) -> None:
    with pytest.raises(MalformedApiKey, match=message):
        ApiKey(raw)
