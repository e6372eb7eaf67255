"""Run a second use case in the middle of a first one, right after a chosen store call.

The memory stores never yield to the event loop, so without this a unit test cannot reproduce
what two requests racing on a real database do: read, then another request commits, then write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest


class Interleaving:
    def __init__(self) -> None:
        self.task: asyncio.Task[Any] | None = None

    @property
    def blocked(self) -> bool:
        """The second use case was still waiting (for a lock) when the first went on."""
        return self.task is not None and not self.task.done()

    async def outcome(self) -> Any:
        """What the second use case returned (or raised), once it has finished."""
        assert self.task is not None, "the store call never happened"
        return await asyncio.wait_for(self.task, timeout=10)


def interleave(
    monkeypatch: pytest.MonkeyPatch,
    store_class: type,
    method: str,
    other: Callable[[], Coroutine[Any, Any, Any]],
    *,
    on_call: int = 1,
    patience: float = 0.2,
) -> Interleaving:
    """After the ``on_call``-th call of ``store_class.method`` returns, start ``other`` and let it
    run until it finishes, or for ``patience`` seconds if it blocks (on a lock the first holds)."""
    original = getattr(store_class, method)
    calls = 0
    handle = Interleaving()

    async def patched(self: object, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        result = await original(self, *args, **kwargs)
        calls += 1
        if calls == on_call:
            handle.task = asyncio.create_task(other())
            await asyncio.wait({handle.task}, timeout=patience)
        return result

    monkeypatch.setattr(store_class, method, patched)
    return handle
