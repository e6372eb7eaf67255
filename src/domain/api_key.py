"""An API key that will not print itself."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.errors import MalformedApiKey
from domain.provider import Provider

MIN_KEY_LENGTH = 8
MAX_KEY_LENGTH = 4096
# What str.isspace() calls whitespace (Unicode's), found in C: a key is checked on every call
# that decrypts one, where a generator over its characters cost a step per character.
_WHITESPACE = re.compile(r"\s")

# Prefixes that identify a provider's keys; used only to give a helpful message when a key
# is pasted under the wrong provider.
_PREFIXES: tuple[tuple[str, Provider], ...] = (
    ("sk-ant-", Provider.ANTHROPIC),
    ("AIza", Provider.GOOGLE),
    ("sk-", Provider.OPENAI),
)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A provider API key. ``reveal()`` is the only way to the plaintext."""

    _value: str = field(repr=False)

    def __post_init__(self) -> None:
        value = self._value
        if not value or not value.strip():
            raise MalformedApiKey("the API key is empty")
        if len(value) < MIN_KEY_LENGTH:
            raise MalformedApiKey(
                f"the API key is too short (at least {MIN_KEY_LENGTH} characters)"
            )
        if len(value) > MAX_KEY_LENGTH:
            raise MalformedApiKey(f"the API key is too long (at most {MAX_KEY_LENGTH} characters)")
        if _WHITESPACE.search(value):
            raise MalformedApiKey("the API key contains whitespace")
        if not value.isprintable() or not value.isascii():
            raise MalformedApiKey("the API key contains control or non-ASCII characters")

    @classmethod
    def for_provider(cls, raw: str, provider: Provider) -> ApiKey:
        """Trim surrounding whitespace (copy-paste), check shape and the provider's prefix."""
        key = cls(raw.strip())
        looks_like = key.looks_like()
        if looks_like is not None and provider not in (looks_like, Provider.OPENAI_COMPATIBLE):
            theirs, ours = _article(looks_like.label), _article(provider.label)
            raise MalformedApiKey(f"this looks like {theirs} key, not {ours} key")
        return key

    def looks_like(self) -> Provider | None:
        for prefix, provider in _PREFIXES:
            if self._value.startswith(prefix):
                return provider
        return None

    @property
    def hint(self) -> str:
        return self._value[-4:]

    @property
    def masked(self) -> str:
        return mask(self.hint, self.looks_like())

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"ApiKey('…{self.hint}')"

    __str__ = __repr__


_MASK_PREFIX = {Provider.OPENAI: "sk-", Provider.ANTHROPIC: "sk-ant-", Provider.GOOGLE: "AIza"}


def mask(hint: str, provider: Provider | None = None) -> str:
    """``sk-…abcd``: enough to recognise a key, nothing to use it."""
    return f"{_MASK_PREFIX.get(provider, '') if provider else ''}…{hint}"


def _article(label: str) -> str:
    return f"an {label}" if label[0] in "AEIOU" else f"a {label}"
