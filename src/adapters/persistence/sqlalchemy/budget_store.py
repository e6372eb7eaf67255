"""Users' budgets in SQL."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Table, bindparam, select

from adapters.persistence.sqlalchemy._db import Db
from adapters.persistence.sqlalchemy.spend_tables import UserBudgetRow
from domain.budget import UserBudget
from domain.ports import BudgetStore

_BUDGETS: Table = UserBudgetRow.__table__  # type: ignore[assignment]
# Built once (its cache key memoized): read on every call on a user's own key.
_GET = select(_BUDGETS.c.monthly_usd, _BUDGETS.c.alert_percent).where(
    _BUDGETS.c.user_id == bindparam("user_id")
)


class SqlAlchemyBudgetStore(BudgetStore):
    def __init__(self, db: Db) -> None:
        self._db = db

    async def get(self, user_id: UUID) -> UserBudget:
        row = (await self._db.execute(_GET, {"user_id": user_id})).first()
        if row is None:
            return UserBudget()
        return UserBudget(row[0], row[1])

    async def put(self, user_id: UUID, budget: UserBudget) -> None:
        async with self._db.savepoint() as session:
            row = await session.get(UserBudgetRow, user_id)
            if row is None:
                row = UserBudgetRow(user_id=user_id)
                session.add(row)
            row.monthly_usd = budget.monthly_usd
            row.alert_percent = budget.alert_percent
