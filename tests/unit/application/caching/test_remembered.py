"""The bounded, short-lived cache every hot-path fact goes through (``Remembered``)."""

from __future__ import annotations

import asyncio
from uuid import UUID, uuid4

import pytest

from adapters.changes import InProcessChangeFeed
from adapters.persistence.memory.database import MemoryDatabase
from application.accounts.get_user import GetUser
from application.caching._remembered import Remembered
from application.credentials._sealer import wipe
from domain.errors import UserNotFound
from domain.user import User
from tests.support.changes import ChangedMidRead, SwitchableChangeFeed
from tests.support.fakes import FakeClock

ALICE, BOB = uuid4(), uuid4()


def cache(
    feed: SwitchableChangeFeed | InProcessChangeFeed | None,
    clock: FakeClock,
    *,
    lifetime_s: float = 60,
    max_entries: int = 100,
) -> Remembered[str, str]:
    return Remembered(feed, clock, lifetime_s=lifetime_s, max_entries=max_entries)


def remember(memory: Remembered[str, str], user: UUID, key: str, value: str = "v") -> bool:
    return memory.keep(user, key, value, memory.ticket())


async def test_an_entry_is_served_for_its_lifetime_from_its_read_and_no_longer() -> None:
    clock = FakeClock()
    memory = cache(InProcessChangeFeed(), clock, lifetime_s=60)
    ticket = memory.ticket()
    clock.advance(10)  # the read took ten seconds: its lifetime started before them
    assert memory.keep(ALICE, "a", "alice's", ticket)
    clock.advance(49)
    assert memory.recall("a") == "alice's"  # a hit does not extend it
    clock.advance(1)
    assert memory.recall("a") is None
    assert len(memory) == 0


async def test_a_clock_that_goes_back_expires_entries() -> None:
    clock = FakeClock()
    memory = cache(InProcessChangeFeed(), clock)
    remember(memory, ALICE, "a")
    clock.advance(-3600)
    assert memory.recall("a") is None


async def test_the_least_recently_used_entry_goes_first_past_the_bound() -> None:
    memory = cache(InProcessChangeFeed(), FakeClock(), max_entries=2)
    remember(memory, ALICE, "a")
    remember(memory, ALICE, "b")
    assert memory.recall("a") == "v"  # "b" is now the least recently used
    remember(memory, BOB, "c")
    assert (memory.recall("a"), memory.recall("b"), memory.recall("c")) == ("v", None, "v")
    assert len(memory) == 2


async def test_a_notice_for_a_user_drops_that_users_entries_only() -> None:
    feed = InProcessChangeFeed()
    memory = cache(feed, FakeClock())
    remember(memory, ALICE, "a1")
    remember(memory, ALICE, "a2")
    remember(memory, BOB, "b")
    await feed.publish(ALICE)
    assert (memory.recall("a1"), memory.recall("a2"), memory.recall("b")) == (None, None, "v")


async def test_a_notice_of_none_drops_everything_and_every_read_in_flight() -> None:
    feed = SwitchableChangeFeed()
    memory = cache(feed, FakeClock())
    remember(memory, ALICE, "a")
    remember(memory, BOB, "b")
    in_flight = memory.ticket()
    feed.go_down()
    feed.come_back()  # listeners hear None: anything may have changed meanwhile
    assert (memory.recall("a"), memory.recall("b")) == (None, None)
    assert not memory.keep(BOB, "b", "stale", in_flight)
    assert remember(memory, BOB, "b", "fresh")


async def test_while_the_feed_is_down_nothing_is_served_or_kept() -> None:
    feed = SwitchableChangeFeed()
    memory = cache(feed, FakeClock())
    remember(memory, ALICE, "a")
    feed.go_down()
    assert memory.recall("a") is None
    assert not remember(memory, ALICE, "a")
    feed.come_back()
    assert memory.recall("a") is None  # what was kept before is gone, not served again
    assert remember(memory, ALICE, "a")
    assert memory.recall("a") == "v"


async def test_a_read_that_started_before_a_notice_is_not_kept_after_it() -> None:
    feed = InProcessChangeFeed()
    memory = cache(feed, FakeClock())
    before = memory.ticket()
    await feed.publish(ALICE)  # Alice's state changed while the read was under way
    assert not memory.keep(ALICE, "a", "old", before)
    assert memory.keep(BOB, "b", "unrelated", before)  # another user's notice is no reason
    assert remember(memory, ALICE, "a", "new")
    assert memory.recall("a") == "new"


