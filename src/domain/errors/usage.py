"""Errors about usage reports."""

from __future__ import annotations

from domain.errors._base import DomainError


class InvalidUsagePeriod(DomainError):
    """A report period that holds no instant: ``until`` must come after ``since``."""

    code = "invalid-usage-period"
