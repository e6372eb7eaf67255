"""Rules for account input: email shape, password length and characters."""

from __future__ import annotations

import re
import unicodedata

from domain.errors import InvalidEmail, WeakPassword

MIN_PASSWORD_LENGTH = 10
# Argon2 hashes any length, but a 10 MB password is a denial-of-service, not a password.
MAX_PASSWORD_LENGTH = 1024
MAX_EMAIL_LENGTH = 254

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def parse_email(raw: str) -> str:
    email = raw.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.match(email) or not email.isprintable():
        raise InvalidEmail("this is not an email address")
    return email


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"the password can have at most {MAX_PASSWORD_LENGTH} characters")
    if any(unicodedata.category(c) == "Cc" for c in password):
        # NUL, tab, newline, DEL…: invisible when typed, mangled by forms, terminals and C APIs.
        raise WeakPassword("the password cannot contain control characters (NUL, tab, newline…)")
