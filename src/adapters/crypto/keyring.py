"""The operator's master keyring (docs/security.md, "Keyring and rotation").

Format: comma-separated ``key_id:base64url(32 bytes)`` entries, primary first. A file may put one
entry per line and carry ``#`` comments. No error message here ever contains key material: entries
are named by position and by key id, and an id long enough to be a key itself is not echoed.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

MASTER_KEY_BYTES = 32
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")
DEV_KEY_ID = "dev1"

_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
# 32 bytes take 43 base64url characters: an id at least this long could be a key pasted in the
# wrong place, so messages never repeat it.
_SHORTEST_ENCODED_KEY = 43


class KeyringError(ValueError):
    """The keyring configuration is unusable; the service must not start with it.

    A ``ValueError`` (a bad configuration value), so callers that report bad values report this.
    """


@dataclass(frozen=True, slots=True, eq=False)
class MasterKey:
    """One master key (KEK). Compared by identity and never printed with its bytes."""

    key_id: str
    material: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not KEY_ID_PATTERN.fullmatch(self.key_id):
            raise KeyringError("a master key id must be 1-64 of A-Z a-z 0-9 _ . -")
        if len(self.material) != MASTER_KEY_BYTES:
            raise KeyringError(f"master key {self.key_id!r} must be exactly 32 bytes")

    def __repr__(self) -> str:
        return f"MasterKey(key_id={self.key_id!r})"

    __str__ = __repr__


class Keyring:
    """Master keys in operator order; the first is the primary, used for every new wrap."""

    __slots__ = ("_by_id", "_keys")

    def __init__(self, keys: Iterable[MasterKey]) -> None:
        ordered = tuple(keys)
        if not ordered:
            raise KeyringError("the keyring is empty: configure at least one master key")
        by_id: dict[str, MasterKey] = {}
        for key in ordered:
            if key.key_id in by_id:
                raise KeyringError(f"duplicate master key id {_shown(key.key_id)}")
            by_id[key.key_id] = key
        self._keys = ordered
        self._by_id = by_id

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """Parse the operator format; raises ``KeyringError`` naming the entry at fault."""
        entries = [
            entry.strip()
            for line in text.splitlines()
            for entry in line.split("#", 1)[0].split(",")
        ]
        entries = [entry for entry in entries if entry]
        if not entries:
            raise KeyringError(
                "the keyring is empty: configure at least one key_id:base64url entry"
            )
        return cls(_parse_entry(n, entry) for n, entry in enumerate(entries, start=1))

    @property
    def primary(self) -> MasterKey:
        return self._keys[0]

    def get(self, key_id: str) -> MasterKey | None:
        return self._by_id.get(key_id)

    def key_ids(self) -> tuple[str, ...]:
        return tuple(key.key_id for key in self._keys)

    def __iter__(self) -> Iterator[MasterKey]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._by_id

    def __repr__(self) -> str:
        return f"Keyring(key_ids={self.key_ids()!r})"

    __str__ = __repr__


def _parse_entry(position: int, entry: str) -> MasterKey:
    key_id, colon, encoded = (part.strip() for part in entry.partition(":"))
    if not colon or not key_id or not encoded:
        raise KeyringError(f"keyring entry {position} is malformed: expected key_id:base64url")
    if not KEY_ID_PATTERN.fullmatch(key_id):
        raise KeyringError(
            f"keyring entry {position}: the key id must be 1-64 of A-Z a-z 0-9 _ . -"
        )
    where = f"keyring entry {position} (key id {_shown(key_id)})"
    if not _BASE64URL.fullmatch(encoded):
        hint = " (use - and _ instead of + and /)" if re.search(r"[+/]", encoded) else ""
        raise KeyringError(f"{where}: the key is not base64url{hint}")
    unpadded = encoded.rstrip("=")
    try:
        material = base64.urlsafe_b64decode(unpadded + "=" * (-len(unpadded) % 4))
    except (binascii.Error, ValueError):
        raise KeyringError(f"{where}: the key is not base64url") from None
    if len(material) != MASTER_KEY_BYTES:
        raise KeyringError(
            f"{where}: the key must decode to exactly {MASTER_KEY_BYTES} bytes, got {len(material)}"
        )
    return MasterKey(key_id, material)


def _shown(key_id: str) -> str:
    return (
        repr(key_id)
        if len(key_id) < _SHORTEST_ENCODED_KEY
        else "(not shown: long enough to be a key)"
    )


def generate_key_line(key_id: str) -> str:
    """A new ``key_id:base64url`` entry holding 32 fresh random bytes."""
    if not KEY_ID_PATTERN.fullmatch(key_id):
        raise KeyringError("a master key id must be 1-64 of A-Z a-z 0-9 _ . -")
    encoded = base64.urlsafe_b64encode(secrets.token_bytes(MASTER_KEY_BYTES)).rstrip(b"=")
    return f"{key_id}:{encoded.decode('ascii')}"
