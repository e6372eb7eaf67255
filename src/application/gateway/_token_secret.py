"""Gateway token secrets: how they look, and the only form in which they are stored.

A token is ``byom_`` followed by 256 random bits (base64url). Only its SHA-256 digest is
stored: with that much entropy a fast hash cannot be brute-forced, and a slow password hash
would add ~100 ms to every gateway call."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "byom_"
RANDOM_BYTES = 32
HINT_LENGTH = 4


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(RANDOM_BYTES)


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def hint(secret: str) -> str:
    return secret[-HINT_LENGTH:]


def looks_like_a_token(raw: str) -> bool:
    return raw.startswith(PREFIX) and len(raw) <= 200 and raw.isascii() and raw.isprintable()
