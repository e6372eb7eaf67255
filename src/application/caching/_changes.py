"""Telling every process that a user's state changed (the ``ChangeFeed`` port)."""

from __future__ import annotations

from uuid import UUID

from domain.ports import ChangeFeed


async def announce(changes: ChangeFeed | None, user_id: UUID) -> None:
    """After the commit: every process (this one first) forgets what it remembers of
    ``user_id``. None: nothing is remembered anywhere, there is no one to tell."""
    if changes is not None:
        await changes.publish(user_id)
