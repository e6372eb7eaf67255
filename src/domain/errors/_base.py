"""The base of every error the domain and the application raise on purpose."""

from __future__ import annotations


class DomainError(Exception):
    """An expected failure with a stable ``code``, distinct for each class.

    The code names the error, not its presentation: the entrypoints derive what a client sees
    from it (a problem slug, a status) and may merge several codes into one public answer.
    Messages never contain secrets."""

    code = "domain-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
