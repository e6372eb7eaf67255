"""Issue 13, item 1 over HTTP (memory, SQLite, PostgreSQL): a reply past the cap is stored cut
and says so (the SSE ``done`` event, the JSON reply), and a session's messages come a page at a
time (``GET .../messages?before=&limit=``; the session GET has the latest page)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from application.sessions.send_message import MAX_REPLY_LENGTH
from domain.provider import Provider
from tests.support.chat_api import ChatApi, parse_sse


async def _session(api: ChatApi) -> tuple[dict[str, str], str]:
    me = await api.user("bounds@example.com")
    await api.add_key(me, Provider.OPENAI)
    return me, str((await api.start(me))["id"])


async def test_a_reply_past_the_cap_is_stored_cut_and_marked_truncated(
    any_db_api: ChatApi,
) -> None:
    api = any_db_api
    me, session_id = await _session(api)
    # Long pieces: the stand-in's whole body stays under the adapters' 8 MiB stream limit.
    api.upstreams.by_provider[Provider.OPENAI].reply = " ".join(["x" * 999] * 250)

    answered = await api.send(me, session_id, "Talk a lot")
    streamed = await api.stream(me, session_id, "And more")

    assert answered.status_code == 200, answered.text
    assert (len(answered.json()["content"]), answered.json()["truncated"]) == (
        MAX_REPLY_LENGTH,
        True,
    )
    assert streamed.status_code == 200, streamed.text
    events = parse_sse(streamed.text)
    assert [e.event for e in events][-1] == "done"
    assert "error" not in [e.event for e in events]
    done = events[-1].data
    assert done["truncated"] is True
    assert len(done["message"]["content"]) == MAX_REPLY_LENGTH
    stored = await api.messages(me, session_id)
    assert [m["truncated"] for m in stored] == [False, True, False, True]


async def test_messages_come_a_page_at_a_time_newest_page_first(any_db_api: ChatApi) -> None:
    api = any_db_api
    me, session_id = await _session(api)
    for n in range(5):
        assert (await api.send(me, session_id, f"turn {n}")).status_code == 200

    found = await api.client.get(f"/api/v1/agent-sessions/{session_id}", headers=me)
    pages: list[list[dict[str, Any]]] = []
    url = f"/api/v1/agent-sessions/{session_id}/messages?limit=4"
    cursor: str | None = ""
    while cursor is not None:
        page = await api.client.get(url + (f"&before={cursor}" if cursor else ""), headers=me)
        assert page.status_code == 200, page.text
        pages.append(page.json()["messages"])
        cursor = page.json()["next"]

    assert found.status_code == 200
    assert found.json()["next"] is None  # ten messages fit the default page
    assert [len(p) for p in pages] == [4, 4, 2]
    in_order = [m for page in reversed(pages) for m in page]
    assert [m["id"] for m in in_order] == [m["id"] for m in found.json()["messages"]]
    assert [m["content"] for m in in_order if m["role"] == "user"] == [
        f"turn {n}" for n in range(5)
    ]


async def test_a_bad_cursor_or_limit_is_a_problem_and_a_strangers_session_is_not_found(
    api: ChatApi,
) -> None:
    me, session_id = await _session(api)
    stranger = await api.user("stranger@example.com")
    url = f"/api/v1/agent-sessions/{session_id}/messages"

    bad_cursor = await api.client.get(url + "?before=bm90LWEtY3Vyc29y", headers=me)
    too_many = await api.client.get(url + "?limit=10000", headers=me)
    theirs = await api.client.get(url, headers=stranger)

    assert (bad_cursor.status_code, bad_cursor.json()["type"]) == (400, "/problems/invalid-cursor")
    assert bad_cursor.headers["content-type"].startswith("application/problem+json")
    assert too_many.status_code in (400, 422)
    assert (theirs.status_code, theirs.json()["type"]) == (404, "/problems/session-not-found")


@pytest.mark.parametrize(
    "moment",
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-01-01T00:00:00"],
)
async def test_a_cursor_whose_time_cannot_be_stored_is_a_problem(api: ChatApi, moment: str) -> None:
    # Out of range once converted to UTC (the SQL stores compare in UTC), or without a zone.
    me, session_id = await _session(api)
    raw = f"{moment}|00000000-0000-0000-0000-000000000000".encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")

    page = await api.client.get(
        f"/api/v1/agent-sessions/{session_id}/messages?before={cursor}", headers=me
    )

    assert (page.status_code, page.json()["type"]) == (400, "/problems/invalid-cursor")
