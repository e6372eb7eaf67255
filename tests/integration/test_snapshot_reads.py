"""A read whose transaction's snapshot predates a notice must not be remembered after it.

On SQLite (WAL) a transaction reads from the snapshot of its first statement: a data key
unwrapped in a transaction that already read the credential, destroyed by a rotation in
between, must not stay in memory for BYOM_CACHE_TTL_S."""

from __future__ import annotations

import uuid

from tests.support.builders import make_settings, sql_world
from tests.support.constants import OPENAI_KEY, PASSWORD


async def test_a_data_key_read_in_an_older_snapshot_is_not_kept_after_it_was_destroyed(
    sqlite_url: str,
) -> None:
    container = sql_world(make_settings(database_url=sqlite_url)).container
    await container.open()
    try:
        user = await container.register_user.execute(email="b@example.com", password=PASSWORD)
        await container.add_credential.execute(user.id, provider="openai", api_key=OPENAI_KEY)
        sealer, uow_factory = container.sealer, container.send_message._uow
        remembered = container.sealer._deks
        assert remembered is not None

        since = sealer.ticket()  # as a use case takes it, before its transaction
        async with uow_factory() as uow:
            (credential,) = await uow.credentials.list_for_user(user.id)  # the snapshot
            old = (user.id, uuid.UUID(credential.encryption_key_id))
            # Meanwhile the user's data key is rotated: the old one destroyed, announced.
            await container.rotate_user_data_key.execute(user.id)
            await sealer.open(uow, credential, since=since)  # the older snapshot: still live

        assert remembered.recall(old) is None, "a destroyed data key was remembered"
    finally:
        await container.aclose()
