"""Users' budgets in SQL."""

from __future__ import annotations

from uuid import UUID

from adapters.persistence.sqlalchemy._db import Db
from adapters.persistence.sqlalchemy.spend_tables import UserBudgetRow
from domain.budget import UserBudget
from domain.ports import BudgetStore


class SqlAlchemyBudgetStore(BudgetStore):
    def __init__(self, db: Db) -> None:
        self._db = db

    async def get(self, user_id: UUID) -> UserBudget:
        row = await self._db.get(UserBudgetRow, user_id)
        if row is None:
            return UserBudget()
        return UserBudget(row.monthly_usd, row.alert_percent)

    async def put(self, user_id: UUID, budget: UserBudget) -> None:
        async with self._db.savepoint() as session:
            row = await session.get(UserBudgetRow, user_id)
            if row is None:
                row = UserBudgetRow(user_id=user_id)
                session.add(row)
            row.monthly_usd = budget.monthly_usd
            row.alert_percent = budget.alert_percent
