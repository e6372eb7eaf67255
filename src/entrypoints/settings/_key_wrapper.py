"""Settings of the key wrapper: the local keyring (the default) or a key in AWS KMS
(docs/security.md, "Master keys in AWS KMS"). AWS credentials come from AWS's own chain
(``AWS_ACCESS_KEY_ID``…, a profile, an instance or pod role): they are not BYOM's settings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from adapters.crypto.kms_key_ref import KmsKeyRef
from entrypoints.settings._parsers import SettingsError, choice, positive
from entrypoints.settings._variables import setting

_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")


class KeyWrapperKind(StrEnum):
    LOCAL = "local"
    AWS_KMS = "aws-kms"


def kms_key(name: str, raw: str) -> KmsKeyRef:
    try:
        return KmsKeyRef.parse(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} {exc}") from None


def region(name: str, raw: str) -> str:
    if not _REGION.fullmatch(raw):
        raise SettingsError(f"{name} must be an AWS region such as eu-west-1")
    return raw


def endpoint_url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{name} must be an http(s) URL")
    return raw


@dataclass(frozen=True, slots=True)
class KeyWrapperSettings:
    kind: KeyWrapperKind = setting(
        "BYOM_KEY_WRAPPER",
        KeyWrapperKind.LOCAL,
        choice(KeyWrapperKind),
        "what wraps users' data keys: `local` (the keyring above) or `aws-kms`; with "
        "`aws-kms` a configured keyring still unwraps the data keys it wrapped until "
        "`byom keys rewrap` has moved them",
    )
    kms_key_id: KmsKeyRef | None = setting(
        "BYOM_KMS_KEY_ID",
        None,
        kms_key,
        "the KMS key (key ARN, key id, `alias/<name>` or alias ARN); required with `aws-kms`",
    )
    kms_region: str | None = setting(
        "BYOM_KMS_REGION",
        None,
        region,
        "the key's region; required with `aws-kms` unless BYOM_KMS_KEY_ID is an ARN",
    )
    kms_endpoint_url: str | None = setting(
        "BYOM_KMS_ENDPOINT_URL",
        None,
        endpoint_url,
        "another KMS endpoint (a VPC endpoint, a test stand-in); `https` in production",
    )
    kms_cache_ttl_s: int = setting(
        "BYOM_KMS_CACHE_TTL_S",
        300,
        positive,
        "how long an unwrapped data key stays in memory to spare KMS calls",
    )

    @property
    def uses_kms(self) -> bool:
        return self.kind is KeyWrapperKind.AWS_KMS

    @property
    def region(self) -> str | None:
        return self.kms_region or (self.kms_key_id.region if self.kms_key_id else None)

    def check(self, *, production: bool) -> None:
        """An incomplete KMS configuration cannot run anywhere; production also wants TLS."""
        if not self.uses_kms:
            if self.kms_key_id is not None:
                raise SettingsError(
                    "BYOM_KMS_KEY_ID is set but BYOM_KEY_WRAPPER is `local`: "
                    "set BYOM_KEY_WRAPPER=aws-kms to use KMS, or unset BYOM_KMS_KEY_ID"
                )
            return
        if self.kms_key_id is None:
            raise SettingsError("BYOM_KEY_WRAPPER=aws-kms needs BYOM_KMS_KEY_ID (the KMS key)")
        if self.region is None:
            raise SettingsError(
                "BYOM_KEY_WRAPPER=aws-kms needs BYOM_KMS_REGION (or a key ARN in BYOM_KMS_KEY_ID)"
            )
        endpoint = self.kms_endpoint_url
        if production and endpoint is not None and urlsplit(endpoint).scheme != "https":
            raise SettingsError("production needs an https BYOM_KMS_ENDPOINT_URL")
