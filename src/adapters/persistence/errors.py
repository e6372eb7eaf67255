"""Errors the persistence adapters raise besides the domain's own."""

from __future__ import annotations

from domain.errors import DomainError


class StoreUnavailable(DomainError):
    """The database could not be reached: a fault of operating the service, not of the request.

    Still a ``DomainError``: every caller that reports an expected failure (the reply stored
    after a stream, the CLI, the pages) reports this one too, without naming an adapter; the
    entrypoints answer 503 ``service-unavailable``."""

    code = "store-unavailable"

    def __init__(self) -> None:
        super().__init__("the database is not reachable right now")


class SchemaNotCurrent(DomainError):
    """The database's schema is not the one this code was written for (its migrations have
    not run yet, or another instance is running them): the instance is not ready."""

    code = "schema-not-current"

    def __init__(self) -> None:
        super().__init__("the database schema is not at this version's migration head")


class ConstraintViolation(RuntimeError):
    """A database rule with no domain meaning was broken (a missing parent row, a second live
    data key for a user, a reused token digest): a bug in the caller, not bad user input.

    The message names the constraint only, never a value.
    """

    def __init__(self, constraint: str) -> None:
        super().__init__(f"constraint {constraint!r} violated")
        self.constraint = constraint


class MissingRow(RuntimeError):
    """``save`` was given an entity that was never added: a bug in the caller."""

    def __init__(self, table: str) -> None:
        super().__init__(f"no {table} row with this id to save")
        self.table = table


class DatabaseError(RuntimeError):
    """Any other driver error (a bug: a wrong type, too long a value). Names its class only."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"database error ({kind})")
        self.kind = kind
