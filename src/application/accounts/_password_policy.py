"""What a new password must be, wherever one is chosen (sign-up, change, the CLI)."""

from __future__ import annotations

from domain.account import check_password
from domain.errors import WeakPassword
from domain.ports import PasswordStrength


def check_new_password(password: str, email: str, strength: PasswordStrength) -> None:
    """- 10 to 1024 characters, no control characters (the domain's rules);
    - not common, breached or patterned, nor made of the user's email: judged offline."""
    check_password(password)
    weakness = strength.weakness(password, hints=(email, email.partition("@")[0]))
    if weakness is not None:
        raise WeakPassword(f"the password is too easy to guess. {weakness}")
