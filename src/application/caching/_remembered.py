"""A short, bounded memory of what a user's requests keep re-reading, kept honest by the
change feed (docs/architecture.md, "What a worker remembers")."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar
from uuid import UUID

from domain.ports import ChangeFeed, Clock

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Ticket:
    """Taken before the read whose result may be kept: the notices heard by then (``seq``)
    and when the read started (an entry's lifetime runs from it)."""

    seq: int
    at: datetime


@dataclass(slots=True)
class _Entry(Generic[V]):
    user_id: UUID
    value: V = field(repr=False)  # an unwrapped data key, for one
    read_at: datetime
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        # A clock that went back would otherwise stretch the lifetime by as much.
        return not self.read_at <= now < self.expires_at


class Remembered(Generic[K, V]):
    """- at most ``max_entries``, the least recently used dropped first; an entry is served for
      ``lifetime_s`` from when its read started, never extended by a hit (nor by a clock
      that goes back: the entry then expires);
    - a notice for a user drops that user's entries; a notice of None drops everything;
    - while the feed is not ``live`` nothing is served or kept (notices may be missed);
    - a read that started before a notice is never kept after it (``ticket`` before the read,
      ``keep`` compares: a per-user generation, counted in one sequence of notices);
    - ``forget`` is called on every value dropped, expired or replaced (a secret is wiped);
    - without a feed, or with no lifetime or room, it is off: every read goes to the store."""

    __slots__ = (
        "_clock",
        "_entries",
        "_feed",
        "_floor",
        "_forget",
        "_heard",
        "_lifetime",
        "_max",
        "_next_sweep",
        "_seq",
        "_timer",
        "_timer_loop",
        "_users",
    )

    def __init__(
        self,
        feed: ChangeFeed | None,
        clock: Clock,
        *,
        lifetime_s: float,
        max_entries: int,
        forget: Callable[[V], None] | None = None,
    ) -> None:
        self._feed = feed if lifetime_s > 0 and max_entries > 0 else None
        self._clock = clock
        self._lifetime = timedelta(seconds=lifetime_s)
        self._max = max_entries
        self._forget = forget
        self._entries: OrderedDict[K, _Entry[V]] = OrderedDict()
        self._users: dict[UUID, set[K]] = {}
        self._seq = 0
        self._floor = 0  # a ticket below it is refused (everything dropped since)
        # user -> seq of their last notice; bounded: forgetting one raises the floor instead.
        self._heard: OrderedDict[UUID, int] = OrderedDict()
        self._next_sweep = clock.now()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None
        if self._feed is not None:
            self._feed.subscribe(self._notice)

    @property
    def on(self) -> bool:
        return self._feed is not None

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Remembered(entries={len(self._entries)}, users={len(self._users)})"

    def ticket(self) -> Ticket:
        return Ticket(self._seq, self._clock.now())

    def recall(self, key: K) -> V | None:
        if self._feed is None:
            return None
        if not self._feed.live:
            self._drop_all()
            return None
        now = self._clock.now()
        self._sweep(now)
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expired(now):
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry.value

    def keep(self, user_id: UUID, key: K, value: V, ticket: Ticket) -> bool:
        """Keep ``value`` read since ``ticket``; False (nothing kept) when a notice for
        ``user_id`` (or for everyone) came since, or the feed is not live."""
        if self._feed is None or not self._feed.live:
            return False
        if ticket.seq < self._floor or self._heard.get(user_id, -1) > ticket.seq:
            return False
        expires_at = ticket.at + self._lifetime
        if expires_at <= self._clock.now():
            return False
        if key in self._entries:
            self._drop(key)
        self._entries[key] = _Entry(user_id, value, ticket.at, expires_at)
        self._users.setdefault(user_id, set()).add(key)
        while len(self._entries) > self._max:
            self._drop(next(iter(self._entries)))
        if self._forget is not None:
            self._sweep_at(expires_at)
        return True

    def discard(self, key: K) -> None:
        if key in self._entries:
            self._drop(key)

    def _notice(self, user_id: UUID | None) -> None:
        self._seq += 1
        if user_id is None:
            self._floor = self._seq
            self._drop_all()
            return
        self._heard[user_id] = self._seq
        self._heard.move_to_end(user_id)
        while len(self._heard) > self._max:
            _, seq = self._heard.popitem(last=False)
            self._floor = max(self._floor, seq)
        for key in self._users.pop(user_id, ()):
            entry = self._entries.pop(key, None)
            if entry is not None:
                self._wipe(entry)

    def _sweep(self, now: datetime) -> None:
        """Expired entries go within a quarter of a lifetime, read again or not (secrets)."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + self._lifetime / 4
        for key in [k for k, e in self._entries.items() if e.expired(now)]:
            self._drop(key)

    def _sweep_at(self, when: datetime) -> None:
        """Secrets go when their lifetime ends even if no request reads them again (an idle
        worker): one timer on the event loop, set for the entry that expires first."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # kept outside an event loop: the next read sweeps
            return
        if self._timer is not None and self._timer_loop is loop:
            return  # one timer: when it fires it sets the next, for the entry expiring first
        self._timer_loop = loop
        delay = max((when - self._clock.now()).total_seconds(), 0.001)
        self._timer = loop.call_later(delay, self._timed_sweep)

    def _timed_sweep(self) -> None:
        self._timer = None
        now = self._clock.now()
        self._next_sweep = now
        self._sweep(now)
        if self._entries:
            self._sweep_at(min(e.expires_at for e in self._entries.values()))

    def _drop(self, key: K) -> None:
        entry = self._entries.pop(key)
        keys = self._users.get(entry.user_id)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._users[entry.user_id]
        self._wipe(entry)

    def _drop_all(self) -> None:
        entries = list(self._entries.values())
        self._entries.clear()
        self._users.clear()
        for entry in entries:
            self._wipe(entry)

    def _wipe(self, entry: _Entry[V]) -> None:
        if self._forget is not None:
            self._forget(entry.value)
