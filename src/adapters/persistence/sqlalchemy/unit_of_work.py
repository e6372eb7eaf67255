"""One database transaction over every SQL store."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.persistence.sqlalchemy._db import Db
from adapters.persistence.sqlalchemy._errors import translate
from adapters.persistence.sqlalchemy.agent_session_store import SqlAlchemyAgentSessionStore
from adapters.persistence.sqlalchemy.budget_store import SqlAlchemyBudgetStore
from adapters.persistence.sqlalchemy.credential_event_log import SqlAlchemyCredentialEventLog
from adapters.persistence.sqlalchemy.credential_store import SqlAlchemyCredentialStore
from adapters.persistence.sqlalchemy.data_key_store import SqlAlchemyDataKeyStore
from adapters.persistence.sqlalchemy.gateway_token_store import SqlAlchemyGatewayTokenStore
from adapters.persistence.sqlalchemy.spend_ledger import SqlAlchemySpendLedger
from adapters.persistence.sqlalchemy.usage_store import SqlAlchemyUsageStore
from adapters.persistence.sqlalchemy.user_store import SqlAlchemyUserStore
from domain.ports import (
    AgentSessionStore,
    BudgetStore,
    CredentialEventLog,
    CredentialStore,
    DataKeyStore,
    GatewayTokenStore,
    SpendLedger,
    UnitOfWork,
    UnitOfWorkFactory,
    UsageStore,
    UserStore,
)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Rows are mapped to entities as soon as they are read, so nothing needs expiring, and
    # the stores flush explicitly (inside savepoints) rather than on the next query.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


class SqlAlchemyUnitOfWork(UnitOfWork):
    """The stores exist inside ``async with`` only; leaving without ``commit()`` rolls back."""

    users: UserStore
    credentials: CredentialStore
    credential_events: CredentialEventLog
    data_keys: DataKeyStore
    sessions: AgentSessionStore
    usage: UsageStore
    gateway_tokens: GatewayTokenStore
    budgets: BudgetStore
    spend: SpendLedger

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._db: Db | None = None
        self.committed = False

    async def __aenter__(self) -> Self:
        session = self._sessions()
        db = Db(session, session.get_bind().dialect.name)
        self._db = db
        self.users = SqlAlchemyUserStore(db)
        self.credentials = SqlAlchemyCredentialStore(db)
        self.credential_events = SqlAlchemyCredentialEventLog(db)
        self.data_keys = SqlAlchemyDataKeyStore(db)
        self.sessions = SqlAlchemyAgentSessionStore(db)
        self.usage = SqlAlchemyUsageStore(db)
        self.gateway_tokens = SqlAlchemyGatewayTokenStore(db)
        self.budgets = SqlAlchemyBudgetStore(db)
        self.spend = SqlAlchemySpendLedger(db)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        db, self._db = self._db, None
        if db is None:
            return
        try:
            await db.session.close()  # rolls back whatever was not committed
        except Exception as error:
            if exc is not None:
                return  # the error already on its way out says more than this one
            translated = translate(error)
            if translated is None:
                raise
            raise translated from None

    async def commit(self) -> None:
        await self._open().commit()
        self.committed = True

    async def rollback(self) -> None:
        await self._open().rollback()

    def _open(self) -> Db:
        if self._db is None:
            raise RuntimeError("use the unit of work inside `async with` only")
        return self._db


class SqlAlchemyUnitOfWorkFactory(UnitOfWorkFactory):
    """The ``UnitOfWorkFactory`` over one engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)

    def __call__(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self._sessions)