async def test_forgetting_old_notices_refuses_reads_older_than_them() -> None:
    feed = InProcessChangeFeed()
    memory = cache(feed, FakeClock(), max_entries=1)  # remembers one user's last notice
    before = memory.ticket()
    await feed.publish(ALICE)
    await feed.publish(BOB)  # Alice's notice is forgotten: the floor rises past ``before``
    assert not memory.keep(ALICE, "a", "old", before)


async def test_without_a_feed_or_a_lifetime_it_is_off() -> None:
    clock = FakeClock()
    for memory in (cache(None, clock), cache(InProcessChangeFeed(), clock, lifetime_s=0)):
        assert not memory.on
        assert not remember(memory, ALICE, "a")
        assert memory.recall("a") is None


async def test_secrets_are_wiped_when_dropped_and_never_shown() -> None:
    feed, clock = InProcessChangeFeed(), FakeClock()
    memory: Remembered[str, bytearray] = Remembered(
        feed, clock, lifetime_s=60, max_entries=1, forget=wipe
    )
    expired, replaced, evicted, noticed = (bytearray(b"secret-%d" % i) for i in range(4))
    memory.keep(ALICE, "k", expired, memory.ticket())
    clock.advance(60)
    assert memory.recall("k") is None
    memory.keep(ALICE, "k", replaced, memory.ticket())
    memory.keep(ALICE, "k", evicted, memory.ticket())
    memory.keep(BOB, "other", noticed, memory.ticket())
    await feed.publish(BOB)
    for secret in (expired, replaced, evicted, noticed):
        assert secret == bytearray(len(secret)), "every dropped secret is overwritten"
    kept = bytearray(b"kept-secret")
    memory.keep(ALICE, "k", kept, memory.ticket())
    assert repr(memory) == "Remembered(entries=1, users=1)"
    assert "kept-secret" not in str(memory)


async def test_a_user_closed_while_being_read_is_not_remembered_as_active() -> None:
    """The race: GetUser reads the account, another request closes it and publishes before
    the reader stores what it read. The stale read must not be kept and served."""
    db, feed, clock = MemoryDatabase(), InProcessChangeFeed(), FakeClock()
    user = User(uuid4(), "a@example.com", "hash", clock.now())
    db.users[user.id] = user
    closed = False

    async def close_the_account(user_id: UUID) -> None:
        nonlocal closed
        if not closed:
            closed = True
            db.users[user_id].is_active = False
            await feed.publish(user_id)

    known: Remembered[UUID, User] = Remembered(feed, clock, lifetime_s=60, max_entries=10)
    get_user = GetUser(ChangedMidRead(db, close_the_account), known)
    assert (await get_user.execute(user.id)).is_active  # read before the close: as it was
    assert len(known) == 0
    with pytest.raises(UserNotFound):
        await get_user.execute(user.id)


async def test_a_remembered_secret_is_wiped_when_its_lifetime_ends_with_no_request_after() -> None:
    """An idle worker must not hold a data key past its lifetime: nothing reads the cache
    again, yet the key is wiped (a timer on the event loop, not the next request)."""
    from adapters.clock import SystemClock

    secret = bytearray(b"k" * 32)
    memory: Remembered[str, bytearray] = Remembered(
        InProcessChangeFeed(), SystemClock(), lifetime_s=0.05, max_entries=10, forget=wipe
    )
    assert memory.keep(ALICE, "dek", secret, memory.ticket())
    for _ in range(100):  # the timer fires after 0.05 s; a slow machine gets up to 2 s
        if not any(secret):
            break
        await asyncio.sleep(0.02)
    assert not any(secret), "the data key outlived its lifetime in an idle worker"
    assert len(memory) == 0


def test_no_repr_of_its_entries_shows_a_remembered_secret() -> None:
    """A traceback that shows locals (``entry``) must not print an unwrapped data key."""
    memory: Remembered[str, bytearray] = Remembered(
        InProcessChangeFeed(), FakeClock(), lifetime_s=60, max_entries=10, forget=wipe
    )
    user = uuid4()
    assert memory.keep(user, "k", bytearray(b"data-key-bytes"), memory.ticket())
    entry = memory._entries["k"]
    assert "data-key-bytes" not in repr(entry)
