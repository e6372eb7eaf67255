"""Accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.login_failures import LoginFailures


@dataclass(slots=True)
class User:
    id: UUID
    email: str
    password_hash: str
    created_at: datetime
    is_active: bool = True
    # Failed logins for this account (by anyone), kept for its owner to see.
    login_failures: LoginFailures | None = None

    def deactivate(self) -> bool:
        """Close the account for good: nothing makes it active again. False when it already was."""
        if not self.is_active:
            return False
        self.is_active = False
        return True
