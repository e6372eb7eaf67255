"""The tables of spend control (see tables.py for the conventions): users' budgets, and per
cap and period the spend and the calls' holds. Imported by the package, so ``metadata`` always
holds them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from adapters.persistence.sqlalchemy.tables import Base


def _user_fk() -> ForeignKey:
    return ForeignKey("users.id", ondelete="CASCADE")


# Spend counters hold tokens as well as USD: wider than a call's cost.
SPEND = Numeric(24, 10)


class UserBudgetRow(Base):
    __tablename__ = "user_budgets"

    user_id: Mapped[UUID] = mapped_column(_user_fk(), primary_key=True)
    monthly_usd: Mapped[Decimal | None]
    alert_percent: Mapped[int | None] = mapped_column(Integer)


class SpendCounterRow(Base):
    """Per cap and period: settled spend and live reservations. Reserving is one conditional
    UPDATE of this row, so the database serializes it per cap, across workers."""

    __tablename__ = "spend_counters"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    period_start: Mapped[datetime] = mapped_column(primary_key=True)
    user_id: Mapped[UUID] = mapped_column(_user_fk(), index=True)
    spent: Mapped[Decimal] = mapped_column(SPEND)
    reserved: Mapped[Decimal] = mapped_column(SPEND)


class SpendHoldRow(Base):
    """One call's reservation against one counter; expired ones are swept off the counter."""

    __tablename__ = "spend_holds"
    __table_args__ = (Index(None, "scope", "expires_at"),)

    hold_id: Mapped[UUID] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    period_start: Mapped[datetime]
    user_id: Mapped[UUID] = mapped_column(_user_fk(), index=True)
    amount: Mapped[Decimal] = mapped_column(SPEND)
    expires_at: Mapped[datetime]
