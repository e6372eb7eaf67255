"""Which master keys wrap live data keys, and the refusal to start without one of them."""

from __future__ import annotations

from domain.ports import KeyWrapper, UnitOfWorkFactory


class MasterKeysMissing(RuntimeError):
    """Data keys are wrapped by master keys the keyring no longer has: refusing to strand them.

    A fault of operating the service (it names its settings and its CLI), not of a request:
    it stops startup, so no API error stands for it."""

    def __init__(self, counts: dict[str, int]) -> None:
        listed = ", ".join(f"{kid!r} ({n} data keys)" for kid, n in sorted(counts.items()))
        super().__init__(
            f"master keys still wrap data keys but are not in the keyring: {listed}; "
            "add them back (BYOM_ENCRYPTION_KEYS for local ids, BYOM_KMS_KEY_ID for kms: ids) "
            "and run `byom keys rewrap` before removing them"
        )
        self.counts = counts


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
