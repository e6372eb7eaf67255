"""What the command groups share: the handler shape and a container for the command's work."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeAlias
from uuid import UUID

from entrypoints.settings import Settings

if TYPE_CHECKING:
    # Imported where used: the process that supervises `byom serve --workers N` then never
    # loads the application (about a second and 70 MB that only the workers need).
    from entrypoints.bootstrap import Container

Command: TypeAlias = Callable[[argparse.Namespace, Settings], int]
Unconfigured: TypeAlias = Callable[[argparse.Namespace], int]
"""A command that runs without settings (parsers set it as ``unconfigured``)."""
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

CONFIGURATION_ERROR = 2
"""``byom``'s exit code when it refuses the configuration (deploy/entrypoint.sh passes it on)."""


def run(
    settings: Settings, work: Callable[[Container], Awaitable[int]], *, seals_keys: bool = False
) -> int:
    """``work`` on a container built for this command, closed after. The development-key
    warning is for commands that seal keys under it (they make data the development key will
    have to be rotated out of); a command that only reads leaves it out."""
    from entrypoints.bootstrap import KEYRING_LOG, build

    logging.getLogger(KEYRING_LOG).setLevel(logging.NOTSET if seals_keys else logging.ERROR)

    async def go() -> int:
        container = build(settings)
        try:
            await container.open()
            return await work(container)
        finally:
            await container.aclose()

    return asyncio.run(go())


async def user_id_of(c: Container, who: str) -> UUID:
    try:
        return UUID(who)
    except ValueError:
        async with c.uow() as uow:
            user = await uow.users.by_email(who.strip().lower())
        if user is None:
            raise ValueError(f"no user with email {who!r}") from None
        return user.id
