"""Settings of agent sessions: how large a conversation may grow."""

from __future__ import annotations

from dataclasses import dataclass

from entrypoints.settings._parsers import positive
from entrypoints.settings._variables import setting


@dataclass(frozen=True, slots=True)
class SessionSettings:
    max_messages: int = setting(
        "BYOM_SESSION_MAX_MESSAGES",
        1000,
        positive,
        "messages one agent session may hold; the turn past it is a 409 `session-full`",
    )
    history_max_bytes: int = setting(
        "BYOM_SESSION_HISTORY_MAX_BYTES",
        4 * 1024 * 1024,
        positive,
        "text of a session's history sent upstream per turn at most (the model's context "
        "window trims it first)",
        shown="`4194304` (4 MiB)",
    )
