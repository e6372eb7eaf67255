"""Move every user's data key under the primary master key (master key rotation)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from application.caching._changes import announce
from domain.errors import DecryptionFailed, UnknownMasterKey
from domain.ports import ChangeFeed, KeyWrapper, UnitOfWorkFactory
from domain.sealing import DataKey


@dataclass(frozen=True, slots=True)
class RewrapReport:
    rewrapped: int
    batches: int
    remaining: int
    failed: tuple[UUID, ...] = ()
    """Ids of the data keys that could not be unwrapped (unknown master key, tampered row)."""


class RewrapDataKeys:
    """- only data keys move: API-key ciphertexts are untouched (that is why there are two levels);
    - keys are read in pages by id and each moves in a short transaction of its own, under its
      owner's lock and after a fresh read: a key destroyed or sealed with meanwhile is skipped or
      moved with its seal count intact, never brought back or rolled back;
    - safe to interrupt, re-run and run while serving; keys already under the primary are never
      picked again;
    - a key that cannot be unwrapped is reported by id and passed over: it stops neither this
      run nor the next one."""

    def __init__(
        self, uow: UnitOfWorkFactory, wrapper: KeyWrapper, *, changes: ChangeFeed | None = None
    ) -> None:
        self._changes = changes
        self._uow = uow
        self._wrapper = wrapper

    async def execute(
        self,
        *,
        batch_size: int = 500,
        max_batches: int | None = None,
        on_batch: Callable[[int], None] | None = None,
    ) -> RewrapReport:
        primary = self._wrapper.primary_key_id
        done = batches = 0
        failed: list[UUID] = []
        after: UUID | None = None
        while max_batches is None or batches < max_batches:
            async with self._uow() as uow:
                page = await uow.data_keys.live_not_wrapped_by(primary, batch_size, after=after)
            if not page:
                break
            after = page[-1].id
            moved = 0
            for key in page:
                try:
                    if await self._rewrap(key, primary):
                        moved += 1
                except (UnknownMasterKey, DecryptionFailed):
                    failed.append(key.id)
            done += moved
            batches += 1
            if on_batch is not None:
                on_batch(moved)
        async with self._uow() as uow:
            counts = await uow.data_keys.count_by_kek()
        remaining = sum(n for kek, n in counts.items() if kek != primary)
        return RewrapReport(done, batches, remaining, tuple(failed))

    async def _rewrap(self, listed: DataKey, primary: str) -> bool:
        async with self._uow() as uow:
            await uow.users.lock(listed.user_id)
            key = await uow.data_keys.get(listed.user_id, listed.id)
            if key is None or not key.is_live or key.wrapped.kek_id == primary:
                return False
            dek = await self._wrapper.unwrap(key.wrapped, key.user_id)
            key.rewrap(await self._wrapper.wrap(dek, key.user_id))
            await uow.data_keys.save(key)
            await uow.commit()
            await announce(self._changes, key.user_id)
        return True
