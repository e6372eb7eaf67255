"""Every call of the caller in a period, one row each, read a bounded page at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.usage._period import UsagePeriod
from domain.gateway_token import GatewayToken
from domain.ports import UnitOfWorkFactory
from domain.usage import UsageRecord

PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class ExportedCall:
    """A call with the name of the gateway token that made it (None: none did, or the token
    is no longer on record)."""

    record: UsageRecord
    token_name: str | None = None


class UsageExport:
    """The calls, oldest first. ``pages()`` reads one page per unit of work, so a long history
    holds at most one page in memory and no transaction open between pages."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        user_id: UUID,
        period: UsagePeriod,
        token_names: dict[UUID, str],
        first: list[UsageRecord],
        page_size: int,
    ) -> None:
        self._uow = uow
        self._user_id = user_id
        self._period = period
        self._names = token_names
        self._first = first
        self._page_size = page_size

    @property
    def period(self) -> UsagePeriod:
        return self._period

    def _name_of(self, token_id: UUID | None) -> str | None:
        return None if token_id is None else self._names.get(token_id)

    async def pages(self) -> AsyncIterator[list[ExportedCall]]:
        page = self._first
        while page:
            yield [ExportedCall(r, self._name_of(r.gateway_token_id)) for r in page]
            if len(page) < self._page_size:
                return
            last = page[-1]
            async with self._uow() as uow:
                page = await uow.usage.records(
                    self._user_id,
                    since=self._period.since,
                    until=self._period.until,
                    after=(last.created_at, last.id),
                    limit=self._page_size,
                )


class ExportUsage:
    """- the caller's calls only, at or after ``since`` and before ``until`` (the report's
      rules: UTC, ``until`` after ``since``), oldest first;
    - the first page is read here, so a refused period or an unreachable database fails
      before anything is sent; the rest as ``pages()`` is read."""

    def __init__(self, uow: UnitOfWorkFactory, *, page_size: int = PAGE_SIZE) -> None:
        self._uow = uow
        self._page_size = page_size

    async def execute(
        self, user_id: UUID, *, since: datetime | None = None, until: datetime | None = None
    ) -> UsageExport:
        period = UsagePeriod.of(since, until)
        async with self._uow() as uow:
            tokens = await uow.gateway_tokens.list_for_user(user_id)
            first = await uow.usage.records(
                user_id, since=period.since, until=period.until, limit=self._page_size
            )
        return UsageExport(self._uow, user_id, period, _names(tokens), first, self._page_size)


def _names(tokens: list[GatewayToken]) -> dict[UUID, str]:
    return {token.id: token.name for token in tokens}
