"""How an AWS KMS key is named in the settings, and the master key id data key rows record for it
(docs/security.md, "Master keys in AWS KMS").

The recorded id is ``kms:<key id>``: the key's own id (a UUID, or ``mrk-…`` for a multi-region
key), never an alias, which can be pointed at another key, nor the ARN, whose region would make
a multi-region key's replica look like another master key. It fits the 64 characters the tables
give a master key id, and cannot clash with a local keyring id (those have no colon).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KMS_ID_PREFIX = "kms:"

_KEY_ID = r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
_ALIAS = r"alias/[A-Za-z0-9/_-]{1,250}"
_ARN = r"arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):\d{12}:"
_BARE_KEY = re.compile(_KEY_ID)
_KEY_ARN = re.compile(_ARN + r"key/(?P<key>" + _KEY_ID + ")")
_BARE_ALIAS = re.compile(_ALIAS)
_ALIAS_ARN = re.compile(_ARN + _ALIAS)


@dataclass(frozen=True, slots=True)
class KmsKeyRef:
    """``BYOM_KMS_KEY_ID`` parsed: a key ARN, a key id, an alias name or an alias ARN."""

    value: str
    key_id: str | None
    """The key's own id when the reference names it; None for an alias (resolved by asking)."""
    region: str | None
    """The region an ARN names; None for a bare id or alias."""

    @classmethod
    def parse(cls, value: str) -> KmsKeyRef:
        """Raises ``ValueError`` with a message that does not repeat the value."""
        if _BARE_KEY.fullmatch(value):
            return cls(value, value, None)
        if match := _KEY_ARN.fullmatch(value):
            return cls(value, match["key"], match["region"])
        if _BARE_ALIAS.fullmatch(value):
            return cls(value, None, None)
        if match := _ALIAS_ARN.fullmatch(value):
            return cls(value, None, match["region"])
        raise ValueError(
            "must be a KMS key ARN, a key id, `alias/<name>` or an alias ARN "
            "(arn:aws:kms:<region>:<account>:key/<id> or …:alias/<name>)"
        )

    @property
    def is_alias(self) -> bool:
        return self.key_id is None


def kms_master_key_id(key_id_or_arn: str) -> str:
    """``kms:<key id>`` for a key id or key ARN, as KMS returns them in ``KeyId``."""
    return KMS_ID_PREFIX + key_id_or_arn.rsplit("/", 1)[-1]


def is_kms_master_key_id(master_key_id: str) -> bool:
    return master_key_id.startswith(KMS_ID_PREFIX)
