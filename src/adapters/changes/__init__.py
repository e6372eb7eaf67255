"""Change feeds: how a change made in one process reaches every other (`ChangeFeed`)."""

from adapters.changes.in_process import InProcessChangeFeed

__all__ = ["InProcessChangeFeed"]
