"""Log out: end every session of the user."""

from __future__ import annotations

from uuid import UUID

from domain.ports import SessionRevocations


class LogOut:
    """- every access token issued to the user so far stops working, on every instance sharing
      the store (the pages' cookie and API bearers alike): a copied token dies with the session;
    - logging in again gives a token that works."""

    def __init__(self, revocations: SessionRevocations) -> None:
        self._revocations = revocations

    async def execute(self, user_id: UUID) -> None:
        await self._revocations.revoke(user_id)
