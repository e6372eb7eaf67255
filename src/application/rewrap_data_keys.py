"""Move every user's data key under the primary master key (master key rotation)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.errors import MasterKeysMissing
from domain.ports import KeyWrapper, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class RewrapReport:
    rewrapped: int
    batches: int
    remaining: int


class RewrapDataKeys:
    """- only data keys move: API-key ciphertexts are untouched (that is why there are two levels);
    - batched, each batch in its own transaction: safe to interrupt, re-run and run while serving;
    - idempotent: keys already under the primary are never picked again."""

    def __init__(self, uow: UnitOfWorkFactory, wrapper: KeyWrapper) -> None:
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
        while max_batches is None or batches < max_batches:
            async with self._uow() as uow:
                keys = await uow.data_keys.live_not_wrapped_by(primary, batch_size)
                if not keys:
                    break
                for key in keys:
                    dek = await self._wrapper.unwrap(key.wrapped, key.user_id)
                    key.wrapped = await self._wrapper.wrap(dek, key.user_id)
                    await uow.data_keys.save(key)
                await uow.commit()
            done += len(keys)
            batches += 1
            if on_batch is not None:
                on_batch(len(keys))
        async with self._uow() as uow:
            counts = await uow.data_keys.count_by_kek()
        remaining = sum(n for kek, n in counts.items() if kek != primary)
        return RewrapReport(done, batches, remaining)


class KeyringCensus:
    """Live data keys per master key id, and the refusal to run without any of them."""

    def __init__(self, uow: UnitOfWorkFactory, wrapper: KeyWrapper) -> None:
        self._uow = uow
        self._wrapper = wrapper

    async def execute(self) -> dict[str, int]:
        async with self._uow() as uow:
            return await uow.data_keys.count_by_kek()

    async def ensure_complete(self) -> None:
        """Raises ``MasterKeysMissing`` when data keys are wrapped by keys not in the keyring."""
        known = set(self._wrapper.key_ids())
        missing = {kek: n for kek, n in (await self.execute()).items() if kek not in known and n}
        if missing:
            raise MasterKeysMissing(missing)
